/**
 * The peak hour (#16): everything a 110 centre runs at once, on the same 2 cores, measured from
 * the clients' clocks.
 *
 * - the hard 250k-node synthetic city loaded as the road network (ROAD_NETWORK), its districts
 *   created through the API;
 * - 5,000 units on its streets, every one moving: positions at 25,000/s in 5,000-report batches
 *   (the server snaps them as recommendations need them);
 * - coverage live and pushed (COVERAGE_PUSH_SEC), 100 consoles on packed position frames;
 * - 110 calls from a separate client process at ten times a big city's average rate (3.5/s,
 *   ~30,000 calls a day × 10 / 86,400 s), for long enough to give ≥ 1,000 calls;
 * - for every call, a dispatcher opening the incident as the console does: the recommendation
 *   and the three isochrones at once.
 *
 * Reported per mode: call → all consoles (client send to each console's receipt, p50/p99),
 * create response p50/p99, open → candidates p50/p99, recommendation and isochrone routes
 * p50/p99, coverage compute time and the age of pushed coverage, the api's event-loop lag p99
 * (from /metrics when the build exposes it), positions/s and lost. Prints and writes
 * bench/results/peak.json; asserts nothing.
 *
 * Knobs: BENCH_MODES (embedded,services), BENCH_CALL_SECONDS (300), BENCH_CALL_RATE (3.5),
 * BENCH_UNITS (5000), BENCH_TARGET_RATE (25000), BENCH_CONSOLES (100), BENCH_CITY_NODES (250000).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  buildRoadGraph,
  generateCity,
  importGeoJsonRoads,
  type RoadGraph,
} from '../libs/routing/src';
import { mulberry32, streetPoint, writeResult } from './lib/bench-utils';
import { adminToken, api, percentile, startStack, type BenchMode } from './lib/stack-process';

const CALL_SECONDS = Number(process.env.BENCH_CALL_SECONDS ?? 300);
const CALL_RATE = Number(process.env.BENCH_CALL_RATE ?? 3.5);
const UNITS = Number(process.env.BENCH_UNITS ?? 5000);
const TARGET_RATE = Number(process.env.BENCH_TARGET_RATE ?? 25000);
const CONSOLES = Number(process.env.BENCH_CONSOLES ?? 100);
const CITY_NODES = Number(process.env.BENCH_CITY_NODES ?? 250_000);
const BATCH = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface City {
  file: string;
  graph: RoadGraph;
  districts: ReturnType<typeof generateCity>['districts']['features'];
}

function prepareCity(dir: string): City {
  const city = generateCity({ seed: 1, targetNodes: CITY_NODES, hard: true });
  const file = path.join(dir, 'hard-city.geojson');
  fs.writeFileSync(file, JSON.stringify(city.roads));
  return {
    file,
    graph: buildRoadGraph(importGeoJsonRoads(city.roads)),
    districts: city.districts.features,
  };
}

/** Reads one gauge/summary value from a Prometheus text page, or null. */
function metric(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : null;
}

async function runMode(mode: BenchMode, city: City) {
  const stack = await startStack(mode, {
    ROAD_NETWORK: city.file,
    POSITION_STALE_SEC: '600',
    COVERAGE_PUSH_SEC: '10',
  });
  try {
    const base = stack.base;
    const login = async (username: string, password: string) =>
      (await api(base, 'POST', '/api/v1/auth/login', undefined, { username, password })).body
        .accessToken as string;
    const admin = await adminToken(stack);
    for (let i = 0; i < 600; i++) {
      const r = await api<{ nodes?: number }>(base, 'GET', '/api/v1/road-network', admin);
      if (r.status === 200 && (r.body.nodes ?? 0) > CITY_NODES * 0.8) break;
      await sleep(1000);
    }
    for (const d of city.districts)
      await api(base, 'POST', '/api/v1/jurisdictions', admin, {
        name: d.properties.name,
        kind: 'district',
        boundary: d.geometry,
      });
    for (const role of ['calltaker', 'dispatcher']) {
      await api(base, 'POST', '/api/v1/users', admin, {
        username: role,
        password: `${role}-password`,
        roles: [role],
      });
    }
    const calltaker = await login('calltaker', 'calltaker-password');
    const dispatcher = await login('dispatcher', 'dispatcher-password');

    const rand = mulberry32(16);
    const units: { id: string; lon: number; lat: number }[] = [];
    for (let i = 0; i < UNITS; i += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, UNITS - i) }, async (_, k) => {
          const r = await api(base, 'POST', '/api/v1/units', admin, {
            callsign: `P-${i + k}`,
            kind: 'patrol_car',
          });
          units[i + k] = { id: r.body.unit.id, ...streetPoint(city.graph, rand) };
        }),
      );
    }

    // consoles, in their own thread
    const swarm = new Worker(path.join(__dirname, 'lib', 'console-swarm.js'), {
      workerData: {
        base,
        token: dispatcher,
        consoles: CONSOLES,
        probeUnit: units[0].id,
        positions: 'packed',
      },
    });
    await new Promise<void>((r) => swarm.once('message', () => r()));

    // positions: every unit moves, 25,000/s in batches, up to 3 requests in flight
    let sent = 0;
    let seq = 0;
    let loadOn = true;
    const baseAt = Date.now() - 1000;
    const startMs = Date.now();
    const positionsLoop = (async () => {
      const inFlight = new Set<Promise<void>>();
      const sendBatch = async () => {
        const positions = [];
        for (let k = 0; k < BATCH; k++) {
          const n = seq++;
          const u = units[n % units.length];
          const round = Math.floor(n / units.length);
          positions.push({
            unitId: u.id,
            lon: u.lon + Math.sin(round / 20) * 3e-4,
            lat: u.lat + Math.cos(round / 20) * 3e-4,
            at: new Date(baseAt + round).toISOString(),
            speedKmh: 30,
          });
        }
        const r = await api(base, 'POST', '/api/v1/units/positions', admin, { positions });
        if (r.status === 202) sent += positions.length;
      };
      while (loadOn) {
        const due = ((Date.now() - startMs) / 1000) * TARGET_RATE;
        if (seq < due && inFlight.size < 3) {
          const p = sendBatch().finally(() => inFlight.delete(p));
          inFlight.add(p);
        } else await Promise.race([...inFlight, sleep(5)]);
      }
      await Promise.all(inFlight);
    })();
    // let the fleet report and coverage settle before the calls
    await sleep(15_000);

    // calls from their own process; each created incident is opened by a dispatcher
    const callPoints = Array.from({ length: 500 }, () => {
      const p = streetPoint(city.graph, rand);
      return [p.lon, p.lat];
    });
    const calls: { sentAt: number; status: number; createMs: number; id: string | null }[] = [];
    const openMs: number[] = [];
    const recommendMs: number[] = [];
    const isochroneMs: number[] = [];
    const opens: Promise<void>[] = [];
    const open = async (id: string) => {
      const t0 = performance.now();
      const inc = (await api(base, 'GET', `/api/v1/incidents/${id}`, dispatcher)).body as {
        location: { lon: number; lat: number };
      };
      const rec = (async () => {
        const t = performance.now();
        const r = await api(base, 'GET', `/api/v1/incidents/${id}/recommendation`, dispatcher);
        recommendMs.push(performance.now() - t);
        if (r.status === 200) openMs.push(performance.now() - t0);
      })();
      const iso = (async () => {
        const t = performance.now();
        const q = `lon=${inc.location.lon}&lat=${inc.location.lat}&minutes=1,3,8&direction=to`;
        const r = await api(base, 'GET', `/api/v1/isochrones?${q}`, dispatcher);
        if (r.status === 200) isochroneMs.push(performance.now() - t);
      })();
      await Promise.all([rec, iso]);
    };
    const child = spawn(process.execPath, [path.join(__dirname, 'lib', 'call-client.js')], {
      env: {
        ...process.env,
        CALL_BASE: base,
        CALL_TOKEN: calltaker,
        CALL_RATE: String(CALL_RATE),
        CALL_SECONDS: String(CALL_SECONDS),
        CALL_POINTS: JSON.stringify(callPoints),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const c = JSON.parse(buf.slice(0, nl)) as (typeof calls)[number];
        buf = buf.slice(nl + 1);
        calls.push(c);
        if (c.id) opens.push(open(c.id).catch(() => undefined));
      }
    });
    await new Promise((r) => child.once('exit', r));
    await Promise.all(opens);
    await sleep(2000);
    loadOn = false;
    await positionsLoop;
    const elapsed = (Date.now() - startMs) / 1000;

    const metrics = await fetch(`${stack.metricsBase}/metrics`)
      .then(async (r) => (r.ok ? r.text() : ''))
      .catch(() => '');
    const lagP99 = metric(metrics, 'nodejs_eventloop_lag_p99_seconds');

    swarm.postMessage({ type: 'stop' });
    const result = await new Promise<{
      receipts: [string, number[]][];
      coverageAges: number[];
      coverageTookMs: number[];
      incidentDeliveries: number;
    }>((r) => swarm.on('message', (m: { type: string }) => m.type === 'result' && r(m as never)));
    await swarm.terminate();

    // call → every console, on the clients' clock (same machine, same wall clock)
    const sentAt = new Map(calls.filter((c) => c.id).map((c) => [c.id as string, c.sentAt]));
    const callToConsoles: number[] = [];
    let missing = 0;
    for (const [id, times] of result.receipts) {
      const s = sentAt.get(id);
      if (s === undefined) continue;
      for (const t of times) callToConsoles.push(t - s);
      missing += CONSOLES - times.length;
    }
    for (const id of sentAt.keys())
      if (!result.receipts.some(([r]) => r === id)) missing += CONSOLES;

    let persisted = 0;
    for (let i = 0; i < 240; i++) {
      persisted = (await api<{ trackRows: number }>(base, 'GET', '/api/v1/system/status', admin))
        .body.trackRows;
      if (persisted >= sent) break;
      await sleep(500);
    }
    const ok = calls.filter((c) => c.status === 201);
    return {
      calls: calls.length,
      callsCreated: ok.length,
      callsFailed: calls.length - ok.length,
      callToConsolesP50Ms: percentile(callToConsoles, 0.5),
      callToConsolesP99Ms: percentile(callToConsoles, 0.99),
      consoleDeliveries: callToConsoles.length,
      consoleDeliveriesMissing: missing,
      createP50Ms: percentile(
        ok.map((c) => c.createMs),
        0.5,
      ),
      createP99Ms: percentile(
        ok.map((c) => c.createMs),
        0.99,
      ),
      openToCandidatesP50Ms: percentile(openMs, 0.5),
      openToCandidatesP99Ms: percentile(openMs, 0.99),
      recommendP50Ms: percentile(recommendMs, 0.5),
      recommendP99Ms: percentile(recommendMs, 0.99),
      isochroneP50Ms: percentile(isochroneMs, 0.5),
      isochroneP99Ms: percentile(isochroneMs, 0.99),
      coverageFullMs: percentile(result.coverageTookMs, 0.5),
      coverageFullP99Ms: percentile(result.coverageTookMs, 0.99),
      coverageMovedUnitMs: null,
      coverageMovedUnitNote:
        'no incremental coverage yet: every push is a full recompute (coverageFullMs)',
      coverageAgeP99Ms: percentile(result.coverageAges, 0.99),
      eventLoopLagP99Ms: lagP99 === null ? null : Math.round(lagP99 * 10_000) / 10,
      eventLoopLagNote:
        lagP99 === null ? 'the api exposed no nodejs_eventloop_lag_p99_seconds on /metrics' : null,
      positionsPerSec: Math.round(sent / elapsed),
      positionsSent: sent,
      persisted,
      lost: sent - persisted,
      units: UNITS,
      consoles: CONSOLES,
      callRatePerSec: CALL_RATE,
      roadNodes: city.graph.nodeCount,
      topology: mode === 'services' ? 'one api + worker' : 'one process',
    };
  } finally {
    await stack.stop();
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringcad-peak-'));
  try {
    const city = prepareCity(dir);
    const modes = (
      process.env.BENCH_MODES ??
      (process.env.DATABASE_URL && process.env.REDIS_URL ? 'services,embedded' : 'embedded')
    ).split(',') as BenchMode[];
    const out: Record<string, unknown> = {};
    for (const m of modes) {
      out[m] = await runMode(m, city);
      console.log(m, JSON.stringify(out[m]));
    }
    writeResult('peak', {
      ...out,
      inClock:
        'call → consoles: from the call client process sending POST /incidents (Date.now()) to each console socket receiving incident.created (Date.now() in the bench, same machine clock); create: the POST round trip in the call client; open → candidates: GET /incidents/:id then GET …/recommendation answered (isochrones fetched alongside); route figures: each GET round trip; coverage: the server-side tookMs of pushed coverage.updated, and receipt − computedAt; all while positions, coverage, consoles and calls run together on the same 2 cores',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module)
  main()
    .then(() => process.exit(0))
    .catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
