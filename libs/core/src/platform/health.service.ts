import { Injectable } from '@nestjs/common';
import { DatabaseService } from './database.service';
import { withDeadline, type Dependency } from './dependency-errors';
import { QueueService } from './queue.service';

/** Each probe gets this long: a balancer's or kubelet's check must never hang on a dead dependency. */
export const PROBE_MS = 1000;
/** Probes are shared by the checks arriving within this window (several balancers, retries). */
const CACHE_MS = 500;

export interface DependencyDown {
  dependency: Dependency;
  reason: string;
}

export interface Readiness {
  ready: boolean;
  /** The process got SIGTERM and is draining: it takes no new work (balancers: stop sending). */
  draining: boolean;
  /** `not used`: embedded mode keeps its jobs in the database and has no Redis. */
  checks: { database: 'up' | 'down'; redis: 'up' | 'down' | 'not used' };
  down: DependencyDown[];
}

/**
 * Liveness and readiness of this process, shared by the api's `/health*` routes and the
 * operations port of api and worker. Liveness needs nothing but the event loop; readiness probes
 * the database and Redis (each bounded by PROBE_MS, in parallel, so an answer takes ≤ ~1 s) and is
 * false from the moment a shutdown starts.
 */
@Injectable()
export class HealthService {
  private last?: Promise<DependencyDown[]>;
  private lastAt = 0;
  private drainingSince: number | null = null;
  private readonly startedAt = Date.now();

  constructor(
    private readonly database: DatabaseService,
    private readonly queues: QueueService,
  ) {}

  /** From now on readiness is false (graceful shutdown). */
  beginDrain() {
    this.drainingSince ??= Date.now();
  }

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  live() {
    return { status: 'live' as const, uptimeSec: Math.round((Date.now() - this.startedAt) / 1000) };
  }

  async readiness(): Promise<Readiness> {
    const down = await this.probe();
    const isDown = (d: Dependency) => down.some((x) => x.dependency === d);
    return {
      ready: down.length === 0 && !this.draining,
      draining: this.draining,
      checks: {
        database: isDown('database') ? 'down' : 'up',
        redis: this.queues.backend === 'redis' ? (isDown('redis') ? 'down' : 'up') : 'not used',
      },
      down,
    };
  }

  /** The dependencies that did not answer, database first. */
  probe(): Promise<DependencyDown[]> {
    const now = Date.now();
    if (!this.last || now - this.lastAt > CACHE_MS) {
      this.lastAt = now;
      this.last = this.runProbes();
    }
    return this.last;
  }

  private async runProbes(): Promise<DependencyDown[]> {
    const check = async (dependency: Dependency, fn: () => Promise<unknown>) => {
      try {
        await withDeadline(fn(), dependency, PROBE_MS);
        return null;
      } catch (err) {
        return { dependency, reason: (err as Error).message };
      }
    };
    const results = await Promise.all([
      check('database', () => this.database.raw.ping()),
      check('redis', () => this.queues.pingRedis()),
    ]);
    return results.filter((r): r is DependencyDown => r !== null);
  }
}
