// `npm start`: the whole RingCAD on one machine. Embedded mode by default (PGlite + PostGIS in
// DATA_DIR, BullMQ on it, processors in the api), with the demo city and its simulator (DEMO=1).
// Set DATABASE_URL + REDIS_URL (+ ADMIN_PASSWORD) for services mode; DEMO=0 for no simulator.
import { execFileSync, spawn } from 'node:child_process';
import { ensureDeps } from './ensure-deps.mjs';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureDeps(root);
// RINGCAD_SKIP_BUILD=1: the tree is already built (the test suite builds once for all tests)
if (!process.env.RINGCAD_SKIP_BUILD) execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
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

const children = [];
function run(name, script, extraEnv) {
  const child = spawn(process.execPath, [join(root, script)], {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping`);
      stop(code ?? 1);
    }
  });
  return child;
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const apiEnv = { PORT: String(port), DATA_DIR: dataDir, ADMIN_PASSWORD: env.ADMIN_PASSWORD ?? creds.admin, DEMO: demo ? '1' : '0' };
run('api', 'dist/apps/api/src/main.js', apiEnv);
if (services) run('worker', 'dist/apps/worker/src/main.js', apiEnv);

const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    const r = await fetch(`${base}/health`);
    if (r.ok) break;
  } catch {
    /* not up yet */
  }
  if (i > 240) {
    console.error('api did not become healthy within 120 s');
    stop(1);
  }
  await new Promise((r) => setTimeout(r, 500));
}

if (demo) {
  run('simulator', 'dist/apps/simulator/src/main.js', {
    API_URL: base,
    ADMIN_PASSWORD: env.ADMIN_PASSWORD ?? creds.admin,
    CALLTAKER_PASSWORD: creds.calltaker,
    DISPATCHER_PASSWORD: creds.dispatcher,
    COMMANDER_PASSWORD: creds.commander,
    SIM_STATE_FILE: join(dataDir, 'simulator-state.json'),
  });
}

console.log(`
  RingCAD is running: http://localhost:${port}
  ${services ? 'services mode' : `embedded mode, data in ${dataDir}`}${demo ? ', demo city with simulator' : ''}
  Log in as:  dispatcher / ${creds.dispatcher}
              calltaker  / ${creds.calltaker}
              commander  / ${creds.commander}
              admin      / ${env.ADMIN_PASSWORD ? '(your ADMIN_PASSWORD)' : creds.admin}
  (kept in ${credFile}; Ctrl-C stops everything)
`);
