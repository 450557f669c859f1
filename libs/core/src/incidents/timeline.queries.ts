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

/** When the call came in and when the incident was filed (the metrics' start). */
export function selectIncidentTimes(db: DbOrTx, incidentId: string) {
  return db
    .selectFrom('incidents')
    .select(['received_at', 'created_at'])
    .where('id', '=', incidentId)
    .executeTakeFirstOrThrow();
}
