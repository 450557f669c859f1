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
 * The valid fixes of each unit assigned to an incident, from its assignment until it was cleared,
 * declined or cancelled (or `now`), in one statement over the incident's assignments: the
 * timeline need not read the assignments first. Per assignment id, in time order. The bounds
 * are taken at millisecond precision, as the assignment's times are shown.
 */
export async function selectIncidentTracks(
  db: DbOrTx,
  incidentId: string,
  now: Date,
): Promise<Map<string, TrackPointRecord[]>> {
  const pts = await sql<TrackPointRecord & { assignment_id: string }>`
    SELECT a.id::text AS assignment_id, t.lon, t.lat, t.ms
    FROM assignments a
    CROSS JOIN LATERAL (
      SELECT lon, lat, (extract(epoch FROM at) * 1000)::float8 AS ms FROM unit_tracks
      WHERE unit_id = a.unit_id AND at >= date_trunc('milliseconds', a.assigned_at)
        AND at <= coalesce(date_trunc('milliseconds', coalesce(a.cleared_at, a.declined_at, a.cancelled_at)), ${now})
        AND flags & 1 = 0
      ORDER BY at LIMIT 20000) t
    WHERE a.incident_id = ${incidentId}
    ORDER BY a.id, t.ms`.execute(db);
  const out = new Map<string, TrackPointRecord[]>();
  for (const p of pts.rows) {
    let list = out.get(p.assignment_id);
    if (!list) out.set(p.assignment_id, (list = []));
    list.push({ lon: p.lon, lat: p.lat, ms: p.ms });
  }
  return out;
}

/**
 * When the call came in and when the incident was filed (the metrics' start); undefined for no
 * such incident (read beside the incident itself, whose NOT_FOUND is the answer then).
 */
export function selectIncidentTimes(db: DbOrTx, incidentId: string) {
  return db
    .selectFrom('incidents')
    .select(['received_at', 'created_at'])
    .where('id', '=', incidentId)
    .executeTakeFirst();
}
