import { sql } from 'kysely';
import type { DbOrTx, Tx } from '@ringcad/db';
import { notFound, type Actor } from '../platform';
import { INCIDENT_COLUMNS, toIncidentView, type IncidentRow } from '../realtime';
import type { IncidentView } from '@ringcad/contracts';

/** Appends to the incident's append-only log at the given (already bumped) version. */
export async function appendIncidentEvent(
  tx: Tx,
  incidentId: string,
  version: number,
  type: string,
  at: Date,
  actor: Actor,
  data: Record<string, unknown> = {},
) {
  await tx
    .insertInto('incident_events')
    .values({
      incident_id: incidentId,
      version,
      type,
      at,
      actor_kind: actor.kind,
      actor_id: actor.id,
      actor_name: actor.name,
      data: JSON.stringify(data),
    })
    .execute();
}

/** Locks the incident row for the rest of the transaction: changes to one incident are serial. */
export async function lockIncident(tx: Tx, id: string): Promise<IncidentView> {
  const rows = await sql<IncidentRow>`SELECT ${sql.raw(INCIDENT_COLUMNS)} FROM incidents i WHERE i.id = ${id} FOR UPDATE`.execute(tx);
  if (!rows.rows[0]) throw notFound('incident', id);
  return toIncidentView(rows.rows[0]);
}

export async function readIncident(tx: DbOrTx, id: string): Promise<IncidentView> {
  const rows = await sql<IncidentRow>`SELECT ${sql.raw(INCIDENT_COLUMNS)} FROM incidents i WHERE i.id = ${id}`.execute(tx);
  if (!rows.rows[0]) throw notFound('incident', id);
  return toIncidentView(rows.rows[0]);
}

/** Bumps the incident's version (every change does) and returns the new one. */
export async function bumpIncident(tx: Tx, id: string, set: Record<string, unknown> = {}): Promise<number> {
  const assignments = Object.entries(set).map(([col, value]) => sql`${sql.ref(col)} = ${value}`);
  const rows = await sql<{ version: number }>`
    UPDATE incidents SET ${sql.join([...assignments, sql`version = version + 1`])}
    WHERE id = ${id} RETURNING version`.execute(tx);
  return rows.rows[0].version;
}
