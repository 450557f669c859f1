import { straightLineEtaSec, UNIT_KINDS } from '@ringcad/domain';
import { at, smallNetwork } from './__fixtures__/small-network';
import {
  etaToTarget,
  multiSourceTimes,
  routeBetween,
  straightLineEta,
  travelTimesFrom,
} from './eta';
import { importGeoJsonRoads } from './geojson-import';
import { haversineM } from './geo-math';
import { buildRoadGraph } from './road-graph';
import type { SpeedProfile } from './speed-profile';

const graph = buildRoadGraph(importGeoJsonRoads(smallNetwork()));
const OFF_PEAK = new Date('2026-11-21T04:00:00Z'); // 12:00 in Chengdu

/** Road ETA of one unit at `from` to a target at `to` (both exactly on the network). */
function eta(
  from: [number, number],
  to: [number, number],
  opts: { at?: Date; speedProfile?: SpeedProfile } = {},
): number {
  const res = etaToTarget(graph, at(...to), [{ id: 'u', ...at(...from) }], {
    maxSec: 3600,
    ...opts,
  });
  expect(res.results).toHaveLength(1);
  expect(res.results[0].method).toBe('road');
  return res.results[0].etaSec;
}

describe('etaToTarget on the small town', () => {
  it.each<[[number, number], [number, number], number, string]>([
    // [from, to, seconds, why]
    [[0, 200], [1000, 200], 120, 'eastbound along the one-way tertiary: 1000 m at 30 km/h'],
    [
      [1000, 200],
      [0, 200],
      192,
      'westbound must detour over the primary (maxspeed 30): 36 + 120 + 36',
    ],
    [[0, 0], [1000, 0], 120, 'primary capped by maxspeed=30: 1000 m at 30 km/h, not 45'],
    [
      [0, 400],
      [0, 600],
      396,
      'across the river: the footbridge is ignored, only the x=1000 bridge',
    ],
    [[0, 600], [0, 400], 396, 'and back the same way'],
    [[200, 400], [600, 400], 72, 'plain residential: 400 m at 20 km/h'],
    [[100, 400], [500, 400], 72, 'mid-segment to mid-segment uses partial edge costs'],
    [[500, 400], [300, 400], 36, 'both on the same street, direct along it'],
  ] as const)('%j → %j takes %d s (%s)', (from, to, seconds) => {
    expect(eta(from, to, { at: OFF_PEAK })).toBeCloseTo(seconds, 1);
  });

  it('a unit on a one-way street must follow it even when the target is just behind it', () => {
    // Unit at x=500 on the eastbound one-way, target at x=300 on the same street: going back
    // 200 m is forbidden, so: on to x=600 (12 s), down (36 s), west on the primary to x=200
    // (48 s), up (36 s), east to x=300 (12 s).
    const t = eta([500, 200], [300, 200], { at: OFF_PEAK });
    expect(t).toBeCloseTo(12 + 36 + 48 + 36 + 12, 1);
  });

  it.each([
    ['07:59 local (peak)', '2026-11-20T23:59:00Z', 1 / 0.6],
    ['08:30 local (peak)', '2026-11-21T00:30:00Z', 1 / 0.6],
    ['09:00 local (window end is exclusive)', '2026-11-21T01:00:00Z', 1],
    ['06:59 local', '2026-11-20T22:59:00Z', 1],
    ['17:30 local (evening peak)', '2026-11-21T09:30:00Z', 1 / 0.6],
    ['23:00 local', '2026-11-21T15:00:00Z', 1],
  ])('peak factor at %s multiplies travel time by %p', (_label, iso, ratio) => {
    const base = eta([0, 400], [0, 600], { at: OFF_PEAK });
    expect(eta([0, 400], [0, 600], { at: new Date(iso) }) / base).toBeCloseTo(ratio, 6);
  });

  it('a deployment profile changes class speeds, and can ignore maxspeed tags', () => {
    const fast: SpeedProfile = { classSpeedsKmh: { residential: 40 }, maxspeedCaps: false };
    expect(eta([200, 400], [600, 400], { speedProfile: fast })).toBeCloseTo(36, 1);
    expect(eta([0, 0], [1000, 0], { speedProfile: fast })).toBeCloseTo(80, 1);
  });

  it('orders units by ETA, drops units beyond maxSec, and labels far units as straight-line', () => {
    const target = at(1000, 400);
    const units = [
      { id: 'far-road', ...at(0, 600) },
      { id: 'near', ...at(800, 400) },
      { id: 'middle', ...at(400, 400) },
      { id: 'offroad-foot', kind: 'foot', ...at(1000, -700) },
      { id: 'offroad-car', kind: 'patrol_car', ...at(1000, -700) },
    ];
    const res = etaToTarget(graph, target, units, { maxSec: 200, at: OFF_PEAK });
    expect(res.results.map((r) => r.id)).toEqual(['near', 'middle', 'offroad-car']);
    expect(res.unreachedIds.sort()).toEqual(['far-road', 'offroad-foot']);
    const car = res.results.find((r) => r.id === 'offroad-car')!;
    const straight = haversineM(target.lon, target.lat, at(1000, -700).lon, at(1000, -700).lat);
    expect(car.method).toBe('straight');
    expect(car.snapDistanceM).toBeNull();
    expect(car.distanceM).toBeCloseTo(straight, 3);
    expect(car.etaSec).toBeCloseTo((straight * 1.3) / (30 / 3.6), 3);
    expect(res.results[0]).toMatchObject({
      method: 'road',
      etaSec: expect.closeTo(36, 1) as number,
    });
  });

  it('adds the access leg between an off-road point and its road', () => {
    const onRoad = etaToTarget(graph, at(600, 400), [{ id: 'u', ...at(200, 400) }], {
      maxSec: 999,
    });
    const offRoad = etaToTarget(graph, at(600, 400), [{ id: 'u', ...at(200, 430) }], {
      maxSec: 999,
    });
    expect(offRoad.results[0].snapDistanceM).toBeCloseTo(30, 1);
    expect(offRoad.results[0].etaSec - onRoad.results[0].etaSec).toBeCloseTo(30 / (15 / 3.6), 1);
  });

  it('an unsnappable target gives every unit a straight-line ETA', () => {
    const res = etaToTarget(graph, at(500, 5000), [{ id: 'u', ...at(500, 400) }], { maxSec: 9999 });
    expect(res.anchorSnapDistanceM).toBeNull();
    expect(res.results[0].method).toBe('straight');
  });
});

describe('straightLineEta', () => {
  it.each([
    ['foot', 1000, (1300 / 5) * 3.6],
    ['kiosk', 1000, (1300 / 5) * 3.6],
    ['motorcycle', 1000, (1300 / 30) * 3.6],
    ['swat', 1000, (1300 / 30) * 3.6],
    [undefined, 500, (650 / 30) * 3.6],
  ])('kind %s over %d m takes %d s', (kind, d, sec) => {
    expect(straightLineEta(d, kind)).toEqual({
      etaSec: expect.closeTo(sec, 6) as number,
      distanceM: expect.closeTo(d, 6) as number,
      method: 'straight',
    });
  });

  it("agrees with the domain's straight-line rule for every unit kind", () => {
    for (const kind of UNIT_KINDS) {
      expect(Math.round(straightLineEta(1234, kind).etaSec)).toBe(straightLineEtaSec(1234, kind));
    }
  });

  it('is configurable per deployment', () => {
    expect(
      straightLineEta(1000, 'foot', { detourFactor: 1, speedsKmhByKind: { foot: 6 } }).etaSec,
    ).toBeCloseTo(600, 6);
  });
});

describe('travelTimesFrom, routeBetween, multiSourceTimes', () => {
  it('one-to-many forward agrees with many-to-one in both one-way directions', () => {
    const a = at(1000, 200);
    const b = at(0, 200);
    const fwd = travelTimesFrom(graph, a, [{ id: 'b', ...b }], { maxSec: 999 }).results[0].etaSec;
    const rev = etaToTarget(graph, b, [{ id: 'a', ...a }], { maxSec: 999 }).results[0].etaSec;
    expect(fwd).toBeCloseTo(192, 1);
    expect(rev).toBeCloseTo(fwd, 6);
    expect(
      travelTimesFrom(graph, b, [{ id: 'a', ...a }], { maxSec: 999 }).results[0].etaSec,
    ).toBeCloseTo(120, 1);
  });

  it('draws the route across the only bridge, following road shapes', () => {
    const route = routeBetween(graph, at(0, 400), at(0, 600))!;
    expect(route.method).toBe('road');
    expect(route.etaSec).toBeCloseTo(396, 1);
    expect(route.distanceM).toBeCloseTo(2200, 0);
    const xs = route.coordinates.map(([lon]) => lon);
    expect(Math.max(...xs)).toBeCloseTo(at(1000, 0).lon, 7);
    let length = 0;
    for (let i = 1; i < route.coordinates.length; i++) {
      const [lon0, lat0] = route.coordinates[i - 1];
      const [lon1, lat1] = route.coordinates[i];
      length += haversineM(lon0, lat0, lon1, lat1);
    }
    expect(length).toBeCloseTo(2200, 0);
  });

  it('routes over the zig-zag shape points, not straight across', () => {
    const route = routeBetween(graph, at(200, 1000), at(400, 1000))!;
    expect(route.coordinates.some(([, lat]) => Math.abs(lat - at(300, 1050).lat) < 1e-9)).toBe(
      true,
    );
    expect(route.distanceM).toBeCloseTo(2 * Math.hypot(100, 50), 0);
  });

  it('multi-source times are the minimum over sources', () => {
    const { nodeSec, unsnappedSources } = multiSourceTimes(
      graph,
      [at(0, 400), at(1000, 1000), at(9000, 9000)],
      3600,
    );
    expect(unsnappedSources).toEqual([2]);
    const nodeAt = nearestNode;
    expect(nodeSec[nodeAt(0, 600)]).toBeCloseTo(36 * 7, 1); // from (1000,1000): down 2, west 5
    expect(nodeSec[nodeAt(600, 400)]).toBeCloseTo(108, 1); // from (0,400): 600 m
    expect(nodeSec[nodeAt(3000, 3000)]).toBe(Infinity); // the island
  });
});

function nearestNode(x: number, y: number): number {
  const p = at(x, y);
  let best = -1;
  let bestD = Infinity;
  for (let v = 0; v < graph.nodeCount; v++) {
    const d = haversineM(p.lon, p.lat, graph.nodeLon[v], graph.nodeLat[v]);
    if (d < bestD) {
      bestD = d;
      best = v;
    }
  }
  return best;
}
