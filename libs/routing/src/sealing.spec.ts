import { booleanPointInPolygon } from '@turf/turf';
import { importGeoJsonRoads } from './geojson-import';
import { buildRoadGraph } from './road-graph';
import { computeSealing, type SealingTier } from './sealing';
import {
  SEALING_CHECKPOINTS,
  SEALING_UNITS,
  sealingAt,
  sealingCross,
  SEALING_ORIGIN,
} from './sealing.fixture';

const graph = buildRoadGraph(importGeoJsonRoads(sealingCross()));
const checkpoints = Object.entries(SEALING_CHECKPOINTS).map(([id, p]) => ({ id, ...p }));
const units = Object.entries(SEALING_UNITS).map(([id, p]) => ({ id, ...p }));

function inside(t: SealingTier, x: number, y: number): boolean {
  const p = sealingAt(x, y);
  return booleanPointInPolygon(
    [p.lon, p.lat],
    t.boundary as Parameters<typeof booleanPointInPolygon>[1],
  );
}

describe('computeSealing on the cross', () => {
  const r = computeSealing(graph, SEALING_ORIGIN, { tiersSec: [1200, 600], checkpoints, units });

  it('lists the checkpoints of each ring with the vehicle ETA, in vehicle order', () => {
    expect(r.tiers.map((t) => [t.sec, t.fromSec])).toEqual([
      [600, 300],
      [1200, 600],
    ]);
    expect(r.tiers[0].checkpoints.map((c) => c.id)).toEqual(['E1', 'N1']);
    expect(r.tiers[1].checkpoints.map((c) => c.id)).toEqual(['W1', 'S1']);
    const eta = Object.fromEntries(
      r.tiers.flatMap((t) => t.checkpoints.map((c) => [c.id, c.vehicleEtaSec])),
    );
    expect(eta.E1).toBeCloseTo(400, -0.5);
    expect(eta.N1).toBeCloseTo(590, -0.5);
    expect(eta.W1).toBeCloseTo(800, -0.5);
    expect(eta.S1).toBeCloseTo(1100, -0.5);
  });

  it('gives each checkpoint the fastest unit not taken by an earlier one', () => {
    const got = r.tiers.flatMap((t) =>
      t.checkpoints.map((c) => [
        c.id,
        c.bestUnit?.id,
        Math.round(c.bestUnit?.etaSec ?? -1),
        c.sealable,
      ]),
    );
    expect(got).toHaveLength(4);
    const [e1, n1, w1, s1] = got;
    expect([e1[0], e1[1], e1[3]]).toEqual(['E1', 'U1', true]);
    expect([n1[0], n1[1], n1[3]]).toEqual(['N1', 'U4', true]);
    expect([w1[0], w1[1], w1[3]]).toEqual(['W1', 'U3', true]);
    // U2 would reach N1 (6.85 km) too, but U4 is faster; U2 is what is left for S1: too slow.
    expect([s1[0], s1[1], s1[3]]).toEqual(['S1', 'U2', false]);
    expect(Math.abs((e1[2] as number) - 80)).toBeLessThanOrEqual(1);
    expect(Math.abs((n1[2] as number) - 308)).toBeLessThanOrEqual(1);
    expect(Math.abs((w1[2] as number) - 160)).toBeLessThanOrEqual(1);
    expect(Math.abs((s1[2] as number) - 1480)).toBeLessThanOrEqual(2);
  });

  it('lists roads leaving the reach where no checkpoint stands', () => {
    const spots = (t: SealingTier) =>
      t.crossings.map((c) => [
        c.roadName,
        Math.round((c.lon - SEALING_ORIGIN.lon) * 1000) / 1000,
        Math.round((c.lat - SEALING_ORIGIN.lat) * 1000) / 1000,
      ]);
    // at 10 min the north road's exit (9 km) has N1 150 m before it: three crossings remain
    expect(
      spots(r.tiers[0])
        .map((s) => s[0])
        .sort(),
    ).toEqual(['东大道', '南大道', '西大道']);
    const east = r.tiers[0].crossings.find((c) => c.roadName === '东大道')!;
    const expected = sealingAt(9000, 0);
    expect(Math.abs(east.lon - expected.lon)).toBeLessThan(0.0005);
    expect(r.tiers[1].crossings.map((c) => c.roadName).sort()).toEqual([
      '东大道',
      '北大道',
      '南大道',
      '西大道',
    ]);
  });

  it('draws where the vehicle can be', () => {
    expect(inside(r.tiers[0], 8500, 0)).toBe(true);
    expect(inside(r.tiers[0], 9600, 0)).toBe(false);
    expect(inside(r.tiers[0], 4000, 4000)).toBe(false); // no road there
    expect(inside(r.tiers[1], 17000, 0)).toBe(true);
  });

  it('a slower vehicle shrinks the rings and frees the outer checkpoints', () => {
    const slow = computeSealing(graph, SEALING_ORIGIN, {
      tiersSec: [600, 1200],
      checkpoints,
      units,
      vehicleSpeedFactor: 1,
      boundary: false,
    });
    // at 12.5 m/s: E1 480 s, N1 708 s, W1 960 s, S1 1320 s (beyond), FAR beyond
    expect(slow.tiers[0].checkpoints.map((c) => c.id)).toEqual(['E1']);
    expect(slow.tiers[1].checkpoints.map((c) => c.id)).toEqual(['N1', 'W1']);
    expect(slow.tiers[0].boundary).toBeNull();
  });

  it('peak hours slow the units, not the vehicle', () => {
    const peak = computeSealing(graph, SEALING_ORIGIN, {
      tiersSec: [600, 1200],
      checkpoints,
      units,
      at: new Date('2026-11-21T00:30:00Z'), // 08:30 in China
      boundary: false,
    });
    const byId = Object.fromEntries(peak.tiers.flatMap((t) => t.checkpoints.map((c) => [c.id, c])));
    expect(byId.E1.vehicleEtaSec).toBeCloseTo(r.tiers[0].checkpoints[0].vehicleEtaSec, 3);
    expect(byId.E1.bestUnit!.etaSec).toBeCloseTo(80 / 0.6, -0.5);
    expect(byId.S1.bestUnit).toBeNull(); // U2 needs 2467 s, beyond twice the vehicle's 1100 s
    expect(byId.S1.sealable).toBe(false);
  });

  it('an incident off the network gives empty rings', () => {
    const off = computeSealing(graph, sealingAt(5000, 5000), {
      tiersSec: [600],
      checkpoints,
      units,
    });
    expect(off.incidentSnapDistanceM).toBeNull();
    expect(off.tiers).toEqual([
      { sec: 600, fromSec: 300, boundary: null, checkpoints: [], crossings: [] },
    ]);
  });

  it('refuses bad parameters', () => {
    expect(() =>
      computeSealing(graph, SEALING_ORIGIN, { tiersSec: [0], checkpoints, units }),
    ).toThrow(RangeError);
    expect(() =>
      computeSealing(graph, SEALING_ORIGIN, {
        tiersSec: [600],
        checkpoints,
        units,
        vehicleSpeedFactor: 0,
      }),
    ).toThrow(RangeError);
  });
});
