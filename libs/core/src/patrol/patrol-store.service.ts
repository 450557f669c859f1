import { createHash } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  MATCH_CHUNK_MS,
  MATCH_LEAD_MS,
  encodeChunkSegments,
  matchChunk,
  patrolPointKey,
  type RoadGraph,
  type UnitTrack,
} from '@ringcad/routing';
import type { DbOrTx } from '@ringcad/db';
import { APP_CONFIG, Clock, DatabaseService, type AppConfig } from '../platform';
import { TRACK_CHUNK_SWEEP, startTrackChunkSweeps } from '../reports';
import { RoadNetworkService } from '../roads';
import {
  allPatrolPoints,
  dirtyChunks,
  storeChunks,
  staleChunks,
  type MatchedChunk,
} from './patrol-store.queries';
import { cityTracks } from './patrol.queries';

/** At most this many contiguous chunks (an hour) per read of the tracks. */
const RUN_CHUNKS = 12;

export interface PatrolPointSet {
  points: { key: string; lon: number; lat: number }[];
  key: string;
}

/** Each track cut to [fromMs, toMs) (points in time order). */
function cut(tracks: readonly UnitTrack[], fromMs: number, toMs: number): UnitTrack[] {
  const out: UnitTrack[] = [];
  for (const t of tracks) {
    const points = t.points.filter((p) => p.ms >= fromMs && p.ms < toMs);
    if (points.length) out.push({ unitId: t.unitId, points });
  }
  return out;
}

/**
 * The matched store behind 见警率: unit tracks map-matched chunk by chunk (see
 * `MATCH_CHUNK_MS`) into per-tile rows a visibility request reads instead of matching. Inserts
 * into `unit_tracks` mark their chunks dirty (a trigger, same transaction); the processors drain
 * closed dirty chunks every 15 s, and a request first matches whatever of its window is still
 * stale (the live edge, or everything after a road network or patrol point change), so an
 * answer is never older than the tracks.
 */
@Injectable()
export class PatrolStoreService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PatrolStoreService.name);
  private stopSweeps?: () => void;

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly roads: RoadNetworkService,
  ) {}

  onApplicationBootstrap() {
    // none on PGlite (where the matching would also hold the event loop that answers 110 calls):
    // a 见警率 request matches what is stale in its own window there (ensureMatched)
    this.stopSweeps = startTrackChunkSweeps(
      this.database,
      this.config,
      () => this.sweep(),
      (err) => this.logger.warn(`patrol matching failed: ${err.message}`),
    );
  }

  onApplicationShutdown() {
    this.stopSweeps?.();
  }

  /** The road network the store is matched on ('' when none is loaded). */
  networkId(): string {
    return String(this.roads.summary()?.id ?? '');
  }

  /** Every plan's patrol points (by place) and a key of the set. */
  async patrolPoints(db: DbOrTx = this.database.db): Promise<PatrolPointSet> {
    const byKey = new Map<string, { key: string; lon: number; lat: number }>();
    for (const p of await allPatrolPoints(db)) {
      const key = patrolPointKey(p.lon, p.lat);
      byKey.set(key, { key, lon: p.lon, lat: p.lat });
    }
    const points = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    const key = createHash('sha1')
      .update(points.map((p) => p.key).join(';'))
      .digest('hex');
    return { points, key };
  }

  /** One round of the processors: the oldest closed dirty chunks. */
  async sweep(): Promise<number> {
    const graph = this.roads.graph;
    if (!graph) return 0;
    const now = this.clock.now();
    const due = await dirtyChunks(
      this.database.db,
      new Date(now.getTime() - TRACK_CHUNK_SWEEP.settleMs),
      TRACK_CHUNK_SWEEP.chunks,
    );
    if (due.length) await this.match(graph, due, await this.patrolPoints());
    return due.length;
  }

  /** Matches what is stale among the chunks starting in [from, to) before they are read. */
  async ensureMatched(graph: RoadGraph, from: Date, to: Date, points: PatrolPointSet) {
    const stale = await staleChunks(this.database.db, from, to, this.networkId(), points.key);
    if (stale.length) await this.match(graph, stale, points);
    return stale.length;
  }

  /** Matches chunks (with the dirty generation read before their tracks) and stores them. */
  private async match(
    graph: RoadGraph,
    chunks: readonly { ms: number; gen: number | null }[],
    points: PatrolPointSet,
  ): Promise<void> {
    // contiguous chunks share one read of the tracks
    const runs: { ms: number; gen: number | null }[][] = [];
    for (const c of chunks) {
      const last = runs[runs.length - 1];
      if (last && last.length < RUN_CHUNKS && c.ms === last[last.length - 1].ms + MATCH_CHUNK_MS)
        last.push(c);
      else runs.push([c]);
    }
    const networkId = this.networkId();
    for (const run of runs) {
      const fromMs = run[0].ms;
      const toMs = run[run.length - 1].ms + MATCH_CHUNK_MS;
      const tracks = await this.database.transaction((tx) =>
        cityTracks(tx, new Date(fromMs - MATCH_LEAD_MS), new Date(toMs)),
      );
      const matched: MatchedChunk[] = run.map((c) => {
        const own = cut(tracks, c.ms - MATCH_LEAD_MS, c.ms + MATCH_CHUNK_MS);
        const tiles = matchChunk(graph, own, c.ms, points.points);
        let trackPoints = 0;
        for (const t of tiles.values()) trackPoints += t.trackPoints;
        return { ms: c.ms, gen: c.gen, tiles, trackPoints };
      });
      await this.database.transaction((tx) =>
        storeChunks(
          tx,
          matched,
          (t) => encodeChunkSegments(t.segments),
          networkId,
          points.key,
          this.clock.now(),
        ),
      );
    }
  }
}
