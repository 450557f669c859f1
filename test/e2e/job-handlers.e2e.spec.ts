import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import {
  ADMIN_PASSWORD,
  client,
  createStack,
  loginToken,
  SERVICES_MODE,
  type Stack,
} from '../support/harness';

const ROOT = resolve(__dirname, '../..');

/**
 * Starts a processor process (runProcessors) built from the given core feature modules, in a child
 * process of its own (a refused start leaves nothing half-open behind in this one), from the built
 * dist/ as `npm run worker` runs it. Resolves with its exit code and what it wrote.
 */
function startProcessors(
  stack: Stack,
  modules: string[],
): Promise<{ code: number; output: string }> {
  const script = `
    require('reflect-metadata');
    const { Module } = require('@nestjs/common');
    const { NestFactory } = require('@nestjs/core');
    const core = require(${JSON.stringify(join(ROOT, 'dist/libs/core/src/index.js'))});
    const config = { ...core.loadConfig(process.env), runProcessors: true };
    class Processors {}
    Module({ imports: [core.PlatformModule.forRoot({ config }), ${modules.map((m) => `core.${m}`).join(', ')}] })(Processors);
    NestFactory.createApplicationContext(Processors, { logger: false })
      .then(async (app) => { await app.close(); process.stdout.write('started'); process.exit(0); })
      .catch((err) => { process.stderr.write(err.message); process.exit(3); });`;
  const c = stack.config;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ADMIN_PASSWORD: 'unused-here',
    REDIS_PREFIX: c.REDIS_PREFIX,
  };
  if (c.DATABASE_URL) env.DATABASE_URL = c.DATABASE_URL;
  if (c.REDIS_URL) env.REDIS_URL = c.REDIS_URL;
  if (c.DATA_DIR) env.DATA_DIR = c.DATA_DIR;
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['-e', script],
      { cwd: ROOT, env, timeout: 170_000 },
      (err, stdout, stderr) => {
        done({
          code: err ? ((err as { code?: number }).code ?? -1) : 0,
          output: `${stdout}${stderr}`,
        });
      },
    );
  });
}

describe(`job handlers at start-up (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await createStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('the api (and, in services mode, the worker) start with every queue handled', async () => {
    const api = await stack.startApi();
    if (SERVICES_MODE) await stack.startWorker();
    const status = await client(api.url, await loginToken(api.url, 'admin', ADMIN_PASSWORD)).get(
      '/api/v1/system/status',
    );
    expect(status.status).toBe(200);
    expect(status.body.processors).toBe(!SERVICES_MODE);
  });

  describe('a processor process built from some feature modules', () => {
    // on the database the api has migrated, which it leaves to them (one PGlite process at a time)
    beforeAll(async () => {
      await stack.stopApi();
      await stack.stopWorker();
    });

    it('refuses to start without the agencies handler (no CommandModule), naming the queue', async () => {
      const r = await startProcessors(stack, [
        'RealtimeModule',
        'AlertsModule',
        'FleetModule',
        'TimersModule',
      ]);
      expect(r.output).toMatch(/no handler for queue "agencies"/);
      expect(r.code).toBe(3);
    }, 180_000);

    it('starts with every handler (what WorkerModule imports)', async () => {
      const r = await startProcessors(stack, [
        'RealtimeModule',
        'AlertsModule',
        'FleetModule',
        'TimersModule',
        'CommandModule',
        'CoverageModule',
        'SafetyIndexModule',
      ]);
      expect(r).toEqual({ code: 0, output: 'started' });
    }, 180_000);
  });
});
