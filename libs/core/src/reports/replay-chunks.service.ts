import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  APP_CONFIG,
  Clock,
  DatabaseService,
  repeatWithoutOverlap,
  type AppConfig,
} from '../platform';
import { rebuildDueReplayChunks } from './replay.queries';

/** How often the processors rebuild dirty replay chunks, and how many per round. */
const SWEEP_MS = 15_000;
const SWEEP_CHUNKS = 24;
/** A chunk is rebuilt once this long past its end (later points dirty it again). */
const SETTLE_MS = 30_000;

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
    if (!this.config.runProcessors) return;
    // Embedded mode: PGlite runs on the event loop that answers 110 calls, and rebuilding a
    // 5-minute chunk of a large fleet (millions of points at peak) would hold it for seconds.
    // Replay reads the raw tracks there, as it does for any chunk not yet built.
    if (this.database.raw.kind === 'pglite') return;
    this.stopSweeps = repeatWithoutOverlap(
      SWEEP_MS,
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
  async sweep(settleMs = SETTLE_MS): Promise<number> {
    const closedBefore = new Date(this.clock.now().getTime() - settleMs);
    return rebuildDueReplayChunks(this.database.db, closedBefore, SWEEP_CHUNKS);
  }
}
