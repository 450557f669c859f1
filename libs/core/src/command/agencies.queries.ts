import { sql, type Insertable, type Selectable } from 'kysely';
import type { DB, DbOrTx, Tx } from '@ringcad/db';

export type NotificationRow = Selectable<DB['agency_notifications']>;

export async function pendingNotificationIds(db: DbOrTx): Promise<string[]> {
  const rows = await sql<
    Pick<NotificationRow, 'id'>
  >`SELECT id FROM agency_notifications WHERE status = 'pending'`.execute(db);
  return rows.rows.map((r) => r.id);
}

/** A new pending notification (no attempt yet). */
export async function insertNotification(
  tx: Tx,
  n: Pick<
    Insertable<DB['agency_notifications']>,
    'incident_id' | 'agency' | 'mode' | 'note' | 'url' | 'created_at' | 'actor_name'
  >,
): Promise<NotificationRow> {
  const row = await sql<NotificationRow>`
      INSERT INTO agency_notifications (incident_id, agency, mode, note, url, status, attempts, created_at, actor_name)
      VALUES (${n.incident_id}, ${n.agency}, ${n.mode}, ${n.note ?? null}, ${n.url}, 'pending', 0, ${n.created_at}, ${n.actor_name})
      RETURNING *`.execute(tx);
  return row.rows[0];
}

export async function notificationsOfIncident(
  db: DbOrTx,
  incidentId: string,
): Promise<NotificationRow[]> {
  const rows = await sql<NotificationRow>`
      SELECT * FROM agency_notifications WHERE incident_id = ${incidentId} ORDER BY created_at, id`.execute(
    db,
  );
  return rows.rows;
}

/** Counts an attempt on a pending notification; undefined when it is no longer pending. */
export async function claimNotificationAttempt(
  db: DbOrTx,
  id: string,
): Promise<NotificationRow | undefined> {
  const claimed = await sql<NotificationRow>`
      UPDATE agency_notifications SET attempts = attempts + 1
      WHERE id = ${id} AND status = 'pending' RETURNING *`.execute(db);
  return claimed.rows[0];
}

export async function recordNotificationError(
  db: DbOrTx,
  id: string,
  error: string,
): Promise<void> {
  await sql`UPDATE agency_notifications SET last_error = ${error} WHERE id = ${id}`.execute(db);
}

/** Delivered or failed, unless another attempt settled it first; returns whether this one did. */
export async function settleNotification(
  tx: Tx,
  id: string,
  status: 'delivered' | 'failed',
  error: string | null,
  deliveredAt: Date | null,
): Promise<boolean> {
  const changed = await sql<Pick<NotificationRow, 'id'>>`
        UPDATE agency_notifications SET status = ${status}, last_error = ${error},
          delivered_at = ${deliveredAt}
        WHERE id = ${id} AND status = 'pending' RETURNING id`.execute(tx);
  return changed.rows.length > 0;
}

/** What an agency is told about an incident (no caller data). */
export async function incidentForAgency(db: DbOrTx, incidentId: string) {
  const i = await sql<
    Pick<
      Selectable<DB['incidents']>,
      'number' | 'category' | 'priority' | 'address' | 'description' | 'created_at'
    > & { lon: number; lat: number }
  >`
      SELECT number, category, priority, ST_X(location) AS lon, ST_Y(location) AS lat, address, description, created_at
      FROM incidents WHERE id = ${incidentId}`.execute(db);
  return i.rows[0];
}

/** An alert row for the outbox to deliver; returns its id. */
export async function insertAlert(
  tx: Tx,
  alert: Pick<Insertable<DB['alerts']>, 'kind' | 'incident_id' | 'at' | 'data'>,
): Promise<string> {
  const inserted = await tx
    .insertInto('alerts')
    .values({
      kind: alert.kind,
      incident_id: alert.incident_id,
      unit_id: null,
      assignment_id: null,
      timer_id: null,
      at: alert.at,
      data: alert.data,
      acknowledged_at: null,
      acknowledged_by: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
}
