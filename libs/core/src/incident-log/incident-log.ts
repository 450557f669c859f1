import type { DbOrTx, Tx } from '@ringcad/db';
import type { IncidentView } from '@ringcad/contracts';
import { notFound, type Actor } from '../platform';
import { toIncidentView } from '../realtime';
import {
  insertIncidentEvent,
  selectIncident,
  updateIncidentVersion,
  type IncidentSet,
} from './incident-log.queries';

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
  await insertIncidentEvent(tx, { incidentId, version, type, at, actor, data });
}

/** Locks the incident row for the rest of the transaction: changes to one incident are serial. */
export async function lockIncident(tx: Tx, id: string): Promise<IncidentView> {
  const row = await selectIncident(tx, id, { forUpdate: true });
  if (!row) throw notFound('incident', id);
  return toIncidentView(row);
}

export async function readIncident(tx: DbOrTx, id: string): Promise<IncidentView> {
  const row = await selectIncident(tx, id);
  if (!row) throw notFound('incident', id);
  return toIncidentView(row);
}

/** Bumps the incident's version (every change does) and returns the new one. */
export function bumpIncident(tx: Tx, id: string, set: IncidentSet = {}): Promise<number> {
  return updateIncidentVersion(tx, id, set);
}
