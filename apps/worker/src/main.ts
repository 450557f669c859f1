import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig, startOperations } from '@ringcad/core';
import { createWorkerApp } from './worker-app';

/** Default operations port of the worker (the api's is 9464). */
const WORKER_METRICS_PORT = 9465;

/** The worker runs the BullMQ processors (timers now, track persistence and reports later). */
async function main() {
  const config = loadConfig();
  if (config.mode !== 'services') {
    throw new ConfigError(
      'the worker runs in services mode only (set DATABASE_URL and REDIS_URL); embedded mode runs processors inside the api',
    );
  }
  const app = await createWorkerApp(config);
  // the worker has no other HTTP listener: its operations port is how it is scraped and probed
  // SIGTERM/SIGINT: readiness false, the queue workers finish their running jobs, exit 0
  await startOperations(app, config, 'worker', WORKER_METRICS_PORT);
  new Logger('RingCAD').log('worker running');
}

// Last resort: a stray rejection (a driver's promise nobody awaited during an outage) is logged,
// and the process keeps serving; exiting would turn a dependency outage into a worker outage.
process.on('unhandledRejection', (reason: unknown) => {
  new Logger('unhandledRejection').error((reason as Error)?.stack ?? String(reason));
});

main().catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : ((err as Error)?.stack ?? String(err))}\n`,
  );
  process.exit(err instanceof ConfigError ? 2 : 1);
});
