import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { DB, DbOrTx, Tx } from '@ringcad/db';
import type { Actor } from '../platform';
import { INCIDENT_COLUMNS } from '../realtime';

type IncidentColumns = Selectable<DB['incidents']>;

/** An incident as INCIDENT_COLUMNS selects it: its columns, with the location split into lon/lat. */
export type IncidentRecord = Pick<
  IncidentColumns,
  | 'id'
  | 'number'
  | 'status'
  | 'category'
  | 'priority'
  | 'scheme_id'
  | 'address'
  | 'caller_number'
  | 'caller_name'
  | 'description'
  | 'district_id'
  | 'station_id'
  | 'grid_id'
  | 'received_at'
  | 'created_at'
  | 'dispatched_at'
  | 'closed_at'
  | 'version'
  | 'exercise'
> & { lon: number; lat: number };

/** Column values for an incident update: a value, or SQL (`COALESCE(first_arrived_at, …)`). */
export type IncidentSet = Partial<Record<keyof DB['incidents'], unknown>>;

/** The incident's row (INCIDENT_COLUMNS), locked for the rest of the transaction with `forUpdate`. */
export async function selectIncident(
  db: DbOrTx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<IncidentRecord | undefined> {
  const lock = options.forUpdate ? sql` FOR UPDATE` : sql``;
  const rows =
    await sql<IncidentRecord>`SELECT ${sql.raw(INCIDENT_COLUMNS)} FROM incidents i WHERE i.id = ${id}${lock}`.execute(
      db,
    );
  return rows.rows[0];
}

/** Sets the given columns and bumps the version in one UPDATE; returns the new version. */
export async function updateIncidentVersion(
  tx: Tx,
  id: string,
  set: IncidentSet = {},
): Promise<number> {
  const assignments = Object.entries(set).map(([col, value]) => sql`${sql.ref(col)} = ${value}`);
  const rows = await sql<Pick<IncidentColumns, 'version'>>`
    UPDATE incidents SET ${sql.join([...assignments, sql`version = version + 1`])}
    WHERE id = ${id} RETURNING version`.execute(tx);
  return rows.rows[0].version;
}

/** What an incident event records. */
export interface IncidentEventInsert {
  /** The incident's id, or SQL over `from` (`ins.id` in the create statement). */
  incidentId: string | RawBuilder<unknown>;
  version: number;
  type: string;
  at: Date;
  actor: Actor;
  data: Record<string, unknown>;
  /** jsonb merged into `data`, computed in the same statement (the create's number and scheme). */
  dataSql?: RawBuilder<unknown>;
  /** The relation the values are computed over (a CTE of the same statement, `ins`). */
  from?: RawBuilder<unknown>;
}

/**
 * The one way an incident event is written: this INSERT, run alone (appendIncidentEvent) or as a
 * CTE of a larger statement (the incident create, which stays one round trip).
 */
export function incidentEventInsertSql(e: IncidentEventInsert): RawBuilder<unknown> {
  const data = e.dataSql
    ? sql`${JSON.stringify(e.data)}::jsonb || ${e.dataSql}`
    : sql`${JSON.stringify(e.data)}::jsonb`;
  const from = e.from ? sql` FROM ${e.from}` : sql``;
  return sql`INSERT INTO incident_events (incident_id, version, type, at, actor_kind, actor_id, actor_name, data)
        SELECT ${e.incidentId}, ${e.version}, ${e.type}, ${e.at}, ${e.actor.kind}, ${e.actor.id}, ${e.actor.name}, ${data}${from}`;
}

export async function insertIncidentEvent(
  db: DbOrTx,
  e: Omit<IncidentEventInsert, 'from' | 'dataSql'>,
): Promise<void> {
  await incidentEventInsertSql(e).execute(db);
}

/** An incident's log in the order it was written. */
export function selectIncidentEvents(db: DbOrTx, incidentId: string) {
  return db
    .selectFrom('incident_events')
    .select(['seq', 'type', 'at', 'actor_kind', 'actor_id', 'actor_name', 'version', 'data'])
    .where('incident_id', '=', incidentId)
    .orderBy('seq')
    .execute();
}
