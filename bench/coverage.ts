/**
 * Coverage benchmark: unit-centric coverage of the hard 250,000-node synthetic city from 2,000
 * available units placed by district density (one thin district), scheme tiers 300/600/1800 s,
 * the city's districts as areas; move-up suggestions for 500 standby points at the 300 s tier;
 * and the same coverage on both real cities of ../shared/data (200 units, no areas). Prints and writes figures (bench/results/coverage.json); asserts
 * nothing. Wall times can be inflated on a loaded machine: CPU times are reported beside them.
 */
import * as os from 'node:os';
import {
  computeCoverage,
  IncrementalCoverage,
  multiSourceTimes,
  snapPoint,
  suggestMoveUps,
  type CoverageArea,
  type CoverageResult,
  type EtaUnit,
} from '../libs/routing/src';
import { cityStats, hardCity, realCities, unitPoint } from './lib/bench-cities';
import { measure, mulberry32, stats, streetPoint, writeResult } from './lib/bench-utils';

const TIERS = [300, 600, 1800];
const RUNS = 10;

export function runCoverageBench(): Record<string, unknown> {
  const rand = mulberry32(4);
  const hard = hardCity();
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
  const noAreas = measure(() => computeCoverage(graph, units, TIERS));
  const noAreasAgain = measure(() => computeCoverage(graph, units, TIERS));

  const standbyPoints = Array.from({ length: 500 }, (_, i) => {
    const p = streetPoint(graph, rand);
    return { id: `sb${i}`, ...p, snap: snapPoint(graph, p) };
  });
  const moveRuns = Array.from({ length: 3 }, () =>
    measure(() => suggestMoveUps(graph, { units, standbyPoints, tierSec: 300, maxMoves: 3 })),
  );
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
    cities[c.name] = {
      ...cityStats(c),
      coverageMs: stats(runs.map((r) => r.ms)),
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
    multiSourceSearchOnlyMs: stats(searchOnly),
    // IncrementalCoverage (node times and nearest unit per node, up to the largest tier): its
    // full search, and one moved unit folded in (snap + repair of the cells that change)
    incrementalFullSearchMs: stats(incFull.map((r) => r.ms)),
    coverageMovedUnitMs: stats(movedMs),
    coverageMovedUnitCpuMs: stats(movedCpuMs),
    coverageMovedUnitNodesMedian: stats(movedNodes).p50,
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
    moveUpsMs: stats(moveRuns.map((r) => r.ms)),
    moveUpsCpuMs: stats(moveRuns.map((r) => r.cpuMs)),
    moveUps: moveRuns[0].result.map((m) => ({
      unitId: m.unitId,
      standbyPointId: m.to.standbyPointId,
      gainPct: round(m.gainPct),
    })),
    city: 'hard synthetic city, seed 1, 250k nodes',
    cityGenerateAndBuildMs: hard.buildMs,
    cities,
    citiesSkipped: real.skipped,
    inClock:
      'computeCoverage (multi-source search from every unit, per-tier road km, area raster, blind-spot polygons) on already snapped units; move-ups: suggestMoveUps; coverageMovedUnitMs: snapping one moved unit and IncrementalCoverage.move (node times and owners only: road km, raster and blind spots are not updated incrementally); not inside: HTTP, database, push to consoles',
  };
}

if (require.main === module) writeResult('coverage', runCoverageBench());
