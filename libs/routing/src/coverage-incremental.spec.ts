import * as fs from 'node:fs';
import * as path from 'node:path';
import { IncrementalCoverage } from './coverage-incremental';
import { edgeCosts } from './edge-costs';
import { accessSec, seedDeparture } from './eta';
import { importGeoJsonRoads } from './geojson-import';
import { importOsmXml } from './osm-xml-import';
import { buildRoadGraph, type RoadGraph } from './road-graph';
import { beginSearch, createSearchWorkspace, nodeSec, runSearch } from './search-workspace';
import { snapPoint, type SnappedPoint } from './snap';
import { generateCity, mulberry32 } from './synthetic-city';

/**
 * Oracle: one plain (binary-heap) Dijkstra per source, and the per-node minimum over them,
 * after a full search and after every one of many random moves, arrivals and departures.
 */
function checkAgainstSingleSources(
  graph: RoadGraph,
  seed: number,
  units: number,
  maxSec: number,
  /** Units only around this many nodes: crowded, they share streets and seed nodes. */
  hubs?: number,
) {
  const rand = mulberry32(seed);
  const costs = edgeCosts(graph);
  const ws = createSearchWorkspace(graph);
  const N = graph.nodeCount;
  const hubNodes = hubs ? Array.from({ length: hubs }, () => Math.floor(rand() * N)) : null;
  const randomSnap = (): SnappedPoint => {
    for (;;) {
      const v = hubNodes ? hubNodes[Math.floor(rand() * hubNodes.length)] : Math.floor(rand() * N);
      const p = snapPoint(
        graph,
        {
          lon: graph.nodeLon[v] + (rand() - 0.5) * 2e-3,
          lat: graph.nodeLat[v] + (rand() - 0.5) * 2e-3,
        },
        { role: 'origin' },
      );
      if (p) return p;
    }
  };
  const single = (p: SnappedPoint): Float64Array => {
    beginSearch(ws, 'forward');
    seedDeparture(ws, p, costs, accessSec(p, 15));
    runSearch(ws, graph, costs, maxSec);
    const out = new Float64Array(N);
    for (let v = 0; v < N; v++) out[v] = nodeSec(ws, v);
    return out;
  };
  const fleet = new Map<string, { snap: SnappedPoint; times: Float64Array }>();
  for (let i = 0; i < units; i++) {
    const snap = randomSnap();
    fleet.set(`u${i}`, { snap, times: single(snap) });
  }
  const inc = new IncrementalCoverage(graph, maxSec);
  inc.reset([...fleet].map(([id, u]) => ({ id, snap: u.snap })));
  // the full search (bucket queue) gives exactly the times of one heap Dijkstra from all units
  beginSearch(ws, 'forward');
  for (const u of fleet.values()) seedDeparture(ws, u.snap, costs, accessSec(u.snap, 15));
  runSearch(ws, graph, costs, maxSec);
  const differ: number[] = [];
  for (let v = 0; v < N; v++) if (inc.nodeSec[v] !== nodeSec(ws, v)) differ.push(v);
  expect(differ).toEqual([]);
  expect(inc.changedCount).toBe(inc.nodeSec.filter((t) => t <= maxSec).length);

  const compare = (): void => {
    let reached = 0;
    for (let v = 0; v < N; v++) {
      let best = Infinity;
      for (const u of fleet.values()) if (u.times[v] < best) best = u.times[v];
      const got = inc.nodeSec[v];
      if (best === Infinity) {
        if (got !== Infinity) expect({ v, got }).toEqual({ v, got: Infinity });
        continue;
      }
      reached++;
      if (Math.abs(got - best) > 1e-6 * Math.max(1, best))
        expect({ v, got }).toEqual({ v, got: best });
      // the named owner really reaches the node in that time
      const owner = fleet.get(inc.ownerId(v) ?? '');
      if (!owner || Math.abs(owner.times[v] - best) > 1e-6 * Math.max(1, best))
        expect({ v, owner: inc.ownerId(v) }).toBe('an owner at the best time');
    }
    expect(reached).toBeGreaterThan(N / 4);
  };
  compare();

  let next = units;
  for (let step = 0; step < 30; step++) {
    const ids = [...fleet.keys()];
    const r = rand();
    if (r < 0.15 && ids.length > 1) {
      const id = ids[Math.floor(rand() * ids.length)];
      inc.remove(id);
      fleet.delete(id);
    } else if (r < 0.3) {
      const id = `u${next++}`;
      const snap = randomSnap();
      inc.move(id, snap);
      fleet.set(id, { snap, times: single(snap) });
    } else {
      // a short hop (the usual 5 s report) or a jump across the city
      const id = ids[Math.floor(rand() * ids.length)];
      const snap =
        r < 0.8
          ? (snapPoint(
              graph,
              {
                lon: fleet.get(id)!.snap.lon + (rand() - 0.5) * 1e-3,
                lat: fleet.get(id)!.snap.lat + (rand() - 0.5) * 1e-3,
              },
              { role: 'origin' },
            ) ?? randomSnap())
          : randomSnap();
      inc.move(id, snap);
      fleet.set(id, { snap, times: single(snap) });
    }
    if (step % 5 === 4) compare();
  }
  compare();
}

describe('incremental coverage equals the per-node minimum over single-source searches', () => {
  it('on the hard synthetic city, after random moves, arrivals and departures', () => {
    const city = generateCity({ seed: 9, targetNodes: 20_000, hard: true });
    const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
    checkAgainstSingleSources(graph, 3, 120, 600);
  });

  const dataDir = process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data');
  const chengdu = path.join(dataDir, 'chengdu-center-2018.osm');
  const shenzhen = path.join(dataDir, 'shenzhen-futian-roads.geojson');
  (fs.existsSync(chengdu) && fs.existsSync(shenzhen) ? it : it.skip)(
    'on the real Chengdu and Shenzhen networks',
    () => {
      checkAgainstSingleSources(buildRoadGraph(importOsmXml(fs.readFileSync(chengdu))), 4, 60, 300);
      const fc = JSON.parse(fs.readFileSync(shenzhen, 'utf8'));
      checkAgainstSingleSources(
        buildRoadGraph(importGeoJsonRoads(fc, { joinEndpointsWithinM: 20 })),
        5,
        60,
        300,
      );
    },
  );

  it('crowded units (shared streets and seed nodes), on the hard city and the real ones', () => {
    // a unit's seed node held by a nearer unit must get its own seed back when that one leaves
    const city = generateCity({ seed: 4, targetNodes: 5000, hard: true });
    checkAgainstSingleSources(buildRoadGraph(importGeoJsonRoads(city.roads)), 6, 60, 300, 8);
    if (fs.existsSync(chengdu))
      checkAgainstSingleSources(
        buildRoadGraph(importOsmXml(fs.readFileSync(chengdu))),
        7,
        60,
        300,
        8,
      );
  });

  it('a unit that leaves gives its nodes to the others, one that returns takes them back', () => {
    const city = generateCity({ seed: 2, targetNodes: 3000 });
    const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
    const a = snapPoint(graph, { lon: graph.nodeLon[0], lat: graph.nodeLat[0] })!;
    const b = snapPoint(graph, { lon: graph.nodeLon[2000], lat: graph.nodeLat[2000] })!;
    const inc = new IncrementalCoverage(graph, 900);
    inc.reset([
      { id: 'a', snap: a },
      { id: 'b', snap: b },
    ]);
    const before = Float64Array.from(inc.nodeSec);
    const ownedByA = [...inc.owner].filter((o, v) => inc.ownerId(v) === 'a').length;
    expect(ownedByA).toBeGreaterThan(0);
    expect(inc.remove('a')).toBeGreaterThanOrEqual(ownedByA);
    expect([...inc.owner].some((o, v) => inc.ownerId(v) === 'a')).toBe(false);
    inc.move('a', a);
    expect(Array.from(inc.nodeSec)).toEqual(Array.from(before));
  });
});
