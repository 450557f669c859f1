import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { client, connectSocket, SERVICES_MODE, sleep, type Recorder } from '../support/harness';

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

// `npm start` is the embedded demo; the services-mode run of the suite covers the same code.
const describeEmbedded = SERVICES_MODE ? describe.skip : describe;

describeEmbedded('the README start command (npm start → scripts/start.mjs)', () => {
  let child: ChildProcess | undefined;
  let dataDir: string;
  let output = '';

  let console: Recorder | undefined;

  afterAll(async () => {
    console?.close();
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child?.once('exit', r));
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('builds, starts the embedded system with the demo city and tells a new user how to log in', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ringcad-start-'));
    const port = await freePort();
    // npm test builds once before Jest (RINGCAD_PREBUILT); rebuilding here would swap the console's
    // files under the browser test running beside this one
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      SIM_SPEED: '5',
    };
    if (process.env.RINGCAD_PREBUILT) env.RINGCAD_SKIP_BUILD = '1';
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    delete env.ADMIN_PASSWORD;
    child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 240_000;
    while (
      !output.includes('RingCAD is running') &&
      Date.now() < deadline &&
      child.exitCode === null
    )
      await sleep(250);
    const runningAt = Date.now();
    expect(output).toContain('RingCAD is running');
    expect(output).toContain(`http://localhost:${port}`);
    const credFile = join(dataDir, 'credentials.json');
    expect(existsSync(credFile)).toBe(true);
    const creds = JSON.parse(readFileSync(credFile, 'utf8')) as Record<string, string>;
    expect(output).toContain(`dispatcher / ${creds.dispatcher}`);
    const base = `http://127.0.0.1:${port}`;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('RingCAD');
    // the simulator seeds the demo city through the public API and says so once it runs; waiting
    // for that line (rather than trying the dispatcher's password every half second) keeps the
    // login throttle from refusing the simulator's own sign-in
    const simDeadline = Date.now() + 240_000;
    while (!/simulating \d+ units/.test(output) && Date.now() < simDeadline) await sleep(500);
    expect(output).toMatch(
      /simulating \d+ units .*auto-dispatch off until switched on in the console/,
    );
    let token: string | undefined;
    while (!token && Date.now() < simDeadline) {
      const r = await client(base).post('/api/v1/auth/login', {
        username: 'dispatcher',
        password: creds.dispatcher,
      });
      if (r.status === 200) token = r.body.accessToken;
      else await sleep(500);
    }
    expect(token).toBeDefined();
    const dispatcher = client(base, token);
    let units: { status: string; position: { stale: boolean } | null }[] = [];
    while (Date.now() < simDeadline) {
      units = (await dispatcher.get('/api/v1/units')).body;
      // the visitor's 警务通 unit is there first; wait for the simulator's fleet
      if (
        units.length > 10 &&
        units.some((u) => u.status === 'available' && u.position && !u.position.stale)
      )
        break;
      await sleep(500);
    }
    expect(units.length).toBeGreaterThan(10);
    const network = await dispatcher.get('/api/v1/road-network');
    expect(network.status).toBe(200);
    expect(network.body.nodes).toBeGreaterThan(1000);
    const districts = await dispatcher.get('/api/v1/jurisdictions');
    expect(districts.body.features.length).toBeGreaterThan(0);

    // the dispatcher's seat, watched from here on: no alert may reach it in the demo's first minute
    console = await connectSocket(base, '/console', token);
    await console.waitFor((e) => e.event === 'sync');
    const switchState = await dispatcher.get('/api/v1/training/simulation');
    expect(switchState.body).toMatchObject({ autoDispatch: false, demo: true });

    // a call comes in; the simulator's old 20 simulated seconds (4 s at SIM_SPEED=5) pass …
    const calltakerLogin = await client(base).post('/api/v1/auth/login', {
      username: 'calltaker',
      password: creds.calltaker,
    });
    expect(calltakerLogin.status).toBe(200);
    const calltaker = client(base, calltakerLogin.body.accessToken as string);
    const bbox = network.body.bbox as [number, number, number, number];
    const created = await calltaker.post('/api/v1/incidents', {
      location: { lon: (bbox[0] + bbox[2]) / 2, lat: (bbox[1] + bbox[3]) / 2 },
      category: 'dispute',
      priority: 2,
    });
    expect(created.status).toBe(201);
    const incidentId = created.body.incident.id as string;
    await sleep(8000);
    // … and the incident still waits for the dispatcher: the simulator did not take it
    expect((await dispatcher.get(`/api/v1/incidents/${incidentId}`)).body.status).toBe('new');
    const rec = await dispatcher.get(`/api/v1/incidents/${incidentId}/recommendation`);
    expect(rec.status).toBe(200);
    // a simulated unit (its terminal acknowledges; the visitor's 警务通 unit waits for a person)
    const pick = (rec.body.candidates as { unitId: string; callsign: string; status: string }[])
      .filter((c) => c.status === 'available' && c.callsign !== '演示-警务通')
      .at(0);
    expect(pick).toBeDefined();
    const first = await dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, {
      unitIds: [pick!.unitId],
    });
    expect(first.status).toBe(201);
    expect(first.body.assignments).toHaveLength(1);

    // no alert in the first minute: watch until a minute after the banner
    const left = runningAt + 60_000 - Date.now();
    if (left > 0) await sleep(left);
    expect(console.events.filter((e) => e.event === 'alert')).toEqual([]);
    expect((await dispatcher.get('/api/v1/alerts')).body).toEqual([]);
    // the start log says when coverage alerts begin
    expect(output).toMatch(/coverage alerts held for the first 120 s after start/);
  }, 420_000);
});

describeEmbedded('npm start with DEMO=0 names only accounts that exist', () => {
  let child: ChildProcess | undefined;
  let dataDir: string;

  const start = async (port: number) => {
    let output = '';
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      DEMO: '0',
    };
    if (process.env.RINGCAD_PREBUILT) env.RINGCAD_SKIP_BUILD = '1';
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    delete env.ADMIN_PASSWORD;
    child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 240_000;
    while (!output.includes('(kept in') && Date.now() < deadline && child.exitCode === null)
      await sleep(250);
    return output;
  };
  const stop = async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child?.once('exit', r));
    }
  };

  afterAll(async () => {
    await stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the admin alone on a fresh system, and an account once an admin created it', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ringcad-nodemo-'));
    const port = await freePort();
    const first = await start(port);
    expect(first).toContain('RingCAD is running');
    const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(first).toContain(`admin      / ${creds.admin}`);
    for (const role of ['dispatcher', 'calltaker', 'commander']) {
      expect(first).not.toContain(`${role} /`);
      expect(first).not.toContain(creds[role]);
    }
    expect(first).toContain('no demo accounts');
    // nobody made those accounts: they really do not exist
    const base = `http://127.0.0.1:${port}`;
    const tried = await client(base).post('/api/v1/auth/login', {
      username: 'dispatcher',
      password: creds.dispatcher,
    });
    expect(tried.status).toBe(401);

    // an admin creates a dispatcher with that password; the next start names it, and only it
    const admin = await client(base).post('/api/v1/auth/login', {
      username: 'admin',
      password: creds.admin,
    });
    const made = await client(base, admin.body.accessToken as string).post('/api/v1/users', {
      username: 'dispatcher',
      password: creds.dispatcher,
      roles: ['dispatcher'],
    });
    expect(made.status).toBe(201);
    await stop();
    const second = await start(port);
    expect(second).toContain(`dispatcher / ${creds.dispatcher}`);
    expect(second).not.toContain(`calltaker  /`);
    expect(second).not.toContain(`commander  /`);
    expect(second).not.toContain('no demo accounts');
  }, 600_000);
});
