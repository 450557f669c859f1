import { loadSimulatorConfig, SimulatorConfigError } from './config';
import { consoleLogger } from './logger';
import { Simulator } from './simulator';
import { wait } from './timing';

const HEALTH_WAIT_MS = 60_000;

/** The api may still be starting (migrations, PostGIS): wait for GET /health before signing in. */
async function waitForHealth(apiUrl: string, log: ReturnType<typeof consoleLogger>): Promise<void> {
  const deadline = Date.now() + HEALTH_WAIT_MS;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(5000) });
      const body = (await res.json().catch(() => null)) as { status?: string } | null;
      if (res.ok && body?.status === 'ok') return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await wait(1000);
  }
  log.error(`api at ${apiUrl} not healthy after ${HEALTH_WAIT_MS / 1000} s (${last})`);
  throw new Error('api not healthy');
}

async function main() {
  const config = loadSimulatorConfig();
  const log = consoleLogger();
  await waitForHealth(config.apiUrl, log);
  const sim = new Simulator({ ...config, log });
  await sim.start();
  const summary = setInterval(() => log.info(sim.summaryLine()), 60_000);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    clearInterval(summary);
    sim
      .stop()
      .then(() => {
        log.info(sim.summaryLine());
        process.exit(0);
      })
      .catch((err: Error) => {
        log.error(`stop failed: ${err.message}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof SimulatorConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
