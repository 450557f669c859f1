import type { AlertView } from '@ringcad/contracts';
import { hasRole, type Principal } from '../platform';
import type { AlertRecord } from './alerts.queries';

/**
 * Alerts about a district rather than an incident: its coverage is below its defense level, or a
 * standing perimeter of it (data.districtId; null: the city's) is below its tier's target.
 */
export function isDistrictAlert(a: Pick<AlertView, 'kind'>): boolean {
  return a.kind === 'coverage_below_target' || a.kind === 'perimeter_below_target';
}

/**
 * The seats that act on district alerts — dispatchers move units, commanders set levels, and
 * only they acknowledge alerts — get them (list, `sync`, live push); a call-taker's seat does not.
 */
export function actsOnDistrictAlerts(p: Principal): boolean {
  return hasRole(p, 'dispatcher', 'commander');
}

export function toAlertView(
  r: Pick<
    AlertRecord,
    | 'id'
    | 'kind'
    | 'incident_id'
    | 'unit_id'
    | 'assignment_id'
    | 'at'
    | 'data'
    | 'acknowledged_at'
    | 'exercise'
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
    exercise: r.exercise,
  };
}
