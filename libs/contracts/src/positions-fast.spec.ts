import { positionsBatchSchema } from './places';
import { parsePositionsBatchFast } from './positions-fast';

/** Small deterministic PRNG, so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const good = () => ({
  unitId: '0b5f3c1e-7a2d-4c3b-9e8f-1a2b3c4d5e6f',
  lon: 104.0661,
  lat: 30.6571,
  at: '2026-11-21T08:00:00.123Z',
  speedKmh: 32.5,
  headingDeg: 270,
});

// values a terminal or a broken client might send in each field
const variants: Record<string, unknown[]> = {
  unitId: [
    '0B5F3C1E-7A2D-4C3B-9E8F-1A2B3C4D5E6F',
    '0b5f3c1e-7a2d-0c3b-9e8f-1a2b3c4d5e6f',
    '0b5f3c1e-7a2d-4c3b-7e8f-1a2b3c4d5e6f',
    'nope',
    '',
    42,
    null,
    '00000000-0000-0000-0000-000000000000',
    ' 0b5f3c1e-7a2d-4c3b-9e8f-1a2b3c4d5e6f',
  ],
  lon: [180, -180, 180.0001, -181, Number.NaN, Infinity, '104', null, 0],
  lat: [90, -90, 90.5, -91, Number.NaN, '30', undefined, 0],
  at: [
    '2026-11-21T08:00:00Z',
    '2026-11-21T08:00:00+08:00',
    '2026-11-21T08:00:00.123456789-05:30',
    '2026-02-30T08:00:00Z',
    '2026-02-29T08:00:00Z',
    '2024-02-29T08:00:00Z',
    '2000-02-29T08:00:00Z',
    '2100-02-29T08:00:00Z',
    '2026-04-31T08:00:00Z',
    '2026-12-31T23:59:59Z',
    '2026-13-01T00:00:00Z',
    '2026-11-21T24:00:00Z',
    '2026-11-21 08:00:00Z',
    '2026-11-21T08:00:00',
    '2026-11-21',
    'yesterday',
    1700000000000,
    '2026-11-21T08:00:60Z',
    '2026-11-21T08:00:00+2400',
    '2026-11-21T08:00:00.Z',
  ],
  speedKmh: [0, 400, 400.5, -1, Number.NaN, undefined, '5', null],
  headingDeg: [0, 360, 361, -0.5, undefined, null],
  extra: [undefined, 'x'],
};

describe('fast positions batch parsing', () => {
  it('builds exactly what the schema builds for a well-formed batch', () => {
    const body = { positions: [good(), { ...good(), speedKmh: undefined, headingDeg: undefined }] };
    delete body.positions[1].speedKmh;
    delete body.positions[1].headingDeg;
    expect(parsePositionsBatchFast(body)).toEqual(positionsBatchSchema.parse(body).positions);
  });

  it('never accepts what the schema refuses, and agrees with it on what it does accept (5,000 random reports)', () => {
    const rand = rng(110);
    let fastAccepted = 0;
    for (let n = 0; n < 5000; n++) {
      const p: Record<string, unknown> = good();
      // mutate one to three fields
      const k = 1 + Math.floor(rand() * 3);
      for (let j = 0; j < k; j++) {
        const keys = Object.keys(variants);
        const key = keys[Math.floor(rand() * keys.length)];
        const vals = variants[key];
        const v = vals[Math.floor(rand() * vals.length)];
        if (v === undefined) delete p[key];
        else p[key] = v;
      }
      const body = { positions: [p] };
      const fast = parsePositionsBatchFast(body);
      const schema = positionsBatchSchema.safeParse(body);
      if (fast) {
        fastAccepted++;
        expect({ p, ok: schema.success }).toEqual({ p, ok: true });
        expect(fast).toEqual(schema.data?.positions);
      }
    }
    expect(fastAccepted).toBeGreaterThan(100);
  });

  it('leaves empty, oversized and malformed batches to the schema', () => {
    expect(parsePositionsBatchFast({ positions: [] })).toBeNull();
    expect(parsePositionsBatchFast({ positions: Array.from({ length: 5001 }, good) })).toBeNull();
    expect(parsePositionsBatchFast({})).toBeNull();
    expect(parsePositionsBatchFast(null)).toBeNull();
    expect(parsePositionsBatchFast({ positions: [good(), 'x'] })).toBeNull();
    expect(parsePositionsBatchFast({ positions: Array.from({ length: 5000 }, good) })).toHaveLength(
      5000,
    );
  });
});
