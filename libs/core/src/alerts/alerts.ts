import type { AlertView } from '@ringcad/contracts';

/** An `alerts` row as SQL returns it. */
export interface AlertRow {
  id: string;
  kind: AlertView['kind'];
  incident_id: string | null;
  unit_id: string | null;
  assignment_id: string | null;
  at: Date;
  data: Record<string, unknown>;
  acknowledged_at: Date | null;
}

export function toAlertView(r: AlertRow): AlertView {
  return {
    id: r.id,
    kind: r.kind,
    incidentId: r.incident_id,
    unitId: r.unit_id,
    assignmentId: r.assignment_id,
    at: new Date(r.at).toISOString(),
    data: r.data,
    acknowledgedAt: r.acknowledged_at ? new Date(r.acknowledged_at).toISOString() : null,
  };
}
