import { Controller, Get, Inject } from '@nestjs/common';
import { TIMERS_QUEUE, type JobQueue } from '@ringcad/contracts';
import {
  APP_CONFIG,
  DatabaseService,
  POSITIONS_QUEUE,
  QueueService,
  countTimersByStatus,
  countTrackRows,
  RoadNetworkService,
  type AppConfig,
} from '@ringcad/core';
import { Access } from '../auth/access';
import { ApiRoute } from '../common/api-route';
import { systemStatusSchema } from '@ringcad/contracts';

/** Operations view for admins: queue depths and stored volumes. */
@Controller('api/v1/system')
export class SystemController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: DatabaseService,
    private readonly queues: QueueService,
    private readonly roads: RoadNetworkService,
  ) {}

  @Access({ roles: ['admin'], scope: 'city' })
  @Get('status')
  @ApiRoute({
    summary: 'Queue depths, stored tracks, timers, road network',
    response: systemStatusSchema,
  })
  async status() {
    const counts = async (name: JobQueue) =>
      this.queues.queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    const trackRows = await countTrackRows(this.database.db);
    const timers = await countTimersByStatus(this.database.db);
    return {
      mode: this.config.mode,
      database: this.database.raw.kind,
      queueBackend: this.queues.backend,
      processors: this.config.runProcessors,
      queues: {
        [POSITIONS_QUEUE]: await counts(POSITIONS_QUEUE),
        [TIMERS_QUEUE]: await counts(TIMERS_QUEUE),
      },
      trackRows,
      timers: Object.fromEntries(timers.map((t) => [t.status, t.n])),
      roadNetwork: this.roads.summary(),
    };
  }
}
