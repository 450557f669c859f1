import type { DbOrTx } from '@ringcad/db';
import { dirtyReplayChunks, replayChunks, trackPointsInBox, type Box } from './replay.queries';

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
export const REPLAY_BASE_STEP_SEC = 15;
const CHUNK_MS = 300_000;
/** Bytes per stored point: int4 µs since the chunk start, float8 lon, float8 lat. */
const POINT_BYTES = 20;

export type ReplayPoint = [lon: number, lat: number, ms: number];

/** Which source served the tracks (for the bench and the tests). */
export interface ReplayTracks {
  byUnit: Map<string, ReplayPoint[]>;
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

export async function replayTracks(
  db: DbOrTx,
  box: Box,
  from: Date,
  to: Date,
  stepSec: number,
): Promise<ReplayTracks> {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  const stepMs = stepSec * 1000;
  const stored = stepSec % REPLAY_BASE_STEP_SEC === 0;
  // the first whole step of the window: before it, a part step read raw
  const firstStep = stored ? Math.min(toMs, ceilTo(fromMs, stepMs)) : toMs;
  const ranges: [number, number][] = [];
  if (fromMs < firstStep) ranges.push([fromMs, firstStep]);
  let chunkRows: Awaited<ReturnType<typeof replayChunks>> = [];
  if (firstStep < toMs) {
    const chunkFrom = new Date(floorTo(firstStep, CHUNK_MS));
    const dirty = await dirtyReplayChunks(db, chunkFrom, to);
    ranges.push(...rawRangesFor(dirty, stepMs, firstStep, toMs));
    // a chunk whose points miss the box may still hold the first point of a step that reaches
    // into the next chunk: skip it only when steps lie inside chunks
    chunkRows = await replayChunks(db, chunkFrom, to, CHUNK_MS % stepMs === 0 ? box : null);
  }
  const rawRanges = ranges.map(([a, b]): [Date, Date] => [new Date(a), new Date(b)]);
  const byUnit = new Map<string, ReplayPoint[]>();
  const listOf = (unit: string) => {
    let list = byUnit.get(unit);
    if (!list) byUnit.set(unit, (list = []));
    return list;
  };
  for (const p of await trackPointsInBox(db, box, rawRanges, stepSec))
    listOf(p.unit_id).push([p.lon, p.lat, p.ms]);

  // stored points: µs, so that the window edges and the steps compare exactly
  const firstUs = firstStep * 1000;
  const toUs = toMs * 1000;
  const stepUs = stepMs * 1000;
  const rawUs = ranges.map(([a, b]) => [a * 1000, b * 1000]);
  const inRaw = (us: number) => rawUs.some(([a, b]) => us >= a && us < b);
  let unit = '';
  let lastStep = NaN;
  for (const row of chunkRows) {
    if (row.unit_id !== unit) {
      unit = row.unit_id;
      lastStep = NaN;
    }
    const bytes = row.points;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const baseUs = Number(row.ms) * 1000;
    for (let o = 0; o + POINT_BYTES <= bytes.byteLength; o += POINT_BYTES) {
      const us = baseUs + view.getInt32(o, false);
      if (us < firstUs || us >= toUs || inRaw(us)) continue;
      const step = Math.floor(us / stepUs);
      if (step === lastStep) continue; // not the first point of its step
      lastStep = step;
      const lon = view.getFloat64(o + 4, false);
      const lat = view.getFloat64(o + 12, false);
      if (lon >= box.w && lon <= box.e && lat >= box.s && lat <= box.n)
        listOf(unit).push([lon, lat, us / 1000]);
    }
  }
  let points = 0;
  for (const list of byUnit.values()) {
    // raw parts and stored parts side by side: one time order
    list.sort((a, b) => a[2] - b[2]);
    points += list.length;
  }
  return { byUnit, points, rawRanges, chunks: chunkRows.length };
}
