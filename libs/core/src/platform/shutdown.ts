import { Logger, type INestApplicationContext } from '@nestjs/common';
import type { Server } from 'node:http';
import { metricsPortOf, type AppConfig } from './config';
import { HealthService } from './health.service';
import { MetricsService } from './metrics.service';
import { startOpsServer } from './ops-server';

/**
 * SIGTERM/SIGINT → drain, then exit 0 (or 1 past SHUTDOWN_TIMEOUT_SEC):
 *
 * 1. readiness turns false at once (`/health/ready` 503, `draining: true`);
 * 2. after SHUTDOWN_DELAY_SEC (time for a balancer to notice; 0 by default) Nest closes the app:
 *    socket.io clients are disconnected (they see `io server disconnect` and reconnect to another
 *    instance), the queue workers take no new job and finish the running ones, the HTTP listener
 *    stops accepting and waits for the requests in flight (answered with `Connection: close`),
 *    then Redis and database clients close;
 * 3. the operations port closes last, so readiness can be watched until the end.
 *
 * Replaces Nest's `enableShutdownHooks` (which would run the same close without the bound, the
 * readiness flag or the exit code).
 */
export function installGracefulShutdown(
  app: INestApplicationContext,
  config: AppConfig,
  role: string,
  opsServer?: Server | null,
) {
  const log = new Logger('Shutdown');
  let started = false;
  const run = async (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    const t0 = Date.now();
    app.get(HealthService).beginDrain();
    log.log(
      `${signal}: ${role} draining (readiness false${config.SHUTDOWN_DELAY_SEC ? `, listener open ${config.SHUTDOWN_DELAY_SEC} s more` : ''})`,
    );
    const hard = setTimeout(() => {
      log.error(
        `${signal}: drain not finished within ${config.SHUTDOWN_TIMEOUT_SEC} s; exiting with what was still open`,
      );
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_SEC * 1000);
    hard.unref();
    if (config.SHUTDOWN_DELAY_SEC > 0)
      await new Promise((r) => setTimeout(r, config.SHUTDOWN_DELAY_SEC * 1000));
    try {
      await app.close();
    } catch (err) {
      log.error(`${signal}: close failed: ${(err as Error).stack ?? String(err)}`);
      process.exit(1);
    }
    await new Promise<void>((r) => (opsServer ? opsServer.close(() => r()) : r()));
    log.log(`${signal}: ${role} drained in ${Date.now() - t0} ms, exit 0`);
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void run(signal));
}

/**
 * What every process does once it runs: its operations port (Prometheus /metrics, live/ready;
 * `defaultPort` unless METRICS_PORT says otherwise) and the graceful SIGTERM/SIGINT drain.
 */
export async function startOperations(
  app: INestApplicationContext,
  config: AppConfig,
  role: 'api' | 'worker',
  defaultPort: number,
): Promise<void> {
  const port = metricsPortOf(config, defaultPort);
  const ops = port
    ? await startOpsServer({
        port,
        host: config.METRICS_HOST,
        token: config.METRICS_TOKEN,
        metrics: app.get(MetricsService),
        health: app.get(HealthService),
        role,
      })
    : null;
  installGracefulShutdown(app, config, role, ops);
}
