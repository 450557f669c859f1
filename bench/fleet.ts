/**
 * Fleet benchmark (issue #4): AVL ingest through the public API for a sustained period with
 * 100 consoles connected, counting what was persisted; fan-out latency of `incident.created`
 * and `units.positions` to every console; coverage of the 250,000-node city from 2,000 units (the
 * coverage bench, run in this process before the stacks start). Runs embedded mode, and
 * services mode when DATABASE_URL and REDIS_URL are set. Prints and writes
 * bench/results/fleet.json; asserts nothing.
 *
 * Knobs: BENCH_SECONDS (60), BENCH_UNITS (5000), BENCH_TARGET_RATE (25000 positions/s),
 * BENCH_CONSOLES (100), BENCH_MODES (embedded,services), BENCH_POSITIONS (packed | json),
 * BENCH_AVL_INSTANCE (1: a second api instance takes the position batches).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { runCoverageBench } from './coverage';
import { adminToken, api, percentile, startStack, type BenchMode } from './lib/stack-process';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const UNITS = Number(process.env.BENCH_UNITS ?? 5000);
const TARGET_RATE = Number(process.env.BENCH_TARGET_RATE ?? 25000);
const CONSOLES = Number(process.env.BENCH_CONSOLES ?? 100);
/** What the consoles ask for: packed binary frames (as the console does) or the JSON array. */
const POSITIONS_FORMAT = process.env.BENCH_POSITIONS === 'json' ? 'json' : 'packed';
/** BENCH_AVL_INSTANCE=1: positions go to a second api instance (services mode), as an L7 rule would send them. */
const AVL_INSTANCE = process.env.BENCH_AVL_INSTANCE === '1';
const BATCH = 5000;
const CENTER = { lon: 104.066, lat: 30.657 };

async function pool<T>(items: T[], concurrency: number, fn: (t: T) => Promise<void>) {
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

async function runMode(mode: BenchMode) {
  const stack = await startStack(
    mode,
    { POSITION_STALE_SEC: '600' },
    { avlInstance: AVL_INSTANCE },
  );
  try {
    const base = stack.base;
    const admin = await adminToken(stack);
    for (const role of ['calltaker', 'dispatcher']) {
      await api(base, 'POST', '/api/v1/users', admin, {
        username: role,
        password: `${role}-password`,
        roles: [role],
      });
    }
    const calltaker = (
      await api(base, 'POST', '/api/v1/auth/login', undefined, {
        username: 'calltaker',
        password: 'calltaker-password',
      })
    ).body.accessToken as string;
    const dispatcher = (
      await api(base, 'POST', '/api/v1/auth/login', undefined, {
        username: 'dispatcher',
        password: 'dispatcher-password',
      })
    ).body.accessToken as string;

    const unitIds: string[] = [];
    const t0 = Date.now();
    await pool(
      Array.from({ length: UNITS }, (_, i) => i),
      8,
      async (i) => {
        const r = await api(base, 'POST', '/api/v1/units', admin, {
          callsign: `B-${i}`,
          kind: 'patrol_car',
        });
        unitIds.push(r.body.unit.id);
      },
    );
    const createUnitsMs = Date.now() - t0;
    const home = new Map(
      unitIds.map((id, i) => [
        id,
        {
          lon: CENTER.lon + ((i % 100) - 50) * 0.002,
          lat: CENTER.lat + (Math.floor(i / 100) - 25) * 0.002,
        },
      ]),
    );

    // consoles, in their own thread
    const probeUnit = unitIds[0];
    const swarm = new Worker(path.join(__dirname, 'lib', 'console-swarm.js'), {
      workerData: {
        base,
        token: dispatcher,
        consoles: CONSOLES,
        probeUnit,
        positions: POSITIONS_FORMAT,
      },
    });
    await new Promise<void>((r) => swarm.once('message', () => r()));
    const incidentSent = new Map<string, number>();
    const incidentCreateMs: number[] = [];

    // load: batches of 5,000 positions, paced at TARGET_RATE, up to 3 requests in flight
    let sent = 0;
    let refused = 0;
    let seq = 0;
    const startMs = Date.now();
    const endMs = startMs + SECONDS * 1000;
    const baseAt = Date.now() - 1000;
    let probeAtMs = 0;
    const sendBatch = async () => {
      const positions = [];
      for (let k = 0; k < BATCH; k++) {
        const n = seq++;
        const uid = unitIds[n % unitIds.length];
        const round = Math.floor(n / unitIds.length);
        const h = home.get(uid) as { lon: number; lat: number };
        // the probe unit reports its true send time (fan-out latency = receipt − at); the others
        // are 1 ms apart per round, which keeps (unit, time) unique
        if (uid === probeUnit) probeAtMs = Math.max(Date.now(), probeAtMs + 1);
        const at = new Date(uid === probeUnit ? probeAtMs : baseAt + round).toISOString();
        positions.push({
          unitId: uid,
          lon: h.lon + Math.sin(round / 50) * 1e-4,
          lat: h.lat + Math.cos(round / 50) * 1e-4,
          at,
          speedKmh: 20,
        });
      }
      const r = await api(stack.avlBase ?? base, 'POST', '/api/v1/units/positions', admin, {
        positions,
      });
      if (r.status === 202) sent += positions.length;
      else refused += positions.length;
    };
    const incidentTimer = setInterval(() => {
      const tSent = Date.now();
      void api(base, 'POST', '/api/v1/incidents', calltaker, {
        location: CENTER,
        category: 'other',
        priority: 3,
      }).then((r) => {
        if (r.status === 201) {
          incidentSent.set(r.body.incident.id, tSent);
          incidentCreateMs.push(Date.now() - tSent);
        }
      });
    }, 2000);
    const inFlight = new Set<Promise<void>>();
    while (Date.now() < endMs) {
      const due = ((Date.now() - startMs) / 1000) * TARGET_RATE;
      if (seq < due && inFlight.size < 3) {
        const p = sendBatch().finally(() => inFlight.delete(p));
        inFlight.add(p);
      } else {
        await Promise.race([...inFlight, new Promise((r) => setTimeout(r, 5))]);
      }
    }
    await Promise.all(inFlight);
    clearInterval(incidentTimer);
    const elapsed = (Date.now() - startMs) / 1000;
    const ingestPerSec = Math.round(sent / elapsed);

    // drain: wait until everything accepted is persisted (or 120 s)
    let persisted = 0;
    const drainStart = Date.now();
    let status: { trackRows: number; queues?: { positions?: { failed?: number } } } | null = null;
    for (;;) {
      status = (await api<{ trackRows: number }>(base, 'GET', '/api/v1/system/status', admin)).body;
      persisted = status.trackRows;
      if (persisted >= sent || Date.now() - drainStart > 120_000) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const drainMs = Date.now() - drainStart;

    await new Promise((r) => setTimeout(r, 1500));
    swarm.postMessage({ type: 'stop' });
    const result = await new Promise<{
      incidentLatencies: number[];
      incidentFirstLatencies: number[];
      incidentSpreads: number[];
      positionLatencies: number[];
      positionMessages: number;
      incidentDeliveries: number;
    }>((r) => swarm.on('message', (m: { type: string }) => m.type === 'result' && r(m as never)));
    await swarm.terminate();
    return {
      mode,
      seconds: SECONDS,
      units: UNITS,
      targetRate: TARGET_RATE,
      createUnitsMs,
      sent,
      refused,
      persisted,
      lost: sent - persisted,
      drainMsAfterLoad: drainMs,
      ingestPerSec,
      consoles: CONSOLES,
      consolePositionsFormat: POSITIONS_FORMAT,
      topology: stack.avlBase
        ? 'api for consoles and calls + api for AVL ingest + worker'
        : mode === 'services'
          ? 'one api + worker'
          : 'one process',
      incidents: incidentSent.size,
      incidentDeliveries: result.incidentDeliveries,
      incidentCreateP50Ms: percentile(incidentCreateMs, 0.5),
      // from the incident's server createdAt (commit) to its receipt by each console
      incidentFanoutP50Ms: percentile(result.incidentLatencies, 0.5),
      incidentFanoutP99Ms: percentile(result.incidentLatencies, 0.99),
      // where the time goes: until the first console has it (commit and publish), and from the
      // first console to the last (the fan-out proper)
      incidentFirstConsoleP99Ms: percentile(result.incidentFirstLatencies, 0.99),
      incidentFirstToLastP99Ms: percentile(result.incidentSpreads, 0.99),
      incidentFanoutMaxMs: percentile(result.incidentLatencies, 1),
      positionMessagesPerConsolePerSec:
        Math.round((result.positionMessages / CONSOLES / elapsed) * 100) / 100,
      // from the probe unit's report being sent to its receipt by each console (includes the 1 s batching)
      positionFanoutP50Ms: percentile(result.positionLatencies, 0.5),
      positionFanoutP99Ms: percentile(result.positionLatencies, 0.99),
      failedJobs: status?.queues?.positions?.failed ?? null,
    };
  } finally {
    await stack.stop();
  }
}

export async function runFleetBench() {
  // the coverage figure: 2,000 units on the 250,000-node synthetic city, measured first,
  // on its own (not while the stacks of the runs below shut down)
  const coverage = runCoverageBench() as {
    coverageMs: { p50: number; p99: number };
    coverageNodes: number;
    units: number;
  };
  // BENCH_MODES=services (or embedded) runs one mode only
  const modes = (process.env.BENCH_MODES ?? 'embedded,services').split(',');
  const embedded = modes.includes('embedded') ? await runMode('embedded') : null;
  if (embedded) console.log(JSON.stringify(embedded, null, 2));
  const services =
    modes.includes('services') && process.env.DATABASE_URL && process.env.REDIS_URL
      ? await runMode('services')
      : null;
  if (services) console.log(JSON.stringify(services, null, 2));
  const head = services ?? embedded;
  if (!head) throw new Error('no mode to run (services mode needs DATABASE_URL and REDIS_URL)');
  return {
    machine: { cpus: os.cpus().length, node: process.version },
    ingestPerSec: head.ingestPerSec,
    sent: head.sent,
    persisted: head.persisted,
    lost: head.lost,
    coverageMs: coverage.coverageMs.p99,
    coverage: {
      p50Ms: coverage.coverageMs.p50,
      p99Ms: coverage.coverageMs.p99,
      nodes: coverage.coverageNodes,
      units: coverage.units,
    },
    consoles: head.consoles,
    positionFanoutP99Ms: head.positionFanoutP99Ms,
    incidentFanoutP99Ms: head.incidentFanoutP99Ms,
    services,
    embedded,
  };
}

if (require.main === module) {
  runFleetBench()
    .then((r) => {
      const out = path.resolve(process.cwd(), 'bench/results/fleet.json');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, `${JSON.stringify(r, null, 2)}\n`);
      console.log(`wrote ${out}`);
      process.exit(0);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
