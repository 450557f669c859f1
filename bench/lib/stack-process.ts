import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Client } from 'pg';

export type BenchMode = 'embedded' | 'services';

export async function freePort(): Promise<number> {
  return new Promise((res) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

export interface BenchStack {
  mode: BenchMode;
  base: string;
  /**
   * A second api instance for AVL ingest when asked for (services mode): a load balancer would
   * route `POST /api/v1/units/positions` to it, so position floods never queue behind a 110 call.
   */
  avlBase: string | null;
  /** The first api's operations port (`/metrics`, `/health/ready`; README 运维 / Operations). */
  metricsBase: string;
  /** The worker's operations port (services mode; it runs the coverage pushes), else null. */
  workerMetricsBase: string | null;
  /** The AVL api's operations port when it runs, else null. */
  avlMetricsBase: string | null;
  adminPassword: string;
  /** The server processes' pids (api, worker and avlApi when they run), for their CPU. */
  pids: Record<string, number | undefined>;
  /** Services mode: the bench database (for checks straight in PostgreSQL); null when embedded. */
  databaseUrl: string | null;
  stop(): Promise<void>;
}

/**
 * Runs the real api (and in services mode a worker) as separate processes from the compiled
 * tree next to this file, so the load generator in the bench process does not share their CPU
 * budget any more than a 2-core machine forces.
 */
export async function startStack(
  mode: BenchMode,
  extraEnv: Record<string, string> = {},
  opts: { avlInstance?: boolean } = {},
): Promise<BenchStack> {
  const root = resolve(__dirname, '..', '..');
  const port = await freePort();
  const adminPassword = `bench-${randomBytes(6).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    ADMIN_PASSWORD: adminPassword,
    LOG_FORMAT: 'json',
    ...extraEnv,
  };
  let cleanup: () => Promise<void> = async () => undefined;
  if (mode === 'services') {
    const url = new URL(process.env.DATABASE_URL as string);
    const db = `ringcad_bench_${randomBytes(3).toString('hex')}`;
    const c = new Client({ connectionString: url.toString() });
    await c.connect();
    await c.query(`CREATE DATABASE ${db}`);
    await c.end();
    const u = new URL(url.toString());
    u.pathname = `/${db}`;
    env.DATABASE_URL = u.toString();
    env.REDIS_URL = process.env.REDIS_URL;
    env.REDIS_PREFIX = db;
    cleanup = async () => {
      // BENCH_KEEP_DATABASE=1 leaves the loaded database for measuring by hand (EXPLAIN, A/B)
      if (process.env.BENCH_KEEP_DATABASE) return console.log(`kept database ${db}`);
      const d = new Client({ connectionString: url.toString() });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await d.end();
    };
  } else {
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    const dir = mkdtempSync(join(tmpdir(), 'ringcad-bench-'));
    env.DATA_DIR = dir;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  const procs: ChildProcess[] = [];
  const run = (script: string, more: NodeJS.ProcessEnv = {}) => {
    // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the servers
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    // BENCH_SERVER_LOG=<dir> keeps each server's log (stdout: one JSON line per entry) there
    const logDir = process.env.BENCH_SERVER_LOG;
    let out: 'ignore' | number = 'ignore';
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      out = openSync(
        join(logDir, `${basename(dirname(dirname(script)))}-${procs.length}.log`),
        'a',
      );
    }
    const p = spawn(process.execPath, [...nodeArgs, join(root, script)], {
      env: { ...env, ...more },
      stdio: ['ignore', out, 'inherit'],
    });
    procs.push(p);
    return p;
  };
  const startBy = Date.now() + Number(process.env.BENCH_START_TIMEOUT_MS ?? 600_000);
  const healthy = async (url: string) => {
    while (Date.now() < startBy) {
      try {
        if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) })).ok) return;
      } catch {
        /* starting */
      }
      if (procs.some((p) => p.exitCode !== null))
        throw new Error(`a ${mode} server process exited while starting (see its stderr above)`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${url}/health not ok by the start deadline (${mode} mode)`);
  };
  // every process its own operations port (the defaults would collide on one machine)
  const metricsPort = await freePort();
  const pids: BenchStack['pids'] = {
    api: run('apps/api/src/main.js', { METRICS_PORT: String(metricsPort) }).pid,
  };
  const workerMetricsPort = mode === 'services' ? await freePort() : null;
  if (workerMetricsPort)
    pids.worker = run('apps/worker/src/main.js', { METRICS_PORT: String(workerMetricsPort) }).pid;
  const base = `http://127.0.0.1:${port}`;
  const stopAll = async () => {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(
      procs.map((p) => {
        if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
        // a drain that does not end in 30 s is killed: stopping never hangs the bench
        const killer = setTimeout(() => p.kill('SIGKILL'), 30_000);
        return new Promise((r) => p.once('exit', r)).finally(() => clearTimeout(killer));
      }),
    );
    await cleanup();
  };
  let avlBase: string | null = null;
  let avlMetricsBase: string | null = null;
  try {
    await healthy(base);
    if (opts.avlInstance && mode === 'services') {
      const avlPort = await freePort();
      const avlMetricsPort = await freePort();
      pids.avlApi = run('apps/api/src/main.js', {
        PORT: String(avlPort),
        METRICS_PORT: String(avlMetricsPort),
      }).pid;
      avlMetricsBase = `http://127.0.0.1:${avlMetricsPort}`;
      avlBase = `http://127.0.0.1:${avlPort}`;
      await healthy(avlBase);
    }
  } catch (err) {
    // a stack that did not start is not left running
    await stopAll();
    throw err;
  }
  return {
    mode,
    base,
    avlBase,
    metricsBase: `http://127.0.0.1:${metricsPort}`,
    workerMetricsBase: workerMetricsPort ? `http://127.0.0.1:${workerMetricsPort}` : null,
    avlMetricsBase,
    adminPassword,
    pids,
    databaseUrl: mode === 'services' ? (env.DATABASE_URL as string) : null,
    stop: stopAll,
  };
}

const API_TIMEOUT_MS = Number(process.env.BENCH_API_TIMEOUT_MS ?? 60_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bench reads untyped JSON
export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${base}${path}`, {
      // no request waits forever: a stuck server fails the bench with the route that hung
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    text = await res.text();
  } catch (err) {
    throw new Error(`${method} ${path.split('?')[0]}: ${(err as Error).message}`);
  }
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

export function percentile(values: number[], q: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 10) / 10;
}

/** The bench's admin token: the stack's generated admin password, through the public login. */
export async function adminToken(stack: BenchStack): Promise<string> {
  return (
    await api(stack.base, 'POST', '/api/v1/auth/login', undefined, {
      username: 'admin',
      password: stack.adminPassword,
    })
  ).body.accessToken as string;
}
