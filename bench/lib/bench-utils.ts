/** Small helpers shared by benchmarks: seeded randomness, street points, timing, quantiles. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LonLat, RoadGraph } from '../../libs/routing/src';

export { mulberry32 } from '../../libs/routing/src/synthetic-city';

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Median, p99 and mean of samples, rounded to 0.001. */
export function stats(samples: number[]): { p50: number; p99: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  return {
    p50: round(quantile(s, 0.5)),
    p99: round(quantile(s, 0.99)),
    mean: round(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

/** A random point on a random street of the main component. */
export function streetPoint(graph: RoadGraph, rand: () => number): LonLat {
  for (;;) {
    const s = Math.floor(rand() * graph.segmentCount);
    if (graph.nodeComponent[graph.segFrom[s]] !== graph.largestComponent) continue;
    const g0 = graph.segGeomStart[s];
    const pieces = graph.segGeomStart[s + 1] - g0 - 1;
    const i = g0 + Math.floor(rand() * pieces);
    const t = rand();
    return {
      lon: graph.geomLon[i] + t * (graph.geomLon[i + 1] - graph.geomLon[i]),
      lat: graph.geomLat[i] + t * (graph.geomLat[i + 1] - graph.geomLat[i]),
    };
  }
}

/** Wall time and process CPU time (user + system, includes GC threads) of one call, in ms. */
export function measure<T>(fn: () => T): { result: T; ms: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { result, ms, cpuMs: (c.user + c.system) / 1000 };
}

/**
 * Prints a bench's figures and writes bench/results/<name>.json with when it ran and the
 * machine's load beside them (the README's table is generated from these files).
 */
export function writeResult(name: string, figures: Record<string, unknown>): void {
  const out = {
    ...figures,
    at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      node: process.version,
      loadavg: os.loadavg().map((v) => Math.round(v * 100) / 100),
    },
  };
  const json = JSON.stringify(out, null, 2);
  console.log(json);
  const file = path.resolve(process.cwd(), `bench/results/${name}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${json}\n`);
}
