/**
 * The packed position frame: what `units.positions.packed` carries to consoles that ask for it
 * (`auth.positions = "packed"` in the socket handshake). Every second each console is sent every
 * unit that moved; with thousands of units a JSON array of `{unitId, lon, lat, at}` is ~110 bytes a
 * unit to write, send and parse, a packed record is 16 and decodes without allocating.
 *
 * Little-endian. Header (16 bytes): u8 version (1), u8 0, u16 0, u32 record count, f64 base time
 * (epoch ms). Record (16 bytes): u32 unit number (`UnitView.num`), i32 lon × 1e7, i32 lat × 1e7
 * (≈1 cm), u32 ms after the base time.
 */
export const POSITION_FRAME_VERSION = 1;
const HEADER_BYTES = 16;
const RECORD_BYTES = 16;
const SCALE = 1e7;

export interface PackedFix {
  num: number;
  lon: number;
  lat: number;
  atMs: number;
}

export function encodePositionFrame(fixes: readonly PackedFix[]): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + fixes.length * RECORD_BYTES);
  const v = new DataView(out.buffer);
  let base = Infinity;
  for (const f of fixes) if (f.atMs < base) base = f.atMs;
  if (!fixes.length) base = 0;
  v.setUint8(0, POSITION_FRAME_VERSION);
  v.setUint32(4, fixes.length, true);
  v.setFloat64(8, base, true);
  let o = HEADER_BYTES;
  for (const f of fixes) {
    v.setUint32(o, f.num, true);
    v.setInt32(o + 4, Math.round(f.lon * SCALE), true);
    v.setInt32(o + 8, Math.round(f.lat * SCALE), true);
    v.setUint32(o + 12, Math.min(0xffffffff, Math.round(f.atMs - base)), true);
    o += RECORD_BYTES;
  }
  return out;
}

/**
 * Calls `visit` for each record; returns the record count. Throws on a frame of another version
 * or a truncated one (a console should then resync rather than draw garbage).
 */
export function decodePositionFrame(
  frame: ArrayBuffer | ArrayBufferView,
  visit: (num: number, lon: number, lat: number, atMs: number) => void,
): number {
  const v = ArrayBuffer.isView(frame)
    ? new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
    : new DataView(frame);
  if (v.byteLength < HEADER_BYTES || v.getUint8(0) !== POSITION_FRAME_VERSION) {
    throw new Error(`not a version ${POSITION_FRAME_VERSION} position frame`);
  }
  const n = v.getUint32(4, true);
  if (v.byteLength < HEADER_BYTES + n * RECORD_BYTES) throw new Error('truncated position frame');
  const base = v.getFloat64(8, true);
  let o = HEADER_BYTES;
  for (let i = 0; i < n; i++, o += RECORD_BYTES) {
    visit(
      v.getUint32(o, true),
      v.getInt32(o + 4, true) / SCALE,
      v.getInt32(o + 8, true) / SCALE,
      base + v.getUint32(o + 12, true),
    );
  }
  return n;
}
