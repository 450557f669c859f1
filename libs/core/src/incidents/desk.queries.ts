import { sql, type Insertable, type RawBuilder, type Selectable } from 'kysely';
import type { CreateDispositionRequest, IncidentView } from '@ringcad/contracts';
import { ACTIVE_ASSIGNMENT_STATUSES, OPEN_INCIDENT_STATUSES } from '@ringcad/domain';
import type { DB, DbOrTx, Tx } from '@ringcad/db';
import type { Actor } from '../platform';

type IncidentColumns = Selectable<DB['incidents']>;
type CallColumns = Selectable<DB['incident_calls']>;

/** An `incident_notes` row. */
export type NoteRecord = Selectable<DB['incident_notes']>;

/** A call as the list shows it: the opening call (from the incident row, no id of its own) or an attached one. */
export type CallRecord = Pick<
  CallColumns,
  'incident_id' | 'caller_number' | 'caller_name' | 'received_at' | 'note' | 'merged_from'
> & {
  id: string | null;
};

/** An incident near a point (distance_m computed). */
export type NearbyIncidentRecord = Pick<
  IncidentColumns,
  'id' | 'number' | 'category' | 'status' | 'created_at'
> & { distance_m: number };

/** A call the caller made before: the incident it opened or was attached to. */
export type CallerHistoryRecord = Pick<CallColumns, 'incident_id'> &
  Pick<IncidentColumns, 'number' | 'category'> & { at: CallColumns['received_at'] };

/** The jurisdiction and scheme of a point, as create works them out. */
export type PlaceRecord = Pick<IncidentColumns, 'district_id' | 'station_id' | 'grid_id'> & {
  scheme_id: string | null;
};

const pointSql = (p: { lon: number; lat: number }) =>
  sql`ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326)`;

/** The incidents whose calls and notes an incident lists: itself and the duplicates merged into it. */
const family = (id: string) =>
  sql`(SELECT ${id}::uuid UNION ALL SELECT m.id FROM incidents m WHERE m.merged_into = ${id})`;

// ── assignments the desk checks ──

/** The unit's assignment to the incident (with `active`, only one that still binds the unit). */
export function selectUnitAssignment(
  db: DbOrTx,
  incidentId: string,
  unitId: string,
  options: { active?: boolean } = {},
) {
  let q = db
    .selectFrom('assignments')
    .select('id')
    .where('incident_id', '=', incidentId)
    .where('unit_id', '=', unitId);
  if (options.active) q = q.where('status', 'in', ACTIVE_ASSIGNMENT_STATUSES);
  return q.executeTakeFirst();
}

// ── notes ──

export function insertNote(tx: Tx, values: Insertable<DB['incident_notes']>) {
  return tx.insertInto('incident_notes').values(values).returningAll().executeTakeFirstOrThrow();
}

/** Notes of the incident and of the duplicates merged into it, in the order written. */
export async function selectFamilyNotes(db: DbOrTx, incidentId: string): Promise<NoteRecord[]> {
  const rows = await sql<NoteRecord>`
      SELECT n.* FROM incident_notes n WHERE n.incident_id IN ${family(incidentId)} ORDER BY n.at, n.id`.execute(
    db,
  );
  return rows.rows;
}

/** Notes of the given incidents (one query), in the order written. */
export async function selectNotesOf(
  db: DbOrTx,
  incidentIds: readonly string[],
): Promise<NoteRecord[]> {
  const rows = await sql<NoteRecord>`
      SELECT n.* FROM incident_notes n WHERE n.incident_id = ANY(${[...incidentIds]}::uuid[]) ORDER BY n.at, n.id`.execute(
    db,
  );
  return rows.rows;
}

// ── calls ──

export function insertCall(tx: Tx, values: Insertable<DB['incident_calls']>) {
  return tx.insertInto('incident_calls').values(values).returningAll().executeTakeFirstOrThrow();
}

/** Every call about the incident: the one that opened it, then those attached (merged ones included). */
export async function selectCalls(db: DbOrTx, incidentId: string): Promise<CallRecord[]> {
  const rows = await sql<CallRecord>`
      SELECT NULL::uuid AS id, i.id AS incident_id, i.caller_number, i.caller_name, i.received_at, NULL::text AS note,
             NULL::uuid AS merged_from
      FROM incidents i WHERE i.id = ${incidentId}
      UNION ALL
      SELECT c.id, c.incident_id, c.caller_number, c.caller_name, c.received_at, c.note, c.merged_from
      FROM incident_calls c WHERE c.incident_id = ${incidentId}
      ORDER BY received_at`.execute(db);
  return rows.rows;
}

// ── merge (并案) ──

/** The duplicate's own opening call becomes a call of the master. */
export async function insertOpeningCallOf(
  tx: Tx,
  source: IncidentView,
  master: IncidentView,
  now: Date,
  actor: Actor,
): Promise<void> {
  await sql`
        INSERT INTO incident_calls (incident_id, caller_number, caller_name, received_at, note, created_at, actor_kind,
          actor_id, actor_name, merged_from)
        VALUES (${master.id}, ${source.callerNumber}, ${source.callerName}, ${new Date(source.receivedAt)},
          ${source.description}, ${now}, ${actor.kind}, ${actor.id}, ${actor.name}, ${source.id})`.execute(
    tx,
  );
}

/** The calls attached to the duplicate move to the master; returns their ids. */
export async function moveCalls(
  tx: Tx,
  sourceId: string,
  masterId: string,
): Promise<Pick<CallColumns, 'id'>[]> {
  const moved = await sql<Pick<CallColumns, 'id'>>`
        UPDATE incident_calls SET incident_id = ${masterId}, merged_from = COALESCE(merged_from, ${sourceId}::uuid)
        WHERE incident_id = ${sourceId} RETURNING id`.execute(tx);
  return moved.rows;
}

/** Duplicates merged into the duplicate now belong to the master (one level of links). */
export async function relinkMergedInto(tx: Tx, sourceId: string, masterId: string): Promise<void> {
  await sql`UPDATE incidents SET merged_into = ${masterId} WHERE merged_into = ${sourceId}`.execute(
    tx,
  );
}

/** A working assignment is handed over with its pending ack timer (tier timers stay with the duplicate). */
export async function handOverAssignment(
  tx: Tx,
  assignmentId: string,
  masterId: string,
): Promise<void> {
  await sql`UPDATE assignments SET incident_id = ${masterId} WHERE id = ${assignmentId}`.execute(
    tx,
  );
  await sql`UPDATE timers SET incident_id = ${masterId} WHERE assignment_id = ${assignmentId} AND status = 'pending'`.execute(
    tx,
  );
}

// ── places ──

/** The jurisdiction and its scheme of a point, as create works them out. */
export async function selectPlaceOf(
  db: DbOrTx,
  p: { lon: number; lat: number },
): Promise<PlaceRecord> {
  const point = pointSql(p);
  const r = await sql<PlaceRecord>`
    WITH places AS (
      SELECT DISTINCT ON (kind) id, kind, scheme_id FROM jurisdictions
      WHERE ST_Covers(boundary, ${point}) ORDER BY kind, ST_Area(boundary))
    SELECT (SELECT id FROM places WHERE kind = 'district') AS district_id,
           (SELECT id FROM places WHERE kind = 'station') AS station_id,
           (SELECT id FROM places WHERE kind = 'grid') AS grid_id,
           coalesce((SELECT scheme_id FROM places WHERE kind = 'grid'), (SELECT scheme_id FROM places WHERE kind = 'station'),
             (SELECT scheme_id FROM places WHERE kind = 'district')) AS scheme_id`.execute(db);
  return r.rows[0];
}

/** The SQL location of a point (for a column update). */
export const locationSql = pointSql;

// ── intake context (接警前研判) ──

/** A user scoped to a jurisdiction sees only its incidents (over alias `i`). */
export const intakeScopeSql = (jurisdictionId: string | null): RawBuilder<unknown> =>
  jurisdictionId
    ? sql`(i.district_id = ${jurisdictionId} OR i.station_id = ${jurisdictionId} OR i.grid_id = ${jurisdictionId})`
    : sql`TRUE`;

/** Incidents within `radiusM` of the point since `since`, newest first. */
export async function selectPlaceHistory(
  db: DbOrTx,
  p: { lon: number; lat: number },
  radiusM: number,
  since: Date,
  inScope: RawBuilder<unknown>,
): Promise<NearbyIncidentRecord[]> {
  const pt = pointSql(p);
  const rows = await sql<NearbyIncidentRecord>`
      SELECT i.id, i.number, i.category, i.status, ST_Distance(i.location::geography, ${pt}::geography) AS distance_m, i.created_at
      FROM incidents i
      WHERE ST_DWithin(i.location::geography, ${pt}::geography, ${radiusM})
        AND i.created_at >= ${since} AND ${inScope}
      ORDER BY i.created_at DESC LIMIT 50`.execute(db);
  return rows.rows;
}

/** Open incidents within `radiusM` since `since`: those of `category` first, then the nearest. */
export async function selectOpenNearby(
  db: DbOrTx,
  p: { lon: number; lat: number },
  q: { radiusM: number; since: Date; category: string | null },
  inScope: RawBuilder<unknown>,
): Promise<NearbyIncidentRecord[]> {
  const pt = pointSql(p);
  const rows = await sql<NearbyIncidentRecord>`
      SELECT i.id, i.number, i.category, i.status, ST_Distance(i.location::geography, ${pt}::geography) AS distance_m, i.created_at
      FROM incidents i
      WHERE i.status = ANY(${[...OPEN_INCIDENT_STATUSES]}::text[])
        AND i.created_at >= ${q.since}
        AND ST_DWithin(i.location::geography, ${pt}::geography, ${q.radiusM}) AND ${inScope}
      ORDER BY (i.category = ${q.category}::text) DESC NULLS LAST, distance_m LIMIT 10`.execute(db);
  return rows.rows;
}

/** The calls from this number: incidents it opened and calls attached elsewhere, newest first. */
export async function selectCallerHistory(
  db: DbOrTx,
  callerNumber: string,
  inScope: RawBuilder<unknown>,
): Promise<CallerHistoryRecord[]> {
  const rows = await sql<CallerHistoryRecord>`
          SELECT x.incident_id, i.number, x.at, i.category FROM (
            SELECT i.id AS incident_id, i.received_at AS at FROM incidents i WHERE i.caller_number = ${callerNumber}
            UNION ALL
            SELECT c.incident_id, c.received_at FROM incident_calls c WHERE c.caller_number = ${callerNumber}) x
          JOIN incidents i ON i.id = x.incident_id
          WHERE ${inScope}
          ORDER BY x.at DESC LIMIT 20`.execute(db);
  return rows.rows;
}

// ── dispositions (处理结果) ──

export function selectDispositions(db: DbOrTx) {
  return db.selectFrom('dispositions').selectAll().orderBy('sort').orderBy('code').execute();
}

/** A new disposition code; undefined when the code exists already. */
export function insertDisposition(db: DbOrTx, input: CreateDispositionRequest) {
  return db
    .insertInto('dispositions')
    .values({
      code: input.code,
      label_zh: input.label.zh,
      label_en: input.label.en,
      transfer_agency: null,
      sort: 500,
    })
    .onConflict((oc) => oc.column('code').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function updateDispositionRow(
  db: DbOrTx,
  code: string,
  set: { label?: { zh: string; en: string }; sort?: number; disabled?: boolean },
) {
  return db
    .updateTable('dispositions')
    .set({
      ...(set.label ? { label_zh: set.label.zh, label_en: set.label.en } : {}),
      ...(set.sort !== undefined ? { sort: set.sort } : {}),
      ...(set.disabled !== undefined ? { disabled: set.disabled } : {}),
    })
    .where('code', '=', code)
    .returningAll()
    .executeTakeFirst();
}

export function selectDispositionRow(db: DbOrTx, code: string) {
  return db.selectFrom('dispositions').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function incidentsClosedWith(db: DbOrTx, code: string): Promise<number> {
  const r = await db
    .selectFrom('incidents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('disposition', '=', code)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function deleteDispositionRow(db: DbOrTx, code: string) {
  await db.deleteFrom('dispositions').where('code', '=', code).execute();
}
