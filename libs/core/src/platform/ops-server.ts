import { Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HealthService } from './health.service';
import type { MetricsService } from './metrics.service';

export interface OpsServerOptions {
  port: number;
  host: string;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
  metrics: MetricsService;
  health: HealthService;
  /** `api` or `worker`, for the log line. */
  role: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * The operations port: `GET /metrics` (Prometheus text format), `/health/live`, `/health/ready`.
 * Its own listener, apart from the public one: nginx never forwards it, so a scraper on the
 * internal network reaches it and the internet does not (as with Keycloak's management port or
 * GitLab's exporters). It has no routes of the api, so no session token is ever sent to it;
 * `METRICS_TOKEN` adds a bearer check where the port cannot be kept private. A port already in use
 * is logged and the process goes on without it: metrics are never worth stopping dispatch.
 */
export function startOpsServer(options: OpsServerOptions): Promise<Server | null> {
  const log = new Logger('Operations');
  const expected = options.token ? sha256(`Bearer ${options.token}`) : null;
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      log.error(`${req.url ?? ''}: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, { error: { code: 'INTERNAL', message: 'failed' } });
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'GET only' } });
    }
    if (expected) {
      const given = sha256(String(req.headers.authorization ?? ''));
      if (!timingSafeEqual(given, expected)) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        return send(res, 401, {
          error: { code: 'UNAUTHENTICATED', message: 'this port needs the METRICS_TOKEN bearer' },
        });
      }
    }
    switch (path) {
      case '/metrics': {
        const { contentType, body } = await options.metrics.scrape();
        res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
        return void res.end(req.method === 'HEAD' ? undefined : body);
      }
      case '/health/live':
        return send(res, 200, options.health.live());
      case '/health/ready': {
        const r = await options.health.readiness();
        return send(res, r.ready ? 200 : 503, readinessBody(r));
      }
      default:
        return send(res, 404, {
          error: { code: 'NOT_FOUND', message: 'GET /metrics, /health/live or /health/ready' },
        });
    }
  };
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      log.error(
        `operations port ${options.host}:${options.port} not opened (${err.code ?? err.message}): ` +
          'no /metrics from this process; give each process its own METRICS_PORT, or METRICS_PORT=off',
      );
      resolve(null);
    });
    server.listen(options.port, options.host, () => {
      server.unref();
      log.log(
        `${options.role} operations port on http://${options.host}:${options.port} (/metrics, /health/live, /health/ready)${expected ? ', bearer METRICS_TOKEN' : ''}`,
      );
      resolve(server);
    });
  });
}

/** The readiness answer both ports give: 200 `{status: "ready", ...}` or 503 naming what is down. */
export function readinessBody(r: Awaited<ReturnType<HealthService['readiness']>>) {
  if (r.ready) return { status: 'ready' as const, checks: r.checks };
  const reasons = [
    ...(r.draining ? ['shutting down'] : []),
    ...r.down.map((d) => `${d.dependency} (${d.reason})`),
  ];
  return {
    error: {
      code: r.down.length ? 'DEPENDENCY_DOWN' : 'UNAVAILABLE',
      message: `not ready: ${reasons.join(', ')}`,
      details: {
        ...(r.down.length ? { dependency: r.down[0].dependency } : {}),
        down: r.down.map((d) => d.dependency),
        draining: r.draining,
        checks: r.checks,
      },
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
