import { haversineM } from '@ringcad/domain';
import { bearingDeg, offsetM, pathLengthM, pointAlong } from './geo';
import {
  legDurationMs,
  legFinished,
  legPosition,
  StraightLineMovement,
  type Leg,
} from './movement';

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
