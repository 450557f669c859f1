/**
 * Sealing benchmark: 封控 rings 600/1200 s from an incident on the hard 250,000-node synthetic
 * city with 500 checkpoints and 2,000 available units placed by district density, and on both
 * real cities of ../shared/data (50 checkpoints, 200 units): the vehicle's forward search, the
 * checkpoints on each reach, one top-1 unit search per listed checkpoint, boundary crossings
 * and the traced reach polygons. Prints and writes figures (bench/results/sealing.json);
 * asserts nothing. CPU times are reported beside wall times because the machine is shared.
 */
import * as os from 'node:os';
import { computeSealing, snapPoint, type SealingResult } from '../libs/routing/src';
import { cityStats, hardCity, realCities, unitPoint, type BenchCity } from './lib/bench-cities';
import { measure, mulberry32, stats, streetPoint, writeResult } from './lib/bench-utils';

const TIERS = [600, 1200];
const RUNS = 20;
const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;

function sealingOn(city: BenchCity, rand: () => number, checkpointCount: number) {
  const graph = city.graph;
  const snapped = (prefix: string, i: number, p: { lon: number; lat: number }) => ({
    id: `${prefix}${i}`,
    ...p,
    snap: snapPoint(graph, p),
  });
  const checkpoints = Array.from({ length: checkpointCount }, (_, i) =>
    snapped('cp', i, streetPoint(graph, rand)),
  );
  const units = Array.from({ length: city.units }, (_, i) =>
    snapped('u', i, unitPoint(city, rand)),
  );
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
  const wallStats = stats(wall);
  return {
    ...cityStats(city),
    checkpoints: checkpoints.length,
    sealingP99Ms: round(wallStats.p99),
    sealingMs: wallStats,
    sealingCpuMs: stats(cpu),
    sealingWithoutBoundaryMs: stats(noBoundary),
    listedCheckpointsMean: round(listed.reduce((x, y) => x + y, 0) / RUNS),
    sealableMean: round(sealable.reduce((x, y) => x + y, 0) / RUNS),
    unitSearchesMean: round(searches.reduce((x, y) => x + y, 0) / RUNS),
    vehicleSettledNodesMean: Math.round(settled.reduce((x, y) => x + y, 0) / RUNS),
    crossingsLastRun: last!.tiers.map((t) => t.crossings.length),
  };
}

export function runSealingBench(): Record<string, unknown> {
  const rand = mulberry32(7);
  const hard = hardCity();
  const main = sealingOn(hard, rand, 500);
  const real = realCities();
  const cities: Record<string, unknown> = {};
  for (const c of real.cities) cities[c.name] = sealingOn(c, rand, 50);
  return {
    machine: {
      cpus: os.cpus().length,
      node: process.version,
      loadavg: os.loadavg().map((v) => round(v, 2)),
    },
    city: 'hard synthetic city, seed 1, 250k nodes',
    tiersSec: TIERS,
    runs: RUNS,
    ...main,
    cityGenerateAndBuildMs: hard.buildMs,
    cities,
    citiesSkipped: real.skipped,
    inClock:
      'computeSealing per incident (forward reach, checkpoints per tier, one unit search per listed checkpoint, crossings, reach polygons) on snapped units and checkpoints; not inside: HTTP, database',
  };
}

if (require.main === module) writeResult('sealing', runSealingBench());
