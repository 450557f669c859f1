import { haversineM } from '@ringcad/domain';
import { generateCity, routeBetween, snapPoint } from '@ringcad/routing';
import { bearingDeg, offsetM, pathLengthM, pointAlong } from './geo';
import {
  legDurationMs,
  legFinished,
  legPosition,
  RoadMovementModel,
  StraightLineMovement,
  type Leg,
} from './movement';
import { createRng } from './random';

const A = { lon: 104.066, lat: 30.657 };

describe('movement', () => {
  it('interpolates along a polyline by length, with the heading of the current segment', () => {
    const B = offsetM(A, 0, 1000); // 1 km north
    const C = offsetM(B, 3000, 0); // then 3 km east
    const path = [A, B, C];
    expect(pathLengthM(path)).toBeCloseTo(4000, -1);
    const quarter = pointAlong(path, 0.25);
    expect(haversineM(quarter, B)).toBeLessThan(2);
    const half = pointAlong(path, 0.5);
    expect(haversineM(half, offsetM(B, 1000, 0))).toBeLessThan(5);
    expect(half.headingDeg).toBeCloseTo(90, 0);
    expect(pointAlong(path, 0.1).headingDeg).toBeCloseTo(0, 0);
    expect(pointAlong(path, -1)).toMatchObject(A);
    expect(haversineM(pointAlong(path, 2), C)).toBeLessThan(0.01);
  });

  it('drives straight at the speed of the unit kind', () => {
    const to = offsetM(A, 0, 5000);
    const m = new StraightLineMovement();
    expect(m.route(A, to, 'patrol_car').seconds).toBeCloseTo(600, -1); // 5 km at 30 km/h
    expect(m.route(A, to, 'foot').seconds).toBeCloseTo(3600, -1); // 5 km at 5 km/h
    expect(m.route(A, A, 'motorcycle').seconds).toBe(0);
  });

  it('compresses a leg by the time-scale factor', () => {
    const to = offsetM(A, 2000, 0);
    const route = new StraightLineMovement().route(A, to, 'patrol_car'); // 240 s
    const leg: Leg = { route, startMs: 1_000_000, speed: 20 }; // 12 s of real time
    const mid = legPosition(leg, 1_006_000);
    expect(haversineM(mid, offsetM(A, 1000, 0))).toBeLessThan(5);
    expect(mid.speedKmh).toBeCloseTo(30, 5);
    expect(bearingDeg(A, to)).toBeCloseTo(mid.headingDeg, 5);
    const duration = legDurationMs(leg);
    expect(duration).toBeGreaterThan(11_900);
    expect(duration).toBeLessThan(12_100);
    expect(legFinished(leg, 1_000_000 + duration - 1)).toBe(false);
    expect(legFinished(leg, 1_000_000 + duration + 1)).toBe(true);
    const end = legPosition(leg, 1_020_000);
    expect(haversineM(end, to)).toBeLessThan(0.01);
    expect(end.speedKmh).toBe(0);
  });
});

describe('road movement', () => {
  const city = generateCity({ seed: 3, targetNodes: 900 });
  const model = RoadMovementModel.fromRoads(city.roads, {
    clock: () => new Date('2026-03-01T06:00:00Z'), // 14:00 CST, off-peak
  });
  const { graph } = model;
  const node = (i: number) => ({ lon: graph.nodeLon[i], lat: graph.nodeLat[i] });
  const onRoad = (p: { lon: number; lat: number }) =>
    (snapPoint(graph, p, { maxSnapM: 50, component: 'any' })?.distanceM ?? Infinity) < 1;

  it('drives along the streets at the road speed of the api ETA, from door to door', () => {
    const from = node(0);
    const to = node(graph.nodeCount - 1);
    const r = model.route(from, to, 'patrol_car');
    const expected = routeBetween(graph, from, to, {
      kind: 'patrol_car',
      at: new Date('2026-03-01T06:00:00Z'),
    })!;
    expect(expected.method).toBe('road');
    expect(r.seconds).toBeCloseTo(expected.etaSec, 6);
    expect(haversineM(r.path[0], from)).toBeLessThan(1);
    expect(haversineM(r.path[r.path.length - 1], to)).toBeLessThan(1);
    // a road route is longer than the crow flies and every vertex of it lies on a road
    expect(pathLengthM(r.path)).toBeGreaterThan(haversineM(from, to));
    expect(r.path.length).toBeGreaterThan(2);
    for (const p of r.path) expect(onRoad(p)).toBe(true);
    // and so does every point of the leg, not only the vertices
    const leg: Leg = { route: r, startMs: 0, speed: 1 };
    for (let t = 0; t <= 1; t += 0.05)
      expect(onRoad(legPosition(leg, t * r.seconds * 1000))).toBe(true);
  });

  it('lets foot and kiosk units walk the same streets at 5 km/h', () => {
    const from = node(5);
    const to = node(graph.nodeCount - 7);
    const car = model.route(from, to, 'patrol_car');
    const walk = model.route(from, to, 'foot');
    expect(walk.path).toEqual(car.path);
    expect(walk.seconds).toBeCloseTo(pathLengthM(walk.path) / (5 / 3.6), 6);
    expect(model.route(from, to, 'kiosk').seconds).toBeCloseTo(walk.seconds, 6);
    expect(walk.seconds).toBeGreaterThan(car.seconds);
  });

  it('goes straight where there is no road route', () => {
    const from = node(0);
    const far = offsetM(from, 40_000, 40_000); // nowhere near a road
    const r = model.route(from, far, 'patrol_car');
    expect(r).toEqual(new StraightLineMovement().route(from, far, 'patrol_car'));
  });

  it('stands still for a route to where it is', () => {
    const here = node(10);
    const r = model.route(here, here, 'patrol_car');
    expect(r.seconds).toBeLessThan(1);
    expect(haversineM(legPosition({ route: r, startMs: 0, speed: 1 }, 0), here)).toBeLessThan(1);
  });

  it('patrols to road nodes, or to streets near a post, reproducibly', () => {
    const a = createRng(4);
    const b = createRng(4);
    for (let i = 0; i < 50; i++) {
      const anywhere = model.patrolTarget(a);
      expect(anywhere).toEqual(model.patrolTarget(b));
      expect(onRoad(anywhere)).toBe(true);
      const post = node(100);
      const near = model.patrolTarget(a, post, 300);
      expect(near).toEqual(model.patrolTarget(b, post, 300));
      expect(onRoad(near)).toBe(true);
      expect(haversineM(near, post)).toBeLessThan(300 * Math.SQRT2 + 150);
    }
  });
});
