import type { AlertView } from '@ringcad/contracts';
import type { AlertRecord } from './alerts.queries';

export function toAlertView(
  r: Pick<
    AlertRecord,
    'id' | 'kind' | 'incident_id' | 'unit_id' | 'assignment_id' | 'at' | 'data' | 'acknowledged_at'
  >,
): AlertView {
  return {
    id: r.id,
    kind: r.kind as AlertView['kind'],
    incidentId: r.incident_id,
    unitId: r.unit_id,
    assignmentId: r.assignment_id,
    at: new Date(r.at).toISOString(),
    data: r.data,
    acknowledgedAt: r.acknowledged_at ? new Date(r.acknowledged_at).toISOString() : null,
  };
}
