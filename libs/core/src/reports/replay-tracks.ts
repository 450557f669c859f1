import type { DbOrTx } from '@ringcad/db';
import {
  REPLAY_COORD_SCALE,
  binaryReplayLead,
  type BinaryReplayHead,
  type ColumnarTrack,
} from '@ringcad/contracts';
import {
  dirtyReplayChunks,
  replayBinaryChunks,
  replayChunks,
  trackPointsInBox,
  type Box,
  copyPackedChunk,
  forEachPackedPoint,
  int32BE,
  int32LE,
  PACKED_RECORD_BYTES,
  type BinaryChunks,
  type ChunkEncoding,
  type ColumnarChunk,
  type ReplayChunkRow,
  type SectionCursor,
  type ReplayReads,
  type StoredOf,
} from './replay.queries';

export type { BinaryChunks, ChunkEncoding, ColumnarChunk, ReplayReads } from './replay.queries';

/**
 * The tracks of an area replay: per unit, the first plausible point of each `stepSec` step of
 * [from, to) that lies in the box, as [lon, lat, ms] in time order.
 *
 * A step that is a multiple of {@link REPLAY_BASE_STEP_SEC} reads the stored chunks
 * (unit_track_replay, migration 0026: the first point of each 15 s step, per unit and 5 minutes)
 * and the raw tracks only where they must: the part step before the first whole step of the
 * window, and the steps that share time with a chunk still dirty. Any other step reads the raw
 * tracks. Both give the same points.
 */
/** The answer's coordinate scale, a module constant (an imported binding is read through a
 * getter on every use, per point in the loops here). */
const COORD_SCALE = REPLAY_COORD_SCALE;

export const REPLAY_BASE_STEP_SEC = 15;
const CHUNK_MS = 300_000;
/** Bytes per stored point: int4 µs since the chunk start, float8 lon, float8 lat. */
const POINT_BYTES = 20;

export type ReplayPoint = [lon: number, lat: number, ms: number];

/** One unit's points as parallel arrays in time order (as stored: ms may hold µs fractions). */
export interface TrackColumns {
  ms: number[];
  lon: number[];
  lat: number[];
}

/** Which source served the tracks (for the bench and the tests). */
export interface ReplayTracks<C = ColumnarChunk> {
  /** Every unit with a point (with `columnar`, some hold theirs in `columnarChunks` only). */
  byUnit: Map<string, TrackColumns>;
  /** With `columnar`: per unit, the whole chunks kept in their stored columnar form, in order. */
  columnarChunks: Map<string, C[]>;
  points: number;
  /** Time ranges read from the raw tracks. */
  rawRanges: [Date, Date][];
  /** Chunk rows read. */
  chunks: number;
}

const floorTo = (v: number, step: number) => Math.floor(v / step) * step;
const ceilTo = (v: number, step: number) => Math.ceil(v / step) * step;

/** Step-aligned ranges around the dirty chunks, inside [lo, hi), overlapping ones merged. */
function rawRangesFor(dirty: readonly number[], stepMs: number, lo: number, hi: number) {
  const out: [number, number][] = [];
  for (const c of dirty) {
    const a = Math.max(lo, floorTo(c, stepMs));
    const b = Math.min(hi, ceilTo(c + CHUNK_MS, stepMs));
    if (a >= b) continue;
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * With `columnar` (for the columnar answer, {@link columnarTrackJson}, as text; for the binary
 * one, {@link binaryReplay}, as bytes), a 15 s replay takes the chunks that lie wholly inside the
 * window and the box, and share no time with a range read raw, in their stored columnar form
 * (every point of such a chunk is kept) rather than point by point.
 */
export async function replayTracks<E extends ChunkEncoding = 'text'>(
  dbOrReads: DbOrTx | ReplayReads,
  box: Box,
  from: Date,
  to: Date,
  stepSec: number,
  opts: { columnar?: E } = {},
): Promise<ReplayTracks<StoredOf<E>>> {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  const stepMs = stepSec * 1000;
  const stored = stepSec % REPLAY_BASE_STEP_SEC === 0;
  // the first whole step of the window: before it, a part step read raw
  const firstStep = stored ? Math.min(toMs, ceilTo(fromMs, stepMs)) : toMs;
  const ranges: [number, number][] = [];
  if (fromMs < firstStep) ranges.push([fromMs, firstStep]);
  type Stored = StoredOf<E>;
  const read: ReplayReads = typeof dbOrReads === 'function' ? dbOrReads : (fn) => fn(dbOrReads);
  let chunkRows: Promise<ReplayChunkRow<Stored>[]> = Promise.resolve([]);
  if (firstStep < toMs) {
    const chunkFrom = new Date(floorTo(firstStep, CHUNK_MS));
    const dirty = await read((db) => dirtyReplayChunks(db, chunkFrom, to));
    ranges.push(...rawRangesFor(dirty, stepMs, firstStep, toMs));
    // stored points are the first of each 15 s step: as they are only for that step
    const columnar =
      opts.columnar && stepSec === REPLAY_BASE_STEP_SEC
        ? {
            from: new Date(ceilTo(firstStep, CHUNK_MS)),
            to,
            firstMs: firstStep,
            box,
            except: chunkStartsMeeting(ranges, floorTo(firstStep, CHUNK_MS), toMs),
          }
        : null;
    // a chunk whose points miss the box may still hold the first point of a step that reaches
    // into the next chunk: skip it only when steps lie inside chunks
    const meeting = CHUNK_MS % stepMs === 0 ? box : null;
    // the stored parts come in the encoding asked for (StoredOf<E>); read beside the raw ranges
    chunkRows = (
      columnar && opts.columnar === 'binary'
        ? replayBinaryChunks(read, chunkFrom, to, box, columnar) // 15 s steps: meeting is box
        : read((db) => replayChunks(db, chunkFrom, to, meeting, columnar))
    ) as Promise<ReplayChunkRow<Stored>[]>;
  }
  const rawRanges = ranges.map(([a, b]): [Date, Date] => [new Date(a), new Date(b)]);
  const [rawPoints, storedRows] = await Promise.all([
    read((db) => trackPointsInBox(db, box, rawRanges, stepSec)),
    chunkRows,
  ]);
  // columns, not a [lon, lat, ms] array per point: a district-hour is hundreds of thousands
  const byUnit = new Map<string, TrackColumns>();
  const columnsOf = (unit: string) => {
    let c = byUnit.get(unit);
    if (!c) byUnit.set(unit, (c = { ms: [], lon: [], lat: [] }));
    return c;
  };
  for (const p of rawPoints) {
    const c = columnsOf(p.unit_id);
    c.ms.push(p.ms);
    c.lon.push(p.lon);
    c.lat.push(p.lat);
  }

  // stored points: µs, so that the window edges and the steps compare exactly
  const firstUs = firstStep * 1000;
  const toUs = toMs * 1000;
  const stepUs = stepMs * 1000;
  const rawUs = ranges.map(([a, b]) => [a * 1000, b * 1000]);
  const columnarChunks = new Map<string, Stored[]>();
  let unit = '';
  let lastStep = NaN;
  for (const row of storedRows) {
    if (row.unit_id !== unit) {
      unit = row.unit_id;
      lastStep = NaN;
    }
    if (row.points === null) {
      // whole, inside the box and the window: every point kept, one per step of its own
      columnsOf(unit);
      let list = columnarChunks.get(unit);
      if (!list) columnarChunks.set(unit, (list = []));
      list.push(row.columnar);
      lastStep = NaN;
      continue;
    }
    const baseUs = row.ms * 1000;
    // the raw ranges this chunk meets (most chunks: none)
    const raw = rawUs.filter(([a, b]) => a < baseUs + CHUNK_MS * 1000 && b > baseUs);
    let c: TrackColumns | undefined;
    const take = (us: number, lon: number, lat: number) => {
      if (us < firstUs || us >= toUs) return;
      if (raw.length && raw.some(([a, b]) => us >= a && us < b)) return;
      const step = Math.floor(us / stepUs);
      if (step === lastStep) return; // not the first point of its step
      lastStep = step;
      if (row.inBox || (lon >= box.w && lon <= box.e && lat >= box.s && lat <= box.n)) {
        c ??= columnsOf(unit);
        c.ms.push(us / 1000);
        c.lon.push(lon);
        c.lat.push(lat);
      }
    };
    if (row.points === 'packed') {
      // a packed chunk's points (exact times, whole ms; in the box), read in place
      forEachPackedPoint(row.packed, row.at, (ms, x, y) =>
        take(ms * 1000, x / COORD_SCALE, y / COORD_SCALE),
      );
      continue;
    }
    const bytes = row.points;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let o = 0; o + POINT_BYTES <= bytes.byteLength; o += POINT_BYTES)
      take(
        baseUs + view.getInt32(o, false),
        view.getFloat64(o + 4, false),
        view.getFloat64(o + 12, false),
      );
  }
  let points = 0;
  for (const c of byUnit.values()) {
    // raw parts and stored parts side by side: one time order
    inTimeOrder(c);
    points += c.ms.length;
  }
  for (const list of columnarChunks.values()) for (const k of list) points += storedPoints(k);
  return { byUnit, columnarChunks, points, rawRanges, chunks: storedRows.length };
}

/** Start times of the chunks from `lo` on that share time with one of the (ms) ranges. */
function chunkStartsMeeting(ranges: readonly [number, number][], lo: number, hi: number) {
  const out: number[] = [];
  for (let c = lo; c < hi; c += CHUNK_MS)
    if (ranges.some(([a, b]) => a < c + CHUNK_MS && b > c)) out.push(c);
  return out;
}

/** Sorts a unit's columns by time, in place, when they are not in order already. */
function inTimeOrder(c: TrackColumns) {
  let sorted = true;
  for (let i = 1; i < c.ms.length && sorted; i++) sorted = c.ms[i - 1] <= c.ms[i];
  if (sorted) return;
  const order = c.ms.map((_, i) => i).sort((a, b) => c.ms[a] - c.ms[b]);
  const pick = (list: number[]) => order.map((i) => list[i]);
  [c.ms, c.lon, c.lat] = [pick(c.ms), pick(c.lon), pick(c.lat)];
}

/** A unit's columns as `[lon, lat, ms]` points (as read, not rounded). */
export function trackPoints(c: TrackColumns): ReplayPoint[] {
  return c.ms.map((ms, i): ReplayPoint => [c.lon[i], c.lat[i], ms]);
}

/** Degrees to the answer's integer millionths (the plain form's six decimals). */
const micro = (deg: number) => Math.round(deg * COORD_SCALE);

/** A unit's track as the plain answer's points: six decimals, whole milliseconds. */
export function plainTrackPoints(c: TrackColumns): ReplayPoint[] {
  const out: ReplayPoint[] = new Array(c.ms.length);
  for (let i = 0; i < c.ms.length; i++)
    out[i] = [micro(c.lon[i]) / COORD_SCALE, micro(c.lat[i]) / COORD_SCALE, Math.round(c.ms[i])];
  return out;
}

/**
 * The same numbers as {@link plainTrackPoints}, columnar (replay-columnar.ts in contracts):
 * whole ms and millionths of a degree, each array delta-coded, in one pass.
 */
export function columnarTrack(c: TrackColumns): ColumnarTrack {
  const n = c.ms.length;
  const out: ColumnarTrack = { t: new Array(n), lon: new Array(n), lat: new Array(n) };
  let pt = 0;
  let px = 0;
  let py = 0;
  for (let i = 0; i < n; i++) {
    const t = Math.round(c.ms[i]);
    const x = micro(c.lon[i]);
    const y = micro(c.lat[i]);
    out.t[i] = t - pt;
    out.lon[i] = x - px;
    out.lat[i] = y - py;
    pt = t;
    px = x;
    py = y;
  }
  return out;
}

/** Points in a stored columnar run or in a unit's packed chunks (their heads' n). */
export function storedPoints(k: ColumnarChunk | BinaryChunks): number {
  if (!(k instanceof Uint8Array)) return k.n;
  let all = 0;
  for (let o = 0; o < k.byteLength; o += PACKED_RECORD_BYTES + int32BE(k, o))
    all += int32LE(k, o + PACKED_RECORD_BYTES + 4);
  return all;
}

/**
 * A unit's points in time order as differences, into `value`: the points of `c` (rounded to
 * whole ms and millionths of a degree) and the stored parts `each` visits in time order (each
 * sharing no time with the points of `c`), which it hands over with `part` when they start:
 * `part(startMs, first, last)` writes the part's first point as the difference to the point
 * before it (the differences after it are the part's own, stored), and the last point is what
 * the next value is a difference to. `prev` is what the first point's values are differences to.
 */
function walkTrack(
  c: TrackColumns,
  prev: [number, number, number],
  value: (k: 0 | 1 | 2, delta: number) => void,
  each: (
    part: (startMs: number, first: readonly number[], last: readonly number[]) => void,
  ) => void,
) {
  const push = (t: number, x: number, y: number) => {
    value(0, t - prev[0]);
    value(1, x - prev[1]);
    value(2, y - prev[2]);
    prev[0] = t;
    prev[1] = x;
    prev[2] = y;
  };
  let i = 0;
  const n = c.ms.length;
  const pointsBefore = (endMs: number) => {
    for (; i < n && c.ms[i] < endMs; i++)
      push(Math.round(c.ms[i]), micro(c.lon[i]), micro(c.lat[i]));
  };
  each((startMs, first, last) => {
    pointsBefore(startMs);
    push(first[0], first[1], first[2]);
    [prev[0], prev[1], prev[2]] = last;
  });
  pointsBefore(Infinity);
}

/**
 * A unit's track as the columnar answer's JSON text: exactly `JSON.stringify(columnarTrack(all))`
 * of the unit's points in time order, where `chunks` (in time order, each sharing no time with
 * the points of `c`) are joined as stored: each chunk's first point as the difference to the point
 * before it, then its stored differences.
 */
export function columnarTrackJson(c: TrackColumns, chunks: readonly ColumnarChunk[] = []): string {
  const parts: [string[], string[], string[]] = [[], [], []];
  walkTrack(
    c,
    [0, 0, 0],
    (k, d) => parts[k].push(String(d)),
    (part) => {
      for (const k of chunks) {
        part(k.startMs, k.first, k.last);
        for (let j = 0; j < 3; j++) if (k.deltas[j]) parts[j].push(k.deltas[j]);
      }
    },
  );
  return `{"t":[${parts[0].join(',')}],"lon":[${parts[1].join(',')}],"lat":[${parts[2].join(',')}]}`;
}

/** Whether int32 arrays here are little-endian, as the binary answer's sections are. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** `c`'s points from `i` on before `endMs` into the sections at `at`; returns the next one's index. */
function copyPoints(
  c: TrackColumns,
  i: number,
  endMs: number,
  out: Int32Array,
  at: SectionCursor,
): number {
  for (; i < c.ms.length && c.ms[i] < endMs; i++) {
    const t = Math.round(c.ms[i]);
    const x = micro(c.lon[i]);
    const y = micro(c.lat[i]);
    out[at.t++] = t - at.pt;
    out[at.lon++] = x - at.px;
    out[at.lat++] = y - at.py;
    at.pt = t;
    at.px = x;
    at.py = y;
  }
  return i;
}

/**
 * The binary answer (replay-columnar.ts in contracts) for the units' tracks in order, times from
 * `baseMs` (the head's `from`), with the head `headOf` gives for the units' point counts: the
 * lead, then the three sections (int32 little-endian, per unit the first value absolute and then
 * differences), each track's points written and its binary chunks' differences copied as they
 * are, into one buffer. A unit's points and chunks share no time: its points before a chunk's
 * start are written before it (as {@link columnarTrackJson} joins them).
 */
export function binaryReplay(
  baseMs: number,
  units: readonly { track: TrackColumns; chunks: readonly BinaryChunks[] }[],
  headOf: (counts: number[]) => BinaryReplayHead,
): Buffer {
  const counts = units.map(
    (u) => u.track.ms.length + u.chunks.reduce((n, k) => n + storedPoints(k), 0),
  );
  const total = counts.reduce((a, b) => a + b, 0);
  // the lead with room for the sections, in its own memory at offset 0: int32-aligned sections
  const whole = binaryReplayLead(headOf(counts), total * 12);
  const out = Buffer.from(whole.buffer, whole.byteOffset, whole.byteLength);
  const out32 = new Int32Array(out.buffer, out.byteOffset, out.byteLength >> 2);
  const leadBytes = out.byteLength - total * 12;
  const first = leadBytes >> 2;
  const at: SectionCursor = {
    t: first,
    lon: first + total,
    lat: first + 2 * total,
    pt: 0,
    px: 0,
    py: 0,
  };
  for (const { track, chunks } of units) {
    // each unit's first values absolute: differences to (from, 0, 0)
    at.pt = baseMs;
    at.px = 0;
    at.py = 0;
    let i = 0;
    for (const packed of chunks)
      for (let o = 0; o < packed.byteLength;) {
        const size = int32BE(packed, o);
        const c = o + PACKED_RECORD_BYTES;
        i = copyPoints(track, i, int32LE(packed, c) * CHUNK_MS, out32, at);
        o = copyPackedChunk(packed, c, out32, at);
        if (o !== c + size)
          throw new Error(`binary replay: a packed chunk of ${size} bytes read to ${o - c}`);
      }
    copyPoints(track, i, Infinity, out32, at);
  }
  if (at.t !== first + total || at.lat !== first + 3 * total)
    throw new Error(`binary replay: ${at.t - first} points written of ${total}`);
  // the sections are little-endian on every platform: written in this one's order, swapped on
  // any other
  if (!LITTLE_ENDIAN) out.subarray(leadBytes).swap32();
  return out;
}
