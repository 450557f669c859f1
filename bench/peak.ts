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
 * BENCH_UNITS (5000), BENCH_TARGET_RATE (25000), BENCH_CONSOLES (100), BENCH_CITY_NODES (250000),
 * BENCH_VIEWPORT_KM (6: each console's map shows a box this wide somewhere in the city and asks
 * for its positions only; 0: every console takes the whole city every second).
 *
 * Nothing waits forever: every request has a timeout (BENCH_API_TIMEOUT_MS), every phase a bound;
 * what did not finish in time is listed in `failures` and the figures are written anyway.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Client } from 'pg';
import {
  buildRoadGraph,
  generateCity,
  importGeoJsonRoads,
  type RoadGraph,
} from '../libs/routing/src';
import { TRACK_CHUNK_SWEEP } from '../libs/core/src/reports/track-chunk-sweeps';
import { findScheme, ringMinutes } from '../libs/domain/src';
import { mulberry32, streetPoint, writeResult } from './lib/bench-utils';
import { coresBetween, cpuSnapshot, memoryOf } from './lib/machine-cpu';
import { adminToken, api, percentile, startStack, type BenchMode } from './lib/stack-process';

const CALL_SECONDS = Number(process.env.BENCH_CALL_SECONDS ?? 300);
const CALL_RATE = Number(process.env.BENCH_CALL_RATE ?? 3.5);
/** callsBySlice: the call phase cut in slices of this many seconds. */
const SLICE_SEC = 30;
const UNITS = Number(process.env.BENCH_UNITS ?? 5000);
const TARGET_RATE = Number(process.env.BENCH_TARGET_RATE ?? 25000);
const CONSOLES = Number(process.env.BENCH_CONSOLES ?? 100);
const CITY_NODES = Number(process.env.BENCH_CITY_NODES ?? 250_000);
const VIEWPORT_KM = Number(process.env.BENCH_VIEWPORT_KM ?? 6);
const BATCH = Math.min(5000, UNITS);
/**
 * Services mode: position batches go to a second api instance (the AVL gateway), as the L7 rule
 * in docker/ routes `POST /api/v1/units/positions`; BENCH_AVL_INSTANCE=0 sends them to the desk api.
 */
const AVL_INSTANCE = process.env.BENCH_AVL_INSTANCE !== '0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => os.loadavg().map((v) => Math.round(v * 100) / 100);
/**
 * Services mode: the calls are placed around the processors' sweep of the first 5-minute chunk of
 * tracks the load fills whole (replay build and patrol read, 30-45 s after the chunk closes:
 * TRACK_CHUNK_SWEEP), so every run has one at the peak's volume in the middle of its calls. Left
 * to the clock, a run could meet a chunk the load only began (a few seconds of reports) and
 * report tails a real hour would not have. BENCH_ALIGN_SWEEP=0 starts the calls 15 s after the
 * load, as before 2026-12-06 (shorter: up to ~8 minutes less of load before the calls).
 */
const ALIGN_SWEEP = process.env.BENCH_ALIGN_SWEEP !== '0';
const TRACK_CHUNK_MS = 300_000;

/** Resolves with the promise's value, or with `null` after `ms` (the caller reports what failed). */
async function within<T>(ms: number, p: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Incremental coverage (one moved unit folded in), if this build exposes it on /metrics: the mean
 * of the first histogram whose name says so. Null (and why) otherwise: never estimated here.
 */
function movedUnitCoverage(text: string): { ms: number | null; note: string } {
  const names = new Set(
    text
      .split('\n')
      // a labelled histogram prints no _sum line before its first observation: its TYPE line
      .map(
        (l) =>
          /^(?:# TYPE )?(ringcad_coverage_\w*(?:incremental|moved|fold)\w*_seconds)(?:_sum\b| histogram)/.exec(
            l,
          )?.[1],
      )
      .filter((n): n is string => !!n),
  );
  for (const name of names) {
    const sum = metric(text, `${name}_sum`);
    const count = metric(text, `${name}_count`);
    if (sum !== null && count)
      return {
        ms: Math.round((sum / count) * 10_000) / 10,
        note: `mean of ${name} on the coverage process's /metrics over the run (${count} folds)`,
      };
  }
  if (names.size)
    return {
      ms: null,
      note: `${[...names].join(', ')} exposed on the coverage process's /metrics, but no moved unit was folded in during the run`,
    };
  return {
    ms: null,
    note: 'the coverage process exposes no incremental-coverage histogram (ringcad_coverage_*incremental|moved|fold*_seconds) on /metrics',
  };
}

const IN_CLOCK = {
  callToConsoles:
    'from the call client process taking Date.now() just before sending POST /incidents to each console socket (in the bench’s swarm thread) taking Date.now() on incident.created; same machine clock; a console that never got it counts in consoleDeliveriesMissing, not in the percentiles',
  create: 'the POST /incidents round trip in the call client process (performance.now())',
  openToCandidates:
    'a dispatcher opening the incident: GET /incidents/:id, then the recommendation answered (the isochrones fetched alongside); client round trips',
  recommend:
    'GET /incidents/:id/recommendation round trip (snapping the moving fleet included); every unit is on shift (made available through the API after it is created), so each recommendation ranks its 50 fastest (candidatesMin, candidatesP50: how many it listed); runs before 2026-12-06 had every unit off duty and ranked none',
  recommendTook:
    "the recommendation's own tookMs: in the api from the service's start to its answer (fleet read with its awaits, snapping, search, ranking); no HTTP, no JSON, no queueing before the service starts",
  isochrone:
    "GET /isochrones round trip (direction=to), asking what the console asks for: the rings of the incident's scheme (isochroneAsks: 1,3,8 min for priorities 2 and 3, 5,10,30 min for priority 1; before 2026-12-07 every ask was 1,3,8). From 2026-12-07 the api draws a new incident's rings in its routing thread as the incident is created, so the ask finds them drawn (serverSide.isochroneSets tells how many did). The ask is sent as soon as the create is answered, so it often waits for its own set's draw, under way in the routing thread. isochroneBySet (from 2026-12-07): the same round trips by the minutes asked",
  coverageFull:
    "the server's tookMs of each pushed coverage.updated: the live coverage the worker thread keeps (the first push a full computation, later ones the moved units folded in and the changed figures updated)",
  coverageAge:
    "console receipt (Date.now()) − the push's computedAt (server clock, same machine; computedAt is taken as the push starts, before the fleet is read and the moved units folded in), over every console's receipt of every push of the whole run (coveragePushes: how many the first console got), so the first full computation, made while the stack settles, is in the max",
  serverSide:
    "the api's own ringcad_http_request_duration_seconds histogram over the call phase (scraped before the calls and after): from the request's arrival in the api to its answer, so the gap to the client's figure is queueing in front of the api (sockets, the event loop) and the client's own process; the bucket bounds are 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 ms, so each quantile is given as the bound of its bucket. databaseTurns (embedded only): the PGlite thread's ringcad_db_turn_wait_seconds (a statement's wait for the session's turn from its caller's send; before 2026-12-07 from its arrival in the thread, which left out the time it sat in the thread's port while other statements ran) and ringcad_db_statement_seconds (its run once its turn came), interactive and bulk (position inserts), and transactions (wait to begin, time the session was held); bounds 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500 ms. recommendationPhases: the api's ringcad_recommendation_phase_seconds (same bounds): a recommendation's tookMs cut into reads (incident, scheme, roster: awaited, so queueing on the event loop and the database is in it), fleet (roster joined with the live positions, exclusions), search (snaps and the road search) and answer (candidates). poolWait (services only): the api's ringcad_db_pool_wait_seconds, each query's or transaction's wait for one of its pool's 10 connections (same bounds). gcPauses: prom-client's nodejs_gc_duration_seconds of the api by kind (count, total ms, the bucket bound of the p99; bounds 1, 10, 100, 1000, 2000, 5000 ms). unitSnaps: the api's ringcad_unit_snaps_total over the call phase: units' snaps served from those made ahead in the routing thread, and those made on the spot on the event loop (inside the recommendation's search phase). isochrones: the api's own histogram for GET /isochrones (same bounds as create). isochroneSets: the api's ringcad_isochrone_sets_total over the call phase: sets drawn ahead in the routing thread as an incident was created (drawnAhead; from 2026-12-07 on, nobody waiting), asks answered from a set the thread kept (askedKept) and asks that waited for their road search (askedDrawn)",
  serverCpuCores:
    "each server process's CPU (prom-client's process_cpu_seconds_total on its /metrics: user + system, all its threads) over the call phase, as a share of one core (the machine has 2); api: the desk api (in embedded mode the one process, PGlite and the coverage thread included), avlApi: the instance taking position batches, worker: timers, queues and the coverage pushes; the database server's processes (services) are not in it",
  serverMemory:
    "each server process's resident memory (all its threads and shared pages it touched) read from /proc/<pid>/status as the call phase ends: rssMb (VmRSS) then and peakRssMb (VmHWM) the most it held since it started (loading the city included); api: the desk api (embedded: the one process, with PGlite, the routing and coverage threads), avlApi and worker (services); the database server is not in it (added 2026-12-07)",
  machineCores:
    "cores used over the call phase (1 = one whole core, the machine has 2), read from /proc: machineBusy the whole machine (/proc/stat, all but idle and iowait), postgres every process named postgres (services: the database server; backends that ended during the phase are not counted), bench this bench's own process (its console swarm thread and position load included; the call client process is not), and each process on its own from /proc/<pid>/stat: api (embedded: PGlite and the routing threads in it), avlApi and worker (services), callClient (the call client process, from its spawn)",
  cpuTimeline:
    'machineCores over each 10 s of the call phase (sec: its end, from the first sample)',
  eventLoopLag:
    "prom-client's nodejs_eventloop_lag_p99_seconds of the api, reset by a scrape just before the calls and read 5 s after the last: the call phase only",
  positionsPerSec:
    'position reports accepted (202) / seconds from the start of the load to its end (includes the 15 s settling before the calls)',
  lost: 'accepted reports minus the rows in unit_tracks, counted in the database',
  callsBySlice:
    "the call phase in 30-second slices by each call's send (fromSec after the first call's): how many calls were created in it, their call → consoles p99 and create p99 (same clocks as above), to show when in the phase the slow ones came (services: the sweep starts at sweepInCalls.sweptFrom)",
  sweepInCalls:
    "services: the 5-minute chunk of tracks whose sweep (the processors' replay build and patrol read, from sweptFrom, every 15 s) the calls were placed around: the first chunk the position load filled whole, the calls starting at callsFrom; null in embedded mode (no sweeps on PGlite) or with BENCH_ALIGN_SWEEP=0",
  notInClock:
    'starting the stack, loading the road network, creating units and districts, the consoles’ first sync (consolesSyncMs, separate)',
};

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
/**
 * The server's own view of a route over the call phase, from the api's
 * ringcad_http_request_duration_seconds histogram (the counts after the calls minus those before):
 * the upper bound (ms) of the bucket holding each quantile, and the count. Null when not exposed.
 */
function serverRoute(before: string, after: string, method: string, route: string) {
  const r = histogramQuantiles(before, after, 'ringcad_http_request_duration_seconds', [
    `method="${method}"`,
    `route="${route}"`,
    /status="2\d\d"/,
  ]);
  return r && { requests: r.count, p50AtMostMs: r.p50AtMostMs, p99AtMostMs: r.p99AtMostMs };
}

/**
 * A histogram's p50/p99 between two scrapes (the counts after minus those before), over the
 * series whose labels match every filter: the upper bound (ms) of the bucket holding each
 * quantile, and the count. Null when nothing was observed.
 */
function histogramQuantiles(
  before: string,
  after: string,
  name: string,
  filters: (string | RegExp)[],
) {
  const buckets = (text: string) => {
    const out = new Map<number, number>();
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}_bucket{`)) continue;
      if (!filters.every((f) => (typeof f === 'string' ? line.includes(f) : f.test(line))))
        continue;
      const le = /le="([^"]+)"/.exec(line)?.[1];
      if (!le) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      out.set(bound, (out.get(bound) ?? 0) + Number(line.split(' ').pop()));
    }
    return out;
  };
  const a = buckets(before);
  const b = buckets(after);
  const bounds = [...b.keys()].sort((x, y) => x - y);
  const counts = bounds.map((le) => (b.get(le) ?? 0) - (a.get(le) ?? 0));
  const n = counts[counts.length - 1] ?? 0;
  if (!n) return null;
  const le = (q: number) => {
    const i = counts.findIndex((c) => c >= q * n);
    return bounds[i] === Infinity ? null : Math.round(bounds[i] * 1000);
  };
  return { count: n, p50AtMostMs: le(0.5), p99AtMostMs: le(0.99) };
}

/** The embedded database thread's turns over the call phase (null in services mode). */
function databaseTurns(before: string, after: string) {
  const of = (name: string, turn: string, op?: string) =>
    histogramQuantiles(before, after, name, [`turn="${turn}"`, ...(op ? [`op="${op}"`] : [])]);
  const wait = 'ringcad_db_turn_wait_seconds';
  const run = 'ringcad_db_statement_seconds';
  const figures = {
    interactiveWait: of(wait, 'interactive'),
    interactiveRun: of(run, 'interactive'),
    bulkWait: of(wait, 'bulk'),
    bulkRun: of(run, 'bulk'),
    transactionWait: of(wait, 'interactive', 'hold'),
    transactionHeld: of(run, 'interactive', 'held'),
  };
  return Object.values(figures).some((f) => f) ? figures : null;
}

/** A recommendation's own phases over the call phase (ringcad_recommendation_phase_seconds). */
function recommendationPhases(before: string, after: string) {
  const name = 'ringcad_recommendation_phase_seconds';
  const phases = ['reads', 'fleet', 'search', 'answer'] as const;
  const figures = Object.fromEntries(
    phases.map((p) => [p, histogramQuantiles(before, after, name, [`phase="${p}"`])]),
  );
  return Object.values(figures).some((f) => f) ? figures : null;
}

/** The sum of a series' samples (`name{…} value`) matching a filter, in a scrape. */
function seriesSum(text: string, name: string, filter: string): number {
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name}{`) && line.includes(filter)) sum += Number(line.split(' ').pop());
  return sum;
}

/** The api's garbage-collection pauses over the call phase (prom-client's nodejs_gc_duration_seconds). */
function gcPauses(before: string, after: string) {
  const name = 'nodejs_gc_duration_seconds';
  const out: Record<string, { count: number; totalMs: number; p99AtMostMs: number | null }> = {};
  for (const kind of ['minor', 'major', 'incremental']) {
    const q = histogramQuantiles(before, after, name, [`kind="${kind}"`]);
    if (!q) continue;
    const f = `kind="${kind}"`;
    const totalMs =
      (seriesSum(after, `${name}_sum`, f) - seriesSum(before, `${name}_sum`, f)) * 1000;
    out[kind] = { count: q.count, totalMs: Math.round(totalMs), p99AtMostMs: q.p99AtMostMs };
  }
  return Object.keys(out).length ? out : null;
}

/**
 * A counter's growth over the call phase by one label's values (`as`: the JSON's name for each
 * value); null when the process does not expose it.
 */
function counterGrowth(
  before: string,
  after: string,
  name: string,
  label: string,
  as: Record<string, string>,
): Record<string, number> | null {
  if (!after.includes(`${name}{`)) return null;
  const of = (v: string) =>
    seriesSum(after, name, `${label}="${v}"`) - seriesSum(before, name, `${label}="${v}"`);
  return Object.fromEntries(Object.entries(as).map(([v, key]) => [key, of(v)]));
}

function metric(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : null;
}

async function runMode(mode: BenchMode, city: City) {
  const t0 = Date.now();
  /** Progress on stderr, so a slow phase shows where it is. */
  const step = (what: string) =>
    console.error(`peak[${mode}] +${Math.round((Date.now() - t0) / 1000)} s: ${what}`);
  const loadAtStart = load();
  const failures: string[] = [];
  const stack = await startStack(
    mode,
    {
      ROAD_NETWORK: city.file,
      POSITION_STALE_SEC: '600',
      COVERAGE_PUSH_SEC: '10',
    },
    { avlInstance: AVL_INSTANCE },
  );
  try {
    step('stack up');
    const base = stack.base;
    const login = async (username: string, password: string) =>
      (await api(base, 'POST', '/api/v1/auth/login', undefined, { username, password })).body
        .accessToken as string;
    const admin = await adminToken(stack);
    let roads = 0;
    for (let i = 0; i < 600 && roads <= CITY_NODES * 0.8; i++) {
      const r = await api<{ nodes?: number }>(base, 'GET', '/api/v1/road-network', admin);
      roads = r.status === 200 ? (r.body.nodes ?? 0) : 0;
      if (roads <= CITY_NODES * 0.8) await sleep(1000);
    }
    if (roads <= CITY_NODES * 0.8)
      throw new Error(`road network not loaded in 600 s (${roads} nodes reported)`);
    step(`road network loaded (${roads} nodes)`);
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
          if (r.status !== 201)
            throw new Error(`unit P-${i + k} not created: ${r.status} ${JSON.stringify(r.body)}`);
          // a unit starts off duty: on shift, every one is available for the recommendation
          const on = await api(base, 'POST', `/api/v1/units/${r.body.unit.id}/status`, admin, {
            status: 'available',
          });
          if (on.status !== 200 && on.status !== 201)
            throw new Error(
              `unit P-${i + k} not available: ${on.status} ${JSON.stringify(on.body)}`,
            );
          units[i + k] = { id: r.body.unit.id, ...streetPoint(city.graph, rand) };
        }),
      );
    }

    step(`${UNITS} units created`);
    // consoles, in their own thread; each map shows a VIEWPORT_KM box somewhere in the city
    const halfLat = VIEWPORT_KM / 2 / 111.32;
    const viewports = Array.from({ length: CONSOLES }, () => {
      if (!VIEWPORT_KM) return null;
      const c = streetPoint(city.graph, rand);
      const halfLon = halfLat / Math.cos((c.lat * Math.PI) / 180);
      return [c.lon - halfLon, c.lat - halfLat, c.lon + halfLon, c.lat + halfLat];
    });
    const swarm = new Worker(path.join(__dirname, 'lib', 'console-swarm.js'), {
      workerData: {
        base,
        token: dispatcher,
        consoles: CONSOLES,
        probeUnit: units[0].id,
        positions: 'packed',
        viewports,
      },
    });
    interface SwarmStatus {
      synced: number;
      connected: number;
      syncRequests: number;
      reconnects: number;
      connectErrors: string[];
    }
    const swarmStatus = async () => {
      swarm.postMessage({ type: 'status' });
      return within(
        10_000,
        new Promise<SwarmStatus>((r) => {
          const on = (m: { type: string }) => {
            if (m.type !== 'status') return;
            swarm.off('message', on);
            r(m as unknown as SwarmStatus);
          };
          swarm.on('message', on);
        }),
      );
    };
    const syncStarted = performance.now();
    const ready = await within(
      180_000,
      new Promise<true>((r) =>
        swarm.on('message', (m: { type: string }) => m.type === 'ready' && r(true)),
      ),
    );
    const consolesSyncMs = Math.round(performance.now() - syncStarted);
    if (!ready)
      failures.push(
        `not every console had its sync within 180 s: ${JSON.stringify(await swarmStatus())}`,
      );

    // positions: every unit moves, 25,000/s in batches, up to 3 requests in flight
    let sent = 0;
    let refused = 0;
    const refusals: string[] = [];
    let seq = 0;
    let loadOn = true;
    const lastAt = new Float64Array(units.length);
    const startMs = Date.now();
    const positionsLoop = (async () => {
      const inFlight = new Set<Promise<void>>();
      const sendBatch = async () => {
        const positions = [];
        const now = Date.now();
        for (let k = 0; k < BATCH; k++) {
          const n = seq++;
          const u = units[n % units.length];
          const round = Math.floor(n / units.length);
          positions.push({
            unitId: u.id,
            lon: u.lon + Math.sin(round / 20) * 3e-4,
            lat: u.lat + Math.cos(round / 20) * 3e-4,
            // stamped when sent, as a terminal does (never twice the same instant for a unit)
            at: new Date(
              (lastAt[n % units.length] = Math.max(now, lastAt[n % units.length] + 1)),
            ).toISOString(),
            speedKmh: 30,
          });
        }
        const r = await api(stack.avlBase ?? base, 'POST', '/api/v1/units/positions', admin, {
          positions,
        }).catch((err: Error) => ({ status: 0, body: err.message }));
        if (r.status === 202) sent += positions.length;
        else {
          refused += positions.length;
          if (refusals.length < 10) refusals.push(`${r.status} ${JSON.stringify(r.body)}`);
        }
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
    let sweepInCalls: Record<string, string> | null = null;
    if (mode === 'services' && ALIGN_SWEEP) {
      const chunkEnd = Math.ceil(startMs / TRACK_CHUNK_MS) * TRACK_CHUNK_MS + TRACK_CHUNK_MS;
      const callsFrom =
        chunkEnd +
        TRACK_CHUNK_SWEEP.settleMs +
        TRACK_CHUNK_SWEEP.everyMs / 2 -
        (CALL_SECONDS * 1000) / 2;
      sweepInCalls = {
        chunk: `${new Date(chunkEnd - TRACK_CHUNK_MS).toISOString()}/${new Date(chunkEnd).toISOString()}`,
        sweptFrom: new Date(chunkEnd + TRACK_CHUNK_SWEEP.settleMs).toISOString(),
        callsFrom: new Date(Math.max(callsFrom, Date.now())).toISOString(),
      };
      step(`calls placed around the sweep of the full chunk ${sweepInCalls.chunk}`);
      if (callsFrom > Date.now()) await sleep(callsFrom - Date.now());
    }

    // calls from their own process; each created incident is opened by a dispatcher
    const callPoints = Array.from({ length: 500 }, () => {
      const p = streetPoint(city.graph, rand);
      return [p.lon, p.lat];
    });
    const calls: {
      sentAt: number;
      status: number;
      createMs: number;
      id: string | null;
      error?: string;
    }[] = [];
    const openMs: number[] = [];
    const recommendMs: number[] = [];
    /** The recommendation's own `tookMs` (from its start in the api to its answer, no HTTP). */
    const recommendTookMs: number[] = [];
    const isochroneMs: number[] = [];
    const isochroneAsks = new Map<string, number>();
    /** Each ask's round trip by the minutes asked (a 5-10-30 set costs ~15x a 1-3-8 one). */
    const isochroneMsBySet = new Map<string, number[]>();
    /** How many candidates each recommendation ranked (the fleet is on shift: never none). */
    const candidateCounts: number[] = [];
    const opens: Promise<void>[] = [];
    let openFailed = 0;
    // the api's event-loop lag over the call phase only: prom-client resets it on every scrape
    const scrape = (from = stack.metricsBase) =>
      fetch(`${from}/metrics`, { signal: AbortSignal.timeout(10_000) })
        .then(async (r) => (r.ok ? r.text() : ''))
        .catch(() => '');
    const metricsBefore = await scrape();
    /** Each server process's operations port, for its CPU seconds over the call phase. */
    const processes = Object.entries({
      api: stack.metricsBase,
      avlApi: stack.avlMetricsBase,
      worker: stack.workerMetricsBase,
    }).filter((e): e is [string, string] => e[1] !== null);
    const cpuOf = async () =>
      Object.fromEntries(
        await Promise.all(
          processes.map(
            async ([name, at]) =>
              [name, metric(await scrape(at), 'process_cpu_seconds_total')] as const,
          ),
        ),
      );
    const cpuBefore = await cpuOf();
    const cpuFrom = performance.now();
    // the machine, the database server and the bench itself, every 10 s of the call phase
    // the servers one by one, and the call client once it runs
    const followed: Record<string, number | undefined> = { ...stack.pids };
    const machineFrom = cpuSnapshot(followed);
    const cpuTimeline: ({ sec: number } & ReturnType<typeof coresBetween>)[] = [];
    let lastSnapshot = machineFrom;
    const sampler = setInterval(() => {
      const now = cpuSnapshot(followed);
      cpuTimeline.push({
        sec: Math.round((now.at - machineFrom.at) / 1000),
        ...coresBetween(lastSnapshot, now),
      });
      lastSnapshot = now;
    }, 10_000);
    sampler.unref();
    const loadAtCalls = load();
    step(`consoles synced in ${consolesSyncMs} ms; calls start`);
    const openErrors: string[] = [];
    const open = async (id: string) => {
      const t0 = performance.now();
      const got = await api(base, 'GET', `/api/v1/incidents/${id}`, dispatcher);
      if (got.status !== 200) throw new Error(`GET incident ${got.status}`);
      const inc = got.body as { location: { lon: number; lat: number }; schemeId: string };
      const rec = (async () => {
        const t = performance.now();
        const r = await api(base, 'GET', `/api/v1/incidents/${id}/recommendation`, dispatcher);
        if (r.status !== 200) throw new Error(`recommendation ${r.status}`);
        recommendMs.push(performance.now() - t);
        const body = r.body as { tookMs: number; candidates: unknown[] };
        recommendTookMs.push(body.tookMs);
        candidateCounts.push(body.candidates.length);
        openMs.push(performance.now() - t0);
      })();
      const iso = (async () => {
        const t = performance.now();
        // what the console asks for: the rings of the incident's scheme (1-3-8, or 5-10-30 for a
        // priority-1 call)
        const scheme = findScheme(inc.schemeId);
        if (!scheme) throw new Error(`unknown scheme ${inc.schemeId}`);
        const minutes = ringMinutes(scheme).join(',');
        isochroneAsks.set(minutes, (isochroneAsks.get(minutes) ?? 0) + 1);
        const q = `lon=${inc.location.lon}&lat=${inc.location.lat}&minutes=${minutes}&direction=to`;
        const r = await api(base, 'GET', `/api/v1/isochrones?${q}`, dispatcher);
        if (r.status !== 200) throw new Error(`isochrones ${r.status}`);
        const took = performance.now() - t;
        isochroneMs.push(took);
        let bySet = isochroneMsBySet.get(minutes);
        if (!bySet) isochroneMsBySet.set(minutes, (bySet = []));
        bySet.push(took);
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
    followed.callClient = child.pid;
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const c = JSON.parse(buf.slice(0, nl)) as (typeof calls)[number];
        buf = buf.slice(nl + 1);
        calls.push(c);
        if (c.id)
          opens.push(
            open(c.id).catch((err: Error) => {
              if (openErrors.length < 10) openErrors.push(err.message);
              openFailed++;
            }),
          );
      }
    });
    const exited = await within(
      (CALL_SECONDS + 180) * 1000,
      new Promise((r) => child.once('exit', r)),
    );
    if (exited === null) {
      failures.push(`the call client was still running ${CALL_SECONDS + 180} s after it started`);
      child.kill('SIGKILL');
    }
    if ((await within(120_000, Promise.all(opens))) === null)
      failures.push('incidents still being opened 120 s after the last call');
    // the last call's incident reaches the consoles (their figures are cut off after this)
    await sleep(5000);
    step(`${calls.length} calls done`);
    const metrics = await scrape();
    const cpuAfter = await cpuOf();
    const serverMemory = memoryOf(stack.pids);
    clearInterval(sampler);
    const machineCores = coresBetween(machineFrom, cpuSnapshot(followed));
    const cpuWindowSec = (performance.now() - cpuFrom) / 1000;
    /** Share of one core each process used over the call phase (1 = a whole core). */
    const serverCpuCores = Object.fromEntries(
      processes.map(([name]) => {
        const a = cpuAfter[name];
        const b = cpuBefore[name];
        return [
          name,
          a === null || b === null ? null : Math.round(((a - b) / cpuWindowSec) * 100) / 100,
        ];
      }),
    );
    const lagP99 = metric(metrics, 'nodejs_eventloop_lag_p99_seconds');
    const loadAtEnd = load();
    loadOn = false;
    if ((await within(120_000, positionsLoop)) === null)
      failures.push('position batches still in flight 120 s after the load stopped');
    const elapsed = (Date.now() - startMs) / 1000;

    swarm.postMessage({ type: 'stop' });
    const result = (await within(
      60_000,
      new Promise<{
        receipts: [string, number[]][];
        coverageAges: number[];
        coverageTookMs: number[];
        incidentDeliveries: number;
        positionRecords: number;
        positionBytes: number;
        syncRequests: number;
        reconnects: number;
        connectErrors: string[];
      }>((r) => swarm.on('message', (m: { type: string }) => m.type === 'result' && r(m as never))),
    )) ?? {
      receipts: [],
      coverageAges: [],
      coverageTookMs: [],
      incidentDeliveries: 0,
      positionRecords: 0,
      positionBytes: 0,
      syncRequests: 0,
      reconnects: 0,
      connectErrors: ['the console swarm sent no result within 60 s'],
    };
    await swarm.terminate();
    const swarmSeconds = (Date.now() - startMs) / 1000;

    // call → every console, on the clients' clock (same machine, same wall clock)
    const sentAt = new Map(calls.filter((c) => c.id).map((c) => [c.id as string, c.sentAt]));
    const callToConsoles: number[] = [];
    /** The call phase in slices (by each call's send): when in it the slow ones came. */
    const firstSent = Math.min(...calls.map((c) => c.sentAt));
    const sliceOf = (at: number) => Math.floor((at - firstSent) / (SLICE_SEC * 1000));
    const slices = new Map<number, { toConsoles: number[]; create: number[] }>();
    const slice = (at: number) => {
      const k = sliceOf(at);
      let s = slices.get(k);
      if (!s) slices.set(k, (s = { toConsoles: [], create: [] }));
      return s;
    };
    let missing = 0;
    /** Each call's slowest console, for BENCH_CALLS_OUT. */
    const slowestConsole = new Map<string, number>();
    for (const [id, times] of result.receipts) {
      const s = sentAt.get(id);
      if (s === undefined) continue;
      const took = times.map((t) => t - s);
      callToConsoles.push(...took);
      slice(s).toConsoles.push(...took);
      slowestConsole.set(id, Math.max(...took));
      missing += CONSOLES - times.length;
    }
    // BENCH_CALLS_OUT=<file>: one line per call (send second in the phase, create ms, slowest
    // console ms), for looking at a slice call by call
    if (process.env.BENCH_CALLS_OUT)
      fs.writeFileSync(
        process.env.BENCH_CALLS_OUT,
        calls
          .map((c) =>
            JSON.stringify({
              sec: Math.round(c.sentAt - firstSent) / 1000,
              status: c.status,
              createMs: Math.round(c.createMs * 10) / 10,
              slowestConsoleMs: c.id ? (slowestConsole.get(c.id) ?? null) : null,
            }),
          )
          .join('\n'),
      );
    for (const c of calls) if (c.status === 201) slice(c.sentAt).create.push(c.createMs);
    for (const id of sentAt.keys())
      if (!result.receipts.some(([r]) => r === id)) missing += CONSOLES;

    // lost: accepted (202) reports not in unit_tracks, counted in the database itself (services:
    // straight in PostgreSQL; embedded: the api's count(*) over its PGlite, the only way in)
    const countTracks = async (): Promise<number> => {
      if (stack.databaseUrl) {
        const c = new Client({ connectionString: stack.databaseUrl });
        await c.connect();
        try {
          return Number(
            (await c.query<{ n: string }>('SELECT count(*) AS n FROM unit_tracks')).rows[0].n,
          );
        } finally {
          await c.end();
        }
      }
      return (await api<{ trackRows: number }>(base, 'GET', '/api/v1/system/status', admin)).body
        .trackRows;
    };
    let persisted: number | null = null;
    const countBy = Date.now() + 180_000;
    while (Date.now() < countBy && (persisted ?? -1) < sent) {
      try {
        persisted = await countTracks();
      } catch (err) {
        failures.push(`counting unit_tracks: ${(err as Error).message}`);
      }
      if ((persisted ?? -1) < sent) await sleep(1000);
    }
    if (persisted === null) failures.push('unit_tracks could not be counted within 180 s');
    else if (persisted < sent)
      failures.push(`${sent - persisted} accepted positions not stored within 180 s`);
    const empty = candidateCounts.filter((n) => n === 0).length;
    if (empty) failures.push(`${empty} recommendations ranked no unit (the fleet is on shift)`);
    const ok = calls.filter((c) => c.status === 201);
    const callErrors = [
      ...new Set(calls.filter((c) => c.status !== 201).map((c) => `${c.status} ${c.error ?? ''}`)),
    ].slice(0, 10);
    // coverage runs where the pushes are computed: the worker in services mode
    const moved = movedUnitCoverage(
      stack.workerMetricsBase ? await scrape(stack.workerMetricsBase) : metrics,
    );
    step(`positions counted: ${persisted} of ${sent}`);
    return {
      calls: calls.length,
      callsCreated: ok.length,
      callsFailed: calls.length - ok.length,
      callToConsolesP50Ms: percentile(callToConsoles, 0.5),
      callToConsolesP99Ms: percentile(callToConsoles, 0.99),
      consoleDeliveries: callToConsoles.length,
      callsBySlice: [...slices]
        .sort((a, b) => a[0] - b[0])
        .map(([k, v]) => ({
          fromSec: k * SLICE_SEC,
          calls: v.create.length,
          callToConsolesP99Ms: percentile(v.toConsoles, 0.99),
          createP99Ms: percentile(v.create, 0.99),
        })),
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
      recommendTookP50Ms: percentile(recommendTookMs, 0.5),
      recommendTookP99Ms: percentile(recommendTookMs, 0.99),
      candidatesMin: candidateCounts.length ? Math.min(...candidateCounts) : null,
      candidatesP50: percentile(candidateCounts, 0.5),
      isochroneP50Ms: percentile(isochroneMs, 0.5),
      isochroneP99Ms: percentile(isochroneMs, 0.99),
      isochroneAsks: Object.fromEntries(isochroneAsks),
      isochroneBySet: Object.fromEntries(
        [...isochroneMsBySet].map(([minutes, ms]) => [
          minutes,
          { asks: ms.length, p50Ms: percentile(ms, 0.5), p99Ms: percentile(ms, 0.99) },
        ]),
      ),
      coverageFullMs: percentile(result.coverageTookMs, 0.5),
      coverageFullP99Ms: percentile(result.coverageTookMs, 0.99),
      coverageMovedUnitMs: moved.ms,
      coverageMovedUnitNote: moved.note,
      coverageAgeP50Ms: percentile(result.coverageAges, 0.5),
      coverageAgeP99Ms: percentile(result.coverageAges, 0.99),
      coverageAgeMaxMs: result.coverageAges.length ? Math.max(...result.coverageAges) : null,
      coveragePushes: result.coverageTookMs.length,
      eventLoopLagP99Ms: lagP99 === null ? null : Math.round(lagP99 * 10_000) / 10,
      eventLoopLagNote:
        lagP99 === null ? 'the api exposed no nodejs_eventloop_lag_p99_seconds on /metrics' : null,
      serverSide: {
        create: serverRoute(metricsBefore, metrics, 'POST', '/api/v1/incidents'),
        recommend: serverRoute(
          metricsBefore,
          metrics,
          'GET',
          '/api/v1/incidents/:id/recommendation',
        ),
        openIncident: serverRoute(metricsBefore, metrics, 'GET', '/api/v1/incidents/:id'),
        databaseTurns: databaseTurns(metricsBefore, metrics),
        recommendationPhases: recommendationPhases(metricsBefore, metrics),
        poolWait: histogramQuantiles(metricsBefore, metrics, 'ringcad_db_pool_wait_seconds', []),
        gcPauses: gcPauses(metricsBefore, metrics),
        unitSnaps: counterGrowth(metricsBefore, metrics, 'ringcad_unit_snaps_total', 'source', {
          ahead: 'ahead',
          on_the_spot: 'onTheSpot',
        }),
        isochrones: serverRoute(metricsBefore, metrics, 'GET', '/api/v1/isochrones'),
        isochroneSets: counterGrowth(
          metricsBefore,
          metrics,
          'ringcad_isochrone_sets_total',
          'answered',
          { ahead: 'drawnAhead', kept: 'askedKept', drawn: 'askedDrawn' },
        ),
      },
      serverCpuCores,
      serverMemory,
      machineCores,
      cpuTimeline,
      positionsPerSec: Math.round(sent / elapsed),
      positionsSent: sent,
      positionsRefused: refused,
      positionRefusals: refusals,
      persisted,
      lost: persisted === null ? null : Math.max(0, sent - persisted),
      // batches the bench gave up on (timeout) may still have been stored: rows beyond the accepted
      storedBeyondAccepted: persisted === null ? null : Math.max(0, persisted - sent),
      lostCheckedIn:
        mode === 'services'
          ? 'count(*) of unit_tracks in PostgreSQL'
          : 'count(*) of unit_tracks in PGlite via /system/status',
      consolesSyncMs,
      consoleSyncRequests: result.syncRequests,
      consoleReconnects: result.reconnects,
      consoleConnectErrors: result.connectErrors,
      consoleViewportKm: VIEWPORT_KM || null,
      positionRecordsPerConsolePerSec:
        Math.round((result.positionRecords / CONSOLES / swarmSeconds) * 10) / 10,
      positionKBytesPerConsolePerSec:
        Math.round((result.positionBytes / 1024 / CONSOLES / swarmSeconds) * 10) / 10,
      openFailed,
      openErrors,
      callErrors,
      failures,
      units: UNITS,
      consoles: CONSOLES,
      callRatePerSec: CALL_RATE,
      callSeconds: CALL_SECONDS,
      sweepInCalls,
      roadNodes: city.graph.nodeCount,
      topology: stack.avlBase
        ? 'desk api + AVL api (position batches) + worker'
        : mode === 'services'
          ? 'one api + worker'
          : 'one process',
      at: new Date().toISOString(),
      inClock: IN_CLOCK,
      machineLoad: {
        cpus: os.cpus().length,
        loadavgAtStart: loadAtStart,
        loadavgAtCalls: loadAtCalls,
        loadavgAtEnd: loadAtEnd,
        note: 'os.loadavg() (1, 5, 15 min) of the whole shared machine, not only this bench',
      },
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
      // a mode that fails is reported as failed (with why), and the next one still runs
      out[m] = await runMode(m, city).catch((err: Error) => ({
        error: err.message,
        at: new Date().toISOString(),
        machineLoad: { loadavg: load() },
      }));
      console.log(m, JSON.stringify(out[m]));
    }
    // a run of one mode keeps the other mode's figures from the file (each F says when it ran)
    const file = path.resolve(process.cwd(), 'bench/results/peak.json');
    const before = fs.existsSync(file)
      ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>)
      : {};
    const kept = Object.fromEntries(
      (['services', 'embedded'] as const)
        .filter((m) => !(m in out) && before[m])
        .map((m) => [m, before[m]]),
    );
    writeResult('peak', { ...kept, ...out, inClock: IN_CLOCK });
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
