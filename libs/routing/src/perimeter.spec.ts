import { importGeoJsonRoads } from './geojson-import';
import { perimeterReadiness } from './perimeter';
import { buildRoadGraph } from './road-graph';
import { snapPoint } from './snap';

/**
 * Known answers on a straight two-way primary road (45 km/h) along 30° N: positions are given
 * in km from its west end, so every ETA is km ÷ 45 km/h.
 */
const KM = 1 / (111.32 * Math.cos((30 * Math.PI) / 180));
const at = (km: number) => ({ lon: 104 + km * KM, lat: 30 });
const graph = buildRoadGraph(
  importGeoJsonRoads({
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        properties: { highway: 'primary', name: '环城路' },
        geometry: {
          type: 'LineString',
          coordinates: Array.from({ length: 21 }, (_, k) => [at(k).lon, at(k).lat]),
        },
      },
    ],
  }),
);
const place = (id: string, km: number) => {
  const p = at(km);
  return { id, ...p, snap: snapPoint(graph, p) };
};
const noon = new Date('2026-12-01T04:00:00Z'); // 12:00 in Chengdu, outside the peak windows
const secFor = (km: number) => (km / 45) * 3600;

describe('perimeterReadiness', () => {
  // checkpoints A (0 km), B (10 km), C (19 km); units U1 (9 km), U2 (12 km), U3 (16 km)
  const checkpoints = [place('A', 0), place('B', 10), place('C', 19)];
  const units = [place('U1', 9), place('U2', 12), place('U3', 16)];

  it('gives each checkpoint the fastest unit nobody faster needed, one unit per checkpoint', () => {
    const r = perimeterReadiness(graph, checkpoints, units, {
      tiersSec: [600, 1200],
      at: noon,
    });
    const post = Object.fromEntries(r.posts.map((p) => [p.checkpointId, p]));
    // U1 is A's nearest too (720 s), but B has it at 80 s; A gets U2 (12 km → 960 s)
    expect(post.B.bestUnit?.unitId).toBe('U1');
    expect(post.B.etaSec).toBeCloseTo(secFor(1), -1);
    expect(post.A.bestUnit?.unitId).toBe('U2');
    expect(post.A.etaSec).toBeCloseTo(secFor(12), -1);
    expect(post.C.bestUnit?.unitId).toBe('U3');
    expect(post.C.etaSec).toBeCloseTo(secFor(3), -1);
    expect(r.tiers.map((t) => [t.sec, t.coverablePct])).toEqual([
      [600, 66.7],
      [1200, 100],
    ]);
    expect(r.tiers[0].checkpoints.map((c) => c.coverable)).toEqual([false, true, true]);
  });

  it('searches again when the first candidates were taken (K = 1)', () => {
    const r = perimeterReadiness(graph, checkpoints, units, {
      tiersSec: [1200, 600],
      at: noon,
      candidates: 1,
    });
    // round one: A, B and C each ask for their nearest; A's (U1) goes to B, so A asks again
    expect(r.posts.map((p) => p.bestUnit?.unitId ?? null)).toEqual(['U2', 'U1', 'U3']);
    expect(r.unitSearches).toBeGreaterThan(checkpoints.length);
    expect(r.tiers.map((t) => t.sec)).toEqual([600, 1200]);
  });

  it('never sends a unit to two checkpoints: with fewer units, the slowest post stays empty', () => {
    const r = perimeterReadiness(graph, checkpoints, units.slice(0, 2), {
      tiersSec: [600, 1200],
      at: noon,
    });
    // B takes U1 (80 s), C takes U2 (7 km, 560 s) before A could (960 s)
    expect(r.posts.map((p) => p.bestUnit?.unitId ?? null)).toEqual([null, 'U1', 'U2']);
    expect(r.tiers.map((t) => t.coverablePct)).toEqual([66.7, 66.7]);
  });

  it('leaves a checkpoint unmanned when no unit reaches it within the last tier', () => {
    const r = perimeterReadiness(graph, [place('A', 0)], [place('U9', 20)], {
      tiersSec: [600, 1200],
      at: noon,
    });
    // 20 km at 45 km/h is 1,600 s, past the 20-minute tier
    expect(r.posts[0].bestUnit).toBeNull();
    expect(r.tiers.every((t) => t.coverablePct === 0)).toBe(true);
  });
});
