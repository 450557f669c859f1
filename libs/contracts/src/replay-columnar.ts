/**
 * The columnar form of an area replay's tracks (`GET /api/v1/replay/area?format=columnar`).
 *
 * A district-hour holds hundreds of thousands of points; as one `[lon, lat, epochMs]` array per
 * point the answer is ~13 MB of JSON whose every number is a float to print, compress, send and
 * parse. Columnar, a unit's track is three arrays of integers: times in epoch milliseconds and
 * coordinates in millionths of a degree (the plain form's 6 decimals), each array's first value
 * absolute and every later one the difference from the one before (a 15 s step is `15000`, a
 * few metres a two-digit number). Decoding is a running sum per array; it gives exactly the
 * numbers the plain form carries (the integers are exact, and both forms divide the same integer
 * by 1e6).
 */

/** Millionths of a degree per degree: the plain form's six decimals. */
export const REPLAY_COORD_SCALE = 1e6;

/** One unit's track, columnar: see the module comment. */
export interface ColumnarTrack {
  /** epoch ms: the first absolute, then differences */
  t: number[];
  /** lon in 1e-6 degrees: the first absolute, then differences */
  lon: number[];
  /** lat in 1e-6 degrees: the first absolute, then differences */
  lat: number[];
}

/** A decoded track, as the console draws from it: parallel arrays in time order. */
export interface DecodedTrack {
  t: Float64Array;
  lon: Float64Array;
  lat: Float64Array;
}

/** Running sums back to epoch ms and degrees (the plain form's numbers, exactly). */
export function decodeColumnarTrack(c: ColumnarTrack): DecodedTrack {
  const n = c.t.length;
  const out: DecodedTrack = {
    t: new Float64Array(n),
    lon: new Float64Array(n),
    lat: new Float64Array(n),
  };
  let t = 0;
  let x = 0;
  let y = 0;
  for (let i = 0; i < n; i++) {
    t += c.t[i];
    x += c.lon[i];
    y += c.lat[i];
    out.t[i] = t;
    out.lon[i] = x / REPLAY_COORD_SCALE;
    out.lat[i] = y / REPLAY_COORD_SCALE;
  }
  return out;
}

/** A columnar track as the plain form's `[lon, lat, epochMs]` points. */
export function columnarTrackPoints(c: ColumnarTrack): [number, number, number][] {
  const d = decodeColumnarTrack(c);
  const out: [number, number, number][] = new Array(d.t.length);
  for (let i = 0; i < d.t.length; i++) out[i] = [d.lon[i], d.lat[i], d.t[i]];
  return out;
}
