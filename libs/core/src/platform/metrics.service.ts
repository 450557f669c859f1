import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { jobSchemas, type JobQueue } from '@ringcad/contracts';
import { withDeadline } from './dependency-errors';
import { QueueService } from './queue.service';
import { DatabaseService } from './database.service';

/** How long a scrape waits for the queue backend before it reports the queues as unknown. */
const QUEUE_SCRAPE_MS = 1000;

/**
 * This process's Prometheus metrics (prom-client, one registry per process so tests can run
 * several apps in one Node). Names follow Prometheus conventions: base units, `_total` counters,
 * `ringcad_` prefix for ours; Node's default metrics (event-loop lag from
 * `perf_hooks.monitorEventLoopDelay`, heap, GC, handles) come with prom-client.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(MetricsService.name);
  readonly registry = new Registry();

  /** HTTP latency by route template (`/api/v1/incidents/:id`), never the raw path. */
  readonly httpDuration = new Histogram({
    name: 'ringcad_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly positionsAccepted = new Counter({
    name: 'ringcad_positions_accepted_total',
    help: 'Unit position reports accepted (answered once durable), by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly positionsPersisted = new Counter({
    name: 'ringcad_positions_persisted_total',
    help: 'Unit position reports written to unit_tracks (duplicates of a stored report excluded)',
    registers: [this.registry],
  });

  readonly coverageCompute = new Histogram({
    name: 'ringcad_coverage_compute_seconds',
    help: 'Time to compute ring coverage for one scheme (search over the road graph)',
    labelNames: ['scheme'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5],
    registers: [this.registry],
  });

  readonly coverageMovedUnit = new Histogram({
    name: 'ringcad_coverage_moved_unit_seconds',
    help: 'Time to fold one moved, arrived or departed unit into the live coverage node times',
    labelNames: ['scheme'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
    registers: [this.registry],
  });

  /** Embedded database in its thread: how long statements wait there for the session's turn. */
  readonly dbTurnWait = new Histogram({
    name: 'ringcad_db_turn_wait_seconds',
    help: "Embedded database (PGlite thread): a statement's wait for the session's turn from its caller's send, by the caller's priority (interactive, bulk; held = inside a transaction) and operation (hold = a transaction's wait to begin)",
    labelNames: ['turn', 'op'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly dbStatement = new Histogram({
    name: 'ringcad_db_statement_seconds',
    help: 'Embedded database (PGlite thread): time a statement ran once its turn came, by priority and operation (held = how long a transaction kept the session)',
    labelNames: ['turn', 'op'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  /** PostgreSQL: how long a query or transaction waited for a connection of this process's pool. */
  readonly dbPoolWait = new Histogram({
    name: 'ringcad_db_pool_wait_seconds',
    help: "PostgreSQL: a query's or transaction's wait for a free connection of this process's pool",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  /**
   * Where a recommendation's time goes (its tookMs cut in phases): `reads` the awaited reads
   * (incident, scheme, unit roster), `fleet` joining the roster with the live positions,
   * `search` snapping and the road search, `answer` the candidates and exclusions.
   */
  readonly recommendationPhase = new Histogram({
    name: 'ringcad_recommendation_phase_seconds',
    help: "A recommendation's time by phase: reads (incident, scheme, roster: awaited), fleet (roster joined with live positions), search (snaps and road search), answer (candidates, exclusions)",
    labelNames: ['phase'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  /**
   * Isochrone sets by how they were answered: `ahead` drawn as an incident was created (nobody
   * waiting), `kept` an ask answered from a set the routing thread kept (drawn ahead, or asked
   * before), `drawn` an ask that waited for the road search.
   */
  readonly isochroneSets = new Counter({
    name: 'ringcad_isochrone_sets_total',
    help: 'Isochrone sets: drawn ahead as an incident was created (ahead), asks answered from a kept set (kept), asks that drew theirs (drawn)',
    labelNames: ['answered'] as const,
    registers: [this.registry],
  });

  private socketCounts: (() => Record<string, number>) | null = null;
  private snapCounts: (() => { onTheSpot: number; ahead: number }) | null = null;

  constructor(
    private readonly queues: QueueService,
    private readonly database: DatabaseService,
  ) {
    collectDefaultMetrics({ register: this.registry });
    const sockets: Gauge<'namespace'> = new Gauge({
      name: 'ringcad_socket_clients',
      help: 'Connected socket.io clients on this process, by namespace',
      labelNames: ['namespace'] as const,
      registers: [this.registry],
      collect: () => {
        sockets.reset();
        const counts = this.socketCounts?.() ?? {};
        for (const [namespace, n] of Object.entries(counts)) sockets.set({ namespace }, n);
      },
    });
    // a counter read at scrape time from the road network's own tally (it counts every snap)
    const snaps: Counter<'source'> = new Counter({
      name: 'ringcad_unit_snaps_total',
      help: "Units' positions snapped to the roads when a search needed them: ahead (made in the routing thread as the report arrived, kept) or on_the_spot (on the event loop, no usable snap kept)",
      labelNames: ['source'] as const,
      registers: [this.registry],
      collect: () => {
        const c = this.snapCounts?.();
        if (!c) return;
        snaps.reset();
        snaps.inc({ source: 'ahead' }, c.ahead);
        snaps.inc({ source: 'on_the_spot' }, c.onTheSpot);
      },
    });
    const depth = new Gauge({
      name: 'ringcad_queue_jobs',
      help: 'BullMQ jobs by queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
    });
    const oldest = new Gauge({
      name: 'ringcad_queue_oldest_waiting_seconds',
      help: 'Age of the oldest job ready to run and not yet taken (0 when none waits), by queue',
      labelNames: ['queue'] as const,
      registers: [this.registry],
    });
    const up = new Gauge({
      name: 'ringcad_queue_backend_up',
      help: '1 when the queue backend answered this scrape in time, else 0 (depths then omitted)',
      registers: [this.registry],
    });
    // one read of the backend per scrape, shared by the three queue metrics
    let scrape: Promise<void> | null = null;
    const collectQueues = () =>
      (scrape ??= this.readQueues(depth, oldest, up).finally(() => {
        setImmediate(() => (scrape = null));
      }));
    for (const g of [depth, oldest, up]) {
      (g as unknown as { collect: () => Promise<void> }).collect = collectQueues;
    }
  }

  onApplicationBootstrap() {
    this.database.raw.onStatementTiming?.((t) => {
      const labels = { turn: t.turn, op: t.op };
      if (t.op !== 'held') this.dbTurnWait.observe(labels, t.waitMs / 1000);
      if (t.op !== 'hold') this.dbStatement.observe(labels, t.runMs / 1000);
    });
    this.database.raw.onPoolWait?.((waitMs) => this.dbPoolWait.observe(waitMs / 1000));
  }

  /** The realtime gateway tells how many clients each namespace has (read at scrape time). */
  /** The road network's snap tally, read at each scrape (ringcad_unit_snaps_total). */
  countSnapsWith(fn: () => { onTheSpot: number; ahead: number }) {
    this.snapCounts = fn;
  }

  countSocketsWith(fn: () => Record<string, number>) {
    this.socketCounts = fn;
  }

  /** The Prometheus text exposition of every metric of this process. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async readQueues(depth: Gauge<'queue' | 'state'>, oldest: Gauge<'queue'>, up: Gauge) {
    depth.reset();
    oldest.reset();
    try {
      const now = Date.now();
      const rows = await withDeadline(
        Promise.all(
          (Object.keys(jobSchemas) as JobQueue[]).map(async (name) => {
            const q = this.queues.queue(name);
            const counts = await q.getJobCounts(
              'waiting',
              'active',
              'delayed',
              'failed',
              'completed',
            );
            const [first] = await q.getJobs(['waiting'], 0, 0, true);
            // a delayed job waits from when it fell due, not from when it was queued
            const due = first ? first.timestamp + (first.delay ?? 0) : now;
            return { name, counts, ageSec: Math.max(0, (now - due) / 1000) };
          }),
        ),
        this.queues.backend === 'redis' ? 'redis' : 'database',
        QUEUE_SCRAPE_MS,
      );
      for (const r of rows) {
        for (const [state, n] of Object.entries(r.counts)) depth.set({ queue: r.name, state }, n);
        oldest.set({ queue: r.name }, r.ageSec);
      }
      up.set(1);
    } catch (err) {
      this.logger.warn(`queue metrics unavailable: ${(err as Error).message}`);
      up.set(0);
    }
  }
}
