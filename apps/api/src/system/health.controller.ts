import { Controller, Get, HttpCode } from '@nestjs/common';
import {
  DatabaseService,
  DomainError,
  QueueService,
  pingDatabase,
  withDeadline,
  type Dependency,
} from '@ringcad/core';
import { Public } from '../auth/access';
import { ApiRoute } from '../common/api-route';
import { healthSchema } from '@ringcad/contracts';

/** Each probe gets this long: a load balancer's health check must never hang on a dead dependency. */
const PROBE_MS = 1000;
/** Probes are shared by the health checks arriving within this window (several balancers, retries). */
const CACHE_MS = 500;

interface Probe {
  at: number;
  down: { dependency: Dependency; reason: string }[];
}

@Controller()
export class HealthController {
  private last?: Promise<Probe>;
  private lastAt = 0;

  constructor(
    private readonly database: DatabaseService,
    private readonly queues: QueueService,
  ) {}

  @Public()
  @Get(['health', 'api/v1/health'])
  @HttpCode(200)
  @ApiRoute({
    summary: 'Ready once the database and job queue are usable',
    response: healthSchema,
    errors: ['UNAVAILABLE'],
  })
  async health() {
    const probe = await this.probe();
    if (probe.down.length) {
      const first = probe.down[0];
      throw new DomainError(
        'DEPENDENCY_DOWN',
        `not ready: ${probe.down.map((d) => `${d.dependency} (${d.reason})`).join(', ')}`,
        {
          dependency: first.dependency,
          down: probe.down.map((d) => d.dependency),
          retryAfterSec: 2,
        },
      );
    }
    return { status: 'ok', database: this.database.raw.kind, queue: this.queues.backend };
  }

  private probe(): Promise<Probe> {
    const now = Date.now();
    if (!this.last || now - this.lastAt > CACHE_MS) {
      this.lastAt = now;
      this.last = this.runProbes(now);
    }
    return this.last;
  }

  private async runProbes(at: number): Promise<Probe> {
    const check = async (dependency: Dependency, fn: () => Promise<unknown>) => {
      try {
        await withDeadline(fn(), dependency, PROBE_MS);
        return null;
      } catch (err) {
        return { dependency, reason: (err as Error).message };
      }
    };
    const results = await Promise.all([
      check('database', () => pingDatabase(this.database.db)),
      check('redis', () => this.queues.pingRedis()),
    ]);
    return { at, down: results.filter((r): r is NonNullable<typeof r> => r !== null) };
  }
}
