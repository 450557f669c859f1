import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { AuthService, ConfigError, loadConfig, startOperations } from '@ringcad/core';
import { createApiApp } from './app';

/** Default operations port of the api (9464: the port Prometheus exporters commonly use). */
const API_METRICS_PORT = 9464;

async function main() {
  const config = loadConfig();
  const app = await createApiApp(config);
  const generated = await app
    .get(AuthService)
    .ensureAdmin(config.ADMIN_PASSWORD, config.mode === 'embedded');
  await app.listen(config.PORT, config.HOST);
  // the operations port (Prometheus /metrics, live/ready) on its own listener; see ops-server.ts
  // SIGTERM/SIGINT: readiness false, sockets closed, in-flight requests and running jobs finish
  await startOperations(app, config, 'api', API_METRICS_PORT);
  const log = new Logger('RingCAD');
  log.log(
    `api listening on http://localhost:${config.PORT} (${config.mode} mode, processors ${config.runProcessors ? 'on' : 'off'})`,
  );
  if (generated) {
    // printed once, on first start only; it is not stored anywhere in clear
    process.stdout.write(`\n  built-in account: admin / ${generated}\n\n`);
  }
}

// Last resort: a stray rejection (a driver's promise nobody awaited during an outage) is logged,
// and the process keeps serving; exiting would turn a dependency outage into an api outage.
process.on('unhandledRejection', (reason: unknown) => {
  new Logger('unhandledRejection').error((reason as Error)?.stack ?? String(reason));
});

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
