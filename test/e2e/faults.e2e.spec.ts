import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import {
  ADMIN_PASSWORD,
  connectSocket,
  SERVICES_MODE,
  sleep,
  type Recorder,
} from '../support/harness';

/**
 * Fault injection in services mode, on a PostgreSQL cluster and a Redis of its own (never the
 * machine's shared ones): two api processes and a worker built from dist/, killed with SIGKILL,
 * Redis restarted with nothing kept, PostgreSQL stopped for 10 s, all under a stream of creates,
 * assigns, acks, cancels and positions. Embedded mode has no separate processes or services.
 */
const ROOT = join(__dirname, '..', '..');
const PG_BIN = '/usr/lib/postgresql/15/bin';
const describeServices =
  SERVICES_MODE && existsSync(join(PG_BIN, 'initdb')) ? describe : describe.skip;
if (!SERVICES_MODE) {
  process.stdout.write(
    'faults.e2e: skipped in embedded mode (needs DATABASE_URL and REDIS_URL: it starts its own PostgreSQL and Redis)\n',
  );
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });

const asPostgres = (cmd: string, args: string[]) => {
  // initdb and pg_ctl refuse to run as root
  if (process.getuid?.() === 0)
    return execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
  return execFileSync(cmd, args, { stdio: 'pipe' });
};

interface Outcome {
  route: string;
  status: number | 'neterr';
  ms: number;
  code?: string;
  dependency?: string;
  retryAfter?: string | null;
  phase: string;
}

describeServices('fault injection (services mode, own PostgreSQL and Redis)', () => {
  let dir: string;
  let pgPort: number;
  let redisPort: number;
  let redis: ChildProcess | undefined;
  const apis: (ChildProcess | undefined)[] = [];
  const apiPorts: number[] = [];
  /** Operations ports (METRICS_PORT: /metrics, /health/live, /health/ready) of the apis and worker. */
  const apiOpsPorts: number[] = [];
  let workerOpsPort: number;
  let worker: ChildProcess | undefined;
  let world: World;
  let env: Record<string, string>;
  let phase = 'setup';
  const outcomes: Outcome[] = [];
  /** Processes that ended without being killed by the test. */
  const unexpectedExits: string[] = [];

  const pgArgs = () => [
    '-D',
    join(dir, 'pg'),
    '-o',
    `-p ${pgPort} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    '-l',
    join(dir, 'pg.log'),
    '-w',
  ];
  const startPg = () => asPostgres(join(PG_BIN, 'pg_ctl'), [...pgArgs(), 'start']);
  const stopPg = () =>
    asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', join(dir, 'pg'), '-m', 'fast', '-w', 'stop']);

  const startRedis = async () => {
    redis = spawn(
      'redis-server',
      [
        '--port',
        String(redisPort),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--dir',
        dir,
      ],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync('redis-cli', ['-p', String(redisPort), 'ping'], { stdio: 'pipe' });
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error('redis did not start');
  };

  const spawnNode = (name: string, script: string, extra: Record<string, string>) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', script, 'src', 'main.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(join(dir, `${name}.log`), { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && signal !== 'SIGTERM')
        unexpectedExits.push(`${name} exited (code ${code}, signal ${signal})`);
    });
    return child;
  };
  const waitHealthy = async (port: number, ms = 60_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/health`, {
          signal: AbortSignal.timeout(2000),
        });
        if (r.status === 200) return;
      } catch {
        /* not listening yet */
      }
      await sleep(100);
    }
    throw new Error(`api on ${port} not healthy after ${ms} ms`);
  };
  const startApi = async (i: number) => {
    apis[i] = spawnNode(`api${i}`, 'api', {
      PORT: String(apiPorts[i]),
      METRICS_PORT: String(apiOpsPorts[i]),
    });
    await waitHealthy(apiPorts[i]);
  };
  const startWorker = async () => {
    worker = spawnNode('worker', 'worker', { METRICS_PORT: String(workerOpsPort) });
    // ready on its operations port: this process's, not a line an earlier worker left in the log
    const end = Date.now() + 60_000;
    while (Date.now() < end) {
      try {
        const r = await fetch(`http://127.0.0.1:${workerOpsPort}/health/ready`, {
          signal: AbortSignal.timeout(2000),
        });
        if (r.status === 200) return;
      } catch {
        /* not listening yet */
      }
      await sleep(100);
    }
    throw new Error(
      `worker not ready after 60 s: ${readFileSync(join(dir, 'worker.log'), 'utf8')}`,
    );
  };

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
          '**/*.spec.ts,apps/console/**,**/__fixtures__/**,**/__golden__/**',
          '-q',
        ],
        { cwd: ROOT, stdio: 'inherit' },
      );
    }
    dir = mkdtempSync('/tmp/ringcad-faults-');
    chmodSync(dir, 0o777);
    if (process.getuid?.() === 0)
      chownSync(
        dir,
        Number(execFileSync('id', ['-u', 'postgres']).toString()),
        Number(execFileSync('id', ['-g', 'postgres']).toString()),
      );
    [pgPort, redisPort, apiPorts[0], apiPorts[1]] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    [apiOpsPorts[0], apiOpsPorts[1], workerOpsPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    asPostgres(join(PG_BIN, 'initdb'), [
      '-D',
      join(dir, 'pg'),
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    startPg();
    const admin = new Client({
      connectionString: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
    });
    await admin.connect();
    await admin.query('CREATE EXTENSION postgis');
    await admin.end();
    await startRedis();
    env = {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_PREFIX: 'faults',
      ADMIN_PASSWORD,
      HOST: '127.0.0.1',
      ACK_TIMEOUT_P1_SEC: '2',
    };
    await startApi(0);
    await startApi(1);
    await startWorker();
    world = await buildWorld(`http://127.0.0.1:${apiPorts[0]}`, 6);
  }, 180_000);

  afterAll(async () => {
    for (const c of [...apis, worker]) c?.kill('SIGKILL');
    redis?.kill('SIGKILL');
    try {
      asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', join(dir, 'pg'), '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already stopped */
    }
    await sleep(200);
    if (!dir) return;
    // the processes' logs are kept as artefacts (what each one said during the faults)
    const keep = join(ROOT, 'test-results', 'faults');
    mkdirSync(keep, { recursive: true });
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.log')))
      copyFileSync(join(dir, f), join(keep, f));
    rmSync(dir, { recursive: true, force: true });
  });

  /** One HTTP call to whichever api is up, recorded; a killed api is a network error, not an answer. */
  let rr = 0;
  const call = async (
    route: string,
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const port = apiPorts[rr++ % 2];
    const started = Date.now();
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(8000),
      });
      const text = await res.text();
      let json: any = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      outcomes.push({
        route,
        status: res.status,
        ms: Date.now() - started,
        code: json?.error?.code,
        dependency: json?.error?.details?.dependency,
        retryAfter: res.headers.get('retry-after'),
        phase,
      });
      return { status: res.status, body: json, headers: res.headers };
    } catch {
      outcomes.push({ route, status: 'neterr', ms: Date.now() - started, phase });
      return { status: 0, body: null, headers: new Headers() };
    }
  };

  /** Creates made by the load: Idempotency-Key → the incident id of its 201 (if any yet). */
  const creates = new Map<string, { description: string; incidentId?: string }>();
  /** Positions answered 202: unit → times. */
  const acceptedPositions: { unitId: string; at: string }[] = [];
  let running = false;

  const createIncident = async (key: string, description: string, priority = 3) => {
    creates.set(key, { description });
    const body = { location: INCIDENT_POINT, category: 'dispute', priority, description };
    for (;;) {
      const r = await call('create', 'POST', '/api/v1/incidents', world.tokens.calltaker, body, {
        'idempotency-key': key,
      });
      if (r.status === 201) {
        const id = r.body.incident.id as string;
        const seen = creates.get(key)?.incidentId;
        // a retry never makes a second incident: the same key answers the same one
        if (seen && seen !== id) throw new Error(`key ${key} answered two incidents`);
        creates.set(key, { description, incidentId: id });
        return id;
      }
      if (!running && r.status !== 0 && r.status !== 503) return null;
      await sleep(200);
    }
  };

  const loop = async (n: number) => {
    const unit = world.units[n];
    let k = 0;
    while (running) {
      const key = `load-${n}-${k++}`;
      const incidentId = await createIncident(key, `fault load ${key}`);
      if (!incidentId) continue;
      const a = await call(
        'assign',
        'POST',
        `/api/v1/incidents/${incidentId}/assignments`,
        world.tokens.dispatcher,
        { unitIds: [unit.id] },
      );
      const assignmentId = a.status === 201 ? (a.body.assignments[0].id as string) : null;
      if (assignmentId)
        await call('ack', 'POST', `/api/v1/assignments/${assignmentId}/events`, unit.token, {
          type: 'ack',
        });
      // cancelling frees the unit for the next round; retried until it is done
      for (let i = 0; i < 100; i++) {
        const c = await call(
          'cancel',
          'POST',
          `/api/v1/incidents/${incidentId}/cancel`,
          world.tokens.dispatcher,
          { reason: 'fault test' },
        );
        if (c.status === 200 || c.status === 409) break;
        await sleep(200);
      }
    }
  };

  const positionsLoop = async () => {
    let t = Date.now();
    while (running) {
      t += 1000;
      const at = new Date(t).toISOString();
      const batch = world.units
        .slice(3, 5)
        .map((u, i) => ({ unitId: u.id, lon: u.lon, lat: u.lat + i * 1e-5, at }));
      const r = await call('positions', 'POST', '/api/v1/units/positions', world.tokens.admin, {
        positions: batch,
      });
      if (r.status === 202) acceptedPositions.push(...batch.map((p) => ({ unitId: p.unitId, at })));
      await sleep(300);
    }
  };

  const healthOf = async (port: number) => {
    const started = Date.now();
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`, {
        signal: AbortSignal.timeout(5000),
      });
      const body = (await r.json()) as { error?: { details?: { dependency?: string } } };
      return {
        status: r.status,
        dependency: body.error?.details?.dependency,
        ms: Date.now() - started,
      };
    } catch {
      return { status: 0, dependency: undefined, ms: Date.now() - started };
    }
  };
  /** A liveness or readiness answer, timed (`url` of an api's port or an operations port). */
  const probe = async (url: string) => {
    const started = Date.now();
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
      const body = (await r.json()) as {
        status?: string;
        error?: { code?: string; details?: { dependency?: string; draining?: boolean } };
      };
      return {
        status: r.status,
        code: body.error?.code,
        dependency: body.error?.details?.dependency,
        ms: Date.now() - started,
      };
    } catch {
      return { status: 0, code: undefined, dependency: undefined, ms: Date.now() - started };
    }
  };
  const readinessAll = () =>
    Promise.all([
      probe(`http://127.0.0.1:${apiPorts[0]}/health/ready`),
      probe(`http://127.0.0.1:${apiOpsPorts[0]}/health/ready`),
      probe(`http://127.0.0.1:${workerOpsPort}/health/ready`),
      probe(`http://127.0.0.1:${apiPorts[0]}/health/live`),
      probe(`http://127.0.0.1:${workerOpsPort}/health/live`),
    ]);

  /** Recovery: health 200 on every api and a create succeeds, within `ms` of the dependency's return. */
  const recoversWithin = async (ms: number) => {
    const back = Date.now();
    for (;;) {
      const h = await Promise.all(apiPorts.map(healthOf));
      if (h.every((x) => x.status === 200)) break;
      if (Date.now() - back > ms)
        throw new Error(`health not back within ${ms} ms: ${JSON.stringify(h)}`);
      await sleep(100);
    }
    const key = `recovery-${phase}`;
    creates.set(key, { description: `fault ${key}` });
    const r = await call(
      'create',
      'POST',
      '/api/v1/incidents',
      world.tokens.calltaker,
      { location: INCIDENT_POINT, category: 'dispute', priority: 3, description: `fault ${key}` },
      { 'idempotency-key': key },
    );
    expect(r.status).toBe(201);
    creates.set(key, { description: `fault ${key}`, incidentId: r.body.incident.id });
    return Date.now() - back;
  };

  it('keeps every promise through api and worker kills, a Redis restart and a PostgreSQL stop', async () => {
    const console1: Recorder = await connectSocket(
      `http://127.0.0.1:${apiPorts[1]}`,
      '/console',
      world.tokens.dispatcher,
    );
    running = true;
    const load = Promise.all([loop(0), loop(1), loop(2), positionsLoop()]);
    try {
      phase = 'warm';
      await sleep(3000);

      // ── kill -9 of an api under load: its clients retry on the other with the same key ──
      phase = 'api-kill';
      apis[0]?.kill('SIGKILL');
      await sleep(2000);
      await startApi(0);
      await sleep(1000);

      // ── kill -9 of the worker while an ack timer falls due: the alert still reaches a console ──
      phase = 'worker-kill';
      worker?.kill('SIGKILL');
      const alertIncident = await createIncident('alert-1', 'fault alert during worker restart', 1);
      expect(alertIncident).toBeTruthy();
      const alertUnit = world.units[5];
      const assigned = await call(
        'assign',
        'POST',
        `/api/v1/incidents/${alertIncident}/assignments`,
        world.tokens.dispatcher,
        { unitIds: [alertUnit.id] },
      );
      expect(assigned.status).toBe(201);
      await sleep(4000); // the 2 s ack deadline passes with no worker running
      await startWorker();
      const alert = await console1
        .waitFor(
          (e) =>
            e.event === 'alert' &&
            e.payload.kind === 'ack_overdue' &&
            e.payload.incidentId === alertIncident,
          25_000,
        )
        .catch(() => null);

      // ── Redis restarted, keeping nothing, down for 11 s (the api used to crash ~10 s in) ──
      phase = 'redis-down';
      redis?.kill('SIGKILL');
      await sleep(1500);
      const redisHealth = await healthOf(apiPorts[1]);
      const posDuringRedis = await call(
        'positions',
        'POST',
        '/api/v1/units/positions',
        world.tokens.admin,
        {
          positions: [
            {
              unitId: world.units[3].id,
              lon: world.units[3].lon,
              lat: world.units[3].lat,
              at: new Date(Date.now() + 500).toISOString(),
            },
          ],
        },
      );
      await sleep(9500);
      phase = 'redis-back';
      await startRedis();
      const redisRecoveryMs = await recoversWithin(5000);

      // ── PostgreSQL stopped for 10 s under load ──
      phase = 'pg-down';
      stopPg();
      await sleep(1000);
      const pgHealth = await healthOf(apiPorts[0]);
      // readiness false on the api and the worker (its answer within the 2 s bound), liveness
      // true: an orchestrator takes them out of rotation and does not restart them
      const pgReadiness = await readinessAll();
      await sleep(8000);
      phase = 'pg-back';
      startPg();
      const pgRecoveryMs = await recoversWithin(5000);
      let readyAgain = await readinessAll();
      for (let i = 0; i < 50 && readyAgain.some((r) => r.status !== 200); i++) {
        await sleep(100);
        readyAgain = await readinessAll();
      }
      phase = 'settle';
      await sleep(2000);

      running = false;
      await load;
      console1.close();

      // ── what the clients saw ──
      const fiveHundreds = outcomes.filter(
        (o) => typeof o.status === 'number' && o.status >= 500 && o.status !== 503,
      );
      expect(fiveHundreds).toEqual([]);
      const unavailable = outcomes.filter((o) => o.status === 503);
      for (const o of unavailable) {
        expect(o.code).toBe('DEPENDENCY_DOWN');
        expect(['database', 'redis']).toContain(o.dependency);
        expect(Number(o.retryAfter)).toBeGreaterThan(0);
        expect(o.ms).toBeLessThanOrEqual(2500);
      }
      // the outages were seen (the test injects what it claims to)
      expect(
        unavailable.filter((o) => o.phase === 'pg-down' && o.dependency === 'database').length,
      ).toBeGreaterThan(0);
      expect(redisHealth).toMatchObject({ status: 503, dependency: 'redis' });
      expect(redisHealth.ms).toBeLessThan(2000);
      expect(pgHealth).toMatchObject({ status: 503, dependency: 'database' });
      expect(pgHealth.ms).toBeLessThan(2000);
      const [apiReady, apiOpsReady, workerReady, apiLive, workerLive] = pgReadiness;
      for (const r of [apiReady, apiOpsReady, workerReady]) {
        expect(r).toMatchObject({ status: 503, code: 'DEPENDENCY_DOWN', dependency: 'database' });
        expect(r.ms).toBeLessThanOrEqual(2000);
      }
      expect(apiLive.status).toBe(200);
      expect(workerLive.status).toBe(200);
      expect(readyAgain.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      // Redis down: the database still takes incidents, assignments, acks and positions
      const redisPhase = outcomes.filter((o) => o.phase === 'redis-down');
      expect(
        redisPhase.filter((o) => o.route === 'create' && o.status === 201).length,
      ).toBeGreaterThan(0);
      expect(redisPhase.filter((o) => o.status === 503)).toEqual([]);
      expect(posDuringRedis.status).toBe(202);
      expect(redisRecoveryMs).toBeLessThanOrEqual(5000);
      expect(pgRecoveryMs).toBeLessThanOrEqual(5000);
      expect(unexpectedExits).toEqual([]);

      // ── what the database holds: every answered create exactly once, every accepted position ──
      const db = new Client({ connectionString: env.DATABASE_URL });
      await db.connect();
      try {
        // creates never answered (still retrying when the load stopped) are retried once more:
        // with the same key they make nothing new if their first attempt committed
        for (const [key, c] of creates) {
          if (c.incidentId) continue;
          const r = await call(
            'create',
            'POST',
            '/api/v1/incidents',
            world.tokens.calltaker,
            {
              location: INCIDENT_POINT,
              category: 'dispute',
              priority: 3,
              description: c.description,
            },
            { 'idempotency-key': key },
          );
          expect(r.status).toBe(201);
          creates.set(key, { ...c, incidentId: r.body.incident.id });
        }
        const rows = await db.query<{ description: string; n: number; ids: string[] }>(
          `SELECT description, count(*)::int AS n, array_agg(id::text) AS ids FROM incidents WHERE description LIKE 'fault %' GROUP BY description`,
        );
        const byDescription = new Map(rows.rows.map((r) => [r.description, r]));
        for (const c of creates.values()) {
          const row = byDescription.get(c.description);
          expect({ description: c.description, n: row?.n }).toEqual({
            description: c.description,
            n: 1,
          });
          expect(row?.ids[0]).toBe(c.incidentId);
        }
        expect(rows.rows.length).toBe(creates.size);
        expect(creates.size).toBeGreaterThan(10);

        const stored = await db.query<{ unit_id: string; at: Date }>(
          `SELECT unit_id::text, at FROM unit_tracks`,
        );
        const have = new Set(
          stored.rows.map((r) => `${r.unit_id}@${new Date(r.at).toISOString()}`),
        );
        const lost = acceptedPositions.filter((p) => !have.has(`${p.unitId}@${p.at}`));
        expect(lost).toEqual([]);
        expect(acceptedPositions.length).toBeGreaterThan(20);
      } finally {
        await db.end();
      }
      // last, because another fix is pending for it: an alert due while the worker was down
      // reaches a console once the worker is back
      expect(alert).not.toBeNull();
    } finally {
      running = false;
      await load.catch(() => undefined);
    }
  }, 200_000);
});
