import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, smallNetwork } from './__fixtures__/small-network';
import {
  etaToTarget,
  travelTimesFrom,
  type EtaOptions,
  type EtaResponse,
  type EtaUnit,
} from './eta';
import { importGeoJsonRoads } from './geojson-import';
import { importOsmXml } from './osm-xml-import';
import { buildRoadGraph, type RoadGraph } from './road-graph';
import { mulberry32 } from './synthetic-city';
import { snapPoint } from './snap';
import { generateCity } from './synthetic-city';

const DATA_DIR = process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data');
const CHENGDU = path.join(DATA_DIR, 'chengdu-center-2018.osm');
const haveChengdu = fs.existsSync(CHENGDU);
if (!haveChengdu) console.warn(`Chengdu top-K cases skipped: no ${CHENGDU} (set SHARED_DATA_DIR)`);

const rng = mulberry32;

const graphs = new Map<string, () => RoadGraph>();
const built = new Map<string, RoadGraph>();
graphs.set('synthetic', () =>
  buildRoadGraph(importGeoJsonRoads(generateCity({ seed: 3, targetNodes: 30_000 }).roads)),
);
if (haveChengdu)
  graphs.set('chengdu', () => buildRoadGraph(importOsmXml(fs.readFileSync(CHENGDU))));
function graphNamed(name: string): RoadGraph {
  let g = built.get(name);
  if (!g) {
    g = graphs.get(name)!();
    built.set(name, g);
  }
  return g;
}

/** Random points over the graph's bounding box: most snap, some are off-road (straight line). */
function scenario(graph: RoadGraph, seed: number, unitCount: number) {
  const rand = rng(seed);
  let minLon = Infinity;
  let maxLon = -Infinity;
  let minLat = Infinity;
  let maxLat = -Infinity;
  for (let v = 0; v < graph.nodeCount; v++) {
    minLon = Math.min(minLon, graph.nodeLon[v]);
    maxLon = Math.max(maxLon, graph.nodeLon[v]);
    minLat = Math.min(minLat, graph.nodeLat[v]);
    maxLat = Math.max(maxLat, graph.nodeLat[v]);
  }
  const point = () => ({
    lon: minLon + rand() * (maxLon - minLon),
    lat: minLat + rand() * (maxLat - minLat),
  });
  const kinds = ['patrol_car', 'motorcycle', 'foot', 'kiosk'];
  const units: EtaUnit[] = Array.from({ length: unitCount }, (_, i) => {
    const p = point();
    const u: EtaUnit = { id: `u${i}`, kind: kinds[i % kinds.length], ...p };
    // Half come pre-snapped, as the API caches snaps.
    if (i % 2 === 0) u.snap = snapPoint(graph, p);
    return u;
  });
  return { target: point(), units };
}

/** The top-K answer must be the first K of the unlimited answer, unit for unit. */
function expectTopK(full: EtaResponse, top: EtaResponse, units: EtaUnit[], k: number): void {
  expect(full.notRankedIds).toEqual([]);
  expect(top.results.length).toBe(Math.min(k, full.results.length));
  // Same ETAs in the same order (ties at the K-th value may pick different units).
  expect(top.results.map((r) => r.etaSec)).toEqual(full.results.slice(0, k).map((r) => r.etaSec));
  const fullById = new Map(full.results.map((r) => [r.id, r]));
  for (const r of top.results) expect(r).toEqual(fullById.get(r.id));
  // Every unit is accounted for exactly once.
  const all = [...top.results.map((r) => r.id), ...top.unreachedIds, ...top.notRankedIds];
  expect(all.sort()).toEqual(units.map((u) => u.id).sort());
  // Units it calls unreached are unreached; ranked-out ones are no faster than the K-th.
  for (const id of top.unreachedIds) expect(fullById.has(id)).toBe(false);
  const kth = top.results.length ? top.results[top.results.length - 1].etaSec : -Infinity;
  for (const id of top.notRankedIds) {
    const r = fullById.get(id);
    if (r) expect(r.etaSec).toBeGreaterThanOrEqual(kth);
  }
  expect(top.settledNodes).toBeLessThanOrEqual(full.settledNodes);
}

type Query = 'etaToTarget' | 'travelTimesFrom' | 'etaToTarget+walkers' | 'etaToTarget+fastWalkers';
const WALKERS: Record<Query, Record<string, number> | undefined> = {
  etaToTarget: undefined,
  travelTimesFrom: undefined,
  'etaToTarget+walkers': { foot: 5, kiosk: 4 },
  // Faster than any car: exercises the walker lower bound of the stop rule.
  'etaToTarget+fastWalkers': { foot: 90, kiosk: 60 },
};
const rows: [string, number, number, number, Query][] = [];
for (const name of graphs.keys())
  for (const seed of [1, 2, 3, 4, 5])
    for (const k of [1, 10, 50])
      for (const maxSec of [1800, 300])
        for (const q of Object.keys(WALKERS) as Query[]) rows.push([name, seed, k, maxSec, q]);

describe('maxResults (top-K early termination)', () => {
  const settledFull: number[] = [];
  const settledTop: number[] = [];

  it.each(rows)('%s, scenario %d: K=%d, maxSec %d, %s', (name, seed, k, maxSec, q) => {
    const graph = graphNamed(name);
    const { target, units } = scenario(graph, seed * 1000 + k, 400);
    const fn = q === 'travelTimesFrom' ? travelTimesFrom : etaToTarget;
    const base: EtaOptions = {
      maxSec,
      walkingKinds: WALKERS[q],
    };
    const full = fn(graph, target, units, base);
    const top = fn(graph, target, units, { ...base, maxResults: k });
    expectTopK(full, top, units, k);
    if (maxSec === 1800 && k <= 10 && top.anchorSnapDistanceM !== null) {
      settledFull.push(full.settledNodes);
      settledTop.push(top.settledNodes);
    }
  });

  it('actually saves search work for short lists', () => {
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    expect(settledTop.length).toBeGreaterThan(0);
    expect(sum(settledTop)).toBeLessThan(sum(settledFull) / 2);
  });

  it('rejects a maxResults that is not a positive integer', () => {
    const graph = buildRoadGraph(importGeoJsonRoads(smallNetwork()));
    for (const maxResults of [0, -1, 1.5, NaN])
      expect(() => etaToTarget(graph, at(0, 0), [], { maxSec: 60, maxResults })).toThrow(
        RangeError,
      );
  });

  it('ranks straight-line estimates with road ETAs, and with maxResults ≥ units is a no-op', () => {
    const graph = buildRoadGraph(importGeoJsonRoads(smallNetwork()));
    const units = [
      { id: 'road-far', ...at(0, 600) },
      { id: 'road-near', ...at(800, 400) },
      { id: 'offroad-car', kind: 'patrol_car', ...at(1000, -700) },
    ];
    const full = etaToTarget(graph, at(1000, 400), units, { maxSec: 9999 });
    expect(full.results.map((r) => r.id)).toEqual(['road-near', 'offroad-car', 'road-far']);
    const top2 = etaToTarget(graph, at(1000, 400), units, { maxSec: 9999, maxResults: 2 });
    expect(top2.results).toEqual(full.results.slice(0, 2));
    expect(top2.notRankedIds).toEqual(['road-far']);
    const top9 = etaToTarget(graph, at(1000, 400), units, { maxSec: 9999, maxResults: 9 });
    expect(top9.results).toEqual(full.results);
    expect(top9.notRankedIds).toEqual([]);
  });

  it('keeps units proven beyond maxSec in unreachedIds when the search was not cut short', () => {
    const graph = buildRoadGraph(importGeoJsonRoads(smallNetwork()));
    const units = [
      { id: 'near', ...at(800, 400) }, // 36 s
      { id: 'middle', ...at(400, 400) }, // 108 s
      { id: 'far', ...at(0, 600) }, // > 200 s
    ];
    const res = etaToTarget(graph, at(1000, 400), units, { maxSec: 200, maxResults: 5 });
    expect(res.results.map((r) => r.id)).toEqual(['near', 'middle']);
    expect(res.unreachedIds).toEqual(['far']);
    expect(res.notRankedIds).toEqual([]);
  });
});

describe('walkingKinds', () => {
  const graph = buildRoadGraph(importGeoJsonRoads(smallNetwork()));
  const WALK = 5 / 3.6;

  it('times walkers by road metres at walking pace, drivers as before', () => {
    const units = [
      { id: 'car', kind: 'patrol_car', ...at(200, 400) },
      { id: 'foot', kind: 'foot', ...at(200, 400) },
      { id: 'kiosk-offroad', kind: 'kiosk', ...at(200, 430) },
    ];
    const res = etaToTarget(graph, at(600, 400), units, {
      maxSec: 3600,
      walkingKinds: { foot: 5, kiosk: 5 },
    });
    expect(res.results.map((r) => [r.id, Math.round(r.etaSec * 10) / 10, r.distanceM])).toEqual([
      ['car', 72, expect.closeTo(400, 1)],
      ['foot', Math.round((400 / WALK) * 10) / 10, expect.closeTo(400, 1)],
      // the 30 m to the road is walked too
      ['kiosk-offroad', Math.round((430 / WALK) * 10) / 10, expect.closeTo(400, 1)],
    ]);
  });

  it('lets a walker go against the one-way on its own street (a car must go round)', () => {
    const units = [
      { id: 'car', kind: 'patrol_car', ...at(500, 200) },
      { id: 'foot', kind: 'foot', ...at(500, 200) },
    ];
    const res = etaToTarget(graph, at(450, 200), units, {
      maxSec: 3600,
      walkingKinds: { foot: 5 },
    });
    const byId = Object.fromEntries(res.results.map((r) => [r.id, r]));
    expect(byId.foot.etaSec).toBeCloseTo(50 / WALK, 2);
    expect(byId.foot.distanceM).toBeCloseTo(50, 1);
    // 100 m on, down 200, west 400, up 200, east 50 at 30/30/20 km/h
    expect(byId.car.etaSec).toBeGreaterThan(100);
  });

  it('beyond its own street, a walker follows the car path (documented approximation)', () => {
    // From (500,200) on the eastbound one-way to (300,200): the walker may walk back to the
    // x=400 corner (100 m), but from there it follows the car path round the block (down to
    // the primary, west to x=200, up, east to 300: 700 m) — 800 m, not the 200 m on foot.
    const res = etaToTarget(graph, at(300, 200), [{ id: 'foot', kind: 'foot', ...at(500, 200) }], {
      maxSec: 3600,
      walkingKinds: { foot: 5 },
    });
    expect(res.results[0].distanceM).toBeCloseTo(800, 1);
    expect(res.results[0].etaSec).toBeCloseTo(800 / WALK, 0);
  });

  it('puts walkers slower than maxSec in unreachedIds', () => {
    const res = etaToTarget(graph, at(600, 400), [{ id: 'foot', kind: 'foot', ...at(200, 400) }], {
      maxSec: 200,
      walkingKinds: { foot: 5 },
    });
    expect(res.results).toEqual([]);
    expect(res.unreachedIds).toEqual(['foot']);
  });

  it('is ignored by travelTimesFrom, and rejects a non-positive speed', () => {
    const targets = [{ id: 't', kind: 'foot', ...at(600, 400) }];
    const a = travelTimesFrom(graph, at(200, 400), targets, { maxSec: 999 });
    const b = travelTimesFrom(graph, at(200, 400), targets, {
      maxSec: 999,
      walkingKinds: { foot: 5 },
    });
    expect(b.results).toEqual(a.results);
    expect(() =>
      etaToTarget(graph, at(600, 400), targets, { maxSec: 999, walkingKinds: { foot: 0 } }),
    ).toThrow(RangeError);
  });
});
