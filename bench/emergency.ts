/**
 * Emergency latency (issue #14): from a unit's 一键报警 (the terminal's POST
 * /api/v1/units/:id/emergency) to the `emergency` alert on a dispatcher's console (socket.io
 * `/console`), with 200 units on the Chengdu road network so the nearest-unit recommendation is
 * real. Each round a different unit presses; the emergency is cleared with a reason afterwards.
 * Runs embedded mode, and services mode too when DATABASE_URL and REDIS_URL are set. Prints and
 * writes bench/results/emergency.json; asserts nothing.
 *
 * Knobs: BENCH_ROUNDS (30), BENCH_UNITS (200), BENCH_MODES (embedded,services).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { io } from 'socket.io-client';
import { adminToken, api, percentile, startStack, type BenchMode } from './lib/stack-process';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const UNITS = Math.max(ROUNDS + 5, Number(process.env.BENCH_UNITS ?? 200));
const CENTER = { lon: 104.0657, lat: 30.6574 };
const ROADS = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  'shared',
  'data',
  'chengdu-center-2018.osm',
);

async function runMode(mode: BenchMode) {
  const roads = process.env.SHARED_DATA_DIR
    ? path.join(process.env.SHARED_DATA_DIR, 'chengdu-center-2018.osm')
    : ROADS;
  const stack = await startStack(mode, {
    ROAD_NETWORK: roads,
    POSITION_STALE_SEC: '3600',
    COVERAGE_PUSH_SEC: '0',
  });
  try {
    const base = stack.base;
    const admin = await adminToken(stack);
    await api(base, 'POST', '/api/v1/users', admin, {
      username: 'dispatcher',
      password: 'dispatcher-password',
      roles: ['dispatcher'],
    });
    const dispatcher = (
      await api(base, 'POST', '/api/v1/auth/login', undefined, {
        username: 'dispatcher',
        password: 'dispatcher-password',
      })
    ).body.accessToken as string;
    const units: { id: string; token: string; lon: number; lat: number }[] = [];
    for (let i = 0; i < UNITS; i++) {
      const r = await api(base, 'POST', '/api/v1/units', admin, {
        callsign: `E-${i}`,
        kind: 'patrol_car',
      });
      const lon = CENTER.lon + ((i % 20) - 10) * 0.002;
      const lat = CENTER.lat + (Math.floor(i / 20) - 5) * 0.002;
      units.push({ id: r.body.unit.id, token: r.body.terminalToken, lon, lat });
    }
    await api(base, 'POST', '/api/v1/units/positions', admin, {
      positions: units.map((u) => ({
        unitId: u.id,
        lon: u.lon,
        lat: u.lat,
        at: new Date().toISOString(),
      })),
    });
    for (const u of units)
      await api(base, 'POST', `/api/v1/units/${u.id}/status`, u.token, { status: 'available' });

    const consoleSocket = io(`${base}/console`, {
      auth: { token: dispatcher },
      transports: ['websocket'],
    });
    const arrivals = new Map<string, number>();
    consoleSocket.on('alert', (a: { kind: string; unitId: string }) => {
      if (a.kind === 'emergency') arrivals.set(a.unitId, performance.now());
    });
    await new Promise<void>((r) => consoleSocket.once('sync', () => r()));

    const alertMs: number[] = [];
    const responseMs: number[] = [];
    for (let k = 0; k < ROUNDS; k++) {
      const u = units[(k * 7) % units.length];
      const t0 = performance.now();
      const r = await api(base, 'POST', `/api/v1/units/${u.id}/emergency`, u.token, {
        at: new Date().toISOString(),
        position: { lon: u.lon, lat: u.lat },
      });
      responseMs.push(performance.now() - t0);
      if (r.status !== 201) throw new Error(`emergency ${r.status} ${JSON.stringify(r.body)}`);
      for (let w = 0; !arrivals.has(u.id) && w < 500; w++)
        await new Promise((res) => setTimeout(res, 2));
      const at = arrivals.get(u.id);
      if (at !== undefined) alertMs.push(at - t0);
      arrivals.delete(u.id);
      await api(base, 'POST', `/api/v1/units/${u.id}/emergency/clear`, dispatcher, {
        reason: 'bench',
      });
    }
    consoleSocket.close();
    const figures = {
      mode,
      rounds: ROUNDS,
      units: UNITS,
      alertDelivered: alertMs.length,
      inClock:
        "from the terminal client's send of POST /units/:id/emergency (HTTP, as the 警务通 does) to the " +
        "dispatcher console's socket receiving the `emergency` alert: create of the P1 incident, " +
        'recommendation, alert row and its push; both clients in this process, no other load generated',
      pressToConsoleAlertMs: {
        p50: percentile(alertMs, 0.5),
        p95: percentile(alertMs, 0.95),
        p99: percentile(alertMs, 0.99),
        max: percentile(alertMs, 1),
      },
      pressToHttpAnswerMs: {
        p50: percentile(responseMs, 0.5),
        p95: percentile(responseMs, 0.95),
        p99: percentile(responseMs, 0.99),
        max: percentile(responseMs, 1),
      },
    };
    console.log(JSON.stringify(figures));
    return figures;
  } finally {
    await stack.stop();
  }
}

async function main() {
  const wanted = (process.env.BENCH_MODES ?? 'embedded,services').split(',') as BenchMode[];
  const modes = wanted.filter(
    (m) => m === 'embedded' || (process.env.DATABASE_URL && process.env.REDIS_URL),
  );
  const results = [];
  for (const m of modes) results.push(await runMode(m));
  const out = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
    results,
  };
  fs.mkdirSync(path.join(__dirname, '..', '..', 'bench', 'results'), { recursive: true });
  fs.writeFileSync(
    path.join(__dirname, '..', '..', 'bench', 'results', 'emergency.json'),
    `${JSON.stringify(out, null, 2)}\n`,
  );
  console.log('wrote bench/results/emergency.json');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
