import * as fs from 'node:fs';
import * as path from 'node:path';
import { bruteForceMoveUps } from './__fixtures__/move-ups-brute-force';
import { edgeCosts } from './edge-costs';
import { LiveCoverage } from './coverage-live';
import { IncrementalCoverage } from './coverage-incremental';
import { accessSec, seedDeparture } from './eta';
import { importGeoJsonRoads } from './geojson-import';
import { roadLengthDemand, suggestMoveUps } from './move-ups';
import { importOsmXml } from './osm-xml-import';
import { buildRoadGraph, type RoadGraph } from './road-graph';
import { beginSearch, createSearchWorkspace, nodeSec, runSearch } from './search-workspace';
import { snapPoint, type SnappedPoint } from './snap';
import { generateCity, mulberry32 } from './synthetic-city';
import { TwoNearestSources } from './two-nearest';

const dataDir = process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data');
const chengduFile = path.join(dataDir, 'chengdu-center-2018.osm');
const shenzhenFile = path.join(dataDir, 'shenzhen-futian-roads.geojson');
const realData = fs.existsSync(chengduFile) && fs.existsSync(shenzhenFile);
const chengdu = (): RoadGraph => buildRoadGraph(importOsmXml(fs.readFileSync(chengduFile)));
const shenzhen = (): RoadGraph =>
  buildRoadGraph(
    importGeoJsonRoads(JSON.parse(fs.readFileSync(shenzhenFile, 'utf8')), {
      joinEndpointsWithinM: 20,
    }),
  );
const hardCity = (): RoadGraph =>
  buildRoadGraph(
    importGeoJsonRoads(generateCity({ seed: 9, targetNodes: 20_000, hard: true }).roads),
  );

function randomSnaps(graph: RoadGraph, rand: () => number, n: number): SnappedPoint[] {
  const out: SnappedPoint[] = [];
  while (out.length < n) {
    const v = Math.floor(rand() * graph.nodeCount);
    const p = snapPoint(
      graph,
      {
        lon: graph.nodeLon[v] + (rand() - 0.5) * 2e-3,
        lat: graph.nodeLat[v] + (rand() - 0.5) * 2e-3,
      },
      { role: 'origin' },
    );
    if (p) out.push(p);
  }
  return out;
}

/**
 * Oracle: one plain (binary-heap) Dijkstra per source; at every node the two smallest times of
 * distinct sources within the bound must be the labels kept, after the full search and after
 * sources are taken away and added elsewhere (as move-ups do). With `nearestBound`, the full
 * search starts from each node's nearest source as live coverage keeps it with that (larger)
 * bound ({@link TwoNearestSources.resetFromNearest}: only the second-nearest pass runs).
 */
function checkAgainstSingleSources(
  graph: RoadGraph,
  seed: number,
  units: number,
  maxSec: number,
  nearestBound?: number,
  /** Every third source departs from where another one does (the same snap: ties everywhere). */
  colocated = false,
) {
  const rand = mulberry32(seed);
  const costs = edgeCosts(graph);
  const ws = createSearchWorkspace(graph);
  const N = graph.nodeCount;
  const single = (p: SnappedPoint): Float64Array => {
    beginSearch(ws, 'forward');
    seedDeparture(ws, p, costs, accessSec(p, 15));
    runSearch(ws, graph, costs, maxSec);
    const out = new Float64Array(N);
    for (let v = 0; v < N; v++) out[v] = nodeSec(ws, v);
    return out;
  };
  const snaps: (SnappedPoint | null)[] = randomSnaps(graph, rand, units);
  if (colocated) for (let i = 2; i < units; i += 3) snaps[i] = snaps[i - 1];
  const times: (Float64Array | null)[] = snaps.map((s) => single(s!));
  const near = new TwoNearestSources(graph, costs, maxSec);
  if (nearestBound === undefined) near.reset(snaps);
  else {
    const inc = new IncrementalCoverage(graph, nearestBound);
    // slots follow the order given: a node's owner is its nearest source's index
    inc.reset(snaps.map((snap, i) => ({ id: `s${i}`, snap })));
    near.resetFromNearest(snaps, inc.nodeSec, inc.owner);
  }

  // which sources each node holds, as of the last compare: every node where that changed since
  // must be in the repairs' change log (the move-ups' scores look at those nodes only)
  near.takeChanges();
  let held: Int32Array | null = null;
  const compare = (): void => {
    const log = near.takeChanges();
    const now = new Int32Array(2 * N);
    for (let v = 0; v < N; v++) {
      now[2 * v] = near.nearest(v);
      now[2 * v + 1] = near.secondNearest(v);
    }
    if (held && log) {
      const logged = new Uint8Array(N);
      for (const v of log) logged[v] = 1;
      for (let v = 0; v < N; v++)
        if ((now[2 * v] !== held[2 * v] || now[2 * v + 1] !== held[2 * v + 1]) && !logged[v])
          expect({ v, sources: [now[2 * v], now[2 * v + 1]] }).toBe('in the change log');
    }
    held = now;
    let seconds = 0;
    for (let v = 0; v < N; v++) {
      let b0 = Infinity;
      let b1 = Infinity;
      for (const t of times) {
        if (!t) continue;
        const x = t[v];
        if (x < b0) {
          b1 = b0;
          b0 = x;
        } else if (x < b1) b1 = x;
      }
      const got = [near.nearestSec(v), near.secondNearestSec(v)];
      if (got[0] !== b0 || got[1] !== b1) expect({ v, got }).toEqual({ v, got: [b0, b1] });
      if (b1 < Infinity) seconds++;
      // the named sources really reach v in those times, and they differ
      const s0 = near.nearest(v);
      const s1 = near.secondNearest(v);
      if (b0 < Infinity && times[s0]?.[v] !== b0) expect({ v, s0 }).toBe('the nearest source');
      if (b1 < Infinity && (s1 === s0 || times[s1]?.[v] !== b1))
        expect({ v, s1 }).toBe('a second, different source');
      if (b0 === Infinity && s0 !== -1) expect({ v, s0 }).toBe('no source');
      if (b1 === Infinity && s1 !== -1) expect({ v, s1 }).toBe('no second source');
    }
    expect(seconds).toBeGreaterThan(N / 10);
  };
  compare();
  // several taken away and put elsewhere at once (one repair each way)
  const batch = [0, 1, 2]
    .map(() => Math.floor(rand() * units))
    .filter((x, i, a) => a.indexOf(x) === i);
  near.removeSources(batch);
  for (const id of batch) times[id] = null;
  compare();
  const batchTo = randomSnaps(graph, rand, batch.length);
  near.addSources(batch, batchTo);
  batch.forEach((id, k) => (times[id] = single(batchTo[k])));
  compare();
  for (let step = 0; step < 12; step++) {
    const id = Math.floor(rand() * units);
    near.removeSource(id);
    times[id] = null;
    if (step % 3 === 0) compare();
    const [to] = randomSnaps(graph, rand, 1);
    near.addSource(id, to);
    times[id] = single(to);
    if (step % 3 === 1) compare();
  }
  compare();
}

/**
 * Brute force for move-ups: one reach set per unit and standby point, every (unit, free point)
 * pair tried against the state after the earlier moves.
 */
function checkMoveUpsByBruteForce(
  graph: RoadGraph,
  seed: number,
  units: number,
  tier: number,
  /** Road length per node, the default weights (the points' scores are kept between calls). */
  defaultDemand = false,
  /**
   * Each node's nearest unit taken from live coverage of the same units (tiers up to this
   * bound), as the coverage thread passes it.
   */
  coverageBound?: number,
  /** Moves asked for per call. */
  maxMoves = 4,
  /** Every third unit stands where another one does (ties at every node they reach). */
  colocated = false,
) {
  const rand = mulberry32(seed);
  const at = new Date('2026-12-05T03:00:00Z');
  const costs = edgeCosts(graph, undefined, at);
  const ws = createSearchWorkspace(graph);
  const N = graph.nodeCount;
  const live = coverageBound === undefined ? null : new LiveCoverage(graph);
  const cover = (p: SnappedPoint): Int32Array => {
    beginSearch(ws, 'forward');
    seedDeparture(ws, p, costs, accessSec(p, 15));
    return ws.order.slice(0, runSearch(ws, graph, costs, tier));
  };
  const point = (id: string, snap: SnappedPoint) => ({ id, lon: snap.lon, lat: snap.lat, snap });
  const standby = randomSnaps(graph, rand, 25).map((s, i) => point(`p${i}`, s));
  const standbyCover = standby.map((p) => cover(p.snap));
  let demand: Float32Array = new Float32Array(N);
  for (let v = 0; v < N; v++) demand[v] = 1 + Math.floor(rand() * 3);
  if (defaultDemand) demand = roadLengthDemand(graph);
  const total = demand.reduce((s, d) => s + d, 0);
  // the first call searches from every unit; the next ones fold in the few that moved, left
  // or came (the state is kept between calls), and must answer as if searched afresh; then
  // every unit moves at once (searched afresh), then a few again
  const unitSnaps = randomSnaps(graph, rand, units);
  if (colocated) for (let i = 2; i < units; i += 3) unitSnaps[i] = unitSnaps[i - 1];
  let unitList = unitSnaps.map((s, i) => point(`u${i}`, s));
  for (let call = 0; call < 6; call++) {
    if (call === 4) {
      const to = randomSnaps(graph, rand, unitList.length);
      unitList = unitList.map((u, k) => point(u.id, to[k]));
    } else if (call > 0) {
      const [a, b] = randomSnaps(graph, rand, 2);
      unitList = unitList.slice(1); // u(first) leaves
      unitList[call] = point(unitList[call].id, a); // one moves
      unitList.push(point(`new${call}`, b)); // one arrives
    }
    // the coverage thread keeps coverage live: computed now and then (here before every
    // other call, so the others fold the moved units in themselves)
    if (live && call % 2 === 0)
      live.compute({ key: 'scheme', tiersSec: [tier, coverageBound!], sources: unitList, at });
    checkOneCall(unitList);
  }

  function checkOneCall(unitList: ReturnType<typeof point>[]) {
    const unitCover = unitList.map((u) => cover(u.snap));
    const nearest = live?.nearestSources({
      key: 'scheme',
      tiersSec: [tier, coverageBound!],
      sources: unitList,
      at,
    });
    if (live) expect(nearest).toBeTruthy();
    const moves = suggestMoveUps(graph, {
      units: unitList,
      standbyPoints: standby,
      tierSec: tier,
      maxMoves,
      at,
      ...(defaultDemand ? {} : { demand }),
      ...(nearest ? { nearest: { ...nearest, unit: nearest.source } } : {}),
    });
    expect(moves.length).toBeGreaterThan(1);
    const checked = bruteForceMoveUps(
      moves,
      unitList.map((u) => u.id),
      standby.map((p) => p.id),
      unitCover,
      standbyCover,
      demand,
      N,
    );
    moves.forEach((m, k) => {
      expect(checked[k].reuses).toBe(false);
      expect(m.gainPct).toBeCloseTo((100 * checked[k].gain) / total, 6);
      expect(m.gainPct).toBeCloseTo((100 * checked[k].best) / total, 6);
      expect(m.coveredPct).toBeCloseTo((100 * checked[k].covered) / total, 6);
    });
  }
}

describe('two nearest sources equal the two smallest of single-source searches', () => {
  it('on the hard synthetic city, after sources are taken away and added', () => {
    checkAgainstSingleSources(hardCity(), 3, 80, 300);
  });

  (realData ? it : it.skip)('on the real Chengdu and Shenzhen networks', () => {
    checkAgainstSingleSources(chengdu(), 4, 40, 300);
    checkAgainstSingleSources(shenzhen(), 5, 40, 300);
  });

  it('starting from the nearest sources live coverage keeps (a larger bound), hard and real cities', () => {
    checkAgainstSingleSources(hardCity(), 13, 80, 300, 1800);
    if (!realData) return;
    checkAgainstSingleSources(chengdu(), 14, 40, 180, 600);
    checkAgainstSingleSources(shenzhen(), 15, 40, 120, 120);
  });

  it('with sources departing from the same place (ties at every node), hard and real cities', () => {
    checkAgainstSingleSources(hardCity(), 21, 60, 300, undefined, true);
    checkAgainstSingleSources(hardCity(), 22, 60, 240, 600, true);
    if (!realData) return;
    checkAgainstSingleSources(chengdu(), 23, 30, 300, undefined, true);
    checkAgainstSingleSources(shenzhen(), 24, 30, 180, 300, true);
  });

  it('a bound beyond six hours uses wider buckets and stays exact', () => {
    const graph = buildRoadGraph(
      importGeoJsonRoads(generateCity({ seed: 2, targetNodes: 800 }).roads),
    );
    checkAgainstSingleSources(graph, 6, 6, 30 * 3600);
  });
});

/**
 * Oracle for the full searches: the same sources added one batch at a time to an empty state
 * run through the repairs' search (one queue of (node, source) labels in push order, no bitmaps,
 * no nearest/second split), so the two share no search code. Every node's two times must be
 * equal, and with them what the move-ups read: none, only one source (which) or two or more.
 */
function checkFullSearchAgainstRepairs(
  graph: RoadGraph,
  seed: number,
  units: number,
  maxSec: number,
) {
  const rand = mulberry32(seed);
  const costs = edgeCosts(graph);
  const snaps = randomSnaps(graph, rand, units);
  // every fifth departs where another does: ties between sources
  for (let i = 4; i < units; i += 5) snaps[i] = snaps[i - 1];
  const full = new TwoNearestSources(graph, costs, maxSec);
  full.reset(snaps);
  const added = new TwoNearestSources(graph, costs, maxSec);
  for (let from = 0; from < units; from += 7) {
    const ids = [...Array(Math.min(7, units - from)).keys()].map((k) => from + k);
    added.addSources(
      ids,
      ids.map((i) => snaps[i]),
    );
  }
  let shared = 0;
  let alone = 0;
  for (let v = 0; v < graph.nodeCount; v++) {
    const a = [full.nearestSec(v), full.secondNearestSec(v)];
    const b = [added.nearestSec(v), added.secondNearestSec(v)];
    if (a[0] !== b[0] || a[1] !== b[1]) expect({ v, times: a }).toEqual({ v, times: b });
    const state = (n: TwoNearestSources) =>
      n.nearest(v) < 0 ? 'none' : n.secondNearest(v) >= 0 ? 'shared' : n.nearest(v);
    if (state(full) !== state(added))
      expect({ v, state: state(full) }).toEqual({ v, state: state(added) });
    if (state(full) === 'shared') shared++;
    else if (typeof state(full) === 'number') alone++;
  }
  // the comparison means something: both kinds of covered node occur
  expect(shared).toBeGreaterThan(graph.nodeCount / 10);
  expect(alone).toBeGreaterThan(0);
}

describe('the full searches (buckets scanned in node order) against the repairs’ search', () => {
  it('on the hard synthetic city', () => {
    checkFullSearchAgainstRepairs(hardCity(), 31, 160, 300);
    checkFullSearchAgainstRepairs(hardCity(), 32, 60, 600);
  });

  (realData ? it : it.skip)(
    'on the real Chengdu and Shenzhen networks (short roads: many nodes set again within a bucket)',
    () => {
      checkFullSearchAgainstRepairs(chengdu(), 33, 40, 300);
      checkFullSearchAgainstRepairs(shenzhen(), 34, 30, 180);
    },
  );
});

describe('move-ups against brute force', () => {
  it('on the hard synthetic city', () => {
    checkMoveUpsByBruteForce(hardCity(), 7, 30, 240);
  });

  (realData ? it : it.skip)('on the real Chengdu and Shenzhen networks', () => {
    checkMoveUpsByBruteForce(chengdu(), 8, 12, 180);
    checkMoveUpsByBruteForce(shenzhen(), 9, 10, 120);
  });

  it('with the default weights, the standby points scored again only where nodes changed', () => {
    checkMoveUpsByBruteForce(hardCity(), 10, 30, 240, true);
  });

  it('with each node’s nearest unit from live coverage, on the hard city and the real ones', () => {
    checkMoveUpsByBruteForce(hardCity(), 16, 30, 240, true, 600);
    checkMoveUpsByBruteForce(hardCity(), 17, 30, 240, false, 240);
    if (!realData) return;
    checkMoveUpsByBruteForce(chengdu(), 18, 12, 180, true, 900);
    checkMoveUpsByBruteForce(shenzhen(), 19, 10, 120, false, 300);
  });

  it('the standby points’ scores kept across calls and moves (only changed nodes looked at), hard and real cities', () => {
    // many moves per call, each repairing the labels and refreshing only the nodes it changed,
    // over six calls whose kept state folds in the units that moved, left or came
    checkMoveUpsByBruteForce(hardCity(), 25, 40, 240, true, undefined, 8);
    checkMoveUpsByBruteForce(hardCity(), 26, 40, 240, false, 600, 8, true);
    if (!realData) return;
    checkMoveUpsByBruteForce(chengdu(), 27, 16, 180, true, undefined, 8, true);
    checkMoveUpsByBruteForce(chengdu(), 28, 16, 180, true, 600, 8);
    checkMoveUpsByBruteForce(shenzhen(), 29, 14, 120, true, undefined, 8, true);
    checkMoveUpsByBruteForce(shenzhen(), 30, 14, 120, false, 300, 8);
  });

  (realData ? it : it.skip)('with the default weights on the real networks', () => {
    checkMoveUpsByBruteForce(chengdu(), 11, 12, 180, true);
    checkMoveUpsByBruteForce(shenzhen(), 12, 10, 120, true);
  });
});
