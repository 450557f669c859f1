/**
 * Coverage benchmark (GitHub issue #4): unit-centric coverage of the 250,000-node synthetic
 * city (seed 110) from 2,000 available units at random street positions, scheme tiers
 * 300/600/1800 s, the city's districts as areas; and move-up suggestions for 500 standby
 * points at the 300 s tier. Prints and writes figures (bench/results/coverage.json); asserts
 * nothing. Wall times can be inflated on a loaded machine: CPU times are reported beside them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildRoadGraph,
  computeCoverage,
  generateCity,
  importGeoJsonRoads,
  multiSourceTimes,
  snapPoint,
  suggestMoveUps,
  type CoverageArea,
  type CoverageResult,
  type EtaUnit,
} from '../libs/routing/src';
import { measure, mulberry32, stats, streetPoint } from './lib/bench-utils';

const TIERS = [300, 600, 1800];
const RUNS = 10;

export function runCoverageBench(): Record<string, unknown> {
  const rand = mulberry32(4);
  const build = measure(() => {
    const city = generateCity({ seed: 110, targetNodes: 250_000 });
    return { city, graph: buildRoadGraph(importGeoJsonRoads(city.roads)) };
  });
  const { city, graph } = build.result;
  const areas: CoverageArea[] = city.districts.features.map((f) => ({
    id: f.properties.code,
    name: f.properties.name,
    polygon: f.geometry,
  }));
  const units: EtaUnit[] = Array.from({ length: 2000 }, (_, i) => {
    const p = streetPoint(graph, rand);
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
    cityGenerateAndBuildMs: Math.round(build.ms),
  };
}

if (require.main === module) {
  const json = JSON.stringify(runCoverageBench(), null, 2);
  console.log(json);
  const out = path.resolve(process.cwd(), 'bench/results/coverage.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${json}\n`);
}
