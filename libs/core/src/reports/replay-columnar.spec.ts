import { mulberry32 } from '@ringcad/routing';
import { columnarTrackPoints, decodeColumnarTrack } from '@ringcad/contracts';
import { columnarTrack, plainTrackPoints, type TrackColumns } from './replay-tracks';

/**
 * The area replay's two forms of a track: format=columnar (delta-coded integers) must decode to
 * exactly the numbers format=points sends, as a client reads them off the wire (JSON both ways),
 * for coordinates of either sign, values on a rounding edge (half a millionth), sub-millisecond
 * times, long gaps and far jumps.
 */

const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function track(rand: () => number, lon0: number, lat0: number, n: number): TrackColumns {
  const c: TrackColumns = { ms: [], lon: [], lat: [] };
  let ms = Date.parse('2026-12-05T16:00:00Z') + rand() * 1000;
  let lon = lon0;
  let lat = lat0;
  for (let i = 0; i < n; i++) {
    c.ms.push(ms);
    // every tenth point exactly on a half-millionth: where rounding could differ
    c.lon.push(i % 10 === 3 ? Math.round(lon * 1e6) / 1e6 + 5e-7 : lon);
    c.lat.push(i % 10 === 7 ? Math.round(lat * 1e6) / 1e6 - 5e-7 : lat);
    ms += rand() < 0.02 ? 600_000 : 15_000 + Math.floor(rand() * 3000) + rand() * 0.999;
    const far = rand() < 0.01 ? 2 : 0.0008;
    lon += (rand() - 0.5) * far;
    lat += (rand() - 0.5) * far;
  }
  return c;
}

describe('area replay tracks, columnar', () => {
  const rand = mulberry32(2026);
  const cases: [string, TrackColumns][] = [
    ['Chengdu', track(rand, 104.066, 30.657, 240)],
    ['west and south of zero', track(rand, -74.006, -33.45, 240)],
    ['around the prime meridian and the equator', track(rand, 0.0003, -0.0002, 500)],
    ['near the antimeridian', track(rand, 179.9991, 64.73, 60)],
    ['one point', track(rand, 121.47, 31.23, 1)],
    ['none', { ms: [], lon: [], lat: [] }],
  ];

  it.each(cases)('decodes to the plain points exactly (%s)', (_name, c) => {
    const plain = wire(plainTrackPoints(c));
    const columnar = wire(columnarTrack(c));
    expect(columnar.t.every(Number.isInteger)).toBe(true);
    expect(columnar.lon.every(Number.isInteger)).toBe(true);
    expect(columnar.lat.every(Number.isInteger)).toBe(true);
    expect(wire(columnarTrackPoints(columnar))).toEqual(plain);
    const d = decodeColumnarTrack(columnar);
    expect(Array.from(d.t)).toEqual(plain.map((p) => p[2]));
    expect(Array.from(d.lon)).toEqual(plain.map((p) => p[0]));
    expect(Array.from(d.lat)).toEqual(plain.map((p) => p[1]));
  });

  it('is smaller on the wire than the plain points', () => {
    const c = cases[0][1];
    expect(JSON.stringify(columnarTrack(c)).length).toBeLessThan(
      JSON.stringify(plainTrackPoints(c)).length / 2,
    );
  });
});
