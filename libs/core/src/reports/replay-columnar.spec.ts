import { mulberry32 } from '@ringcad/routing';
import {
  binaryReplayLead,
  columnarTrackPoints,
  decodeBinaryReplay,
  decodeColumnarTrack,
  REPLAY_BINARY_MAGIC,
} from '@ringcad/contracts';
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

  // the lead encodes its head in place, sized by its own count of UTF-8 bytes: the same bytes as
  // encoding the head on its own (TextEncoder) and padding it, for heads of every byte width
  it.each([
    ['ASCII', 'district 1'],
    ['two-byte', 'Zürich Straße'],
    ['three-byte (区1派出所)', '区1派出所'],
    ['four-byte (a surrogate pair)', '𠮷野家 🚓'],
    ['lengths on every padding', 'a'.repeat(5)],
  ])('writes the head as encoding it apart would (%s)', (_name, name) => {
    for (let pad = 0; pad < 4; pad++) {
      const head = {
        from: '2026-12-07T02:00:00.000Z',
        points: 2,
        units: [{ n: 2 }],
        district: { name: name + 'x'.repeat(pad) },
      };
      const json = new TextEncoder().encode(JSON.stringify(head));
      const headBytes = Math.ceil((8 + json.byteLength) / 4) * 4 - 8;
      const expected = new Uint8Array(8 + headBytes + 24);
      new DataView(expected.buffer).setUint32(0, REPLAY_BINARY_MAGIC, false);
      new DataView(expected.buffer).setUint32(4, headBytes, false);
      expected.set(json, 8);
      expected.fill(0x20, 8 + json.byteLength, 8 + headBytes);
      const lead = binaryReplayLead(head, 24);
      expect(lead).toEqual(expected);
      expect(binaryReplayLead(head)).toEqual(expected.subarray(0, 8 + headBytes));
      expect(decodeBinaryReplay<typeof head>(lead).head).toEqual(head);
    }
  });
});
