/**
 * Patrol and deployment benchmark (#17), as far as built: readiness of a standing perimeter
 * (环城封控圈) of 88 checkpoints on a ring around the hard 250k-node synthetic city, 10/20-minute
 * tiers, 5,000 available units placed by district density. Visibility (见警率) and deployment
 * plans are not built yet: their figures are null with a note. Prints and writes
 * bench/results/patrol.json; asserts nothing.
 */
import { perimeterReadiness, snapPoint, type EtaUnit } from '../libs/routing/src';
import { hardCity, unitPoint } from './lib/bench-cities';
import { measure, mulberry32, stats, writeResult } from './lib/bench-utils';
import { patrolVisibility } from '../libs/routing/src';
import { PATROL_BENCH, patrolBenchData } from './lib/patrol-data';
import { deploymentData, planShift } from './lib/deployment-data';

const CHECKPOINTS = 88;
const UNITS = 5000;
const RUNS = 20;

function run(): Record<string, unknown> {
  const rand = mulberry32(17);
  const city = hardCity();
  const g = city.graph;
  let [minLon, minLat, maxLon, maxLat] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let v = 0; v < g.nodeCount; v++) {
    minLon = Math.min(minLon, g.nodeLon[v]);
    maxLon = Math.max(maxLon, g.nodeLon[v]);
    minLat = Math.min(minLat, g.nodeLat[v]);
    maxLat = Math.max(maxLat, g.nodeLat[v]);
  }
  const [cLon, cLat] = [(minLon + maxLon) / 2, (minLat + maxLat) / 2];
  // the ring: 88 points at 40 % of the city's half-width from its centre, each on its street
  const checkpoints = Array.from({ length: CHECKPOINTS }, (_, i) => {
    const a = (2 * Math.PI * i) / CHECKPOINTS;
    const p = {
      lon: cLon + Math.cos(a) * (maxLon - minLon) * 0.4,
      lat: cLat + Math.sin(a) * (maxLat - minLat) * 0.4,
    };
    const snap = snapPoint(g, p);
    const on = snap ? { lon: snap.lon, lat: snap.lat } : p;
    return { id: `cp${i}`, ...on, snap: snapPoint(g, on) };
  });
  const units: EtaUnit[] = Array.from({ length: UNITS }, (_, i) => {
    const p = unitPoint({ ...city, units: UNITS }, rand);
    return { id: `u${i}`, ...p, snap: snapPoint(g, p) };
  });
  const opts = { tiersSec: [600, 1200], at: new Date('2026-12-01T04:00:00Z') };
  for (let k = 0; k < 3; k++) perimeterReadiness(g, checkpoints, units, opts);
  const runs = Array.from({ length: RUNS }, () =>
    measure(() => perimeterReadiness(g, checkpoints, units, opts)),
  );
  const last = runs[runs.length - 1].result;
  return {
    city: 'hard synthetic city, seed 1, 250k nodes',
    nodes: g.nodeCount,
    checkpoints: CHECKPOINTS,
    units: UNITS,
    runs: RUNS,
    perimeterReadinessMs: stats(runs.map((r) => r.ms)).p99,
    perimeterReadiness: {
      wallMs: stats(runs.map((r) => r.ms)),
      cpuMs: stats(runs.map((r) => r.cpuMs)),
      unitSearches: last.unitSearches,
      coverablePct: last.tiers.map((t) => ({ sec: t.sec, pct: t.coverablePct })),
      method: last.method,
    },
    ...visibilityFigures(city),
    ...deploymentFigures(city),
    inClock:
      'perimeterReadiness: one top-K reverse search per checkpoint and the greedy one-unit-per-checkpoint assignment, units and checkpoints already snapped; not inside: HTTP, database, push',
  };
}

/**
 * 见警率 for a district-day (s6-patrol): the median-density district's units out of 5,000,
 * a report every 5 s for 24 h, 24 hourly slots with a 60-minute look-back, 200 patrol points.
 * In the clock: map matching of every point, bins per grid, slot shares; not: reading the
 * tracks from the database, HTTP.
 */
function visibilityFigures(city: ReturnType<typeof hardCity>): Record<string, unknown> {
  const fromMs = Date.UTC(2026, 11, 1, 16);
  const data = patrolBenchData(city, fromMs);
  const opts = {
    areas: [data.district.geometry],
    points: data.points,
    fromMs,
    toMs: fromMs + 24 * 3600_000,
    slotMs: 3600_000,
    windowMs: 3600_000,
  };
  const run = measure(() => patrolVisibility(city.graph, data.tracks, opts));
  return {
    visibilityMs: Math.round(run.ms),
    visibility: {
      district: data.district.properties.name,
      unitsCityWide: PATROL_BENCH.units,
      unitsInDistrict: data.unitsInDistrict,
      trackPoints: data.trackPoints,
      cpuMs: Math.round(run.cpuMs),
      streetKmPctBySlot: run.result.map((s) => s.streetKmPct),
      inClock:
        'map matching of every track point, street bins of the district, 24 hourly slots; not inside: reading tracks from the database, HTTP',
    },
  };
}

/** Deployment plan (#17 item 3): 200 units, 500 standby points, 5,000 incidents; setup in lib/deployment-data.ts. */
function deploymentFigures(city: ReturnType<typeof hardCity>): Record<string, unknown> {
  const data = deploymentData(city, mulberry32(173));
  const at = new Date('2026-12-01T01:00:00Z');
  planShift(city, data, at);
  const runs = Array.from({ length: 5 }, () => measure(() => planShift(city, data, at)));
  const r = runs[runs.length - 1].result;
  return {
    deploymentPlanMs: stats(runs.map((x) => x.ms)).p99,
    deploymentPlan: {
      wallMs: stats(runs.map((x) => x.ms)),
      cpuMs: stats(runs.map((x) => x.cpuMs)),
      units: data.units.length,
      standbyPoints: data.standbyPoints.length,
      incidents: data.incidents.length,
      posts: r.posts.length,
      coveredPct: r.coveredPct,
      roadKmPct: r.roadKmPct,
      evaluations: r.evaluations,
      inClock:
        'hexagon kernel density of the incidents, demand per node, one 180 s bounded search per standby point, lazy greedy and unit matching; units and points already snapped; not inside: HTTP, database',
    },
  };
}

if (require.main === module) writeResult('patrol', run());
