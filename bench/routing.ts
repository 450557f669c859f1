/**
 * Routing benchmark: many-to-one ETA for dispatch recommendations (the API's query: the 50
 * nearest of 2,000 pre-snapped units within 30 minutes, plus the full 30-minute list) and
 * 1/3/8-minute isochrones
 * on a 250,000-node synthetic city, Chengdu import time, and pgRouting's drivingDistance for
 * the same bounded search when DATABASE_URL points at a database with pgRouting.
 * Prints and writes figures; asserts nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import {
  buildRoadGraph,
  etaToTarget,
  generateCity,
  importGeoJsonRoads,
  importOsmXml,
  isochrones,
  multiSourceTimes,
  snapPoint,
  type EtaUnit,
  type RoadGraph,
} from '../libs/routing/src';
import { mulberry32, stats, streetPoint } from './lib/bench-utils';
import { ensurePgRouting, loadRoadTable } from './lib/pg-road-table';

function timeIt<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

/** The recommendation API asks for the 50 nearest units (units pre-snapped, snaps cached). */
const TOP_K = 50;

export async function runRoutingBench(): Promise<Record<string, unknown>> {
  const rand = mulberry32(2026);
  const [city, genMs] = timeIt(() => generateCity({ seed: 1, targetNodes: 250_000 }));
  const [graph, buildMs] = timeIt(() => buildRoadGraph(importGeoJsonRoads(city.roads)));

  const unitPoints = Array.from({ length: 2000 }, (_, i) => ({
    id: `u${i}`,
    ...streetPoint(graph, rand),
  }));
  const incidents = Array.from({ length: 200 }, () => streetPoint(graph, rand));
  snapPoint(graph, unitPoints[0]); // builds the spatial index once
  const [units, snapMs] = timeIt((): EtaUnit[] =>
    unitPoints.map((u) => ({ ...u, snap: snapPoint(graph, u) })),
  );

  // Warm up the JIT on unrelated points before measuring.
  for (let k = 0; k < 20; k++) {
    const p = streetPoint(graph, rand);
    etaToTarget(graph, p, units, { maxSec: 1800 });
    etaToTarget(graph, p, units, { maxSec: 1800, maxResults: TOP_K });
  }

  const measure = (
    maxSec: number,
    withSnap: boolean,
    maxResults?: number,
  ): { times: number[]; cpu: number[]; reached: number[]; settled: number[] } => {
    const times: number[] = [];
    const cpu: number[] = [];
    const reached: number[] = [];
    const settled: number[] = [];
    for (const p of incidents) {
      const c0 = process.cpuUsage();
      const [res, ms] = timeIt(() =>
        etaToTarget(graph, p, withSnap ? unitPoints : units, { maxSec, maxResults }),
      );
      const c = process.cpuUsage(c0);
      times.push(ms);
      cpu.push((c.user + c.system) / 1000);
      reached.push(res.results.length);
      settled.push(res.settledNodes);
    }
    return { times, cpu, reached, settled };
  };
  // Each series runs over the same 200 incidents.
  const recTopK = measure(1800, false, TOP_K);
  const rec1800 = measure(1800, false);
  const rec480 = measure(480, false);
  const rec1800Snap = measure(1800, true);

  for (let k = 0; k < 10; k++) isochrones(graph, streetPoint(graph, rand), [1, 3, 8]);
  const isoTimes: number[] = [];
  for (const p of incidents.slice(0, 100))
    isoTimes.push(timeIt(() => isochrones(graph, p, [1, 3, 8]))[1]);

  // Our equivalent of pgr_drivingDistance(480 s) from a node: one bounded search.
  const probeNodes = Array.from({ length: 20 }, () => {
    for (;;) {
      const v = Math.floor(rand() * graph.nodeCount);
      if (graph.nodeComponent[v] === graph.largestComponent) return v;
    }
  });
  const oursDd: number[] = [];
  const oursReached: number[] = [];
  for (const v of probeNodes) {
    const [r, ms] = timeIt(() =>
      multiSourceTimes(graph, [{ lon: graph.nodeLon[v], lat: graph.nodeLat[v] }], 480),
    );
    oursDd.push(ms);
    oursReached.push(r.settledNodes);
  }

  let importChengduMs: number | null = null;
  let chengdu: Record<string, unknown> | null = null;
  const dataDir = process.env.SHARED_DATA_DIR ?? path.resolve(process.cwd(), '../shared/data');
  const osmPath = path.join(dataDir, 'chengdu-center-2018.osm');
  if (fs.existsSync(osmPath)) {
    const buf = fs.readFileSync(osmPath);
    const runs: number[] = [];
    const parseRuns: number[] = [];
    let g: RoadGraph | null = null;
    for (let k = 0; k < 5; k++) {
      const [draft, parseMs] = timeIt(() => importOsmXml(buf));
      const [built, b] = timeIt(() => buildRoadGraph(draft));
      parseRuns.push(parseMs);
      runs.push(parseMs + b);
      g = built;
    }
    importChengduMs = stats(runs).p50;
    chengdu = {
      firstRunMs: Math.round(runs[0] * 10) / 10,
      parseOnlyMs: stats(parseRuns).p50,
      ...g!.stats,
    };
  }

  let pgroutingDrivingDistanceMs: number | null = null;
  let pgroutingReached: number[] | null = null;
  let pgNote = 'DATABASE_URL not set';
  if (process.env.DATABASE_URL) {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    let table: string | null = null;
    try {
      if (!(await ensurePgRouting(client))) pgNote = 'pgRouting extension not available';
      else {
        table = await loadRoadTable(client, graph, 'bench_roads');
        const sql = `SELECT id, source, target, cost, reverse_cost FROM ${table}`;
        await client.query('SELECT count(*) FROM pgr_drivingDistance($1, $2::bigint, 480, true)', [
          sql,
          probeNodes[0] + 1,
        ]);
        const times: number[] = [];
        pgroutingReached = [];
        for (const v of probeNodes) {
          const t0 = performance.now();
          const r = await client.query<{ n: string }>(
            'SELECT count(*) AS n FROM pgr_drivingDistance($1, $2::bigint, 480, true)',
            [sql, v + 1],
          );
          times.push(performance.now() - t0);
          pgroutingReached.push(Number(r.rows[0].n));
        }
        pgroutingDrivingDistanceMs = stats(times).p50;
        pgNote =
          'pgr_drivingDistance over the whole 250k-node edge table, median of 20 start nodes';
      }
    } finally {
      if (table) await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.end();
    }
  }

  const oursDdMs = stats(oursDd).p50;
  const r1800 = stats(rec1800.times);
  const rTop = stats(recTopK.times);
  const result: Record<string, unknown> = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    nodes: graph.nodeCount,
    edges: graph.stats.directedEdges,
    segments: graph.segmentCount,
    units: units.length,
    incidents: incidents.length,
    cityGenerateMs: Math.round(genMs),
    cityImportAndBuildMs: Math.round(buildMs),
    snap2000UnitsMs: Math.round(snapMs * 100) / 100,
    recommendMaxSec: 1800,
    recommendMaxResults: TOP_K,
    // Headline: what the recommendation API runs (top 50 within 1800 s, pre-snapped units).
    recommendP50Ms: rTop.p50,
    recommendP99Ms: rTop.p99,
    recommendTopK: {
      k: TOP_K,
      maxSec: 1800,
      ...rTop,
      // Process CPU time per query: unlike wall time, not inflated when other jobs preempt
      // this process on a loaded machine (µs resolution; includes GC threads).
      cpuP50Ms: stats(recTopK.cpu).p50,
      cpuP99Ms: stats(recTopK.cpu).p99,
      resultsMedian: stats(recTopK.reached).p50,
      settledNodesMedian: stats(recTopK.settled).p50,
      settledNodesP99: stats(recTopK.settled).p99,
    },
    // Every unit within 1800 s (no rank limit), pre-snapped units.
    recommendAll1800P50Ms: r1800.p50,
    recommendAll1800P99Ms: r1800.p99,
    recommendAll1800CpuP99Ms: stats(rec1800.cpu).p99,
    recommendUnitsWithin1800sMedian: stats(rec1800.reached).p50,
    recommendSettledNodesMedian: stats(rec1800.settled).p50,
    recommend480: { ...stats(rec480.times), unitsWithinMedian: stats(rec480.reached).p50 },
    recommend1800IncludingUnitSnapping: stats(rec1800Snap.times),
    isochrone3TiersMs: stats(isoTimes).p50,
    isochrone3TiersP99Ms: stats(isoTimes).p99,
    importChengduMs,
    chengdu,
    oursDrivingDistance480Ms: oursDdMs,
    oursReachedNodes480Median: stats(oursReached).p50,
    pgroutingDrivingDistanceMs,
    pgroutingReachedNodes480Median: pgroutingReached ? stats(pgroutingReached).p50 : null,
    speedupVsPgrouting:
      pgroutingDrivingDistanceMs !== null
        ? Math.round((pgroutingDrivingDistanceMs / oursDdMs) * 10) / 10
        : null,
    pgroutingNote: pgNote,
  };
  return result;
}

if (require.main === module) {
  runRoutingBench()
    .then((r) => {
      const json = JSON.stringify(r, null, 2);
      console.log(json);
      const out = path.resolve(process.cwd(), 'bench/results/routing.json');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, `${json}\n`);
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
