import { sql, type Insertable, type Selectable } from 'kysely';
import { ACTIVE_ASSIGNMENT_STATUSES, type AssignmentStatus } from '@ringcad/domain';
import type { DB, DbOrTx, Tx } from '@ringcad/db';
import { ASSIGNMENT_COLUMNS } from '../realtime';

type AssignmentColumns = Selectable<DB['assignments']>;
type UnitColumns = Selectable<DB['units']>;

/** An assignment as ASSIGNMENT_COLUMNS selects it: its columns with its unit's callsign and kind. */
export type AssignmentRecord = Pick<
  AssignmentColumns,
  | 'id'
  | 'incident_id'
  | 'unit_id'
  | 'role'
  | 'status'
  | 'eta_sec'
  | 'eta_method'
  | 'assigned_at'
  | 'acked_at'
  | 'departed_at'
  | 'arrived_at'
  | 'cleared_at'
  | 'declined_at'
  | 'cancelled_at'
> &
  Pick<UnitColumns, 'callsign'> & { unit_kind: UnitColumns['kind'] };

/** A unit's stored position (lon/lat null when it never reported one). */
export type UnitPositionRecord = Pick<
  UnitColumns,
  'id' | 'callsign' | 'kind' | 'status' | 'position_at'
> & {
  lon: number | null;
  lat: number | null;
};

/** Column values for an assignment update: a value, or SQL. */
export type AssignmentSet = Partial<Record<keyof DB['assignments'], unknown>>;

// ── assignments ──

/** One assignment, the assignments of an incident, or those of several incidents (one query). */
export async function selectAssignments(
  db: DbOrTx,
  where: { id: string } | { incidentId: string } | { incidentIds: readonly string[] },
): Promise<AssignmentRecord[]> {
  const filter =
    'id' in where
      ? sql`a.id = ${where.id}`
      : 'incidentId' in where
        ? sql`a.incident_id = ${where.incidentId}`
        : sql`a.incident_id = ANY(${[...where.incidentIds]}::uuid[])`;
  const rows = await sql<AssignmentRecord>`
    SELECT ${sql.raw(ASSIGNMENT_COLUMNS)} FROM assignments a JOIN units u ON u.id = a.unit_id
    WHERE ${filter} ORDER BY a.assigned_at, u.callsign`.execute(db);
  return rows.rows;
}

/**
 * Statuses of the units working the scene. Units sent to seal checkpoints (role `checkpoint`)
 * do not make an incident dispatched or on scene, nor count toward its rings.
 */
export async function sceneAssignmentStatuses(
  db: DbOrTx,
  incidentId: string,
): Promise<AssignmentStatus[]> {
  const rows = await db
    .selectFrom('assignments')
    .select('status')
    .where('incident_id', '=', incidentId)
    .where('role', '<>', 'checkpoint')
    .execute();
  return rows.map((r) => r.status as AssignmentStatus);
}

/** The scene (non-checkpoint) assignments still binding a unit to the incident. */
export function selectActiveSceneAssignments(db: DbOrTx, incidentId: string) {
  return db
    .selectFrom('assignments')
    .select(['id', 'status'])
    .where('incident_id', '=', incidentId)
    .where('role', '<>', 'checkpoint')
    .where('status', 'in', ACTIVE_ASSIGNMENT_STATUSES)
    .execute();
}

/** Ids of every assignment the incident ever had (the first one sent is the primary). */
export function selectAssignmentIds(db: DbOrTx, incidentId: string) {
  return db.selectFrom('assignments').select('id').where('incident_id', '=', incidentId).execute();
}

export async function insertAssignment(
  tx: Tx,
  values: Insertable<DB['assignments']>,
): Promise<string> {
  const row = await tx
    .insertInto('assignments')
    .values(values)
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Which incident and unit an assignment binds, read before anything is locked. */
export function selectAssignmentHead(db: DbOrTx, id: string) {
  return db
    .selectFrom('assignments')
    .select(['incident_id', 'unit_id', 'role'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Locks the assignment (after its incident: the lock order is incident, assignment, unit). */
export function lockAssignmentStatus(tx: Tx, id: string) {
  return tx
    .selectFrom('assignments')
    .select(['status'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

export async function updateAssignment(tx: Tx, id: string, set: AssignmentSet): Promise<void> {
  await sql`UPDATE assignments SET ${sql.join(Object.entries(set).map(([c, v]) => sql`${sql.ref(c)} = ${v}`))}
                WHERE id = ${id}`.execute(tx);
}

export async function cancelAssignment(tx: Tx, id: string, now: Date): Promise<void> {
  await tx
    .updateTable('assignments')
    .set({ status: 'cancelled', cancelled_at: now })
    .where('id', '=', id)
    .execute();
}

/** `first_arrived_at` for an arrival at `now`: the first arrival stays the first. */
export const keepFirstArrival = (now: Date) => sql<Date>`COALESCE(first_arrived_at, ${now})`;

// ── units ──

/** Locks the units in id order (as every dispatch does, so two dispatches cannot deadlock). */
export function lockUnits(tx: Tx, ids: readonly string[]) {
  return tx
    .selectFrom('units')
    .select(['id', 'callsign', 'status', 'station_id'])
    .where('id', 'in', ids)
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** Stored positions of all units, or of the given ones (the live overlay is the caller's). */
export async function selectUnitPositions(
  db: DbOrTx,
  ids?: readonly string[],
): Promise<UnitPositionRecord[]> {
  const filter = ids ? sql`WHERE id = ANY(${[...ids]}::uuid[])` : sql``;
  const rows = await sql<UnitPositionRecord>`
      SELECT id, callsign, kind, status, ST_X(position) AS lon, ST_Y(position) AS lat, position_at
      FROM units ${filter}`.execute(db);
  return rows.rows;
}

/** One unit's stored position. */
export async function selectUnitPosition(db: DbOrTx, unitId: string) {
  const rows = await sql<Pick<UnitPositionRecord, 'id' | 'kind' | 'lon' | 'lat' | 'position_at'>>`
      SELECT id, kind, ST_X(position) AS lon, ST_Y(position) AS lat, position_at FROM units WHERE id = ${unitId}`.execute(
    db,
  );
  return rows.rows;
}

// ── incidents ──

/**
 * Where the incident is and which ring scheme it runs (what a recommendation ranks against), with
 * the scheme's row (`schemeId` when given, else the incident's own; null when there is no such
 * scheme) in the same read: a recommendation's reads are round trips that wait at the peak, and
 * these two were one after the other.
 */
export async function selectIncidentTarget(db: DbOrTx, incidentId: string, schemeId?: string) {
  const rows = await sql<
    Pick<Selectable<DB['incidents']>, 'scheme_id'> & {
      lon: number;
      lat: number;
      scheme: Pick<
        Selectable<DB['ring_schemes']>,
        'id' | 'label_zh' | 'label_en' | 'tiers' | 'builtin'
      > | null;
    }
  >`
      SELECT ST_X(i.location) AS lon, ST_Y(i.location) AS lat, i.scheme_id,
             (SELECT json_build_object('id', s.id, 'label_zh', s.label_zh, 'label_en', s.label_en,
                                       'tiers', s.tiers, 'builtin', s.builtin)
                FROM ring_schemes s WHERE s.id = coalesce(${schemeId ?? null}::text, i.scheme_id)) AS scheme
        FROM incidents i WHERE i.id = ${incidentId}`.execute(db);
  return rows.rows[0];
}

/** Whether `code` is a disposition of the catalogue that is still offered (not disabled). */
export async function dispositionExists(tx: Tx, code: string): Promise<boolean> {
  const known = await tx
    .selectFrom('dispositions')
    .select('code')
    .where('code', '=', code)
    .where('disabled', '=', false)
    .executeTakeFirst();
  return !!known;
}

/** The unit's open tasks: its assignments in an active status. */
export function openAssignmentsOfUnit(db: DbOrTx, unitId: string) {
  return db
    .selectFrom('assignments')
    .select(['id', 'incident_id'])
    .where('unit_id', '=', unitId)
    .where('status', 'in', [...ACTIVE_ASSIGNMENT_STATUSES])
    .execute();
}
