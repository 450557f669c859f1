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

/**
 * The binary form of an area replay (`GET /api/v1/replay/area?format=binary`,
 * `application/octet-stream`): the columnar form's numbers as typed-array sections, decoded
 * straight into the arrays the console draws from, with no JSON to parse for the points. A
 * district-hour's ~400,000 points are 12 bytes each (the columnar JSON spends ~16 characters
 * each, and a client then parses them number by number).
 *
 * Layout:
 * - 4 bytes: {@link REPLAY_BINARY_MAGIC} (`RPB1`, uint32 big-endian)
 * - uint32 big-endian: the head's length in bytes, then the head: UTF-8 JSON, the columnar
 *   answer without the tracks: each unit carries `n`, its number of points, in place of `track`;
 *   padded with spaces so that the sections start at a multiple of 4 bytes
 * - three sections of int32 little-endian (as typed arrays read them on every platform the
 *   console runs on), one per number, each holding every unit's points in the head's unit order
 *   (`n` each): times in ms since the head's `from`, lon and lat in 1e-6 degrees; per unit the
 *   first value absolute and every later one the difference from the one before.
 */
export const REPLAY_BINARY_MAGIC = 0x52504231; // 'RPB1'

/** The head of a binary area replay: {@link decodeBinaryReplay}. */
export interface BinaryReplayHead {
  from: string;
  points: number;
  units: { n: number }[];
}

/** Bytes of `s` in UTF-8, as TextEncoder writes it (a lone surrogate as U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c < 0xdc00 && c >= 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 4 bytes for its 2 units
      i++;
    } else n += 2;
  }
  return n;
}

/**
 * The lead of a binary area replay: magic, head length and the head, padded; then
 * `sectionBytes` bytes (zero) for its three sections, which the api writes into the same array
 * (at offset 0 of its own buffer, so they are int32-aligned). The head is encoded in place: a
 * district-hour's is ~700 kB, and encoding it into an array of its own and copying that was a
 * few ms of the answer.
 */
export function binaryReplayLead(head: BinaryReplayHead, sectionBytes = 0): Uint8Array {
  const json = JSON.stringify(head);
  // the server's native count where it has one (a district-hour's head is ~500 kB: the loop
  // below was ~4 ms of the answer), the same number (lone surrogates as U+FFFD, 3 bytes)
  const native = (globalThis as { Buffer?: { byteLength(s: string, e: 'utf8'): number } }).Buffer;
  const jsonBytes = native ? native.byteLength(json, 'utf8') : utf8Length(json);
  const headBytes = Math.ceil((8 + jsonBytes) / 4) * 4 - 8;
  const out = new Uint8Array(8 + headBytes + sectionBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, REPLAY_BINARY_MAGIC, false);
  view.setUint32(4, headBytes, false);
  const { written } = new TextEncoder().encodeInto(json, out.subarray(8, 8 + jsonBytes));
  if (written !== jsonBytes)
    throw new Error(`binary replay head: ${written} bytes written of ${jsonBytes}`);
  out.fill(0x20, 8 + jsonBytes, 8 + headBytes); // ' ': JSON's own whitespace
  return out;
}

/** Whether this platform's typed arrays are little-endian (every one the console runs on). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** `count` int32 little-endian from `at` (aligned to 4 bytes, as the sections are). */
function int32s(u8: Uint8Array, at: number, count: number): Int32Array {
  const start = u8.byteOffset + at;
  if (LITTLE_ENDIAN && start % 4 === 0) return new Int32Array(u8.buffer, start, count);
  // a view that is not aligned (a copied-into buffer), or a big-endian platform: read each
  const view = new DataView(u8.buffer, start, count * 4);
  return Int32Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true));
}

/**
 * A binary area replay read: its head, and per unit of the head (in its order) the decoded track
 * (views into three arrays of every point). Exactly the numbers the plain form carries: the
 * integers are exact, epoch ms is `from` plus a whole number, degrees the same integer / 1e6.
 */
export function decodeBinaryReplay<H extends BinaryReplayHead>(
  bytes: ArrayBuffer | Uint8Array,
): { head: H; tracks: DecodedTrack[] } {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  if (u8.byteLength < 8 || view.getUint32(0, false) !== REPLAY_BINARY_MAGIC)
    throw new Error('not a binary area replay');
  const headEnd = 8 + view.getUint32(4, false);
  const head = JSON.parse(new TextDecoder().decode(u8.subarray(8, headEnd))) as H;
  let total = 0;
  for (const u of head.units) total += u.n;
  if (u8.byteLength !== headEnd + total * 12)
    throw new Error(`binary area replay: ${u8.byteLength} bytes for ${total} points`);
  // where each unit's values start over (absolute): one flat loop per number, which the engine
  // compiles at once, rather than a short loop per unit
  const starts = new Uint8Array(total);
  let at = 0;
  for (const u of head.units) {
    if (u.n) starts[at] = 1;
    at += u.n;
  }
  const sums = (k: number, first: number, scale: number) => {
    const d = int32s(u8, headEnd + k * total * 4, total);
    const out = new Float64Array(total);
    let v = 0;
    for (let i = 0; i < total; i++) {
      v = (starts[i] === 1 ? first : v) + d[i];
      out[i] = v / scale;
    }
    return out;
  };
  const t = sums(0, Date.parse(head.from), 1);
  const lon = sums(1, 0, REPLAY_COORD_SCALE);
  const lat = sums(2, 0, REPLAY_COORD_SCALE);
  const tracks: DecodedTrack[] = [];
  at = 0;
  for (const u of head.units) {
    tracks.push({
      t: t.subarray(at, at + u.n),
      lon: lon.subarray(at, at + u.n),
      lat: lat.subarray(at, at + u.n),
    });
    at += u.n;
  }
  return { head, tracks };
}
