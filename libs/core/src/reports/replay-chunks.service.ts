import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, Clock, DatabaseService, type AppConfig } from '../platform';
import { rebuildDueReplayChunks } from './replay.queries';
import { TRACK_CHUNK_SWEEP, startTrackChunkSweeps } from './track-chunk-sweeps';

/**
 * Keeps the stored replay chunks (unit_track_replay, migration 0026) current: inserts into
 * unit_tracks mark their 5-minute chunks dirty (a trigger, same transaction) and the processors
 * rebuild closed dirty chunks every 15 s. Until then a replay reads those chunks' raw tracks.
 */
@Injectable()
export class ReplayChunksService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReplayChunksService.name);
  private stopSweeps?: () => void;

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    // none on PGlite: replay reads the raw tracks there, as it does for any chunk not yet built
    this.stopSweeps = startTrackChunkSweeps(
      this.database,
      this.config,
      () => this.sweep(),
      (err) => this.logger.warn(`replay chunk rebuild failed: ${err.message}`),
    );
  }

  onApplicationShutdown() {
    this.stopSweeps?.();
  }

  /**
   * One round: the oldest closed dirty chunks, each rebuilt in its own transaction; a chunk an
   * insert touched meanwhile stays dirty (its generation moved on). Returns the chunks rebuilt.
   */
  async sweep(settleMs: number = TRACK_CHUNK_SWEEP.settleMs): Promise<number> {
    const closedBefore = new Date(this.clock.now().getTime() - settleMs);
    return rebuildDueReplayChunks(this.database.db, closedBefore, TRACK_CHUNK_SWEEP.chunks);
  }
}
