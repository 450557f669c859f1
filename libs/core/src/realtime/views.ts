import type { AssignmentView, IncidentView, UnitView } from '@ringcad/contracts';
import { maskName, maskPhone } from '@ringcad/domain';
import type { Selectable } from 'kysely';
import type { AssignmentsTable, UnitsTable } from '@ringcad/db';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export interface IncidentRow {
  id: string;
  number: string;
  status: string;
  category: string;
  priority: number;
  scheme_id: string;
  lon: number;
  lat: number;
  address: string | null;
  caller_number: string | null;
  caller_name: string | null;
  description: string | null;
  district_id: string | null;
  station_id: string | null;
  grid_id: string | null;
  received_at: Date;
  created_at: Date;
  dispatched_at: Date | null;
  closed_at: Date | null;
  version: number;
  exercise: boolean;
}

/** Columns every incident read selects (location split into lon/lat). */
export const INCIDENT_COLUMNS = `i.id, i.number, i.status, i.category, i.priority, i.scheme_id,
  ST_X(i.location) AS lon, ST_Y(i.location) AS lat, i.address, i.caller_number, i.caller_name,
  i.description, i.district_id, i.station_id, i.grid_id, i.received_at, i.created_at,
  i.dispatched_at, i.closed_at, i.version, i.exercise`;

export function toIncidentView(r: IncidentRow): IncidentView {
  const j = r.district_id || r.station_id || r.grid_id;
  return {
    id: r.id,
    number: r.number,
    status: r.status,
    category: r.category,
    priority: r.priority as 1 | 2 | 3,
    schemeId: r.scheme_id,
    location: { lon: r.lon, lat: r.lat },
    address: r.address,
    callerNumber: r.caller_number,
    callerName: r.caller_name,
    description: r.description,
    jurisdiction: j
      ? { districtId: r.district_id, stationId: r.station_id, gridId: r.grid_id }
      : null,
    receivedAt: iso(r.received_at) as string,
    createdAt: iso(r.created_at) as string,
    dispatchedAt: iso(r.dispatched_at),
    closedAt: iso(r.closed_at),
    version: r.version,
    exercise: r.exercise,
  };
}

/** The incident as roles that do not talk to callers see it: caller number and name masked. */
export function maskIncident(v: IncidentView): IncidentView {
  return { ...v, callerNumber: maskPhone(v.callerNumber), callerName: maskName(v.callerName) };
}

export function jurisdictionIdsOf(v: IncidentView): (string | null)[] {
  return v.jurisdiction
    ? [v.jurisdiction.districtId, v.jurisdiction.stationId, v.jurisdiction.gridId]
    : [];
}

/** An assignment as every read selects it (ASSIGNMENT_COLUMNS): its row, its unit's callsign and kind. */
export type AssignmentRow = Omit<Selectable<AssignmentsTable>, 'assigned_by' | 'checkpoint_id'> & {
  callsign: UnitsTable['callsign'];
  unit_kind: UnitsTable['kind'];
};

export const ASSIGNMENT_COLUMNS = `a.id, a.incident_id, a.unit_id, u.callsign, u.kind AS unit_kind, a.role, a.status,
  a.eta_sec, a.eta_method, a.assigned_at, a.acked_at, a.departed_at, a.arrived_at, a.cleared_at,
  a.declined_at, a.cancelled_at`;

export function toAssignmentView(r: AssignmentRow): AssignmentView {
  return {
    id: r.id,
    incidentId: r.incident_id,
    unitId: r.unit_id,
    callsign: r.callsign,
    unitKind: r.unit_kind,
    role: r.role,
    status: r.status,
    etaSec: r.eta_sec,
    etaMethod: r.eta_method,
    assignedAt: iso(r.assigned_at) as string,
    ackedAt: iso(r.acked_at),
    departedAt: iso(r.departed_at),
    arrivedAt: iso(r.arrived_at),
    clearedAt: iso(r.cleared_at),
    declinedAt: iso(r.declined_at),
    cancelledAt: iso(r.cancelled_at),
  };
}

export interface UnitRow {
  id: string;
  callsign: string;
  kind: string;
  status: string;
  station_id: string | null;
  lon: number | null;
  lat: number | null;
  position_at: Date | null;
  version: number;
  num: number;
}

export const UNIT_COLUMNS = `u.id, u.callsign, u.kind, u.status, u.station_id, ST_X(u.position) AS lon,
  ST_Y(u.position) AS lat, u.position_at, u.version, u.num`;

export function toUnitView(r: UnitRow, now: Date, staleSec: number): UnitView {
  return {
    id: r.id,
    callsign: r.callsign,
    kind: r.kind as UnitView['kind'],
    status: r.status,
    stationId: r.station_id,
    position:
      r.lon !== null && r.lat !== null && r.position_at
        ? {
            lon: r.lon,
            lat: r.lat,
            at: new Date(r.position_at).toISOString(),
            stale: now.getTime() - new Date(r.position_at).getTime() > staleSec * 1000,
          }
        : null,
    version: r.version,
    num: r.num,
  };
}
