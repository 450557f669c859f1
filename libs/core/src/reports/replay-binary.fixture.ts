import { binaryReplayLead, decodeBinaryReplay, type BinaryReplayHead } from '@ringcad/contracts';
import { int32BE, PACKED_RECORD_BYTES, readPackedChunk } from './replay.queries';
import {
  binaryReplay,
  type BinaryChunks,
  type ReplayPoint,
  type ReplayTracks,
  type TrackColumns,
} from './replay-tracks';

/**
 * The binary answer computed the slow way, as the oracle of {@link binaryReplay} (which copies
 * each packed chunk's differences straight into the sections): every unit's points made whole
 * first (its own points rounded, each packed chunk read value by value and summed from its first
 * point), a unit's points before a chunk's start ahead of the chunk, then each section written
 * as differences.
 */
export function binaryReplayByPoints(
  baseMs: number,
  units: readonly { track: TrackColumns; chunks: readonly BinaryChunks[] }[],
  headOf: (counts: number[]) => BinaryReplayHead,
): Buffer {
  const tracks = units.map(({ track, chunks }) => {
    const own = track.ms.map((ms, i) => [
      Math.round(ms),
      Math.round(track.lon[i] * 1e6),
      Math.round(track.lat[i] * 1e6),
    ]);
    const points: number[][] = [];
    let i = 0;
    for (const packed of chunks)
      for (let o = 0; o < packed.byteLength; o += PACKED_RECORD_BYTES + int32BE(packed, o)) {
        const head: number[] = [];
        const diffs: number[][] = [[], [], []];
        readPackedChunk(packed, o + PACKED_RECORD_BYTES, head, (k, d) => diffs[k].push(d));
        // by the time as read (a point a fraction of a ms before the chunk rounds to its start)
        for (; i < own.length && track.ms[i] < head[0]; i++) points.push(own[i]);
        let p = [head[2], head[3], head[4]];
        points.push(p);
        for (let j = 0; j < diffs[0].length; j++) {
          p = [p[0] + diffs[0][j], p[1] + diffs[1][j], p[2] + diffs[2][j]];
          points.push(p);
        }
      }
    points.push(...own.slice(i));
    return points;
  });
  const lead = binaryReplayLead(headOf(tracks.map((t) => t.length)));
  const sections = [0, 1, 2].map((k) =>
    tracks.flatMap((t) => t.map((p, j) => p[k] - (j > 0 ? t[j - 1][k] : k === 0 ? baseMs : 0))),
  );
  const out = Buffer.alloc(lead.byteLength + sections[0].length * 12);
  out.set(lead, 0);
  let o = lead.byteLength;
  for (const s of sections) for (const v of s) o = out.writeInt32LE(v, o);
  return out;
}

/**
 * For the specs: a replay read as bytes (`replayTracks(…, { columnar: 'binary' })`) framed as the
 * api frames the binary answer (units in id order, times from `fromMs`) and decoded as a client
 * decodes it, per unit as the plain answer's `[lon, lat, epochMs]` points. The answer must be
 * byte for byte the one {@link binaryReplayByPoints} computes.
 */
export function decodedBinary(
  read: ReplayTracks<BinaryChunks>,
  fromMs: number,
): Map<string, ReplayPoint[]> {
  const units = [...read.byUnit.keys()].sort();
  const args = [
    fromMs,
    units.map((u) => ({
      track: read.byUnit.get(u) ?? { ms: [], lon: [], lat: [] },
      chunks: read.columnarChunks.get(u) ?? [],
    })),
    (counts: number[]) => ({
      from: new Date(fromMs).toISOString(),
      points: read.points,
      units: counts.map((n) => ({ n })),
    }),
  ] as const;
  const bytes = binaryReplay(...args);
  if (!bytes.equals(binaryReplayByPoints(...args)))
    throw new Error('binary replay: the copied chunks differ from the points written one by one');
  const { tracks } = decodeBinaryReplay(bytes);
  return new Map(
    units.map((u, i) => {
      const { t, lon, lat } = tracks[i];
      return [u, Array.from(t, (ms, j): ReplayPoint => [lon[j], lat[j], ms])];
    }),
  );
}
