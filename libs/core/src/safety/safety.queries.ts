import { sql, type Insertable, type RawBuilder, type Selectable } from 'kysely';
import type { DB, DbOrTx, Tx } from '@ringcad/db';
import type { AlertRecord } from '../alerts';

type EmergencyColumns = Selectable<DB['emergencies']>;

/** An `emergencies` row with its unit's callsign, its incident's number and its alert. */
export type EmergencyRecord = EmergencyColumns &
  Pick<Selectable<DB['units']>, 'callsign'> & {
    incident_number: Selectable<DB['incidents']>['number'] | null;
    alert_id: Selectable<DB['alerts']>['id'] | null;
  };

/** A new emergency's columns, as the raise inserts them. */
export type NewEmergency = Pick<
  EmergencyColumns,
  | 'unit_id'
  | 'raised_at'
  | 'device_at'
  | 'raised_by_kind'
  | 'raised_by_id'
  | 'raised_by_name'
  | 'lon'
  | 'lat'
>;

/** An on-scene check as `onScene` reads it: the assignment's status and arrival, its unit's callsign. */
export type AssignmentSceneRecord = Pick<
  Selectable<DB['assignments']>,
  'status' | 'unit_id' | 'arrived_at'
> &
  Pick<Selectable<DB['units']>, 'callsign'>;

/** A check-in prompt waiting for its answer (its `check_in_overdue` timer). */
export type OpenPromptRecord = Pick<
  Selectable<DB['timers']>,
  'incident_id' | 'created_at' | 'due_at'
> & { assignment_id: string } & Pick<Selectable<DB['incidents']>, 'number'>;

/** Which emergencies to read. */
export type EmergencyFilter = { id: string } | { activeOfUnit: string } | { active: true };

const SELECT_EMERGENCIES = sql`
  SELECT e.*, u.callsign, i.number AS incident_number,
    (SELECT a.id FROM alerts a WHERE a.kind = 'emergency' AND a.incident_id = e.incident_id AND a.unit_id = e.unit_id LIMIT 1) AS alert_id
  FROM emergencies e JOIN units u ON u.id = e.unit_id LEFT JOIN incidents i ON i.id = e.incident_id`;

function emergencyWhere(f: EmergencyFilter): RawBuilder<unknown> {
  if ('id' in f) return sql`e.id = ${f.id}`;
  if ('activeOfUnit' in f) return sql`e.unit_id = ${f.activeOfUnit} AND e.cleared_at IS NULL`;
  return sql`e.cleared_at IS NULL`;
}

/** Emergencies matching `f`, newest first. */
export async function selectEmergencies(
  db: DbOrTx,
  f: EmergencyFilter,
): Promise<EmergencyRecord[]> {
  const r =
    await sql<EmergencyRecord>`${SELECT_EMERGENCIES} WHERE ${emergencyWhere(f)} ORDER BY e.raised_at DESC`.execute(
      db,
    );
  return r.rows;
}

/** Claims the unit's one active emergency: its id, or undefined when the unit has one already. */
export async function claimEmergency(db: DbOrTx, e: NewEmergency): Promise<string | undefined> {
  const claimed = await sql<Pick<EmergencyColumns, 'id'>>`
      INSERT INTO emergencies (unit_id, raised_at, device_at, raised_by_kind, raised_by_id, raised_by_name, lon, lat)
      VALUES (${e.unit_id}, ${e.raised_at}, ${e.device_at}, ${e.raised_by_kind}, ${e.raised_by_id}, ${e.raised_by_name}, ${e.lon}, ${e.lat})
      ON CONFLICT (unit_id) WHERE cleared_at IS NULL DO NOTHING RETURNING id`.execute(db);
  return claimed.rows[0]?.id;
}

export async function deleteEmergency(db: DbOrTx, emergencyId: string): Promise<void> {
  await sql`DELETE FROM emergencies WHERE id = ${emergencyId}`.execute(db);
}

export async function setEmergencyIncident(
  tx: Tx,
  emergencyId: string,
  incidentId: string,
): Promise<void> {
  await sql`UPDATE emergencies SET incident_id = ${incidentId} WHERE id = ${emergencyId}`.execute(
    tx,
  );
}

export async function insertEmergencyAlert(
  tx: Tx,
  values: Insertable<DB['alerts']>,
): Promise<void> {
  await tx.insertInto('alerts').values(values).execute();
}

/** Clears the emergency if still active; false when it was cleared meanwhile. */
export async function clearEmergencyRow(
  tx: Tx,
  emergencyId: string,
  now: Date,
  by: string,
  reason: string,
): Promise<boolean> {
  const done =
    await sql`UPDATE emergencies SET cleared_at = ${now}, cleared_by = ${by}, clear_reason = ${reason}
        WHERE id = ${emergencyId} AND cleared_at IS NULL RETURNING id`.execute(tx);
  return done.rows.length > 0;
}

/** Acknowledges the unit's open emergency alerts of the incident; the rows it acknowledged. */
export async function acknowledgeEmergencyAlerts(
  tx: Tx,
  incidentId: string,
  unitId: string,
  now: Date,
  by: string,
): Promise<AlertRecord[]> {
  const acked =
    await sql<AlertRecord>`UPDATE alerts SET acknowledged_at = ${now}, acknowledged_by = ${by}
          WHERE kind = 'emergency' AND incident_id = ${incidentId} AND unit_id = ${unitId} AND acknowledged_at IS NULL
          RETURNING *`.execute(tx);
  return acked.rows;
}

/** The assignment's pending check-in timers. */
export function pendingCheckInTimers(tx: Tx, assignmentId: string) {
  return tx
    .selectFrom('timers')
    .select('id')
    .where('assignment_id', '=', assignmentId)
    .where('kind', 'in', ['check_in_prompt', 'check_in_overdue'])
    .where('status', '=', 'pending')
    .execute();
}

/** When the unit last wrote to the incident's log (note, message, stage, check-in) after `since`. */
export async function lastUnitEventAt(
  tx: Tx,
  incidentId: string,
  unitId: string,
  since: Date,
): Promise<Selectable<DB['incident_events']>['at'] | null> {
  const r = await sql<{ at: Selectable<DB['incident_events']>['at'] | null }>`
      SELECT max(at) AS at FROM incident_events
      WHERE incident_id = ${incidentId} AND actor_kind = 'unit' AND actor_id = ${unitId} AND at > ${since}`.execute(
    tx,
  );
  return r.rows[0]?.at ?? null;
}

export async function assignmentScene(
  tx: Tx,
  assignmentId: string,
): Promise<AssignmentSceneRecord | undefined> {
  const a = await sql<AssignmentSceneRecord>`
      SELECT a.status, a.unit_id, u.callsign, a.arrived_at FROM assignments a JOIN units u ON u.id = a.unit_id WHERE a.id = ${assignmentId}`.execute(
    tx,
  );
  return a.rows[0];
}

/** The assignment's incident and unit. */
export function assignmentIncidentAndUnit(tx: Tx, assignmentId: string) {
  return tx
    .selectFrom('assignments')
    .select(['incident_id', 'unit_id'])
    .where('id', '=', assignmentId)
    .executeTakeFirst();
}

/** Prompts the unit has not answered, on assignments still on scene. */
export async function openCheckInPrompts(db: DbOrTx, unitId: string): Promise<OpenPromptRecord[]> {
  const r = await sql<OpenPromptRecord>`
      SELECT t.assignment_id, t.incident_id, i.number, t.created_at, t.due_at FROM timers t
      JOIN assignments a ON a.id = t.assignment_id JOIN incidents i ON i.id = t.incident_id
      WHERE t.kind = 'check_in_overdue' AND t.status = 'pending' AND a.unit_id = ${unitId} AND a.status = 'on_scene'`.execute(
    db,
  );
  return r.rows;
}

/** The assignment's unit and where it is sent (its checkpoint, else the incident). */
export async function assignmentTarget(
  db: DbOrTx,
  assignmentId: string,
): Promise<
  (Pick<Selectable<DB['assignments']>, 'unit_id'> & { lon: number; lat: number }) | undefined
> {
  const a = await sql<
    Pick<Selectable<DB['assignments']>, 'unit_id'> & { lon: number; lat: number }
  >`
      SELECT a.unit_id, ST_X(coalesce(c.location, i.location)) AS lon, ST_Y(coalesce(c.location, i.location)) AS lat
      FROM assignments a JOIN incidents i ON i.id = a.incident_id LEFT JOIN checkpoints c ON c.id = a.checkpoint_id
      WHERE a.id = ${assignmentId}`.execute(db);
  return a.rows[0];
}

/** Sets the unit's terminal token hash; its callsign, or undefined when there is no such unit. */
export async function setTerminalTokenHash(
  db: DbOrTx,
  unitId: string,
  hash: string,
): Promise<string | undefined> {
  const r = await sql<Pick<Selectable<DB['units']>, 'callsign'>>`
      UPDATE units SET terminal_token_hash = ${hash} WHERE id = ${unitId} RETURNING callsign`.execute(
    db,
  );
  return r.rows[0]?.callsign;
}
