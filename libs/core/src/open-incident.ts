import type { Tx } from '@ringcad/db';
import { isIncidentOpen } from '@ringcad/domain';
import type { IncidentView } from '@ringcad/contracts';
import { DomainError, forbidden } from './errors';
import { lockIncident } from './incident-log';
import type { UserPrincipal } from './principal';

/**
 * Locks an incident that a command action (checkpoints, agencies) may still act on: it must be
 * open and, for a user scoped to a jurisdiction, lie in it.
 */
export async function lockOpenIncidentInScope(tx: Tx, incidentId: string, by: UserPrincipal): Promise<IncidentView> {
  const incident = await lockIncident(tx, incidentId);
  const scope = by.jurisdictionId;
  const j = incident.jurisdiction;
  if (scope && (!j || ![j.districtId, j.stationId, j.gridId].includes(scope))) {
    throw forbidden('incident is outside your jurisdiction');
  }
  if (!isIncidentOpen(incident.status)) throw new DomainError('INCIDENT_CLOSED', `incident is ${incident.status}`);
  return incident;
}
