import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { DEFAULT_CITY_SEED, demoCity, planFleet } from '../../apps/simulator/src/demo-city';
import type { SimLogger } from '../../apps/simulator/src/logger';
import { Simulator } from '../../apps/simulator/src/simulator';
import {
  ADMIN_PASSWORD,
  client,
  createStack,
  login,
  SERVICES_MODE,
  sleep,
  type Stack,
} from '../support/harness';

const ROOT = resolve(__dirname, '../..');

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

async function until<T>(
  what: string,
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const PASSWORDS = {
  calltaker: 'calltaker-sim-pass',
  dispatcher: 'dispatcher-sim-pass',
  commander: 'commander-sim-pass',
};

function recordingLogger() {
  const lines: { level: 'info' | 'warn' | 'error'; message: string }[] = [];
  const log: SimLogger = {
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
  };
  return { log, lines };
}

// `npm start` is the embedded demo; the services-mode run of the suite covers the same code.
const describeEmbedded = SERVICES_MODE ? describe.skip : describe;

describeEmbedded('npm start survives its simulator (scripts/start.mjs)', () => {
  let child: ChildProcess | undefined;
  let dataDir: string;
  let output = '';

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child?.once('exit', r));
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const simulatorPids = () =>
    [...output.matchAll(/\[start\] simulator started \(pid (\d+)\)/g)].map((m) => Number(m[1]));

  it('restarts a simulator that dies, gives up on one that keeps failing, and the api answers throughout', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ringcad-safety-'));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      SIM_SPEED: '5',
      SIM_UNITS: '8',
      RINGCAD_RESTART_BASE_MS: '200',
    };
    if (process.env.RINGCAD_PREBUILT) env.RINGCAD_SKIP_BUILD = '1';
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    delete env.ADMIN_PASSWORD;
    delete env.SIM_AUTODISPATCH;
    child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const base = `http://127.0.0.1:${port}`;
    await until(
      'RingCAD is running',
      () => output.includes('RingCAD is running') || child?.exitCode !== null,
      240_000,
    );
    expect(child.exitCode).toBeNull();
    const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as Record<
      string,
      string
    >;
    // the simulator has seeded and runs: its units are on duty
    const dispatcher = await until(
      'the demo dispatcher account',
      async () => {
        const r = await client(base).post('/api/v1/auth/login', {
          username: 'dispatcher',
          password: creds.dispatcher,
        });
        return r.status === 200 ? client(base, r.body.accessToken as string) : null;
      },
      120_000,
    );
    await until(
      'simulated units on duty',
      async () =>
        ((await dispatcher.get('/api/v1/units')).body as { status: string }[]).filter(
          (u) => u.status === 'available',
        ).length >= 8,
      120_000,
    );
    // and it runs without dispatching for the dispatcher (not asked to)
    await until('the simulator to run', () => output.includes('simulating 8 units'), 60_000);
    expect(output).toMatch(/simulating 8 units .*auto-dispatch off/);

    // the api is watched from here to the end: it must answer every time
    const health: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const r = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) }).catch(
          () => null,
        );
        health.push(r?.status ?? 0);
        await sleep(250);
      }
    })();

    const [firstPid] = simulatorPids();
    expect(firstPid).toBeGreaterThan(0);
    process.kill(firstPid, 'SIGKILL');
    await until('the simulator to be started again', () => simulatorPids().length >= 2, 30_000);
    expect(output).toMatch(/\[start\] simulator exited \(SIGKILL\); restarting it in \d+ ms/);
    await until(
      'the restarted simulator to run',
      () =>
        output
          .split(/\[start\] simulator started/)
          .pop()
          ?.includes('simulating 8 units'),
      90_000,
    );

    // a simulator that cannot start (its state file is garbage) is given up on; nothing else stops
    writeFileSync(join(dataDir, 'simulator-state.json'), '{ not json');
    process.kill(simulatorPids().pop() as number, 'SIGKILL');
    await until(
      'the supervisor to give up on the simulator',
      () => output.includes('[start] giving up on the simulator'),
      120_000,
    );
    await sleep(2000);
    watching = false;
    await watcher;
    expect(child.exitCode).toBeNull();
    expect(health.length).toBeGreaterThan(20);
    expect(health.filter((s) => s !== 200)).toEqual([]);
    expect(output).not.toMatch(/stopping/);
    // and people can still work
    const r = await client(base).post('/api/v1/auth/login', {
      username: 'calltaker',
      password: creds.calltaker,
    });
    expect(r.status).toBe(200);
  }, 600_000);
});

describe(`the simulator's seeding decision (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let base: string;
  let dir: string;
  let sim: Simulator | undefined;

  beforeAll(async () => {
    stack = await createStack({ DEMO: '1' });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    dir = mkdtempSync(join(tmpdir(), 'ringcad-seed-'));
  }, 240_000);

  afterAll(async () => {
    await sim?.stop();
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('seeds its accounts and units although an admin created units (one with a demo callsign) first, and never dispatches unasked', async () => {
    const admin = await login(base, 'admin', ADMIN_PASSWORD);
    const fleet = planFleet(demoCity(DEFAULT_CITY_SEED), 6);
    // an admin at work before the simulator started: a unit of their own, and one that took the
    // demo fleet's first callsign
    const own = await admin.post('/api/v1/units', { callsign: '成华-特01', kind: 'swat' });
    const squatter = await admin.post('/api/v1/units', {
      callsign: fleet[0].callsign,
      kind: 'patrol_car',
    });
    expect([own.status, squatter.status]).toEqual([201, 201]);

    const recorded = recordingLogger();
    const options = {
      apiUrl: base,
      adminPassword: ADMIN_PASSWORD,
      passwords: PASSWORDS,
      stateFile: join(dir, 'simulator-state.json'),
      speed: 30,
      units: 6,
      positionIntervalMs: 500,
      callsPerHour: 0,
      log: recorded.log,
    };
    sim = new Simulator(options);
    await sim.start();
    expect(sim.summary()).toMatchObject({ seeded: true, unitsSimulated: 6 });
    // its accounts exist and work
    for (const role of ['calltaker', 'dispatcher', 'commander'] as const)
      await login(base, role, PASSWORDS[role]);
    const units = (await admin.get('/api/v1/units')).body as {
      id: string;
      callsign: string;
      status: string;
    }[];
    expect(units).toHaveLength(8);
    // the admin's units are untouched; the simulator's are on duty under their own callsigns
    const state = JSON.parse(readFileSync(options.stateFile, 'utf8')) as {
      units: { id: string; callsign: string; planned?: string }[];
    };
    expect(state.units).toHaveLength(6);
    const mine = new Set(state.units.map((u) => u.id));
    expect(mine.has(own.body.unit.id)).toBe(false);
    expect(mine.has(squatter.body.unit.id)).toBe(false);
    for (const u of units.filter((x) => mine.has(x.id))) expect(u.status).toBe('available');
    for (const u of units.filter((x) => !mine.has(x.id))) expect(u.status).toBe('off_duty');
    const renamed = state.units.find((u) => u.planned === fleet[0].callsign);
    expect(renamed?.callsign).not.toBe(fleet[0].callsign);
    expect(recorded.lines.filter((l) => l.level === 'error')).toEqual([]);
    await until('all terminals online', () => sim!.summary().unitsOnline === 6, 30_000);

    // a human's incident is left to the human: auto-dispatch is off unless asked
    const calltaker = await login(base, 'calltaker', PASSWORDS.calltaker);
    const created = await calltaker.post('/api/v1/incidents', {
      location: demoCity(DEFAULT_CITY_SEED).standbyPoints[0].location,
      category: 'dispute',
      priority: 2,
    });
    expect(created.status).toBe(201);
    await sleep(3000);
    const incident = await admin.get(`/api/v1/incidents/${created.body.incident.id}`);
    expect(incident.body.status).toBe('new');
    expect(sim.summary().dispatches).toBe(0);

    // started again, it finds everything of its own and creates nothing
    await sim.stop();
    sim = new Simulator(options);
    await sim.start();
    expect(sim.summary()).toMatchObject({ seeded: false, unitsSimulated: 6 });
    expect((await admin.get('/api/v1/units')).body).toHaveLength(8);
  }, 180_000);
});
