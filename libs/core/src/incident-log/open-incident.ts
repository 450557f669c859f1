import type { Tx } from '@ringcad/db';
import { isIncidentOpen } from '@ringcad/domain';
import type { IncidentView } from '@ringcad/contracts';
import { DomainError } from '../platform';
import { lockIncident } from './incident-log';
import { assertIncidentInScope, type Scope } from '../auth';

/**
 * Locks an incident that a command action (checkpoints, agencies) may still act on: it must be
 * open and in the caller's scope (resolve it with ScopeService.scopeOf before the transaction).
 */
export async function lockOpenIncidentInScope(
  tx: Tx,
  incidentId: string,
  scope: Scope,
): Promise<IncidentView> {
  const incident = await lockIncident(tx, incidentId);
  assertIncidentInScope(scope, incident);
  if (!isIncidentOpen(incident.status))
    throw new DomainError('INCIDENT_CLOSED', `incident is ${incident.status}`);
  return incident;
}
