import { sql, type Insertable, type Selectable } from 'kysely';
import type { DB, DbOrTx, Tx } from '@ringcad/db';

type TimerColumns = Selectable<DB['timers']>;

/** A scene unit's arrival (checkpoint crews do not count toward the rings). */
export type ArrivalRecord = Pick<Selectable<DB['units']>, 'kind'> & {
  arrived_at: NonNullable<Selectable<DB['assignments']>['arrived_at']>;
};

/** What an ack-overdue alert says about its assignment. */
export type AckAssignmentRecord = Pick<
  Selectable<DB['assignments']>,
  'status' | 'unit_id' | 'assigned_at'
> &
  Pick<Selectable<DB['units']>, 'callsign'>;

/** Inserts a pending timer unless one with its id exists (scheduling twice is harmless). */
export async function insertTimer(tx: Tx, values: Insertable<DB['timers']>): Promise<void> {
  await tx
    .insertInto('timers')
    .values(values)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/**
 * Sets a tier deadline to `dueAt` (pending again) unless it already fired; returns whether it was
 * written (a job must then be (re)queued).
 */
export async function upsertTierDeadline(
  tx: Tx,
  t: { id: string; incidentId: string; tierIndex: number; dueAt: Date; now: Date },
): Promise<boolean> {
  const r = await sql<Pick<TimerColumns, 'id'>>`
        INSERT INTO timers (id, kind, incident_id, assignment_id, tier_index, due_at, status, created_at, settled_at)
        VALUES (${t.id}, 'tier_deadline', ${t.incidentId}, NULL, ${t.tierIndex}, ${t.dueAt}, 'pending', ${t.now}, NULL)
        ON CONFLICT (id) DO UPDATE SET due_at = EXCLUDED.due_at, status = 'pending', settled_at = NULL
        WHERE timers.status <> 'fired'
        RETURNING id`.execute(tx);
  return r.rows.length > 0;
}

/** The incident's pending tier deadlines. */
export function selectPendingTierDeadlines(db: DbOrTx, incidentId: string) {
  return db
    .selectFrom('timers')
    .select(['id', 'tier_index'])
    .where('incident_id', '=', incidentId)
    .where('kind', '=', 'tier_deadline')
    .where('status', '=', 'pending')
    .execute();
}

/** Every pending timer of the incident. */
export function selectPendingTimerIds(db: DbOrTx, incidentId: string) {
  return db
    .selectFrom('timers')
    .select('id')
    .where('incident_id', '=', incidentId)
    .where('status', '=', 'pending')
    .execute();
}

/** Cancels those of the timers that are still pending; returns the ones it cancelled. */
export function cancelPendingTimers(tx: Tx, ids: readonly string[], now: Date) {
  return tx
    .updateTable('timers')
    .set({ status: 'cancelled', settled_at: now })
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .returning('id')
    .execute();
}

/** The incident's scheme and first dispatch (tier deadlines run from it). */
export function selectIncidentDispatch(db: DbOrTx, incidentId: string) {
  return db
    .selectFrom('incidents')
    .select(['scheme_id', 'dispatched_at'])
    .where('id', '=', incidentId)
    .executeTakeFirst();
}

/** Arrivals of the units working the scene. */
export async function selectSceneArrivals(
  db: DbOrTx,
  incidentId: string,
): Promise<ArrivalRecord[]> {
  const arrivals = await sql<ArrivalRecord>`
      SELECT u.kind, a.arrived_at FROM assignments a JOIN units u ON u.id = a.unit_id
      WHERE a.incident_id = ${incidentId} AND a.arrived_at IS NOT NULL AND a.role <> 'checkpoint'`.execute(
    db,
  );
  return arrivals.rows;
}

/** Which incident a timer belongs to, read before anything is locked. */
export function selectTimerIncident(db: DbOrTx, timerId: string) {
  return db
    .selectFrom('timers')
    .select(['incident_id'])
    .where('id', '=', timerId)
    .executeTakeFirst();
}

/** Locks the timer (after its incident). */
export function lockTimer(tx: Tx, timerId: string) {
  return tx
    .selectFrom('timers')
    .selectAll()
    .where('id', '=', timerId)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

export async function selectAckAssignment(
  db: DbOrTx,
  assignmentId: string,
): Promise<AckAssignmentRecord | undefined> {
  const a = await sql<AckAssignmentRecord>`
            SELECT a.status, a.unit_id, u.callsign, a.assigned_at FROM assignments a JOIN units u ON u.id = a.unit_id
            WHERE a.id = ${assignmentId}`.execute(db);
  return a.rows[0];
}

/** The timer is done: fired (it raised an alert) or cancelled (its condition no longer held). */
export async function settleTimer(
  tx: Tx,
  timerId: string,
  status: 'fired' | 'cancelled',
  now: Date,
): Promise<void> {
  await tx
    .updateTable('timers')
    .set({ status, settled_at: now })
    .where('id', '=', timerId)
    .execute();
}

/** Every pending timer (start-up re-queues them). */
export function selectPendingTimers(db: DbOrTx) {
  return db.selectFrom('timers').select(['id', 'due_at']).where('status', '=', 'pending').execute();
}

/** Pending timers due before `cutoff`, oldest first, at most `limit`. */
export function selectOverdueTimers(db: DbOrTx, cutoff: Date, limit: number) {
  return db
    .selectFrom('timers')
    .select('id')
    .where('status', '=', 'pending')
    .where('due_at', '<', cutoff)
    .orderBy('due_at')
    .limit(limit)
    .execute();
}
