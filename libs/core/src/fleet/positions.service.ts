import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { PositionReport } from '@ringcad/contracts';
import { asBulk } from '@ringcad/db';
import { haversineM } from '@ringcad/domain';
import {
  Clock,
  type AppConfig,
  DatabaseService,
  asDependencyError,
  dependencyOf,
  DomainError,
  MetricsService,
  forbidden,
  notFound,
  hasRole,
  type Principal,
  QueueService,
  APP_CONFIG,
} from '../platform';
import { RealtimePublisher, type MovedUnit } from '../realtime';
import { LiveFleetService, type LiveFix } from './live-fleet.service';
import { InputBounds } from '../roads';
import {
  ensureTrackPartitions,
  copyTrackReports,
  insertTrackReports,
  trackedUnitFixes,
  writeRowPositions,
  type TrackReport,
} from './positions.queries';

export const POSITIONS_QUEUE = 'positions';
/** bit 1 of unit_tracks.flags */
export const FLAG_JUMP = 1;
/** GPS jitter: jumps shorter than this are never called impossible. */
const JUMP_MIN_M = 300;
/** Terminal reports arriving within this window share one INSERT. */
const COALESCE_MS = 50;
const BROADCAST_MS = 1000;
/** Units' row positions (the live store's fallback, and what SQL sees) lag by at most this. */
const ROW_POSITION_REFRESH_MS = 5000;
/**
 * How a bulk write is cut into statements on PGlite, so that a 110 call waits behind one part, never
 * behind a whole 5,000-row insert (about 160 ms at the peak). On the event loop
 * (`PGLITE_THREAD=0`) the parts go one after another, each holding the loop for about 10 ms. In
 * PGlite's own thread they are all sent at once and run there back to back, so the cut costs no
 * round trip and an interactive statement is let in between two parts. Track parts there are 500
 * rows, not 1,000: every few hundred batches the units' leaf pages of `unit_tracks_unit_at` fill
 * together (every unit reports at the same pace) and split in one wave, and a 1,000-row part then
 * ran 170-260 ms at the peak instead of ~20 (500 rows: about half, for ~10 % more work in all).
 * PostgreSQL takes a batch in one statement (its sessions run side by side).
 */
const EMBEDDED_PARTS = {
  onEventLoop: { trackRows: 500, rowUpdates: 250 },
  inThread: { trackRows: 500, rowUpdates: 500 },
} as const;

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** `YYYY-MM-DDTHH:MM:SS.mmmZ`, what toISOString() gives (checked after Date.parse accepted it). */
const isCanonicalIso = (s: string) =>
  s.length === 24 && s.charCodeAt(23) === 90 /* Z */ && s.charCodeAt(19) === 46; /* . */

/**
 * Speed and heading are stored as `real` (float4): a value below its range (5e-324 is a valid
 * JSON number) would fail the whole batch, so they keep the hundredth a sensor gives.
 */
const toReal = (v: number | undefined): number | null =>
  v === undefined ? null : Math.round(v * 100) / 100;

interface PositionsJob {
  batchId: string;
  receivedAt: string;
  rows: TrackReport[];
}

interface LastFix {
  lon: number;
  lat: number;
  atMs: number;
}

/**
 * AVL positions. Accepting means durable: a batch is answered (202 / ack) only once its rows are
 * committed to `unit_tracks` in PostgreSQL (one multi-row INSERT, idempotent on (unit, time)), so
 * neither a crash of any process nor a Redis that keeps nothing can lose an accepted report.
 * Redis only holds the live copy (the fast path for reads); while it is down reports are still
 * accepted and reads fall back to the units' rows, refreshed every ROW_POSITION_REFRESH_MS.
 * Consoles get at most one `units.positions` message a second with the units that moved.
 */
@Injectable()
export class PositionsService
  implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(PositionsService.name);
  private pending: {
    rows: TrackReport[];
    waiters: { resolve: () => void; reject: (e: Error) => void }[];
  } | null = null;
  private outgoing = new Map<string, MovedUnit>();
  private broadcastTimer?: NodeJS.Timeout;
  private partitionTimer?: NodeJS.Timeout;
  /** Unit ids seen by this process, with their numbers (units are never deleted). */
  private readonly knownUnits = new Map<string, number>();
  /** The newest accepted fix of each unit not yet written to its row. */
  private trailing = new Map<string, TrackReport>();
  private trailingTimer?: NodeJS.Timeout;

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly queues: QueueService,
    private readonly realtime: RealtimePublisher,
    private readonly live: LiveFleetService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly bounds: InputBounds,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit() {
    // jobs queued by versions that accepted into the queue: drained, nothing new is queued
    this.queues.handle(POSITIONS_QUEUE, async (job) => void (await this.persist(job)), {
      concurrency: 2,
    });
  }

  async onApplicationBootstrap() {
    await this.ensurePartitions();
    // every process that accepts reports writes tracks, so every one keeps tomorrow's partitions
    // ready and its units' rows current
    this.partitionTimer = setInterval(() => {
      this.ensurePartitions().catch((err: Error) =>
        this.logger.error(`track partitions: ${err.message}`),
      );
    }, 3600_000);
    this.partitionTimer.unref();
    this.trailingTimer = setInterval(() => {
      this.flushTrailing().catch((err: Error) =>
        this.logger.warn(`unit positions not written: ${err.message}`),
      );
    }, ROW_POSITION_REFRESH_MS);
    this.trailingTimer.unref();
  }

  /** Writes the newest fix of each unit accepted since the last flush to its row. */
  async flushTrailing() {
    if (!this.trailing.size) return;
    const rows = [...this.trailing.values()];
    this.trailing = new Map();
    await this.inBulkParts(
      rows,
      'rowUpdates',
      (part) =>
        this.database.raw.kind === 'pglite'
          ? writeRowPositions(this.database.db, part, false)
          : this.database.transaction((tx) => writeRowPositions(tx, part, true)),
      // kept for the next flush (unless a newer fix arrived meanwhile): the tracks are stored,
      // only the row copy is late
      (unwritten) => unwritten.forEach((r) => this.noteTrailing(r)),
    );
  }

  /**
   * Runs `write` over `rows` at bulk priority, in parts on PGlite (`EMBEDDED_PARTS`: one after
   * another on the event loop, all sent at once to its thread), in one statement on PostgreSQL.
   * The rows of every part that failed go to `onFailure`; the first failure is thrown.
   */
  private async inBulkParts<T>(
    rows: T[],
    kind: keyof (typeof EMBEDDED_PARTS)['inThread'],
    write: (part: T[]) => Promise<unknown>,
    onFailure?: (unwritten: T[]) => void,
  ): Promise<void> {
    const { kind: driver, onEventLoop } = this.database.raw;
    const step =
      driver === 'postgres'
        ? rows.length
        : EMBEDDED_PARTS[onEventLoop ? 'onEventLoop' : 'inThread'][kind];
    const parts: T[][] = [];
    for (let i = 0; i < rows.length; i += step)
      parts.push(step >= rows.length ? rows : rows.slice(i, i + step));
    if (onEventLoop) {
      for (let i = 0; i < parts.length; i++) {
        try {
          await asBulk(() => write(parts[i]));
        } catch (err) {
          onFailure?.(parts.slice(i).flat());
          throw err;
        }
      }
      return;
    }
    const settled = await Promise.allSettled(parts.map((part) => asBulk(() => write(part))));
    const failed = settled.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    if (!failed.length) return;
    onFailure?.(failed.flatMap((i) => parts[i]));
    throw (settled[failed[0]] as PromiseRejectedResult).reason;
  }

  private noteTrailing(r: TrackReport) {
    const cur = this.trailing.get(r.u);
    if (!cur || cur.at < r.at) this.trailing.set(r.u, r);
  }

  async onApplicationShutdown() {
    if (this.broadcastTimer) clearInterval(this.broadcastTimer);
    if (this.partitionTimer) clearInterval(this.partitionTimer);
    if (this.trailingTimer) clearInterval(this.trailingTimer);
    await this.flushTrailing().catch((err: Error) =>
      this.logger.warn(`unit positions not written at shutdown: ${err.message}`),
    );
  }

  /** Daily partitions from yesterday to three days ahead (CST). */
  async ensurePartitions(): Promise<number> {
    return ensureTrackPartitions(this.database.db);
  }

  /** Accepts a batch (all or nothing) once it is durable; flags implausible jumps. */
  async accept(
    positions: PositionReport[],
    by: Principal,
  ): Promise<{ accepted: number; flagged: number }> {
    if (by.kind === 'unit') {
      const other = positions.find((p) => p.unitId !== by.unitId);
      if (other)
        throw forbidden(`a terminal may report only its own unit's position (got ${other.unitId})`);
    } else if (!hasRole(by, 'admin')) {
      throw forbidden('only an admin or a unit terminal may report positions');
    }
    const now = this.clock.now();
    const atMs = positions.map((p) => Date.parse(p.at));
    // the whole batch or nothing: one report from the wrong day or place refuses it
    this.bounds.assertPositionTimes(atMs, now.getTime());
    this.bounds.assertInServiceArea(positions, (i) => `positions.${i}`);
    const ids = [...new Set(positions.map((p) => p.unitId))];
    const last = await this.lastFixes(ids);
    const { rows, rowMs } = this.flagJumps(positions, atMs, last);
    await this.store(rows);
    let flagged = 0;
    const fixes = new Map<string, LiveFix>();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (r.f & FLAG_JUMP) {
        flagged++;
        continue;
      }
      const ms = rowMs[i];
      this.noteTrailing(r);
      const cur = fixes.get(r.u);
      // a late report (older than the unit's newest fix) is kept in the track, never made the
      // live position (Redis's HSET would otherwise overwrite a newer fix with it)
      const prev = last.get(r.u);
      if ((!cur || cur.atMs < ms) && !(prev && prev.atMs > ms))
        fixes.set(r.u, { lon: r.x, lat: r.y, atMs: ms, speedKmh: r.s, headingDeg: r.h });
      const out = this.outgoing.get(r.u);
      // 6 decimals is 0.1 m: more would only fatten a message every console decodes each second
      if (!out || out.atMs < ms) {
        this.outgoing.set(r.u, {
          unitId: r.u,
          num: this.knownUnits.get(r.u) as number,
          lon: round6(r.x),
          lat: round6(r.y),
          at: r.at,
          atMs: ms,
        });
      }
    }
    try {
      await this.live.update(fixes);
    } catch (err) {
      // the reports are stored; only the fast copy is missing until Redis is back
      if (dependencyOf(err) !== 'redis') throw err;
      this.logger.warn(`live positions not updated: ${(err as Error).message}`);
    }
    this.scheduleBroadcast();
    this.metrics.positionsAccepted.inc(
      { source: by.kind === 'unit' ? 'terminal' : 'batch' },
      positions.length,
    );
    return { accepted: positions.length, flagged };
  }

  /**
   * A report implying a speed above MAX_PLAUSIBLE_SPEED_KMH from the last trusted fix is an
   * impossible jump: kept in the track with a flag, not trusted as the unit's position. Reports
   * are judged in time order per unit, each against the last trusted one.
   */
  private flagJumps(
    positions: PositionReport[],
    atMs: number[],
    last: Map<string, LastFix>,
  ): { rows: TrackReport[]; rowMs: number[] } {
    const order = positions.map((_, i) => i).sort((a, b) => atMs[a] - atMs[b]);
    const maxMps = this.config.MAX_PLAUSIBLE_SPEED_KMH / 3.6;
    const rows: TrackReport[] = new Array(order.length);
    const rowMs: number[] = new Array(order.length);
    for (let k = 0; k < order.length; k++) {
      const p = positions[order[k]];
      const ms = atMs[order[k]];
      const prev = last.get(p.unitId);
      let f = 0;
      if (prev && ms > prev.atMs) {
        const d = haversineM(prev, p);
        if (d > JUMP_MIN_M && d / ((ms - prev.atMs) / 1000) > maxMps) f |= FLAG_JUMP;
      }
      if (!(f & FLAG_JUMP) && (!prev || ms >= prev.atMs))
        last.set(p.unitId, { lon: p.lon, lat: p.lat, atMs: ms });
      // times are kept in one canonical form (UTC, milliseconds), so they compare as strings
      rows[k] = {
        u: p.unitId,
        at: isCanonicalIso(p.at) ? p.at : new Date(ms).toISOString(),
        x: p.lon,
        y: p.lat,
        s: toReal(p.speedKmh),
        h: toReal(p.headingDeg),
        f,
      };
      rowMs[k] = ms;
    }
    return { rows, rowMs };
  }

  /**
   * The last trusted fix of each unit, from the live store, falling back to the database for
   * units it does not hold; throws NOT_FOUND for an unknown unit. Unit ids are cached once seen
   * (units are never deleted), so a warm batch costs no database round trip.
   */
  private async lastFixes(ids: string[]): Promise<Map<string, LastFix>> {
    const live = await this.live.get(ids);
    const last = new Map<string, LastFix>();
    const ask: string[] = [];
    for (const id of ids) {
      const f = live.get(id);
      // the live fix itself (never changed here: flagJumps sets new ones), not a copy per report
      if (f) last.set(id, f);
      if (!f || !this.knownUnits.has(id)) ask.push(id);
    }
    if (ask.length) {
      const rows = await trackedUnitFixes(this.database.db, ask);
      if (rows.length !== ask.length) {
        const have = new Set(rows.map((k) => k.id));
        throw notFound(
          'unit',
          ask.find((i) => !have.has(i)),
        );
      }
      for (const r of rows) {
        this.knownUnits.set(r.id, r.num);
        const atMs = r.position_at ? new Date(r.position_at).getTime() : NaN;
        const cur = last.get(r.id);
        if (r.lon !== null && r.lat !== null && atMs && (!cur || cur.atMs < atMs))
          last.set(r.id, { lon: r.lon, lat: r.lat, atMs });
      }
    }
    return last;
  }

  /** Large batches are stored at once; small ones (terminals) share an INSERT per 50 ms. */
  private store(rows: TrackReport[]): Promise<void> {
    if (rows.length >= 500) return this.insertTracks(rows);
    return new Promise((resolve, reject) => {
      if (!this.pending) {
        this.pending = { rows: [], waiters: [] };
        setTimeout(() => void this.flushPending(), COALESCE_MS);
      }
      this.pending.rows.push(...rows);
      this.pending.waiters.push({ resolve, reject });
    });
  }

  private async flushPending() {
    const batch = this.pending;
    this.pending = null;
    if (!batch) return;
    try {
      await this.insertTracks(batch.rows);
      for (const w of batch.waiters) w.resolve();
    } catch (err) {
      for (const w of batch.waiters) w.reject(err as Error);
    }
  }

  private async insertTracks(rows: TrackReport[]) {
    try {
      const receivedAt = this.clock.now().toISOString();
      // a failure part-way leaves some rows stored and the batch refused: the sender's resend is
      // idempotent on (unit, time), so what is answered 202 is always stored whole
      const { copyIn } = this.database.raw;
      await this.inBulkParts(rows, 'trackRows', async (part) => {
        const inserted = copyIn
          ? await copyTrackReports(copyIn, part, Date.parse(receivedAt))
          : await insertTrackReports(this.database.db, part, receivedAt);
        this.metrics.positionsPersisted.inc(inserted);
      });
    } catch (err) {
      const e = asDependencyError(err);
      this.logger.error(`positions not accepted: ${(err as Error).message}`);
      // nothing was committed: the sender keeps its batch and sends it again
      throw e instanceof DomainError
        ? e
        : new DomainError(
            'UNAVAILABLE',
            'position store unavailable; nothing was accepted, send again',
          );
    }
  }

  private scheduleBroadcast() {
    if (this.broadcastTimer) return;
    this.broadcastTimer = setInterval(() => {
      if (!this.outgoing.size) return;
      const batch = [...this.outgoing.values()];
      this.outgoing = new Map();
      this.realtime.positions(batch);
    }, BROADCAST_MS);
    this.broadcastTimer.unref();
  }

  /** Stores a batch queued by an earlier version (processor): idempotent, like every insert. */
  async persist(job: PositionsJob): Promise<{ inserted: number }> {
    const inserted = await asBulk(() =>
      insertTrackReports(this.database.db, job.rows, job.receivedAt),
    );
    this.metrics.positionsPersisted.inc(inserted);
    for (const r of job.rows) if (!(r.f & FLAG_JUMP)) this.noteTrailing(r);
    return { inserted };
  }
}
