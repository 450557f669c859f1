import { sql, type Selectable } from 'kysely';
import type { DB, DbOrTx } from '@ringcad/db';

type Incident = Selectable<DB['incidents']>;

/** Session settings for an area replay's transaction: sort in memory, no JIT. */
export async function replaySettings(db: DbOrTx): Promise<void> {
  await sql`SELECT set_config('work_mem', '128MB', true), set_config('jit', 'off', true)`.execute(
    db,
  );
}

/** A jurisdiction with its bounding box. */
export async function jurisdictionBox(db: DbOrTx, id: string) {
  const r = await sql<
    Pick<Selectable<DB['jurisdictions']>, 'id' | 'name' | 'kind'> & {
      w: number;
      s: number;
      e: number;
      n: number;
    }
  >`
        SELECT id, name, kind, ST_XMin(boundary) AS w, ST_YMin(boundary) AS s, ST_XMax(boundary) AS e, ST_YMax(boundary) AS n
        FROM jurisdictions WHERE id = ${id}`.execute(db);
  return r.rows[0];
}

/**
 * The district's incidents open at some point in [from, to) (created at most a day before it);
 * exercises (演练) are not part of the district's real picture.
 */
export async function incidentsOpenInDistrict(
  db: DbOrTx,
  districtId: string,
  from: Date,
  to: Date,
) {
  const incidents = await sql<
    Pick<
      Incident,
      | 'id'
      | 'number'
      | 'category'
      | 'priority'
      | 'status'
      | 'received_at'
      | 'created_at'
      | 'dispatched_at'
      | 'first_arrived_at'
      | 'resolved_at'
      | 'closed_at'
      | 'cancelled_at'
    > & { lon: number; lat: number }
  >`
      SELECT i.id, i.number, i.category, i.priority, i.status, ST_X(i.location) AS lon, ST_Y(i.location) AS lat,
        i.received_at, i.created_at, i.dispatched_at, i.first_arrived_at, i.resolved_at, i.closed_at, i.cancelled_at
      FROM incidents i
      WHERE i.district_id = ${districtId} AND NOT i.exercise AND i.created_at < ${to} AND i.created_at >= ${new Date(from.getTime() - 86_400_000)}
        AND coalesce(i.resolved_at, i.cancelled_at, i.closed_at, 'infinity'::timestamptz) >= ${from}
      ORDER BY i.created_at`.execute(db);
  return incidents.rows;
}

export async function assignmentTimes(db: DbOrTx, incidentIds: readonly string[]) {
  const r = await sql<
    Pick<
      Selectable<DB['assignments']>,
      | 'incident_id'
      | 'unit_id'
      | 'assigned_at'
      | 'acked_at'
      | 'departed_at'
      | 'arrived_at'
      | 'cleared_at'
    >
  >`
            SELECT incident_id, unit_id, assigned_at, acked_at, departed_at, arrived_at, cleared_at FROM assignments
            WHERE incident_id = ANY(${incidentIds}::uuid[]) ORDER BY assigned_at`.execute(db);
  return r.rows;
}

/**
 * Track points inside a box over [from, to), one per unit per `stepSec` (the first of each step),
 * jump-flagged points excluded.
 */
export async function trackPointsInBox(
  db: DbOrTx,
  box: { w: number; s: number; e: number; n: number },
  from: Date,
  to: Date,
  stepSec: number,
) {
  const points = await sql<
    Pick<Selectable<DB['unit_tracks']>, 'unit_id' | 'lon' | 'lat'> & { ms: number }
  >`
      SELECT DISTINCT ON (unit_id, bucket) unit_id, lon, lat, ms FROM (
        SELECT t.unit_id, t.lon, t.lat, t.at, (extract(epoch FROM t.at) * 1000)::float8 AS ms,
          floor(extract(epoch FROM t.at) / ${stepSec}) AS bucket
        FROM unit_tracks t
        WHERE t.at >= ${from} AND t.at < ${to} AND t.flags & 1 = 0
          AND t.lon BETWEEN ${box.w} AND ${box.e} AND t.lat BETWEEN ${box.s} AND ${box.n}
      ) p
      ORDER BY unit_id, bucket, at`.execute(db);
  return points.rows;
}

export async function unitsByIds(db: DbOrTx, ids: readonly string[]) {
  const r = await sql<
    Pick<Selectable<DB['units']>, 'id' | 'callsign' | 'kind'>
  >`SELECT id, callsign, kind FROM units WHERE id = ANY(${ids}::uuid[])`.execute(db);
  return r.rows;
}

/** The status each unit had when [from, to) opened, then every change inside it, by unit and time. */
export async function unitStatusChanges(
  db: DbOrTx,
  unitIds: readonly string[],
  from: Date,
  to: Date,
) {
  const r = await sql<Selectable<DB['unit_status_history']>>`
            SELECT u.id AS unit_id, h.at, h.status FROM unnest(${unitIds}::uuid[]) AS u(id)
            CROSS JOIN LATERAL (SELECT at, status FROM unit_status_history
              WHERE unit_id = u.id AND at < ${from} ORDER BY at DESC LIMIT 1) h
            UNION ALL
            SELECT unit_id, at, status FROM unit_status_history
            WHERE unit_id = ANY(${unitIds}::uuid[]) AND at >= ${from} AND at < ${to}
            ORDER BY 1, 2`.execute(db);
  return r.rows;
}
