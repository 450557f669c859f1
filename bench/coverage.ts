/**
 * Coverage benchmark: unit-centric coverage of the hard 250,000-node synthetic city from 2,000
 * available units placed by district density (one thin district), scheme tiers 300/600/1800 s,
 * the city's districts as areas; move-up suggestions for 500 standby points at the 300 s tier;
 * the same coverage and move-ups on both real cities of ../shared/data (200 units, no areas);
 * and coverage as the service runs it, in its worker thread, with this thread's event loop
 * watched. Prints and writes figures (bench/results/coverage.json); asserts nothing. Wall
 * times can be inflated on a loaded machine: CPU times are reported beside them.
 */
import * as os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CoverageThread } from '../libs/core/src/coverage/coverage-thread';
import {
  computeCoverage,
  IncrementalCoverage,
  LiveCoverage,
  multiSourceTimes,
  snapPoint,
  suggestMoveUps,
  type CoverageArea,
  type CoverageResult,
  shareRoadGraph,
  type EtaUnit,
  type RoadGraph,
  type SnappedPoint,
} from '../libs/routing/src';
import { cityStats, hardCity, realCities, unitPoint, type BenchCity } from './lib/bench-cities';
import { measure, mulberry32, stats, streetPoint, writeResult } from './lib/bench-utils';

const TIERS = [300, 600, 1800];
const RUNS = 10;

export function runCoverageBench(hard: BenchCity = hardCity()): Record<string, unknown> {
  // the generated city's GeoJSON is not needed (the graph and the districts are): the heap
  // shrinks to what an api holds (the graph), so the garbage collections inside the clock are
  // an api's, not full marks of millions of GeoJSON objects an api never keeps
  hard.synthetic = undefined;
  const rand = mulberry32(4);
  const graph = hard.graph;
  const areas: CoverageArea[] = hard.districts!.map((f) => ({
    id: f.properties.code,
    name: f.properties.name,
    polygon: f.geometry,
  }));
  const units: EtaUnit[] = Array.from({ length: hard.units }, (_, i) => {
    const p = unitPoint(hard, rand);
    return { id: `u${i}`, ...p, snap: snapPoint(graph, p) };
  });

  // Warm-up (JIT, edge costs, per-graph caches), then the measured runs.
  for (let k = 0; k < 2; k++) computeCoverage(graph, units, TIERS, { areas });
  const wall: number[] = [];
  const cpu: number[] = [];
  const searchOnly: number[] = [];
  let last: CoverageResult | null = null;
  for (let k = 0; k < RUNS; k++) {
    const r = measure(() => computeCoverage(graph, units, TIERS, { areas }));
    wall.push(r.ms);
    cpu.push(r.cpuMs);
    last = r.result;
    searchOnly.push(measure(() => multiSourceTimes(graph, units, Math.max(...TIERS))).ms);
  }
  // Live node times kept by IncrementalCoverage: one full multi-source search, then units
  // moving one at a time (a 5 s report's hop, snapped inside the clock) folded in.
  const inc = new IncrementalCoverage(graph, Math.max(...TIERS));
  const incSources = units.map((u) => ({ id: u.id, snap: u.snap ?? null }));
  inc.reset(incSources);
  const incFull = Array.from({ length: 3 }, () => measure(() => inc.reset(incSources)));
  const movedMs: number[] = [];
  const movedCpuMs: number[] = [];
  const movedNodes: number[] = [];
  const moveRand = mulberry32(99); // its own stream: the standby points below stay the same
  for (let k = 0; k < 500; k++) {
    const u = units[Math.floor(moveRand() * units.length)];
    const to = {
      lon: u.lon + (moveRand() - 0.5) * 6e-4,
      lat: u.lat + (moveRand() - 0.5) * 6e-4,
    };
    const r = measure(() => inc.move(u.id, snapPoint(graph, to, { role: 'origin' })));
    if (k < 50) continue; // JIT warm-up
    movedMs.push(r.ms);
    movedCpuMs.push(r.cpuMs);
    movedNodes.push(r.result);
  }
  const moved = movedCoverageFigures({ graph, units, areas });
  const liveFigures = liveCoverageFigures(graph, units, areas);
  const noAreas = measure(() => computeCoverage(graph, units, TIERS));
  const noAreasAgain = measure(() => computeCoverage(graph, units, TIERS));

  const standbyPoints = Array.from({ length: 500 }, (_, i) => {
    const p = streetPoint(graph, rand);
    return { id: `sb${i}`, ...p, snap: snapPoint(graph, p) };
  });
  const moveUps = moveUpFigures(graph, units, standbyPoints);
  const moveRuns = moveUps.runs;
  const round = (v: number, d = 3): number => Math.round(v * 10 ** d) / 10 ** d;
  const res = last!;
  const real = realCities();
  const cities: Record<string, unknown> = {
    [hard.name]: { ...cityStats(hard), coverageMs: stats(wall) },
  };
  for (const c of real.cities) {
    const us: EtaUnit[] = Array.from({ length: c.units }, (_, i) => {
      const p = unitPoint(c, rand);
      return { id: `u${i}`, ...p, snap: snapPoint(c.graph, p) };
    });
    computeCoverage(c.graph, us, TIERS);
    const runs = Array.from({ length: RUNS }, () =>
      measure(() => computeCoverage(c.graph, us, TIERS)),
    );
    const sb = Array.from({ length: 500 }, (_, i) => {
      const p = streetPoint(c.graph, rand);
      return { id: `sb${i}`, ...p, snap: snapPoint(c.graph, p) };
    });
    const mu = moveUpFigures(c.graph, us, sb);
    cities[c.name] = {
      ...cityStats(c),
      coverageMs: stats(runs.map((r) => r.ms)),
      coverageCpuMs: stats(runs.map((r) => r.cpuMs)),
      moveUpsFirstCallMs: mu.first.ms,
      moveUpsFirstCallCpuMs: mu.first.cpuMs,
      moveUpsMs: stats(mu.runs.map((r) => r.ms)),
      moveUpsCpuMs: stats(mu.runs.map((r) => r.cpuMs)),
      moveUps20MovedMs: stats(mu.someMoved.map((r) => r.ms)),
      moveUps20MovedCpuMs: stats(mu.someMoved.map((r) => r.cpuMs)),
      moveUpsAfterCoverageMs: stats(mu.afterCoverage.map((r) => r.ms)),
      moveUpsAfterCoverageCpuMs: stats(mu.afterCoverage.map((r) => r.cpuMs)),
      tiers: runs[0].result.tiers.map((t) => ({ sec: t.sec, roadKmPct: round(t.roadKmPct, 2) })),
    };
  }
  return {
    machine: {
      cpus: os.cpus().length,
      node: process.version,
      loadavg: os.loadavg().map((v) => round(v, 2)),
    },
    coverageNodes: graph.nodeCount,
    segments: graph.segmentCount,
    roadKmTotal: round(res.tiers[0].roadKmTotal, 1),
    units: units.length,
    tiersSec: TIERS,
    areas: areas.length,
    cellM: res.cellM,
    runs: RUNS,
    coverageMs: stats(wall),
    coverageCpuMs: stats(cpu),
    ...moved,
    multiSourceSearchOnlyMs: stats(searchOnly),
    // IncrementalCoverage (node times and nearest unit per node, up to the largest tier): its
    // full search, and one moved unit folded in (snap + repair of the cells that change)
    incrementalFullSearchMs: stats(incFull.map((r) => r.ms)),
    coverageMovedUnitMs: stats(movedMs),
    coverageMovedUnitCpuMs: stats(movedCpuMs),
    coverageMovedUnitNodesMedian: stats(movedNodes).p50,
    // coverage kept live (LiveCoverage: what the coverage worker thread runs per push)
    ...liveFigures,
    settledNodes: res.settledNodes,
    coverageNoAreasFirstMs: round(noAreas.ms, 1),
    coverageNoAreasCachedMs: round(noAreasAgain.ms, 1),
    tiers: res.tiers.map((t) => ({
      sec: t.sec,
      roadKmPct: round(t.roadKmPct, 2),
      areaPct: round(t.areaPct, 2),
    })),
    blindSpots: res.blindSpots.features.length,
    blindSpotKm2: round(
      res.blindSpots.features.reduce((s, f) => s + f.properties.areaKm2, 0),
      2,
    ),
    standbyPoints: standbyPoints.length,
    moveUpsTierSec: 300,
    // the first call also runs the standby points' own searches (kept for later calls: the
    // points do not move); moveUpsMs: every unit moved since the last call; moveUps20Moved: 20
    moveUpsFirstCallMs: round(moveUps.first.ms),
    moveUpsFirstCallCpuMs: round(moveUps.first.cpuMs),
    moveUpsMs: stats(moveRuns.map((r) => r.ms)),
    moveUpsCpuMs: stats(moveRuns.map((r) => r.cpuMs)),
    moveUps20MovedMs: stats(moveUps.someMoved.map((r) => r.ms)),
    moveUps20MovedCpuMs: stats(moveUps.someMoved.map((r) => r.cpuMs)),
    moveUpsAfterCoverageMs: stats(moveUps.afterCoverage.map((r) => r.ms)),
    moveUpsAfterCoverageCpuMs: stats(moveUps.afterCoverage.map((r) => r.cpuMs)),
    moveUps: moveUps.first.result.map((m) => ({
      unitId: m.unitId,
      standbyPointId: m.to.standbyPointId,
      gainPct: round(m.gainPct),
    })),
    city: 'hard synthetic city, seed 1, 250k nodes',
    cityGenerateAndBuildMs: hard.buildMs,
    cities,
    citiesSkipped: real.skipped,
    inClock:
      "coverageMs: computeCoverage (multi-source search from every unit, per-tier road km, area raster, blind-spot polygons) on already snapped units, in this thread, called again with the same units (the graph keeps the last call's figures: only what changed is burnt and counted again); coverageFromScratchMs: the same with fromScratch (every figure computed again); coverageAllMovedMs / coverage20MovedMs: computeCoverage after every unit / 20 units hopped since the last call (snapped outside the clock); move-ups: suggestMoveUps (500 standby points, 3 moves, 300 s tier; moveUpsFirstCallMs with nothing searched yet, moveUpsMs after every unit moved (all units searched again, standby points kept), moveUps20MovedMs after 20 units moved (folded in); moveUpsAfterCoverageMs after every unit moved, as the coverage thread answers when its live coverage (LiveCoverage, tiers 300/600/1800) was computed for those positions by a push before the question (the push outside the clock): each node's nearest unit taken from it (LiveCoverage.nearestSources, in the clock), only the second-nearest search run; the moved units are snapped outside the clock); coverageMovedUnitMs: snapping one moved unit and IncrementalCoverage.move (node times and owners only); coverageLive*: LiveCoverage.compute as the coverage worker thread runs it, in this thread: coverageLiveFirstMs the first call (one search from every unit and every figure computed), coverageLivePushMs/CpuMs each later call after 20 units hopped (their 20 folds into the node times plus the figures - road km, area shares, blind spots - updated around the segments whose times changed; the hops snapped outside the clock), coverageLiveFiguresMs the figures' part of it (its tookMs), coverageLiveMovedUnitMs each fold (LiveCoverage's own timing, what the api's ringcad_coverage_moved_unit_seconds histogram observes); coverageThread: CoverageThread.coverage as the service calls it (positions sent to the worker thread, moved units folded in there, the coverage computed and sent back) and the longest stall of this thread's event loop meanwhile; not inside: HTTP, database, push to consoles; the generated city's GeoJSON is let go before any clock starts (an api holds only the graph)",
  };
}

/**
 * computeCoverage as every caller but the coverage thread calls it: from scratch, and after
 * every unit or 20 units hopped since the last call (snapped outside the clock; the figures
 * kept from the last call re-burnt and re-counted where the node times changed, or all again
 * when most did).
 */
function movedCoverageFigures({
  graph,
  units,
  areas,
}: {
  graph: RoadGraph;
  units: EtaUnit[];
  areas: CoverageArea[];
}): Record<string, unknown> {
  const rand = mulberry32(31);
  const hop = (u: EtaUnit): EtaUnit => {
    const p = { lon: u.lon + (rand() - 0.5) * 6e-4, lat: u.lat + (rand() - 0.5) * 6e-4 };
    return { ...u, ...p, snap: snapPoint(graph, p, { role: 'origin' }) };
  };
  let fleet = units;
  const scratch: { ms: number; cpuMs: number }[] = [];
  const all: { ms: number; cpuMs: number }[] = [];
  const some: { ms: number; cpuMs: number }[] = [];
  for (let k = 0; k < RUNS; k++) {
    scratch.push(measure(() => computeCoverage(graph, fleet, TIERS, { areas, fromScratch: true })));
    fleet = fleet.map(hop);
    all.push(measure(() => computeCoverage(graph, fleet, TIERS, { areas })));
    fleet = [...fleet];
    for (let m = 0; m < 20; m++) {
      const i = Math.floor(rand() * fleet.length);
      fleet[i] = hop(fleet[i]);
    }
    some.push(measure(() => computeCoverage(graph, fleet, TIERS, { areas })));
  }
  return {
    coverageFromScratchMs: stats(scratch.map((r) => r.ms)),
    coverageFromScratchCpuMs: stats(scratch.map((r) => r.cpuMs)),
    coverageAllMovedMs: stats(all.map((r) => r.ms)),
    coverageAllMovedCpuMs: stats(all.map((r) => r.cpuMs)),
    coverage20MovedMs: stats(some.map((r) => r.ms)),
    coverage20MovedCpuMs: stats(some.map((r) => r.cpuMs)),
  };
}

/**
 * Coverage kept live, as the coverage worker thread keeps it per scheme (LiveCoverage): built
 * once (one search, every figure computed), then 30 pushes in which 20 units hopped (snapped
 * outside the clock, as the api snaps positions when they arrive): their folds into the node
 * times, then the figures (road km, area shares, blind spots) updated around what changed.
 */
function liveCoverageFigures(
  graph: RoadGraph,
  units: EtaUnit[],
  areas: CoverageArea[],
): Record<string, unknown> {
  const rand = mulberry32(21);
  const live = new LiveCoverage(graph);
  const at = new Date('2026-12-05T03:00:00Z');
  const sources = units.map((u) => ({ id: u.id, lon: u.lon, lat: u.lat, snap: u.snap ?? null }));
  const ask = () => live.compute({ key: 'bench', tiersSec: TIERS, sources, areas, at });
  const first = measure(ask);
  const push: { ms: number; cpuMs: number }[] = [];
  const figures: number[] = [];
  const folds: number[] = [];
  for (let k = 0; k < 33; k++) {
    for (let m = 0; m < 20; m++) {
      const i = Math.floor(rand() * sources.length);
      const p = {
        lon: sources[i].lon + (rand() - 0.5) * 6e-4,
        lat: sources[i].lat + (rand() - 0.5) * 6e-4,
      };
      sources[i] = { ...sources[i], ...p, snap: snapPoint(graph, p, { role: 'origin' }) };
    }
    const r = measure(ask);
    if (k < 3) continue; // JIT warm-up
    push.push(r);
    figures.push(r.result.result.tookMs);
    folds.push(...r.result.movedUnitSec.map((sec) => sec * 1000));
  }
  return {
    coverageLiveFirstMs: Math.round(first.ms),
    coverageLiveFirstCpuMs: Math.round(first.cpuMs),
    coverageLivePushMs: stats(push.map((r) => r.ms)),
    coverageLivePushCpuMs: stats(push.map((r) => r.cpuMs)),
    coverageLiveFiguresMs: stats(figures),
    coverageLiveMovedUnitMs: stats(folds),
  };
}

/**
 * Move-ups for 500 standby points: the first call (every unit and standby point searched),
 * then calls after every unit hopped (the units searched afresh: what a question asked more
 * than a report interval after the last one costs), then calls after 20 units hopped (folded
 * into the state kept from the last call). Hops are snapped outside the clock, as the api
 * snaps positions when they arrive.
 */
function source(u: EtaUnit): { id: string; lon: number; lat: number; snap: SnappedPoint | null } {
  return { id: u.id, lon: u.lon, lat: u.lat, snap: u.snap ?? null };
}

function moveUpFigures(
  graph: RoadGraph,
  units: EtaUnit[],
  standbyPoints: (EtaUnit & { snap: SnappedPoint | null })[],
) {
  const rand = mulberry32(13);
  let fleet = units;
  const hop = (u: EtaUnit): EtaUnit => {
    const p = { lon: u.lon + (rand() - 0.5) * 4e-4, lat: u.lat + (rand() - 0.5) * 4e-4 };
    return { ...u, ...p, snap: snapPoint(graph, p) };
  };
  const ask = () =>
    suggestMoveUps(graph, { units: fleet, standbyPoints, tierSec: 300, maxMoves: 3 });
  const first = measure(ask);
  const allMoved = Array.from({ length: 5 }, () => {
    fleet = fleet.map(hop);
    return measure(ask);
  });
  const someMoved = Array.from({ length: 5 }, () => {
    fleet = [...fleet];
    for (let k = 0; k < 20; k++) {
      const i = Math.floor(rand() * fleet.length);
      fleet[i] = hop(fleet[i]);
    }
    return measure(ask);
  });
  // in the coverage thread: the scheme's live coverage computed for the positions by a push
  // (outside the clock), then the question, each node's nearest unit taken from it
  const live = new LiveCoverage(graph);
  const at = new Date('2026-12-05T03:00:00Z');
  const coverageReq = () => ({ key: 'bench', tiersSec: TIERS, sources: fleet.map(source), at });
  // one more than measured: the first finds no live coverage yet (and, in another speed band
  // than the calls above, searches the standby points for it)
  const afterCoverage = Array.from({ length: 6 }, () => {
    fleet = fleet.map(hop);
    live.compute(coverageReq());
    return measure(() => {
      const nearest = live.nearestSources(coverageReq());
      return suggestMoveUps(graph, {
        units: fleet,
        standbyPoints,
        tierSec: 300,
        maxMoves: 3,
        at,
        ...(nearest ? { nearest: { ...nearest, unit: nearest.source } } : {}),
      });
    });
  });
  return { first, runs: allMoved, someMoved, afterCoverage: afterCoverage.slice(1) };
}

/**
 * Coverage as the service runs it, in its worker thread: the first request (the graph shared
 * with the thread, one search from all units), then ten in which 20 units moved (snapped here,
 * as the api snaps positions, and folded in there). This thread's event loop is watched the
 * whole time: its longest stall is what a 110 call could wait behind coverage.
 */
async function coverageThreadFigures(
  graph: RoadGraph,
  units: EtaUnit[],
  areas: CoverageArea[],
): Promise<Record<string, unknown>> {
  const thread = new CoverageThread();
  const rand = mulberry32(7);
  const at = new Date('2026-12-05T03:00:00Z');
  const sources = units.map((u) => ({ id: u.id, lon: u.lon, lat: u.lat, snap: u.snap ?? null }));
  const ask = () =>
    thread.coverage(graph, { key: 'bench', tiersSec: TIERS, sources, areasKey: 'd', areas, at });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  try {
    // the first request also copies the graph into a SharedArrayBuffer on this thread (once per
    // road network): timed on its own, the loop is watched from the next one
    const c0 = performance.now();
    shareRoadGraph(graph);
    const shareGraphMs = performance.now() - c0;
    const t0 = performance.now();
    await ask();
    const firstMs = performance.now() - t0;
    loop.enable();
    const roundTrip: number[] = [];
    const inThread: number[] = [];
    for (let k = 0; k < RUNS; k++) {
      for (let m = 0; m < 20; m++) {
        const i = Math.floor(rand() * sources.length);
        const p = {
          lon: sources[i].lon + (rand() - 0.5) * 6e-4,
          lat: sources[i].lat + (rand() - 0.5) * 6e-4,
        };
        sources[i] = { ...sources[i], ...p, snap: snapPoint(graph, p, { role: 'origin' }) };
      }
      const t1 = performance.now();
      const r = await ask();
      roundTrip.push(performance.now() - t1);
      inThread.push(r.result.tookMs);
    }
    loop.disable();
    // the same compute in this thread, for comparison: the loop stalls for all of it
    const here = monitorEventLoopDelay({ resolution: 1 });
    here.enable();
    await new Promise((r) => setTimeout(r, 20));
    computeCoverage(graph, sources, TIERS, { areas, at });
    await new Promise((r) => setTimeout(r, 20));
    here.disable();
    return {
      firstRequestMs: Math.round(firstMs),
      shareGraphOnThisThreadMs: Math.round(shareGraphMs),
      mainLoopMaxStallComputingHereMs: Math.round(here.max / 1e4) / 100,
      roundTripMs: stats(roundTrip),
      computeInThreadMs: stats(inThread),
      mainLoopMaxStallMs: Math.round(loop.max / 1e4) / 100,
      mainLoopDelayP99Ms: Math.round(loop.percentile(99) / 1e4) / 100,
    };
  } finally {
    await thread.close();
  }
}

if (require.main === module) {
  (async () => {
    const loadAtStart = os.loadavg().map((v) => Math.round(v * 100) / 100);
    const hard = hardCity();
    const figures = runCoverageBench(hard);
    const rand = mulberry32(4);
    const areas: CoverageArea[] = hard.districts!.map((f) => ({
      id: f.properties.code,
      name: f.properties.name,
      polygon: f.geometry,
    }));
    const units: EtaUnit[] = Array.from({ length: hard.units }, (_, i) => {
      const p = unitPoint(hard, rand);
      return { id: `u${i}`, ...p, snap: snapPoint(hard.graph, p, { role: 'origin' }) };
    });
    writeResult('coverage', {
      ...figures,
      coverageThread: await coverageThreadFigures(hard.graph, units, areas),
      machineLoad: {
        cpus: os.cpus().length,
        loadavgAtStart: loadAtStart,
        loadavgAtEnd: os.loadavg().map((v) => Math.round(v * 100) / 100),
        note: 'os.loadavg() (1, 5, 15 min) of the whole shared machine, not only this bench',
      },
    });
  })().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
