import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Geometry = ColumnType<unknown, never, never>;

export interface UsersTable {
  id: Generated<string>;
  username: string;
  password_hash: string;
  roles: string[];
  jurisdiction_id: string | null;
  created_at: Generated<Timestamp>;
  /** Set when an admin disables the account (migration 0009); null while it may log in. */
  disabled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}
export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}
export interface JurisdictionsTable {
  id: Generated<string>;
  name: string;
  kind: 'district' | 'station' | 'grid';
  parent_id: string | null;
  scheme_id: string | null;
  boundary: Geometry;
  created_at: Generated<Timestamp>;
}
export interface PlaceTable {
  id: Generated<string>;
  name: string;
  location: Geometry;
  created_at: Generated<Timestamp>;
}
export interface UnitsTable {
  id: Generated<string>;
  callsign: string;
  kind: string;
  station_id: string | null;
  status: string;
  terminal_token_hash: string;
  position: Geometry;
  position_at: Timestamp | null;
  speed_kmh: number | null;
  heading_deg: number | null;
  status_changed_at: Timestamp;
  version: Generated<number>;
  created_at: Generated<Timestamp>;
}
export interface UnitTracksTable {
  unit_id: string;
  at: Timestamp;
  lon: number;
  lat: number;
  speed_kmh: number | null;
  heading_deg: number | null;
  flags: number;
  received_at: Timestamp;
}
export interface IncidentsTable {
  id: Generated<string>;
  number: string;
  status: string;
  category: string;
  priority: number;
  scheme_id: string;
  location: Geometry;
  input_crs: string;
  input_lon: number | null;
  input_lat: number | null;
  address: string | null;
  caller_number: string | null;
  caller_name: string | null;
  description: string | null;
  district_id: string | null;
  station_id: string | null;
  grid_id: string | null;
  received_at: Timestamp;
  created_at: Timestamp;
  dispatched_at: Timestamp | null;
  first_arrived_at: Timestamp | null;
  resolved_at: Timestamp | null;
  closed_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  disposition: string | null;
  cancel_reason: string | null;
  created_by: string | null;
  version: number;
  merged_into: string | null;
}
export interface IncidentCallsTable {
  id: Generated<string>;
  incident_id: string;
  caller_number: string | null;
  caller_name: string | null;
  received_at: Timestamp;
  note: string | null;
  created_at: Timestamp;
  actor_kind: string;
  actor_id: string | null;
  actor_name: string | null;
  merged_from: string | null;
}
export interface IncidentNotesTable {
  id: Generated<string>;
  incident_id: string;
  at: Timestamp;
  actor_kind: string;
  actor_id: string | null;
  actor_name: string | null;
  text: string;
}
export interface DispositionsTable {
  code: string;
  label_zh: string;
  label_en: string;
  transfer_agency: string | null;
  sort: Generated<number>;
  builtin: Generated<boolean>;
  created_at: Generated<Timestamp>;
}
export interface PremisesTable {
  id: Generated<string>;
  name: string;
  level: string;
  text: string;
  geom: Geometry;
  created_at: Timestamp;
  updated_at: Timestamp;
  created_by: string | null;
}
export interface AssignmentsTable {
  id: Generated<string>;
  incident_id: string;
  unit_id: string;
  role: string;
  status: string;
  eta_sec: number | null;
  eta_method: string | null;
  assigned_at: Timestamp;
  acked_at: Timestamp | null;
  departed_at: Timestamp | null;
  arrived_at: Timestamp | null;
  cleared_at: Timestamp | null;
  declined_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  assigned_by: string | null;
}
export interface IncidentEventsTable {
  seq: Generated<number>;
  incident_id: string;
  version: number;
  type: string;
  at: Timestamp;
  actor_kind: 'user' | 'unit' | 'system';
  actor_id: string | null;
  actor_name: string | null;
  data: ColumnType<Record<string, unknown>, string, string>;
}
export interface AuditEventsTable {
  seq: Generated<number>;
  at: Timestamp;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  data: ColumnType<Record<string, unknown>, string, string>;
}
export interface TimersTable {
  id: string;
  kind: 'ack_overdue' | 'tier_deadline' | 'check_in_prompt' | 'check_in_overdue';
  incident_id: string;
  assignment_id: string | null;
  tier_index: number | null;
  due_at: Timestamp;
  status: 'pending' | 'fired' | 'cancelled';
  created_at: Timestamp;
  settled_at: Timestamp | null;
}
export interface AlertsTable {
  id: Generated<string>;
  kind: string;
  incident_id: string | null;
  unit_id: string | null;
  assignment_id: string | null;
  timer_id: string | null;
  at: Timestamp;
  data: ColumnType<Record<string, unknown>, string, string>;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  /** Null until the alert outbox has pushed it to the consoles. */
  delivered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}
export interface IncidentCountersTable {
  day: string;
  n: number;
}

export interface DB {
  users: UsersTable;
  sessions: SessionsTable;
  jurisdictions: JurisdictionsTable;
  checkpoints: PlaceTable;
  standby_points: PlaceTable;
  units: UnitsTable;
  unit_tracks: UnitTracksTable;
  incident_counters: IncidentCountersTable;
  incidents: IncidentsTable;
  incident_calls: IncidentCallsTable;
  incident_notes: IncidentNotesTable;
  dispositions: DispositionsTable;
  premises: PremisesTable;
  assignments: AssignmentsTable;
  incident_events: IncidentEventsTable;
  audit_events: AuditEventsTable;
  timers: TimersTable;
  alerts: AlertsTable;
}
