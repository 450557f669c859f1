// `npm start`: the whole RingCAD on one machine. Embedded mode by default (PGlite + PostGIS in
// DATA_DIR, BullMQ on it, processors in the api), with the demo city and its simulator (DEMO=1).
// Set DATABASE_URL + REDIS_URL (+ ADMIN_PASSWORD) for services mode; DEMO=0 for no simulator.
// The simulator does not dispatch for the dispatcher unless SIM_AUTODISPATCH=1.
import { execFileSync, spawn } from 'node:child_process';
import { ensureDeps } from './ensure-deps.mjs';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureDeps(root);
// RINGCAD_SKIP_BUILD=1: the tree is already built (the test suite builds once for all tests)
if (!process.env.RINGCAD_SKIP_BUILD)
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
const env = { ...process.env };
const port = Number(env.PORT ?? 3000);
const dataDir = resolve(root, env.DATA_DIR ?? '.data');
const demo = (env.DEMO ?? '1') !== '0';
const services = Boolean(env.DATABASE_URL);
mkdirSync(dataDir, { recursive: true });

// Demo accounts' passwords are generated once per data directory and kept beside it.
const credFile = join(dataDir, 'credentials.json');
let creds;
if (existsSync(credFile)) {
  creds = JSON.parse(readFileSync(credFile, 'utf8'));
} else {
  const pw = () => randomBytes(9).toString('base64url');
  creds = { admin: env.ADMIN_PASSWORD ?? pw(), calltaker: pw(), dispatcher: pw(), commander: pw() };
  writeFileSync(credFile, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
}
if (services && !env.ADMIN_PASSWORD) {
  console.error('services mode (DATABASE_URL set) needs ADMIN_PASSWORD');
  process.exit(2);
}

// Every child is supervised: one that dies is started again after an exponential backoff, so a
// crash of the simulator (or a passing api crash) never takes the dispatch system down. Only
// SIGINT/SIGTERM of this process stops everything, and a refused configuration (exit code 2) of
// the api or worker, which no restart can cure.
const RESTART_BASE_MS = Number(env.RINGCAD_RESTART_BASE_MS ?? 1000);
const RESTART_MAX_MS = 30_000;
/** A child that dies sooner than this after its start failed "quickly". */
const QUICK_FAILURE_MS = 60_000;
/** The simulator is given up after this many quick failures in a row; the api and worker never. */
const SIMULATOR_MAX_QUICK_FAILURES = 5;

const supervised = [];
let stopping = false;

function supervise(name, script, extraEnv, { giveUpAfter } = {}) {
  const s = { name, child: null, retry: null, failures: 0 };
  supervised.push(s);
  const launch = () => {
    s.retry = null;
    const started = Date.now();
    const child = spawn(process.execPath, [join(root, script)], {
      cwd: root,
      env: { ...env, ...extraEnv },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    s.child = child;
    console.log(`[start] ${name} started (pid ${child.pid})`);
    child.on('exit', (code, signal) => {
      s.child = null;
      if (stopping) return;
      const how = signal ?? `code ${code}`;
      if (code === 2 && !giveUpAfter) {
        console.error(`[start] ${name} refused its configuration (exit code 2); stopping`);
        stop(2);
        return;
      }
      s.failures = Date.now() - started < QUICK_FAILURE_MS ? s.failures + 1 : 1;
      if (giveUpAfter && (code === 2 || s.failures >= giveUpAfter)) {
        console.error(
          `[start] giving up on the ${name}: it exited (${how}) ${s.failures} time(s) in a row within ` +
            `${QUICK_FAILURE_MS / 1000} s of starting; the dispatch system keeps running without it`,
        );
        return;
      }
      const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (s.failures - 1));
      console.error(`[start] ${name} exited (${how}); restarting it in ${delay} ms`);
      s.retry = setTimeout(launch, delay);
    });
  };
  launch();
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const s of supervised) if (s.retry) clearTimeout(s.retry);
  const running = supervised.map((s) => s.child).filter((c) => c && c.exitCode === null);
  for (const c of running) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(running.map((c) => new Promise((r) => c.on('exit', r)))).then(() =>
    process.exit(code),
  );
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const apiEnv = {
  PORT: String(port),
  DATA_DIR: dataDir,
  ADMIN_PASSWORD: env.ADMIN_PASSWORD ?? creds.admin,
  DEMO: demo ? '1' : '0',
};
supervise('api', 'dist/apps/api/src/main.js', apiEnv);
if (services) supervise('worker', 'dist/apps/worker/src/main.js', apiEnv);

const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    const r = await fetch(`${base}/health`);
    if (r.ok) break;
  } catch {
    /* not up yet */
  }
  if (stopping) await new Promise(() => {});
  // the api keeps being supervised; say so rather than giving up on it
  if (i > 0 && i % 120 === 0)
    console.error(`[start] api not healthy after ${i / 2} s; still waiting`);
  await new Promise((r) => setTimeout(r, 500));
}

if (demo) {
  supervise(
    'simulator',
    'dist/apps/simulator/src/main.js',
    {
      API_URL: base,
      ADMIN_PASSWORD: env.ADMIN_PASSWORD ?? creds.admin,
      CALLTAKER_PASSWORD: creds.calltaker,
      DISPATCHER_PASSWORD: creds.dispatcher,
      COMMANDER_PASSWORD: creds.commander,
      SIM_STATE_FILE: join(dataDir, 'simulator-state.json'),
    },
    { giveUpAfter: SIMULATOR_MAX_QUICK_FAILURES },
  );
}

async function call(method, path, token, body) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

/**
 * Without the demo nobody creates the call-taker, dispatcher and commander accounts: the banner
 * names only the accounts that exist (asked as admin) and whose password is still the one kept
 * in credentials.json (a sign-in is tried only for an existing account, so no failed logins pile
 * up against the throttle for accounts that were never made).
 */
async function existingDemoAccounts() {
  const login = await call('POST', '/api/v1/auth/login', null, {
    username: 'admin',
    password: env.ADMIN_PASSWORD ?? creds.admin,
  });
  if (login.status !== 200) return [];
  const users = await call('GET', '/api/v1/users', login.body.accessToken);
  const names = new Set(
    (Array.isArray(users.body) ? users.body : []).filter((u) => !u.disabled).map((u) => u.username),
  );
  const usable = [];
  for (const name of ['dispatcher', 'calltaker', 'commander']) {
    if (!names.has(name) || !creds[name]) continue;
    const r = await call('POST', '/api/v1/auth/login', null, {
      username: name,
      password: creds[name],
    });
    if (r.status === 200) usable.push(name);
  }
  return usable;
}

/**
 * A demo unit no simulator drives, for a visitor to play its officer in the 警务通 terminal (/m)
 * beside the console. Each start issues a fresh sign-in link (the previous one stops working).
 */
async function visitorTerminalLink() {
  const login = await call('POST', '/api/v1/auth/login', null, {
    username: 'admin',
    password: env.ADMIN_PASSWORD ?? creds.admin,
  });
  if (login.status !== 200) return null;
  const admin = login.body.accessToken;
  const callsign = '演示-警务通';
  const units = await call('GET', '/api/v1/units', admin);
  let unit = (units.body ?? []).find((u) => u.callsign === callsign);
  if (!unit) {
    const created = await call('POST', '/api/v1/units', admin, { callsign, kind: 'patrol_car' });
    if (created.status !== 201) return null;
    unit = created.body.unit;
  }
  const link = await call('POST', `/api/v1/units/${unit.id}/terminal-link`, admin);
  if (link.status !== 200) return null;
  if (!unit.position) {
    // a first fix in the middle of the demo city, so a dispatcher can send it at once
    const roads = await call('GET', '/api/v1/road-network', admin);
    const [w, s, e, n] = roads.body?.bbox ?? [];
    if (w !== undefined) {
      await call('POST', '/api/v1/units/positions', admin, {
        positions: [
          { unitId: unit.id, lon: (w + e) / 2, lat: (s + n) / 2, at: new Date().toISOString() },
        ],
      });
    }
  }
  await call('POST', `/api/v1/units/${unit.id}/status`, link.body.terminalToken, {
    status: 'available',
  });
  return { callsign, url: link.body.url.replace(/^http:\/\/127\.0\.0\.1:/, 'http://localhost:') };
}
const visitor = demo ? await visitorTerminalLink().catch(() => null) : null;

// the demo's simulator creates its three accounts (right after start); without it, only those
// that exist are named
const accounts = demo
  ? ['dispatcher', 'calltaker', 'commander']
  : await existingDemoAccounts().catch(() => []);
const pad = (name) => name.padEnd(10);
const lines = [
  ...accounts.map((name) => `${pad(name)} / ${creds[name]}`),
  `${pad('admin')} / ${env.ADMIN_PASSWORD ? '(your ADMIN_PASSWORD)' : creds.admin}`,
];
console.log(`
  RingCAD is running: http://localhost:${port}
  ${services ? 'services mode' : `embedded mode, data in ${dataDir}`}${demo ? ', demo city with simulator' : ', no demo'}
  Log in as:  ${lines.join('\n              ')}${
    demo || accounts.length
      ? ''
      : `
  (no demo accounts: the admin creates call-takers, dispatchers and commanders in the console's
   admin seat or with POST /api/v1/users)`
  }
  (kept in ${credFile}; Ctrl-C stops everything)${
    visitor
      ? `
  Play an officer: open ${visitor.url}
              (警务通 of unit ${visitor.callsign}, beside the console; a phone on the same network works too)`
      : ''
  }
`);
