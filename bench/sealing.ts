/**
 * Sealing benchmark (GitHub issue #7): 封控 rings 600/1200 s from an incident in the 250,000-node
 * synthetic city (seed 110) with 500 checkpoints and 2,000 available units at random street
 * positions: the vehicle's forward search, the checkpoints on each reach, one top-1 unit search
 * per listed checkpoint, boundary crossings and the traced reach polygons. Prints and writes
 * figures (bench/results/sealing.json); asserts nothing. CPU times are reported beside wall
 * times because the machine is shared.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildRoadGraph,
  computeSealing,
  generateCity,
  importGeoJsonRoads,
  snapPoint,
  type SealingResult,
} from '../libs/routing/src';
import { measure, mulberry32, stats, streetPoint } from './lib/bench-utils';

const TIERS = [600, 1200];
const RUNS = 20;

export function runSealingBench(): Record<string, unknown> {
  const rand = mulberry32(7);
  const build = measure(() => {
    const city = generateCity({ seed: 110, targetNodes: 250_000 });
    return buildRoadGraph(importGeoJsonRoads(city.roads));
  });
  const graph = build.result;
  const place = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const p = streetPoint(graph, rand);
      return { id: `${prefix}${i}`, ...p, snap: snapPoint(graph, p) };
    });
  const checkpoints = place('cp', 500);
  const units = place('u', 2000);
  const incidents = Array.from({ length: RUNS }, () => streetPoint(graph, rand));
  const run = (i: number, boundary = true) =>
    computeSealing(graph, incidents[i % incidents.length], {
      tiersSec: TIERS,
      checkpoints,
      units,
      boundary,
    });

  for (let k = 0; k < 3; k++) run(k); // JIT, edge costs, snap index
  const wall: number[] = [];
  const cpu: number[] = [];
  const noBoundary: number[] = [];
  const listed: number[] = [];
  const sealable: number[] = [];
  const settled: number[] = [];
  const searches: number[] = [];
  let last: SealingResult | null = null;
  for (let k = 0; k < RUNS; k++) {
    const r = measure(() => run(k));
    wall.push(r.ms);
    cpu.push(r.cpuMs);
    last = r.result;
    const cps = r.result.tiers.flatMap((t) => t.checkpoints);
    listed.push(cps.length);
    sealable.push(cps.filter((c) => c.sealable).length);
    settled.push(r.result.vehicleSettledNodes);
    searches.push(r.result.unitSearches);
    noBoundary.push(measure(() => run(k, false)).ms);
  }
  const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;
  const wallStats = stats(wall);
  return {
    machine: {
      cpus: os.cpus().length,
      node: process.version,
      loadavg: os.loadavg().map((v) => round(v, 2)),
    },
    nodes: graph.nodeCount,
    segments: graph.segmentCount,
    checkpoints: checkpoints.length,
    units: units.length,
    tiersSec: TIERS,
    runs: RUNS,
    sealingP99Ms: round(wallStats.p99),
    sealingMs: wallStats,
    sealingCpuMs: stats(cpu),
    sealingWithoutBoundaryMs: stats(noBoundary),
    listedCheckpointsMean: round(listed.reduce((a, b) => a + b, 0) / RUNS),
    sealableMean: round(sealable.reduce((a, b) => a + b, 0) / RUNS),
    unitSearchesMean: round(searches.reduce((a, b) => a + b, 0) / RUNS),
    vehicleSettledNodesMean: Math.round(settled.reduce((a, b) => a + b, 0) / RUNS),
    crossingsLastRun: last!.tiers.map((t) => t.crossings.length),
    cityGenerateAndBuildMs: Math.round(build.ms),
  };
}

if (require.main === module) {
  const json = JSON.stringify(runSealingBench(), null, 2);
  console.log(json);
  const out = path.resolve(process.cwd(), 'bench/results/sealing.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${json}\n`);
}
