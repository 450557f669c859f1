import { Controller, Get, HttpCode } from '@nestjs/common';
import { sql } from 'kysely';
import { DatabaseService, DomainError, QueueService } from '@ringcad/core';
import { Public } from '../auth/access';
import { ApiRoute } from '../common/api-route';
import { healthSchema } from '@ringcad/contracts';

@Controller()
export class HealthController {
  constructor(
    private readonly database: DatabaseService,
    private readonly queues: QueueService,
  ) {}

  @Public()
  @Get(['health', 'api/v1/health'])
  @HttpCode(200)
  @ApiRoute({ summary: 'Ready once the database and job queue are usable', response: healthSchema, errors: ['UNAVAILABLE'] })
  async health() {
    try {
      await sql`SELECT 1`.execute(this.database.db);
      await this.queues.queue('timers').getJobCounts('delayed');
    } catch (err) {
      throw new DomainError('UNAVAILABLE', `not ready: ${(err as Error).message}`);
    }
    return { status: 'ok', database: this.database.raw.kind, queue: this.queues.backend };
  }
}
