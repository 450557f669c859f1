import * as fs from 'node:fs';
import * as path from 'node:path';
import { accessSec, multiSourceTimes, seedDeparture } from './eta';
import { edgeCosts } from './edge-costs';
import { importGeoJsonRoads } from './geojson-import';
import { importOsmXml } from './osm-xml-import';
import { buildRoadGraph, type RoadGraph } from './road-graph';
import {
  beginSearch,
  createSearchWorkspace,
  nodeSec,
  runBucketSearch,
  runSearch,
  type SearchWorkspace,
} from './search-workspace';
import { snapPoint, type SnappedPoint } from './snap';
import { generateCity, mulberry32 } from './synthetic-city';

describe('bucket-queue search gives the binary-heap Dijkstra times', () => {
  const city = generateCity({ seed: 21, targetNodes: 20_000 });
  const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
  const costs = edgeCosts(graph);
  const rand = mulberry32(5);
  const snaps: SnappedPoint[] = [];
  while (snaps.length < 300) {
    // near a random intersection, off the road by up to ~50 m
    const v = Math.floor(rand() * graph.nodeCount);
    const p = snapPoint(graph, {
      lon: graph.nodeLon[v] + (rand() - 0.5) * 1e-3,
      lat: graph.nodeLat[v] + (rand() - 0.5) * 1e-3,
    });
    if (p) snaps.push(p);
  }

  const times = (
    ws: SearchWorkspace,
    run: typeof runSearch,
    sources: SnappedPoint[],
    maxSec: number,
  ) => {
    beginSearch(ws, 'forward');
    for (const p of sources) seedDeparture(ws, p, costs, accessSec(p, 15));
    const count = run(ws, graph, costs, maxSec);
    const out = new Map<number, number>();
    for (let i = 0; i < count; i++) out.set(ws.order[i], ws.dist[ws.order[i]]);
    return out;
  };

  it.each([
    ['one source, 2 min', 1, 120],
    ['ten sources, 5 min and a fraction', 10, 300.37],
    ['300 sources, 30 min (every node)', 300, 1800],
    ['300 sources, a bound below one bucket', 300, 0.6],
    ['two sources, unbounded (the heap takes over)', 2, Infinity],
  ])('%s', (_name, k, maxSec) => {
    const heap = times(createSearchWorkspace(graph), runSearch, snaps.slice(0, k), maxSec);
    const buckets = times(createSearchWorkspace(graph), runBucketSearch, snaps.slice(0, k), maxSec);
    expect(buckets.size).toBe(heap.size);
    expect(heap.size).toBeGreaterThan(0);
    let worst = 0;
    let missing = 0;
    let beyond = 0;
    for (const [v, d] of heap) {
      const b = buckets.get(v);
      if (b === undefined) missing++;
      else worst = Math.max(worst, Math.abs(b - d));
      if (b !== undefined && b > maxSec) beyond++;
    }
    expect({ missing, beyond }).toEqual({ missing: 0, beyond: 0 });
    expect(worst).toBeLessThan(1e-9);
  });

  it('a reused workspace gives the same answer again', () => {
    const ws = createSearchWorkspace(graph);
    const a = times(ws, runBucketSearch, snaps.slice(0, 50), 600);
    times(ws, runSearch, snaps.slice(50, 60), 200);
    const b = times(ws, runBucketSearch, snaps.slice(0, 50), 600);
    expect(b.size).toBe(a.size);
    let differ = 0;
    for (const [v, d] of a) if (b.get(v) !== d) differ++;
    expect(differ).toBe(0);
  });
});

const dataDir = process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data');
const chengduFile = path.join(dataDir, 'chengdu-center-2018.osm');
const shenzhenFile = path.join(dataDir, 'shenzhen-futian-roads.geojson');
const realData = fs.existsSync(chengduFile) && fs.existsSync(shenzhenFile);

/**
 * Oracle for the coverage search (multiSourceTimes: the bucket queue into one time array):
 * at every node, exactly the least of one plain binary-heap Dijkstra per source, and Infinity
 * where none reaches it within the bound.
 */
function checkMinimumOfSingleSources(graph: RoadGraph, seed: number, units: number, T: number) {
  const costs = edgeCosts(graph);
  const rand = mulberry32(seed);
  const snaps: SnappedPoint[] = [];
  while (snaps.length < units) {
    const v = Math.floor(rand() * graph.nodeCount);
    const p = snapPoint(
      graph,
      {
        lon: graph.nodeLon[v] + (rand() - 0.5) * 2e-3,
        lat: graph.nodeLat[v] + (rand() - 0.5) * 2e-3,
      },
      { role: 'origin' },
    );
    if (p) snaps.push(p);
  }
  const N = graph.nodeCount;
  const least = new Float64Array(N).fill(Infinity);
  const ws = createSearchWorkspace(graph);
  for (const p of snaps) {
    beginSearch(ws, 'forward');
    seedDeparture(ws, p, costs, accessSec(p, 15));
    runSearch(ws, graph, costs, T);
    for (let v = 0; v < N; v++) least[v] = Math.min(least[v], nodeSec(ws, v));
  }
  const got = multiSourceTimes(
    graph,
    snaps.map((p) => ({ lon: p.lon, lat: p.lat, snap: p })),
    T,
  );
  let reached = 0;
  let differ = 0;
  for (let v = 0; v < N; v++) {
    if (got.nodeSec[v] !== Math.fround(least[v])) differ++;
    if (least[v] <= T) reached++;
  }
  expect({ differ, settledNodes: got.settledNodes }).toEqual({ differ: 0, settledNodes: reached });
  expect(reached).toBeGreaterThan(N / 4);
}

describe('multi-source times equal the least of single-source searches', () => {
  it('on the hard synthetic city (one-way streets, several components)', () => {
    const graph = buildRoadGraph(
      importGeoJsonRoads(generateCity({ seed: 9, targetNodes: 20_000, hard: true }).roads),
    );
    checkMinimumOfSingleSources(graph, 1, 60, 600);
    checkMinimumOfSingleSources(graph, 2, 12, 1800);
  });

  (realData ? it : it.skip)('on the real Chengdu and Shenzhen networks', () => {
    const chengdu = buildRoadGraph(importOsmXml(fs.readFileSync(chengduFile)));
    checkMinimumOfSingleSources(chengdu, 3, 40, 300);
    checkMinimumOfSingleSources(chengdu, 4, 10, 1800);
    const shenzhen = buildRoadGraph(
      importGeoJsonRoads(JSON.parse(fs.readFileSync(shenzhenFile, 'utf8')), {
        joinEndpointsWithinM: 20,
      }),
    );
    checkMinimumOfSingleSources(shenzhen, 5, 40, 300);
  });

  it('a bound beyond six hours (the heap takes over) gives the same', () => {
    const graph = buildRoadGraph(
      importGeoJsonRoads(generateCity({ seed: 2, targetNodes: 3000, hard: true }).roads),
    );
    checkMinimumOfSingleSources(graph, 6, 5, 30 * 3600);
  });
});
