import * as fs from 'node:fs';
import * as path from 'node:path';
import { booleanPointInPolygon, booleanValid } from '@turf/turf';
import { at, road, roadLine } from './__fixtures__/small-network';
import { burnSegments, computeCoverage, type CoverageArea, type CoverageResult } from './coverage';
import { edgeCosts } from './edge-costs';
import { burnPiece, gridAround, type RasterGrid } from './raster';
import { DIR_BACKWARD, DIR_FORWARD } from './road-graph';
import { multiSourceTimes } from './eta';
import { clippedTimes } from './__fixtures__/clipped-burn';
import { importGeoJsonRoads } from './geojson-import';
import { importOsmXml } from './osm-xml-import';
import { buildRoadGraph, type RoadGraph } from './road-graph';
import { generateCity } from './synthetic-city';

// Residential roads: 20 km/h, so 36 s per 200 m and 5.556 m per second.
const R = { highway: 'residential' };

/** One straight road along y=0 from x=0 to x=1000, made of five 200 m segments. */
function straightRoad(props: Record<string, string>): RoadGraph {
  return buildRoadGraph(
    importGeoJsonRoads({
      type: 'FeatureCollection',
      features: roadLine([0, 200, 400, 600, 800, 1000], 0, props),
    }),
  );
}

const twoWay = straightRoad(R);
const oneWayEast = straightRoad({ ...R, oneway: 'yes' });
const unit = (id: string, x: number, y = 0): { id: string; lon: number; lat: number } => ({
  id,
  ...at(x, y),
});

describe('computeCoverage: road km on a straight road', () => {
  it.each<[string, RoadGraph, number[], number, number]>([
    // [why, graph, unit x positions, tier s, covered km]
    ['one unit at the west end, 60 s: one segment and 2/3 of the next', twoWay, [0], 60, 1 / 3],
    ['one unit at the west end, 120 s', twoWay, [0], 120, 2 / 3],
    ['a unit at each end, 60 s: 333 m from each end', twoWay, [0, 1000], 60, 2 / 3],
    ['a unit at each end, 120 s: overlapping pieces count once', twoWay, [0, 1000], 120, 1],
    ['a unit mid-segment, 18 s: 100 m each way along its own segment', twoWay, [500], 18, 0.2],
    ['a unit mid-segment, 60 s: its segment and past both nodes', twoWay, [500], 60, 2 / 3],
    ['one-way eastbound, unit at the west end', oneWayEast, [0], 60, 1 / 3],
    ['one-way eastbound, unit at the east end: it cannot drive back', oneWayEast, [1000], 60, 0],
    ['one-way eastbound, unit mid-road: only eastwards', oneWayEast, [500], 60, 1 / 3],
    [
      'one-way eastbound, a unit at each end: only the west one drives',
      oneWayEast,
      [0, 1000],
      60,
      1 / 3,
    ],
  ])('%s', (_why, graph, xs, tier, km) => {
    const res = computeCoverage(
      graph,
      xs.map((x, k) => unit(`u${k}`, x)),
      [tier],
      { component: 'any' },
    );
    expect(res.tiers).toHaveLength(1);
    expect(res.tiers[0].sec).toBe(tier);
    expect(res.tiers[0].roadKm).toBeCloseTo(km, 3);
    expect(res.tiers[0].roadKmTotal).toBeCloseTo(1, 3);
    expect(res.tiers[0].roadKmPct).toBeCloseTo(km * 100, 1);
  });

  it('returns the multi-source node times and skips unsnappable sources', () => {
    const sources = [unit('a', 0), unit('b', 1000), unit('far', 500, 5000)];
    const res = computeCoverage(twoWay, sources, [60, 30]);
    expect(res.unsnappedSourceIds).toEqual(['far']);
    expect(Array.from(res.nodeSec)).toEqual(
      Array.from(multiSourceTimes(twoWay, sources.slice(0, 2), 60).nodeSec),
    );
    // Tiers come back in the order given.
    expect(res.tiers.map((t) => t.sec)).toEqual([60, 30]);
    expect(res.tiers[1].roadKm).toBeCloseTo((2 * (30 * 20)) / 3.6 / 1000, 3);
  });

  it('rejects bad tiers', () => {
    expect(() => computeCoverage(twoWay, [], [])).toThrow(RangeError);
    expect(() => computeCoverage(twoWay, [], [-1])).toThrow(RangeError);
    expect(() => computeCoverage(twoWay, [], [60], { blindSpotTier: 1 })).toThrow(RangeError);
  });
});

/**
 * Areas and blind spots on a road along y=0 with nodes at x = 50, 250, 450, 650, 950 and an
 * unreachable island road along y=1100 (x = 50..950). The graph's projection centre is then
 * (500, 550), so the 100 m cells are aligned on x = 0, 100, … and y = −50, 50, …: the road runs
 * through the middle of the row y ∈ [−50, 50).
 */
describe('computeCoverage: areas and blind spots', () => {
  const xs = [50, 250, 450, 650, 950];
  const graph = buildRoadGraph(
    importGeoJsonRoads({
      type: 'FeatureCollection',
      features: [
        ...roadLine(xs, 0, R),
        road(
          [
            [50, 1100],
            [950, 1100],
          ],
          R,
        ),
      ],
    }),
  );
  const rect = (id: string, x0: number, x1: number): CoverageArea => ({
    id,
    name: id.toUpperCase(),
    polygon: {
      type: 'Polygon',
      coordinates: [
        [
          [at(x0, -150).lon, at(x0, -150).lat],
          [at(x1, -150).lon, at(x1, -150).lat],
          [at(x1, 150).lon, at(x1, 150).lat],
          [at(x0, 150).lon, at(x0, 150).lat],
          [at(x0, -150).lon, at(x0, -150).lat],
        ],
      ],
    },
  });
  // 80 s reach 444 m (x = 494), 110 s reach 611 m (x = 661).
  const res = computeCoverage(graph, [unit('u', 50)], [80, 110], {
    areas: [rect('west', 0, 500), rect('east', 500, 1000)],
  });

  it('splits road km by the area holding each segment midpoint, partial segments pro rata', () => {
    expect(res.tiers.map((t) => t.roadKm)).toEqual([
      expect.closeTo(0.4444, 3),
      expect.closeTo(0.6111, 3),
    ]);
    // The island counts in the network total but is never reached.
    expect(res.tiers[0].roadKmTotal).toBeCloseTo(1.8, 3);
    const [west, east] = res.areas;
    expect([west.id, west.name, east.id]).toEqual(['west', 'WEST', 'east']);
    // West holds 50→250→450 (midpoints 150, 350), east 450→650→950 (midpoints 550, 800).
    expect(west.tiers.map((t) => t.roadKmTotal)).toEqual([
      expect.closeTo(0.4, 3),
      expect.closeTo(0.4, 3),
    ]);
    expect(east.tiers[0].roadKmTotal).toBeCloseTo(0.5, 3);
    expect(west.tiers.map((t) => t.roadKmPct)).toEqual([
      expect.closeTo(100, 1),
      expect.closeTo(100, 1),
    ]);
    expect(east.tiers.map((t) => t.roadKmPct)).toEqual([
      expect.closeTo((100 * 44.44) / 500, 1),
      expect.closeTo((100 * 211.11) / 500, 1),
    ]);
  });

  it('counts the cells of each rectangle within reach of a reached road piece', () => {
    // Each rectangle: 5 columns × 3 rows of 100 m cells, all within 100 m of the road row.
    expect(res.areas.map((a) => a.areaKm2)).toEqual([0.15, 0.15]);
    // 80 s: road cells in columns 0–4, buffered to 0–5. 110 s: columns 0–6, buffered to 0–7.
    expect(res.areas[0].tiers.map((t) => t.areaPct)).toEqual([100, 100]);
    expect(res.areas[1].tiers.map((t) => t.areaPct)).toEqual([
      expect.closeTo(20, 6),
      expect.closeTo(60, 6),
    ]);
    expect(res.tiers.map((t) => t.areaPct)).toEqual([expect.closeTo(60, 6), expect.closeTo(80, 6)]);
  });

  it('traces the uncovered east end as one blind spot', () => {
    const spots = res.blindSpots.features;
    expect(spots).toHaveLength(1);
    expect(spots[0].properties).toEqual({
      tierSec: 110,
      areaKm2: expect.closeTo(0.06, 9),
      areaId: 'east',
    });
    expect(booleanValid(spots[0] as Parameters<typeof booleanValid>[0])).toBe(true);
    const lons = spots[0].geometry.coordinates[0].map((p) => p[0]);
    const lats = spots[0].geometry.coordinates[0].map((p) => p[1]);
    expect(Math.min(...lons)).toBeCloseTo(at(800, 0).lon, 5);
    expect(Math.max(...lons)).toBeCloseTo(at(1000, 0).lon, 5);
    expect(Math.min(...lats)).toBeCloseTo(at(0, -150).lat, 5);
    expect(Math.max(...lats)).toBeCloseTo(at(0, 150).lat, 5);
  });

  it('with an earlier blind-spot tier the spot grows west', () => {
    const early = computeCoverage(graph, [unit('u', 50)], [80, 110], {
      areas: [rect('west', 0, 500), rect('east', 500, 1000)],
      blindSpotTier: 0,
    });
    expect(early.blindSpots.features.map((f) => f.properties)).toEqual([
      { tierSec: 80, areaKm2: expect.closeTo(0.12, 9), areaId: 'east' },
    ]);
  });

  it('without areas the domain is the band within reach of any road', () => {
    const plain = computeCoverage(graph, [unit('u', 50)], [110]);
    expect(plain.areas).toEqual([]);
    // Each road's band: 12 columns × 3 rows; covered: columns −1…7 of the southern road.
    expect(plain.tiers[0].areaPct).toBeCloseTo((100 * 27) / 72, 6);
    const spots = plain.blindSpots.features.map((f) => f.properties);
    expect(spots).toEqual([
      { tierSec: 110, areaKm2: expect.closeTo(0.36, 9), areaId: null },
      { tierSec: 110, areaKm2: expect.closeTo(0.09, 9), areaId: null },
    ]);
    const island = plain.blindSpots.features[0];
    const p = at(500, 1100);
    expect(
      booleanPointInPolygon([p.lon, p.lat], island as Parameters<typeof booleanPointInPolygon>[1]),
    ).toBe(true);
  });

  it('drops specks smaller than minBlindSpotCells', () => {
    const big = computeCoverage(graph, [unit('u', 50)], [110], {
      areas: [rect('east', 500, 1000)],
      minBlindSpotCells: 7,
    });
    expect(big.blindSpots.features).toEqual([]);
  });
});

describe('computeCoverage on the synthetic city', () => {
  const city = generateCity({ seed: 7, targetNodes: 4000 });
  const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
  const areas: CoverageArea[] = city.districts.features.map((f) => ({
    id: f.properties.code,
    name: f.properties.name,
    polygon: f.geometry,
  }));
  const stations = city.standbyPoints.features.map((f, k) => ({
    id: `s${k}`,
    lon: f.geometry.coordinates[0],
    lat: f.geometry.coordinates[1],
  }));
  const tiers = [60, 180, 480];
  const runs: CoverageResult[] = [2, 5, 10, stations.length].map((n) =>
    computeCoverage(graph, stations.slice(0, n), tiers, { areas }),
  );

  it('more units never reduce coverage, and every share lies in [0, 100]', () => {
    expect(areas.length).toBeGreaterThan(1);
    const shares = (r: CoverageResult): number[] => [
      ...r.tiers.flatMap((t) => [t.roadKmPct, t.areaPct]),
      ...r.areas.flatMap((a) => a.tiers.flatMap((t) => [t.roadKmPct, t.areaPct])),
    ];
    for (const r of runs) {
      for (const v of shares(r)) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(100);
      }
      // Later tiers cover at least as much as earlier ones.
      for (let k = 1; k < tiers.length; k++) {
        expect(r.tiers[k].roadKm).toBeGreaterThanOrEqual(r.tiers[k - 1].roadKm);
        expect(r.tiers[k].areaPct).toBeGreaterThanOrEqual(r.tiers[k - 1].areaPct);
      }
    }
    for (let k = 1; k < runs.length; k++) {
      const before = shares(runs[k - 1]);
      shares(runs[k]).forEach((v, i) => expect(v).toBeGreaterThanOrEqual(before[i] - 1e-9));
    }
    // The full set covers a good share within 8 minutes, two units clearly less.
    expect(runs[runs.length - 1].tiers[2].roadKmPct).toBeGreaterThan(runs[0].tiers[2].roadKmPct);
  });

  it('area road km add up to the network (every segment midpoint lies in a district)', () => {
    const r = runs[runs.length - 1];
    const sum = r.areas.reduce((s, a) => s + a.tiers[0].roadKmTotal, 0);
    expect(sum).toBeCloseTo(r.tiers[0].roadKmTotal, 0);
  });

  it('blind spots are valid polygons outside the covered road band', () => {
    const r = runs[1];
    expect(r.blindSpots.features.length).toBeGreaterThan(0);
    for (const f of r.blindSpots.features) {
      expect(booleanValid(f as Parameters<typeof booleanValid>[0])).toBe(true);
      expect(f.properties.tierSec).toBe(480);
      expect(areas.map((a) => a.id)).toContain(f.properties.areaId);
    }
    // Sorted largest first.
    const sizes = r.blindSpots.features.map((f) => f.properties.areaKm2);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
  });
});

/** The old burn, kept as a reference: every reached segment walked with burnPiece's samples. */
function burnSegmentsWalked(
  graph: RoadGraph,
  segSec: Float64Array,
  nodeSec: Float32Array,
  grid: RasterGrid,
  time: Float32Array,
  T: number,
) {
  for (let s = 0; s < graph.segmentCount; s++) {
    const dir = graph.segDirection[s];
    const ta = dir & DIR_FORWARD ? nodeSec[graph.segFrom[s]] : Infinity;
    const tb = dir & DIR_BACKWARD ? nodeSec[graph.segTo[s]] : Infinity;
    const fromA = ta < T;
    const fromB = tb < T;
    if (!fromA && !fromB) continue;
    const sec = segSec[s];
    const meet =
      fromA && fromB
        ? sec > 0
          ? Math.min(1, Math.max(0, (tb - ta + sec) / (2 * sec)))
          : 0.5
        : NaN;
    if (fromA && !(meet === 0)) burnPiece(graph, segSec, grid, time, T, s, 0, true, ta, meet);
    if (fromB && !(meet === 1)) burnPiece(graph, segSec, grid, time, T, s, 1, false, tb, meet);
  }
}

/** A time's band: the first of the ascending `bands` it is within (bands.length if none). */
function band(t: number, bands: readonly number[]): number {
  let r = 0;
  while (r < bands.length && !(t <= bands[r])) r++;
  return r;
}

/**
 * The segment burn against its oracle, for these units' node times over every (T, cellM), on a
 * grid around the network's nodes: every cell it burns has road inside it, at the time of the
 * oracle's earliest point there (to a millisecond: the metres along are kept as float32); every
 * cell a reached road really crosses within T is burnt; burnt twice (the second time from the
 * cached cells) nothing changes; it is never later than the old sampled walk (which only looks
 * at points every cellM/3 metres); and burnt by the bands of tiers, each cell's band is the band
 * of its time. The hard synthetic city (one-way sides, shaped roads) and the real networks
 * (joined ends, short pieces) reach cases the plain synthetic grid does not.
 */
function expectBurnClipped(
  graph: RoadGraph,
  units: { id: string; lon: number; lat: number }[],
  cases: [number, number][],
): void {
  const costs = edgeCosts(graph);
  for (const [T, cellM] of cases) {
    const { nodeSec } = multiSourceTimes(graph, units, T);
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    const { kx, ky, lon0, lat0 } = graph.projection;
    for (let v = 0; v < graph.nodeCount; v++) {
      const x = (graph.nodeLon[v] - lon0) * kx;
      const y = (graph.nodeLat[v] - lat0) * ky;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
    const grid = gridAround([x0, y0, x1, y1], cellM, 3);
    const cells = grid.W * grid.H;
    const got = new Float32Array(cells).fill(Infinity);
    burnSegments(graph, costs.segSec, nodeSec, grid, got, T);
    const again = got.slice();
    burnSegments(graph, costs.segSec, nodeSec, grid, again, T); // cached cells, again
    const walked = new Float32Array(cells).fill(Infinity);
    burnSegmentsWalked(graph, costs.segSec, nodeSec, grid, walked, T);
    const bands = [T / 4, T / 2, T];
    const banded = new Float32Array(cells).fill(Infinity);
    burnSegments(graph, costs.segSec, nodeSec, grid, banded, T, Float64Array.from(bands));
    const ends = (s: number): [number, number] => {
      const dir = graph.segDirection[s];
      const ta = dir & DIR_FORWARD ? nodeSec[graph.segFrom[s]] : Infinity;
      const tb = dir & DIR_BACKWARD ? nodeSec[graph.segTo[s]] : Infinity;
      return [ta < T ? ta : Infinity, tb < T ? tb : Infinity];
    };
    const { want, must } = clippedTimes(graph, costs.segSec, ends, grid);
    const bad = { noRoad: 0, wrongTime: 0, missed: 0, again: 0, laterThanWalk: 0, band: 0 };
    let burned = 0;
    for (let c = 0; c < cells; c++) {
      const t = got[c];
      if (t < Infinity) {
        burned++;
        if (!(want[c] <= T + 1e-3)) bad.noRoad++;
        else if (!(t >= want[c] - 1e-3 && t <= Math.min(must[c], T) + 1e-3)) bad.wrongTime++;
      } else if (must[c] <= T - 1e-3) bad.missed++;
      if (again[c] !== t) bad.again++;
      if (walked[c] < Infinity && !(t <= walked[c] + 1e-3)) bad.laterThanWalk++;
      if (band(banded[c], bands) !== band(t, bands)) bad.band++;
    }
    expect({ T, cellM, burned: burned > 200 }).toEqual({ T, cellM, burned: true });
    expect({ T, cellM, ...bad }).toEqual({
      T,
      cellM,
      noRoad: 0,
      wrongTime: 0,
      missed: 0,
      again: 0,
      laterThanWalk: 0,
      band: 0,
    });
  }
}

/** `count` units at nodes spread over the network (every `step`-th node). */
function unitsAtNodes(graph: RoadGraph, count: number): { id: string; lon: number; lat: number }[] {
  const step = Math.max(1, Math.floor(graph.nodeCount / count));
  return Array.from({ length: count }, (_, k) => ({
    id: `n${k}`,
    lon: graph.nodeLon[k * step],
    lat: graph.nodeLat[k * step],
  }));
}

const burnDataDir =
  process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data');
const burnChengdu = path.join(burnDataDir, 'chengdu-center-2018.osm');
const burnShenzhen = path.join(burnDataDir, 'shenzhen-futian-roads.geojson');
const itWithBurnData = fs.existsSync(burnChengdu) && fs.existsSync(burnShenzhen) ? it : it.skip;

describe('segment burning (the cells each reached road passes through)', () => {
  it('equals clipping every shape piece against every cell, on the synthetic city', () => {
    const city = generateCity({ seed: 12, targetNodes: 20_000 });
    const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
    const units = city.standbyPoints.features.slice(0, 25).map((f, k) => ({
      id: `s${k}`,
      lon: f.geometry.coordinates[0],
      lat: f.geometry.coordinates[1],
    }));
    expectBurnClipped(graph, units, [
      [240, 100],
      [1800, 100],
      [95.5, 37],
    ]);
  });

  it('equals the clipping on the hard synthetic city (one-way, shaped roads)', () => {
    const city = generateCity({ seed: 5, targetNodes: 20_000, hard: true });
    const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
    expectBurnClipped(graph, unitsAtNodes(graph, 40), [
      [300, 100],
      [1800, 100],
      [140, 43],
    ]);
    // units at one node in 125, as dense as the benchmark's fleet: nearly every two-way
    // segment is reached from both ends, its earliest points at either end
    expectBurnClipped(graph, unitsAtNodes(graph, 160), [
      [1800, 100],
      [600, 100],
      [400, 37],
    ]);
  });

  itWithBurnData('equals the clipping on the real Chengdu and Shenzhen networks', () => {
    const cd = buildRoadGraph(importOsmXml(fs.readFileSync(burnChengdu)));
    const fc = JSON.parse(fs.readFileSync(burnShenzhen, 'utf8'));
    const sz = buildRoadGraph(importGeoJsonRoads(fc, { joinEndpointsWithinM: 20 }));
    for (const graph of [cd, sz])
      expectBurnClipped(graph, unitsAtNodes(graph, 12), [
        [120, 100],
        [600, 100],
        [90, 29],
      ]);
  });
});
