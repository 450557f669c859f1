import { decodePositionFrame, encodePositionFrame, type PackedFix } from './position-frame';

describe('packed position frames', () => {
  it('round-trips unit numbers, coordinates to 1 cm and times to the millisecond', () => {
    const fixes: PackedFix[] = [
      { num: 1, lon: 104.0661234, lat: 30.6571234, atMs: Date.parse('2026-11-21T08:00:00.250Z') },
      {
        num: 4_000_000,
        lon: -179.9999999,
        lat: -89.5,
        atMs: Date.parse('2026-11-21T07:59:59.001Z'),
      },
      { num: 77, lon: 179.9999999, lat: 89.9999999, atMs: Date.parse('2026-11-21T08:10:00.000Z') },
    ];
    const frame = encodePositionFrame(fixes);
    expect(frame.byteLength).toBe(16 + 3 * 16);
    const back: PackedFix[] = [];
    expect(
      decodePositionFrame(frame, (num, lon, lat, atMs) => back.push({ num, lon, lat, atMs })),
    ).toBe(3);
    back.forEach((b, i) => {
      expect(b.num).toBe(fixes[i].num);
      expect(b.lon).toBeCloseTo(fixes[i].lon, 7);
      expect(b.lat).toBeCloseTo(fixes[i].lat, 7);
      expect(b.atMs).toBe(fixes[i].atMs);
    });
  });

  it('decodes from a view into a larger buffer (how Node hands over a received Buffer)', () => {
    const frame = encodePositionFrame([{ num: 9, lon: 1.5, lat: 2.5, atMs: 1000 }]);
    const pool = new Uint8Array(100);
    pool.set(frame, 37);
    const seen: number[] = [];
    decodePositionFrame(pool.subarray(37, 37 + frame.byteLength), (num, lon, lat, at) =>
      seen.push(num, lon, lat, at),
    );
    expect(seen).toEqual([9, 1.5, 2.5, 1000]);
  });

  it('an empty frame has no records', () => {
    expect(decodePositionFrame(encodePositionFrame([]), () => undefined)).toBe(0);
  });

  it('refuses another version and a truncated frame', () => {
    const frame = encodePositionFrame([{ num: 1, lon: 0, lat: 0, atMs: 0 }]);
    const other = frame.slice();
    other[0] = 2;
    expect(() => decodePositionFrame(other, () => undefined)).toThrow(/version 1/);
    expect(() => decodePositionFrame(frame.subarray(0, 20), () => undefined)).toThrow(/truncated/);
  });
});
