import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeCoverage, IncrementalCoverageFigures, type CoverageArea } from './coverage';
import { edgeCosts } from './edge-costs';
import { accessSec, seedDeparture } from './eta';
import { importGeoJsonRoads } from './geojson-import';
import { importOsmXml } from './osm-xml-import';
import { buildRoadGraph, DIR_BACKWARD, DIR_FORWARD, type RoadGraph } from './road-graph';
import { beginSearch, createSearchWorkspace, nodeSec, runSearch } from './search-workspace';
import { snapPoint, type SnappedPoint } from './snap';
import { generateCity, mulberry32 } from './synthetic-city';

interface Source {
  id: string;
  lon: number;
  lat: number;
  snap: SnappedPoint | null;
}

/**
 * Units near random nodes; with `hubs`, only around that many nodes, so that several units
 * stand on the same segments and their own pieces overlap (the union the road km must take).
 */
function placeUnits(graph: RoadGraph, seed: number, count: number, hubs?: number): Source[] {
  const rand = mulberry32(seed);
  const hubNodes = hubs
    ? Array.from({ length: hubs }, () => Math.floor(rand() * graph.nodeCount))
    : null;
  return Array.from({ length: count }, (_, i) => {
    const v = hubNodes
      ? hubNodes[Math.floor(rand() * hubNodes.length)]
      : Math.floor(rand() * graph.nodeCount);
    const p = {
      lon: graph.nodeLon[v] + (rand() - 0.5) * 2e-3,
      lat: graph.nodeLat[v] + (rand() - 0.5) * 2e-3,
    };
    return { id: `u${i}`, ...p, snap: snapPoint(graph, p, { role: 'origin' }) };
  });
}

/** Per node, the least seconds over one plain (binary-heap) Dijkstra per unit, up to maxSec. */
function minOverSingleSources(graph: RoadGraph, units: Source[], maxSec: number): Float64Array {
  const costs = edgeCosts(graph);
  const ws = createSearchWorkspace(graph);
  const best = new Float64Array(graph.nodeCount).fill(Infinity);
  for (const u of units) {
    if (!u.snap) continue;
    beginSearch(ws, 'forward');
    seedDeparture(ws, u.snap, costs, accessSec(u.snap, 15));
    runSearch(ws, graph, costs, maxSec);
    for (let v = 0; v < graph.nodeCount; v++) {
      const t = nodeSec(ws, v);
      if (t < best[v]) best[v] = t;
    }
  }
  return best;
}

/**
 * Road metres reached within t, written out plainly: per segment, the share of it that lies
 * within t of a reached end it may be driven from, or of a unit's own snapped point (each way
 * the unit may drive), the shares united exactly, in whole micrometres of the float32 share.
 */
function plainRoadUm(graph: RoadGraph, times: Float32Array, units: Source[], t: number): number {
  const costs = edgeCosts(graph);
  const own = new Map<number, [number, number][]>();
  for (const u of units) {
    const p = u.snap;
    if (!p) continue;
    const sec = costs.segSec[p.segment];
    const access = accessSec(p, 15);
    const list = own.get(p.segment) ?? [];
    const f = sec > 0 ? (t - access) / sec : 1;
    if (access <= t && p.direction & DIR_FORWARD)
      list.push([p.fraction, Math.min(1, p.fraction + f)]);
    if (access <= t && p.direction & DIR_BACKWARD)
      list.push([Math.max(0, p.fraction - f), p.fraction]);
    own.set(p.segment, list);
  }
  let um = 0;
  for (let s = 0; s < graph.segmentCount; s++) {
    const sec = costs.segSec[s];
    const share = (tn: number) => (tn > t ? 0 : sec > 0 ? Math.min(1, (t - tn) / sec) : 1);
    const a = graph.segDirection[s] & DIR_FORWARD ? share(times[graph.segFrom[s]]) : 0;
    const b = graph.segDirection[s] & DIR_BACKWARD ? share(times[graph.segTo[s]]) : 0;
    let f: number;
    const pieces = own.get(s);
    if (!pieces) f = Math.min(1, a + b);
    else {
      const all = [[0, a], [1 - b, 1], ...pieces].filter(([lo, hi]) => hi > lo);
      all.sort((x, y) => x[0] - y[0]);
      f = 0;
      let [lo, hi] = [-Infinity, -Infinity];
      for (const [l, h] of all) {
        if (l > hi) {
          if (hi > lo) f += hi - lo;
          [lo, hi] = [l, h];
        } else hi = Math.max(hi, h);
      }
      if (hi > lo) f += hi - lo;
      f = Math.min(1, f);
    }
    um += Math.round(Math.fround(f) * graph.segLengthM[s] * 1e6);
  }
  return um;
}

/**
 * Oracle of a from-scratch computeCoverage: its node times are the per-node minimum over
 * single-source searches (as float32), its road km per tier the plain per-segment sum above,
 * and every figure (road km, area shares, blind spots, per area) is what the figures' reference
 * path gives for the same node times: IncrementalCoverageFigures' first update, which works out
 * each segment's reached fraction per tier into an array and sums it (the path computeCoverage
 * took before it summed straight from the node times).
 */
function checkScratch(
  graph: RoadGraph,
  units: Source[],
  tiersSec: number[],
  areas: CoverageArea[],
): void {
  const maxSec = Math.max(...tiersSec);
  const got = computeCoverage(graph, units, tiersSec, { areas, fromScratch: true });

  const best = minOverSingleSources(graph, units, maxSec);
  let reached = 0;
  for (let v = 0; v < graph.nodeCount; v++) {
    const want = best[v] <= maxSec ? Math.fround(best[v]) : Infinity;
    if (got.nodeSec[v] !== want) expect({ v, got: got.nodeSec[v] }).toEqual({ v, got: want });
    if (want < Infinity) reached++;
  }
  expect(got.settledNodes).toBe(reached);
  expect(reached).toBeGreaterThan(graph.nodeCount / 10);

  tiersSec.forEach((t, k) => {
    expect({ t, um: Math.round(got.tiers[k].roadKm * 1e9) }).toEqual({
      t,
      um: plainRoadUm(graph, got.nodeSec, units, t),
    });
  });

  const reference = new IncrementalCoverageFigures(graph, tiersSec, { areas }).update(
    got.nodeSec,
    units,
  );
  const { tookMs: _g, nodeSec: _n, ...gotFigures } = got;
  const { tookMs: _r, ...wantFigures } = reference;
  expect(gotFigures).toEqual(wantFigures);
  // some tier is partly reached: the shares are not all 0 or 100
  expect(got.tiers.some((t) => t.roadKmPct > 1 && t.roadKmPct < 99)).toBe(true);
}

/**
 * Each tier's figures (road km, covered cells, per area) do not depend on the other tiers asked
 * for: the tiers together, in the order given, equal each tier asked for alone.
 */
function checkTiersApart(
  graph: RoadGraph,
  units: Source[],
  tiersSec: number[],
  areas: CoverageArea[],
): void {
  const together = computeCoverage(graph, units, tiersSec, { areas, fromScratch: true });
  const alone = tiersSec.map((t) =>
    computeCoverage(graph, units, [t], { areas, fromScratch: true, blindSpotTier: 0 }),
  );
  expect(together.tiers).toEqual(alone.map((r) => r.tiers[0]));
  expect(together.areas.map((a) => a.tiers)).toEqual(
    together.areas.map((_, k) => alone.map((r) => r.areas[k].tiers[0])),
  );
}

const dataDir = process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data');
const chengduFile = path.join(dataDir, 'chengdu-center-2018.osm');
const shenzhenFile = path.join(dataDir, 'shenzhen-futian-roads.geojson');
const itWithRealData = fs.existsSync(chengduFile) && fs.existsSync(shenzhenFile) ? it : it.skip;

describe('computeCoverage from scratch equals plain references', () => {
  it('on the hard synthetic city with its districts as areas (tiers in any order)', () => {
    const city = generateCity({ seed: 12, targetNodes: 20_000, hard: true });
    const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
    const areas = city.districts.features.map((f) => ({
      id: f.properties.code,
      polygon: f.geometry,
    }));
    checkScratch(graph, placeUnits(graph, 1, 150), [120, 300, 600], areas);
    // unsorted and repeated tiers; crowded units whose own pieces overlap
    const crowded = placeUnits(graph, 2, 120, 12);
    checkScratch(graph, crowded, [300, 60, 900, 300], areas);
    checkTiersApart(graph, crowded, [300, 60, 900, 300], areas);
    // blind spots at a tier below the largest: their outlines are placed between the times of
    // the cells on either side (both known, unlike at the largest tier), next to cells covered
    // within the least tier
    checkScratch(graph, placeUnits(graph, 3, 40), [300, 1800, 300], areas);
  });

  itWithRealData('on the real Chengdu and Shenzhen networks, with and without areas', () => {
    const cd = buildRoadGraph(importOsmXml(fs.readFileSync(chengduFile)));
    const fc = JSON.parse(fs.readFileSync(shenzhenFile, 'utf8'));
    const sz = buildRoadGraph(importGeoJsonRoads(fc, { joinEndpointsWithinM: 20 }));
    for (const [graph, seed] of [
      [cd, 3],
      [sz, 4],
    ] as const) {
      checkScratch(graph, placeUnits(graph, seed, 60), [60, 180, 300], []);
      const halves = [
        { id: 'west', polygon: halfOf(graph, 'west') },
        { id: 'all', polygon: halfOf(graph, 'all') },
      ];
      const crowded = placeUnits(graph, seed + 10, 60, 6);
      checkScratch(graph, crowded, [180, 60], halves);
      checkTiersApart(graph, crowded, [180, 60, 120], halves);
    }
  });
});

/** A rectangle over the west half of the network's nodes, or over all of them. */
function halfOf(graph: RoadGraph, part: 'west' | 'all'): CoverageArea['polygon'] {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let v = 0; v < graph.nodeCount; v++) {
    x0 = Math.min(x0, graph.nodeLon[v]);
    x1 = Math.max(x1, graph.nodeLon[v]);
    y0 = Math.min(y0, graph.nodeLat[v]);
    y1 = Math.max(y1, graph.nodeLat[v]);
  }
  const xe = part === 'west' ? (x0 + x1) / 2 : x1;
  return {
    type: 'Polygon',
    coordinates: [
      [
        [x0, y0],
        [xe, y0],
        [xe, y1],
        [x0, y1],
        [x0, y0],
      ],
    ],
  };
}
