import { sql, type Insertable, type Selectable } from 'kysely';
import type { DB, DbOrTx, Tx } from '@ringcad/db';

/** An `alerts` row as SQL returns it. */
export type AlertRecord = Selectable<DB['alerts']>;

/** The jurisdictions of an alert's incident (null columns when it is about a district, not an incident). */
export type IncidentPlaceRecord = Pick<
  Selectable<DB['incidents']>,
  'district_id' | 'station_id' | 'grid_id'
>;

/** A new alert row, undelivered: the alert outbox pushes it. */
export function insertAlert(tx: Tx, values: Insertable<DB['alerts']>) {
  return tx.insertInto('alerts').values(values).returningAll().executeTakeFirstOrThrow();
}

/**
 * Locks up to `limit` undelivered alerts, oldest first, with their incident's jurisdictions;
 * `SKIP LOCKED` hands each one to a single deliverer.
 */
export async function lockUndeliveredAlerts(
  tx: Tx,
  limit: number,
): Promise<(AlertRecord & IncidentPlaceRecord)[]> {
  const rows = await sql<AlertRecord & IncidentPlaceRecord>`
        SELECT a.*, i.district_id, i.station_id, i.grid_id
        FROM alerts a LEFT JOIN incidents i ON i.id = a.incident_id
        WHERE a.delivered_at IS NULL
        ORDER BY a.at, a.id
        LIMIT ${limit}
        FOR UPDATE OF a SKIP LOCKED`.execute(tx);
  return rows.rows;
}

export async function markAlertsDelivered(
  tx: Tx,
  ids: readonly string[],
  now: Date,
): Promise<void> {
  await tx.updateTable('alerts').set({ delivered_at: now }).where('id', 'in', ids).execute();
}

/**
 * Unacknowledged alerts, newest first. With `scope`, only those of a jurisdiction: alerts of its
 * open incidents and the district alerts (coverage_below_target) of that district.
 */
export async function selectOpenAlerts(db: DbOrTx, scope: string | null): Promise<AlertRecord[]> {
  const rows = await sql<AlertRecord>`
      SELECT a.* FROM alerts a LEFT JOIN incidents i ON i.id = a.incident_id
      WHERE a.acknowledged_at IS NULL
        AND (${scope}::uuid IS NULL
          OR (a.incident_id IS NOT NULL AND ${scope}::uuid IN (i.district_id, i.station_id, i.grid_id))
          OR (a.incident_id IS NULL AND a.data->>'districtId' = ${scope}::text))
      ORDER BY a.at DESC LIMIT 500`.execute(db);
  return rows.rows;
}

/** Acknowledges the alert (the first acknowledgement stands); undefined when there is none. */
export async function acknowledgeAlertRow(
  db: DbOrTx,
  alertId: string,
  by: string,
  now: Date,
): Promise<AlertRecord | undefined> {
  const row = await sql<AlertRecord>`
      UPDATE alerts SET acknowledged_at = COALESCE(acknowledged_at, ${now}), acknowledged_by = COALESCE(acknowledged_by, ${by}::uuid)
      WHERE id = ${alertId} RETURNING *`.execute(db);
  return row.rows[0];
}

/** Acknowledges the district's other open coverage alerts; returns them. */
export async function acknowledgeDistrictAlerts(
  db: DbOrTx,
  districtId: string,
  by: string,
  now: Date,
): Promise<AlertRecord[]> {
  const rows = await sql<AlertRecord>`
      UPDATE alerts SET acknowledged_at = ${now}, acknowledged_by = ${by}::uuid
      WHERE kind = 'coverage_below_target' AND incident_id IS NULL AND acknowledged_at IS NULL
        AND data->>'districtId' = ${districtId}::text
      RETURNING *`.execute(db);
  return rows.rows;
}

/** The district's open (unacknowledged) coverage alert, if any. */
export async function selectOpenDistrictAlert(
  db: DbOrTx,
  districtId: string,
): Promise<string | undefined> {
  const rows = await sql<{ id: string }>`
      SELECT id FROM alerts
      WHERE kind = 'coverage_below_target' AND incident_id IS NULL AND acknowledged_at IS NULL
        AND data->>'districtId' = ${districtId}::text
      ORDER BY at DESC LIMIT 1`.execute(db);
  return rows.rows[0]?.id;
}

export async function selectIncidentPlace(
  db: DbOrTx,
  incidentId: string,
): Promise<IncidentPlaceRecord | undefined> {
  const i = await sql<IncidentPlaceRecord>`
        SELECT district_id, station_id, grid_id FROM incidents WHERE id = ${incidentId}`.execute(
    db,
  );
  return i.rows[0];
}

/** An officer's emergency alert whose emergency is still active (cleared with a reason, never acknowledged). */
export async function isActiveEmergencyAlert(db: DbOrTx, alertId: string): Promise<boolean> {
  const r =
    await sql`SELECT 1 FROM alerts a JOIN emergencies e ON e.incident_id = a.incident_id AND e.unit_id = a.unit_id
    WHERE a.id = ${alertId} AND a.kind = 'emergency' AND e.cleared_at IS NULL`.execute(db);
  return r.rows.length > 0;
}
