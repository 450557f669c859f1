import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { client, SERVICES_MODE, sleep } from '../support/harness';

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

  afterAll(async () => {
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
    const deadline = Date.now() + 150_000;
    while (
      !output.includes('RingCAD is running') &&
      Date.now() < deadline &&
      child.exitCode === null
    )
      await sleep(250);
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
    // the simulator seeds the demo city through the public API; wait until the dispatcher can log in
    let token: string | undefined;
    while (!token && Date.now() < deadline) {
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
    while (Date.now() < deadline) {
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
  }, 200_000);
});
