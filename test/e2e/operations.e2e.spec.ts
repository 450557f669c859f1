import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer, connect } from 'node:net';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { parsePrometheusText, type MetricFamily } from '../support/prometheus-text';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import {
  ADMIN_PASSWORD,
  client,
  connectSocket,
  SERVICES_MODE,
  sleep,
  type Recorder,
} from '../support/harness';
import { createFromServicesTemplate, seedEmbeddedDataDir } from '../support/db-template';

/**
 * Operating RingCAD as a deployed process, through what an operator has: the api built in dist/
 * run as a child process, its HTTP port, its operations port (METRICS_PORT), signals, and the
 * backup/restore CLI. Prometheus scrapes are parsed by a Prometheus text-format parser.
 * Readiness while PostgreSQL is down: faults.e2e.spec.ts (own cluster, services mode).
 */
const ROOT = join(__dirname, '..', '..');
const SHARED = process.env.SHARED_DATA_DIR ?? resolve(__dirname, '../../../shared/data');
const METRICS_TOKEN = randomBytes(16).toString('hex');

const freePort = () =>
  new Promise<number>((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });

/** A scrape of the operations port, read by a strict text-format reader (throws on any deviation). */
async function scrape(port: number): Promise<Map<string, MetricFamily>> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await r.text());
}

const matches = (have: Record<string, string>, want: Record<string, string>) =>
  Object.entries(want).every(([k, v]) => have[k] === v);
/** A counter's or gauge's value for a label set (0 when the series does not exist yet). */
const valueOf = (m: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}) =>
  m.get(name)?.samples.find((x) => matches(x.labels, labels))?.value ?? 0;
/** A histogram's observation count for a label set (0 when the series does not exist yet). */
const countOf = (m: Map<string, MetricFamily>, name: string, labels: Record<string, string>) =>
  m.get(name)?.histograms.find((x) => matches(x.labels, labels))?.count ?? 0;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe('operations: metrics, health, graceful shutdown, backup and restore', () => {
  let work: string;
  let dataDir: string;
  let env: Record<string, string>;
  let dropDb: (() => Promise<void>) | undefined;
  let api: ChildProcess | undefined;
  let apiExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let port: number;
  let opsPort: number;
  let world: World;
  let consoleSocket: Recorder;
  const logOf = (name: string) => join(work, `${name}.log`);

  const startApi = async (name: string, extra: Record<string, string> = {}) => {
    [port, opsPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        PORT: String(port),
        METRICS_PORT: String(opsPort),
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(logOf(name), { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    apiExit = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
    api = child;
    const end = Date.now() + 180_000;
    while (Date.now() < end) {
      if (child.exitCode !== null)
        throw new Error(`${name} exited: ${readFileSync(logOf(name), 'utf8')}`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/health/ready`, {
          signal: AbortSignal.timeout(2000),
        });
        if (r.status === 200) return `http://127.0.0.1:${port}`;
      } catch {
        /* not listening yet */
      }
      await sleep(200);
    }
    throw new Error(`${name} not ready after 180 s`);
  };

  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'scripts', 'data-dir.mjs'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });

  beforeAll(async () => {
    // npm test builds dist/ once before Jest; a spec run on its own builds the server here
    if (
      !process.env.RINGCAD_PREBUILT ||
      !existsSync(join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js'))
    ) {
      execFileSync(
        join(ROOT, 'node_modules', '.bin', 'swc'),
        [
          'apps',
          'libs',
          '-d',
          'dist',
          '--config-file',
          '.swcrc',
          '--ignore',
          '**/*.spec.ts,apps/console/**,apps/terminal/**,**/__fixtures__/**,**/__golden__/**',
          '-q',
        ],
        { cwd: ROOT, stdio: 'inherit' },
      );
    }
    work = mkdtempSync(join(tmpdir(), 'ringcad-ops-'));
    dataDir = join(work, 'data');
    env = {
      ADMIN_PASSWORD,
      HOST: '127.0.0.1',
      METRICS_TOKEN,
      ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
      COVERAGE_PUSH_SEC: '0',
      SHUTDOWN_DELAY_SEC: '2',
      SHUTDOWN_TIMEOUT_SEC: '20',
    };
    if (SERVICES_MODE) {
      const url = new URL(process.env.DATABASE_URL as string);
      const dbName = `ringcad_ops_${process.pid}_${randomBytes(3).toString('hex')}`;
      if (!(await createFromServicesTemplate(url.toString(), dbName))) {
        const admin = new PgClient({ connectionString: url.toString() });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${dbName}`);
        await admin.end();
      }
      const testUrl = new URL(url.toString());
      testUrl.pathname = `/${dbName}`;
      Object.assign(env, {
        DATABASE_URL: testUrl.toString(),
        REDIS_URL: process.env.REDIS_URL as string,
        REDIS_PREFIX: dbName,
        RUN_PROCESSORS: '1',
      });
      dropDb = async () => {
        const c = new PgClient({ connectionString: url.toString() });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await c.end();
      };
    } else {
      seedEmbeddedDataDir(dataDir);
      env.DATA_DIR = dataDir;
    }
    const base = await startApi('api');
    world = await buildWorld(base, 3);
    consoleSocket = await connectSocket(base, '/console', world.tokens.dispatcher);
  }, 300_000);

  afterAll(async () => {
    consoleSocket?.close();
    if (api && api.exitCode === null) api.kill('SIGKILL');
    await dropDb?.();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('serves Prometheus metrics on the operations port that a text-format parser reads, and they move', async () => {
    const base = `http://127.0.0.1:${port}`;
    // the operations port asks for its bearer; the public port has no /metrics at all
    expect((await fetch(`http://127.0.0.1:${opsPort}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);

    const before = await scrape(opsPort);
    for (const name of [
      'ringcad_http_request_duration_seconds',
      'ringcad_socket_clients',
      'ringcad_queue_jobs',
      'ringcad_queue_oldest_waiting_seconds',
      'ringcad_positions_accepted_total',
      'ringcad_positions_persisted_total',
      'ringcad_coverage_compute_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'process_cpu_seconds_total',
    ])
      expect([name, before.has(name)]).toEqual([name, true]);
    expect(before.get('ringcad_http_request_duration_seconds')?.type).toBe('histogram');
    expect(before.get('ringcad_coverage_compute_seconds')?.type).toBe('histogram');
    expect(before.get('ringcad_positions_accepted_total')?.type).toBe('counter');
    expect(valueOf(before, 'ringcad_socket_clients', { namespace: '/console' })).toBe(1);
    for (const queue of ['timers', 'positions', 'agencies'])
      expect(
        before
          .get('ringcad_queue_jobs')
          ?.samples.find((x) => matches(x.labels, { queue, state: 'waiting' })),
      ).toBeDefined();
    expect(valueOf(before, 'ringcad_queue_backend_up')).toBe(1);
    expect(valueOf(before, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);

    // a create, an incident read, a position batch and a coverage computation
    const calltaker = client(base, world.tokens.calltaker);
    const created = await calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'dispute',
      priority: 2,
      description: 'metrics',
    });
    expect(created.status).toBe(201);
    expect((await calltaker.get(`/api/v1/incidents/${created.body.incident.id}`)).status).toBe(200);
    const admin = client(base, world.tokens.admin);
    const at = new Date().toISOString();
    const positions = world.units.map((u) => ({ unitId: u.id, lon: u.lon, lat: u.lat + 1e-4, at }));
    expect((await admin.post('/api/v1/units/positions', { positions })).status).toBe(202);
    expect((await admin.get('/api/v1/coverage?scheme=1-3-8')).status).toBe(200);
    const terminal = await connectSocket(base, '/terminal', world.units[0].token);

    const after = await scrape(opsPort);
    terminal.close();
    const http = 'ringcad_http_request_duration_seconds';
    const created201 = { method: 'POST', route: '/api/v1/incidents', status: '201' };
    expect(countOf(after, http, created201)).toBe(countOf(before, http, created201) + 1);
    // by route template, never the raw path
    const read = { method: 'GET', route: '/api/v1/incidents/:id', status: '200' };
    expect(countOf(after, http, read)).toBeGreaterThanOrEqual(1);
    const routes = after.get(http)?.histograms.map((x) => x.labels.route) ?? [];
    expect(routes.filter((r) => UUID.test(r))).toEqual([]);
    expect(valueOf(after, 'ringcad_positions_accepted_total', { source: 'batch' })).toBe(
      valueOf(before, 'ringcad_positions_accepted_total', { source: 'batch' }) + positions.length,
    );
    expect(valueOf(after, 'ringcad_positions_persisted_total')).toBe(
      valueOf(before, 'ringcad_positions_persisted_total') + positions.length,
    );
    const cov = { scheme: '1-3-8' };
    expect(countOf(after, 'ringcad_coverage_compute_seconds', cov)).toBe(
      countOf(before, 'ringcad_coverage_compute_seconds', cov) + 1,
    );
    expect(valueOf(after, 'ringcad_socket_clients', { namespace: '/terminal' })).toBe(1);
    // the create's answer carries a recommendation: each of its phases timed once more
    for (const phase of ['reads', 'fleet', 'search', 'answer']) {
      const ph = 'ringcad_recommendation_phase_seconds';
      expect(countOf(after, ph, { phase })).toBeGreaterThan(countOf(before, ph, { phase }));
    }
    const snapped = (m: typeof after) =>
      valueOf(m, 'ringcad_unit_snaps_total', { source: 'ahead' }) +
      valueOf(m, 'ringcad_unit_snaps_total', { source: 'on_the_spot' });
    expect(snapped(after)).toBeGreaterThan(snapped(before));
    // the embedded database's thread times each statement's wait for its turn and its run (the
    // create above was an interactive query); with PostgreSQL each query's wait for a connection
    // of the pool is timed instead
    const turns = ['ringcad_db_turn_wait_seconds', 'ringcad_db_statement_seconds'];
    if (!SERVICES_MODE)
      for (const name of turns) {
        expect(after.get(name)?.type).toBe('histogram');
        const q = { turn: 'interactive', op: 'query' };
        expect(countOf(after, name, q)).toBeGreaterThan(countOf(before, name, q));
      }
    const poolWait = 'ringcad_db_pool_wait_seconds';
    if (SERVICES_MODE) {
      expect(after.get(poolWait)?.type).toBe('histogram');
      expect(countOf(after, poolWait, {})).toBeGreaterThan(countOf(before, poolWait, {}));
    } else expect(countOf(after, poolWait, {})).toBe(0);
  }, 120_000);

  it('splits liveness from readiness on the api and on the operations port', async () => {
    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'live' });
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: 'up', redis: SERVICES_MODE ? 'up' : 'not used' },
    });
    const opsReady = await fetch(`http://127.0.0.1:${opsPort}/health/ready`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(opsReady.status).toBe(200);
    // the original check answers as before
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
  });

  it('drains on SIGTERM: readiness false, no new connections, the request in flight answered, sockets closed, exit 0', async () => {
    const base = `http://127.0.0.1:${port}`;
    const incidentsBefore = await client(base, world.tokens.admin).get(
      '/api/v1/incidents?status=all',
    );
    expect(incidentsBefore.status).toBe(200);
    // a create whose body is half sent when the signal comes
    const body = JSON.stringify({
      location: INCIDENT_POINT,
      category: 'dispute',
      priority: 3,
      description: 'in flight during shutdown',
    });
    const half = Math.floor(body.length / 2);
    const inFlight = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/incidents',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        authorization: `Bearer ${world.tokens.calltaker}`,
      },
    });
    const answer = new Promise<{ status: number; connection?: string; text: string }>(
      (res, rej) => {
        inFlight.on('error', rej);
        inFlight.on('response', (r: IncomingMessage) => {
          let text = '';
          r.on('data', (d: Buffer) => (text += d.toString()));
          r.on('end', () =>
            res({ status: r.statusCode ?? 0, connection: r.headers.connection, text }),
          );
        });
      },
    );
    inFlight.write(body.slice(0, half));
    await sleep(300);
    const signalled = Date.now();
    api?.kill('SIGTERM');

    // readiness goes false at once, on both ports, while the listener is still open (delay 2 s)
    let notReady: { status: number; body: any } | undefined;
    while (Date.now() - signalled < 1800) {
      const r = await fetch(`${base}/health/ready`);
      if (r.status === 503) {
        notReady = { status: r.status, body: await r.json() };
        break;
      }
      await sleep(50);
    }
    expect(notReady?.body.error).toMatchObject({
      code: 'UNAVAILABLE',
      details: { draining: true },
    });
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const opsReady = await fetch(`http://127.0.0.1:${opsPort}/health/ready`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(opsReady.status).toBe(503);

    // then the listener closes: new connections are refused
    const refused = async () =>
      new Promise<boolean>((res) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          res(false);
        });
        s.once('error', () => res(true));
      });
    let closed = false;
    for (const end = Date.now() + 15_000; Date.now() < end && !closed; await sleep(100))
      closed = await refused();
    expect(closed).toBe(true);
    // the console was told to go (and will reconnect elsewhere)
    const disconnect = await new Promise<string>((res) => {
      if (!consoleSocket.socket.connected) return res('io server disconnect');
      consoleSocket.socket.once('disconnect', (reason) => res(reason));
    });
    expect(disconnect).toBe('io server disconnect');

    // the request in flight completes and is answered
    inFlight.end(body.slice(half));
    const done = await answer;
    expect(done.status).toBe(201);
    expect(done.connection).toBe('close');
    const inFlightIncident = JSON.parse(done.text).incident.id as string;

    const exit = await apiExit;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(20_000);
    const log = readFileSync(logOf('api'), 'utf8');
    expect(log).toMatch(/SIGTERM: api draining/);
    expect(log).toMatch(/queue workers closed/);
    expect(log).toMatch(/SIGTERM: api drained in \d+ ms, exit 0/);

    // what was answered is stored
    writeFileSync(
      join(work, 'incidents.json'),
      JSON.stringify([...incidentsBefore.body.map((i: { id: string }) => i.id), inFlightIncident]),
    );
  }, 60_000);

  (SERVICES_MODE ? it.skip : it)(
    'backs up the data directory and restores it into a fresh one with every incident back',
    async () => {
      const expected = JSON.parse(readFileSync(join(work, 'incidents.json'), 'utf8')) as string[];
      expect(expected.length).toBeGreaterThanOrEqual(2);
      const file = join(work, 'backup', 'ringcad.tar.gz');
      const backup = cli('backup', file, '--data-dir', dataDir);
      expect([backup.status, backup.stderr]).toEqual([0, '']);
      expect(backup.stdout).toMatch(new RegExp(`${expected.length} incidents`));
      expect(statSync(file).size).toBeGreaterThan(100_000);

      // refusals: a non-empty directory without --force, a missing file, a bad archive
      const overOld = cli('restore', file, '--data-dir', dataDir);
      expect(overOld.status).toBe(3);
      expect(overOld.stderr).toMatch(/is not empty.*--force/);
      expect(
        cli('restore', join(work, 'nope.tar.gz'), '--data-dir', join(work, 'x')).stderr,
      ).toMatch(/no such backup file/);
      writeFileSync(join(work, 'junk.tar.gz'), 'not a backup');
      const junk = cli('restore', join(work, 'junk.tar.gz'), '--data-dir', join(work, 'junk'));
      expect(junk.status).toBe(1);
      expect(existsSync(join(work, 'junk'))).toBe(false);

      const fresh = join(work, 'restored');
      const restore = cli('restore', file, '--data-dir', fresh);
      expect([restore.status, restore.stderr]).toEqual([0, '']);
      expect(restore.stdout).toMatch(new RegExp(`${expected.length} incidents`));

      env.DATA_DIR = fresh;
      const base = await startApi('restored');
      // while it runs, neither a backup nor a restore touches its directory
      const busy = cli('backup', join(work, 'busy.tar.gz'), '--data-dir', fresh);
      expect(busy.status).toBe(3);
      expect(busy.stderr).toMatch(new RegExp(`in use by process ${api?.pid}`));
      const busyRestore = cli('restore', file, '--data-dir', fresh, '--force');
      expect(busyRestore.status).toBe(3);

      const admin = client(
        base,
        (
          await client(base).post('/api/v1/auth/login', {
            username: 'admin',
            password: ADMIN_PASSWORD,
          })
        ).body.accessToken,
      );
      const back = await admin.get('/api/v1/incidents?status=all');
      expect(back.status).toBe(200);
      expect(back.body.map((i: { id: string }) => i.id).sort()).toEqual([...expected].sort());
      for (const id of expected) {
        const t = await admin.get(`/api/v1/incidents/${id}/timeline`);
        expect([id, t.status, t.body.events.length > 0]).toEqual([id, 200, true]);
      }
      // the accounts came back too: the call-taker signs in with the same password
      expect(
        (
          await client(base).post('/api/v1/auth/login', {
            username: 'calltaker',
            password: 'calltaker-password',
          })
        ).status,
      ).toBe(200);
      api?.kill('SIGTERM');
      expect(await apiExit).toEqual({ code: 0, signal: null });
    },
    400_000,
  );
});
