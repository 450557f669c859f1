import { Controller, Get, HttpCode } from '@nestjs/common';
import { DatabaseService, DomainError, HealthService, QueueService } from '@ringcad/core';
import { Public } from '../auth/access';
import { ApiRoute } from '../common/api-route';
import { healthSchema, livenessSchema, readinessSchema } from '@ringcad/contracts';

/**
 * Health for balancers and orchestrators. `/health/live`: the process runs (restart it if not);
 * `/health/ready`: send it traffic (database and Redis answered within 1 s each, not draining);
 * `/health`: the original check, kept as it was (dependencies only). The same answers are on the
 * operations port (`METRICS_PORT`) of api and worker.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthService,
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
  async check() {
    const down = await this.health.probe();
    if (down.length) throw dependenciesDown(down);
    return { status: 'ok', database: this.database.raw.kind, queue: this.queues.backend };
  }

  @Public()
  @Get('health/live')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Liveness: the process runs (asks no dependency)',
    response: livenessSchema,
  })
  live() {
    return this.health.live();
  }

  @Public()
  @Get('health/ready')
  @HttpCode(200)
  @ApiRoute({
    summary:
      'Readiness: the database and Redis answered (each within 1 s) and the process is not shutting down; 503 names what is not',
    response: readinessSchema,
    errors: ['UNAVAILABLE'],
  })
  async ready() {
    const r = await this.health.readiness();
    if (r.down.length) throw dependenciesDown(r.down, { draining: r.draining, checks: r.checks });
    if (r.draining)
      throw new DomainError('UNAVAILABLE', 'not ready: shutting down', {
        draining: true,
        checks: r.checks,
        retryAfterSec: 2,
      });
    return { status: 'ready' as const, checks: r.checks };
  }
}

function dependenciesDown(
  down: Awaited<ReturnType<HealthService['probe']>>,
  extra: Record<string, unknown> = {},
) {
  return new DomainError(
    'DEPENDENCY_DOWN',
    `not ready: ${down.map((d) => `${d.dependency} (${d.reason})`).join(', ')}`,
    {
      dependency: down[0].dependency,
      down: down.map((d) => d.dependency),
      retryAfterSec: 2,
      ...extra,
    },
  );
}
