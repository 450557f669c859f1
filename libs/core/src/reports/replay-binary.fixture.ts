import { decodeBinaryReplay } from '@ringcad/contracts';
import {
  binaryReplay,
  type BinaryChunks,
  type ReplayPoint,
  type ReplayTracks,
} from './replay-tracks';

/**
 * For the specs: a replay read as bytes (`replayTracks(…, { columnar: 'binary' })`) framed as the
 * api frames the binary answer (units in id order, times from `fromMs`) and decoded as a client
 * decodes it, per unit as the plain answer's `[lon, lat, epochMs]` points.
 */
export function decodedBinary(
  read: ReplayTracks<BinaryChunks>,
  fromMs: number,
): Map<string, ReplayPoint[]> {
  const units = [...read.byUnit.keys()].sort();
  const bytes = binaryReplay(
    fromMs,
    units.map((u) => ({
      track: read.byUnit.get(u) ?? { ms: [], lon: [], lat: [] },
      chunks: read.columnarChunks.get(u) ?? [],
    })),
    (counts) => ({
      from: new Date(fromMs).toISOString(),
      points: read.points,
      units: counts.map((n) => ({ n })),
    }),
  );
  const { tracks } = decodeBinaryReplay(bytes);
  return new Map(
    units.map((u, i) => {
      const { t, lon, lat } = tracks[i];
      return [u, Array.from(t, (ms, j): ReplayPoint => [lon[j], lat[j], ms])];
    }),
  );
}
