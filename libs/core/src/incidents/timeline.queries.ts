import { sql, type Selectable } from 'kysely';
import type { DB, DbOrTx } from '@ringcad/db';

/** A track point as the timeline draws it: lon, lat and the fix time in epoch ms. */
export type TrackPointRecord = Pick<Selectable<DB['unit_tracks']>, 'lon' | 'lat'> & { ms: number };

/** The duplicates folded into this incident (并案), oldest first. */
export function selectMergedDuplicates(db: DbOrTx, incidentId: string) {
  return db
    .selectFrom('incidents')
    .select(['id', 'number'])
    .where('merged_into', '=', incidentId)
    .orderBy('created_at')
    .execute();
}

/** A unit's valid fixes (flag bit 0 clear) between two times, in order. */
export async function selectTrack(
  db: DbOrTx,
  unitId: string,
  from: Date,
  to: Date,
): Promise<TrackPointRecord[]> {
  const pts = await sql<TrackPointRecord>`
          SELECT lon, lat, (extract(epoch FROM at) * 1000)::float8 AS ms FROM unit_tracks
          WHERE unit_id = ${unitId} AND at >= ${from} AND at <= ${to} AND flags & 1 = 0
          ORDER BY at LIMIT 20000`.execute(db);
  return pts.rows;
}

/**
 * Several units' valid fixes, each between its own two times, in one statement (a timeline's
 * assigned units: one round trip instead of one per assignment); per span in order.
 */
export async function selectTracks(
  db: DbOrTx,
  spans: readonly { unitId: string; from: Date; to: Date }[],
): Promise<TrackPointRecord[][]> {
  if (!spans.length) return [];
  const pts = await sql<TrackPointRecord & { i: number }>`
    SELECT s.i::int AS i, t.lon, t.lat, t.ms
    FROM unnest(${spans.map((s) => s.unitId)}::uuid[], ${spans.map((s) => s.from.toISOString())}::timestamptz[],
      ${spans.map((s) => s.to.toISOString())}::timestamptz[]) WITH ORDINALITY AS s(unit_id, t0, t1, i)
    CROSS JOIN LATERAL (
      SELECT lon, lat, (extract(epoch FROM at) * 1000)::float8 AS ms FROM unit_tracks
      WHERE unit_id = s.unit_id AND at >= s.t0 AND at <= s.t1 AND flags & 1 = 0
      ORDER BY at LIMIT 20000) t
    ORDER BY s.i, t.ms`.execute(db);
  const out: TrackPointRecord[][] = spans.map(() => []);
  for (const p of pts.rows) out[Number(p.i) - 1].push({ lon: p.lon, lat: p.lat, ms: p.ms });
  return out;
}

/** When the call came in and when the incident was filed (the metrics' start). */
export function selectIncidentTimes(db: DbOrTx, incidentId: string) {
  return db
    .selectFrom('incidents')
    .select(['received_at', 'created_at'])
    .where('id', '=', incidentId)
    .executeTakeFirstOrThrow();
}
