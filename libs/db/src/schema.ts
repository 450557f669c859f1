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
  /** Small stable number for compact position messages (migration 0005). */
  num: Generated<number>;
  /** The transaction that last added the unit or changed its roster columns (migration 0027). */
  roster_xact: Generated<number>;
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
  /** 演练: never in reports, KPIs or the index (migration 0021). */
  exercise: Generated<boolean>;
  exercise_id: string | null;
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
  /** A disabled code is no longer offered when closing (migration 0017). */
  disabled: Generated<boolean>;
  created_at: Generated<Timestamp>;
}
/** Ring schemes: the built-ins and admins' own (migration 0017). */
export interface RingSchemesTable {
  id: string;
  label_zh: string;
  label_en: string;
  /** JSON text of RingTier[] on insert; parsed jsonb on select. */
  tiers: unknown;
  builtin: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
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
  /** The checkpoint a `checkpoint` assignment mans (migration 0007). */
  checkpoint_id: ColumnType<string | null, string | null | undefined, string | null>;
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
  /** Set by a trigger from the incident (migration 0021). */
  exercise: Generated<boolean>;
}
/** Written by triggers on units (migration 0006). */
export interface UnitStatusHistoryTable {
  unit_id: string;
  at: Timestamp;
  status: string;
}
export interface RoadNetworksTable {
  id: Generated<number>;
  source: string;
  format: string;
  imported_at: Timestamp;
  nodes: number;
  segments: number;
  edges: number;
  bbox: number[];
  stats: ColumnType<
    { components: number; largestComponentNodes: number; islandNodes: number },
    string,
    string
  >;
  graph: Uint8Array;
  active: Generated<boolean>;
}
export interface RoadEdgesTable {
  network_id: number;
  id: number;
  source: number;
  target: number;
  class: string;
  name: string | null;
  length_m: number;
  speed_kmh: number;
  cost_s: number;
  reverse_cost_s: number;
  geom: Geometry;
}
export interface ResponsePlansTable {
  id: Generated<string>;
  name: string | null;
  category: string;
  priority: number;
  jurisdiction_id: string | null;
  scheme_id: string;
  units: ColumnType<{ kind: string; count: number; tier: number }[], string, string>;
  notify: Generated<string[]>;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export interface AgencyNotificationsTable {
  id: Generated<string>;
  incident_id: string;
  /** CHECK allows 119, 120 and 122 only (migration 0007), not 12345. */
  agency: string;
  mode: 'notify' | 'transfer';
  note: string | null;
  url: string;
  status: Generated<'pending' | 'delivered' | 'failed'>;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
  actor_name: string;
}
export interface DefenseLevelChangesTable {
  seq: Generated<number>;
  jurisdiction_id: string | null;
  level: number;
  reason: string;
  at: Timestamp;
  actor_id: string | null;
  actor_name: string;
}
export interface CoverageBreachesTable {
  district_id: string;
  open: boolean;
  level: number;
  alert_id: string | null;
  changed_at: Timestamp;
}
/** 环城封控圈 standing perimeters (migration 0020). */
export interface PerimetersTable {
  id: Generated<string>;
  name: string;
  jurisdiction_id: string | null;
  tiers: ColumnType<{ sec: number; targetPct: number }[], string, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export interface PerimeterCheckpointsTable {
  perimeter_id: string;
  checkpoint_id: string;
  ord: number;
}
export interface PerimeterBreachesTable {
  perimeter_id: string;
  tier_sec: number;
  open: boolean;
  alert_id: string | null;
  changed_at: Timestamp;
}
export interface PerimeterActivationsTable {
  id: Generated<string>;
  perimeter_id: string;
  incident_id: string;
  assignments: ColumnType<
    { assignmentId: string; unitId: string; checkpointId: string | null }[],
    string,
    string
  >;
  activated_at: Timestamp;
  activated_by: string | null;
  recalled_at: Timestamp | null;
  recalled_by: string | null;
}
/** 训练模拟 switches (migration 0016); a missing row is off. */
export interface TrainingSettingsTable {
  key: string;
  enabled: boolean;
  updated_at: Timestamp;
  updated_by: string | null;
  updated_by_name: string | null;
}
/** 巡逻方案 (migration 0018): the shape (points, lines, areas, shift) is the `body` document. */
export interface PatrolPlansTable {
  id: Generated<string>;
  name: string;
  jurisdiction_id: string;
  unit_ids: string[];
  body: ColumnType<unknown, string, string>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export interface IdempotencyKeysTable {
  principal: string;
  key: string;
  request_hash: string;
  incident_id: string;
  possible_duplicates: ColumnType<unknown, string | undefined, string>;
  created_at: Generated<Timestamp>;
}
export interface IncidentCountersTable {
  day: string;
  n: number;
}

/** 警务通 messages between desk and units (migration 0013). */
export interface MessagesTable {
  id: Generated<string>;
  at: Timestamp;
  device_at: Timestamp | null;
  from_kind: 'user' | 'unit';
  from_id: string;
  from_name: string;
  text: string;
  to_desk: Generated<boolean>;
  to_unit_ids: Generated<string[]>;
  to_jurisdiction_id: string | null;
  incident_id: string | null;
  reply_to: string | null;
  client_id: string | null;
  /** The consoles that see it: the jurisdictions it concerns with their ancestors. */
  console_jurisdiction_ids: Generated<string[]>;
}
/** The units a message was resolved to, with their read receipts (migration 0013). */
export interface MessageRecipientsTable {
  message_id: string;
  unit_id: string;
  read_at: Timestamp | null;
}
/** 一键报警: at most one active (cleared_at null) per unit (migration 0013). */
export interface EmergenciesTable {
  id: Generated<string>;
  unit_id: string;
  incident_id: string | null;
  raised_at: Timestamp;
  device_at: Timestamp | null;
  raised_by_kind: string;
  raised_by_id: string | null;
  raised_by_name: string;
  lon: number | null;
  lat: number | null;
  cleared_at: Timestamp | null;
  cleared_by: string | null;
  clear_reason: string | null;
}

/** 演练 (migration 0021). */
export interface ExercisesTable {
  id: Generated<string>;
  name: string;
  status: string;
  jurisdiction_id: string | null;
  started_at: Timestamp;
  stopped_at: Timestamp | null;
  created_by: string | null;
  created_by_name: string;
  filed_by: ColumnType<Record<string, unknown>, string, string>;
  spec: ColumnType<Record<string, unknown>, string, string>;
}
export interface ExerciseInjectsTable {
  exercise_id: string;
  seq: number;
  due_at: Timestamp;
  lon: number;
  lat: number;
  category: string;
  priority: number;
  claimed_at: Timestamp | null;
  incident_id: string | null;
  error: string | null;
}
export interface SafetyIndexWeightsTable {
  component: string;
  weight: number;
  updated_at: Timestamp;
  updated_by: string | null;
  updated_by_name: string;
}
export interface CoverageSamplesTable {
  scheme_id: string;
  district_id: string;
  slot_start: Timestamp;
  road_km_pct: number[];
}
/** Shift deployment plans and their posts (migration 0019). */
export interface DeploymentPlansTable {
  id: Generated<string>;
  status: 'proposed' | 'confirmed' | 'recalled';
  shift_start: Timestamp;
  shift_end: Timestamp;
  scheme_id: string;
  jurisdiction_id: string | null;
  level: number;
  tier_sec: number;
  target_road_km_pct: number;
  road_km_pct: number;
  covered_pct: number;
  method: string;
  evaluations: number;
  demand: ColumnType<Record<string, unknown>, string, string>;
  unposted_unit_ids: ColumnType<string[], string, string>;
  took_ms: number;
  created_at: Timestamp;
  created_by: string | null;
  created_by_name: string | null;
  confirmed_at: Timestamp | null;
  confirmed_by: string | null;
  recalled_at: Timestamp | null;
  recalled_by: string | null;
}
export interface DeploymentPostsTable {
  plan_id: string;
  rank: number;
  unit_id: string;
  callsign: string;
  unit_lon: number;
  unit_lat: number;
  standby_point_id: string;
  standby_point_name: string;
  lon: number;
  lat: number;
  gain_pct: number;
  covered_pct: number;
  distance_m: number;
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
  ring_schemes: RingSchemesTable;
  unit_status_history: UnitStatusHistoryTable;
  road_networks: RoadNetworksTable;
  road_edges: RoadEdgesTable;
  response_plans: ResponsePlansTable;
  agency_notifications: AgencyNotificationsTable;
  defense_level_changes: DefenseLevelChangesTable;
  coverage_breaches: CoverageBreachesTable;
  training_settings: TrainingSettingsTable;
  perimeters: PerimetersTable;
  perimeter_checkpoints: PerimeterCheckpointsTable;
  perimeter_breaches: PerimeterBreachesTable;
  perimeter_activations: PerimeterActivationsTable;
  patrol_plans: PatrolPlansTable;
  idempotency_keys: IdempotencyKeysTable;
  assignments: AssignmentsTable;
  incident_events: IncidentEventsTable;
  audit_events: AuditEventsTable;
  timers: TimersTable;
  alerts: AlertsTable;
  messages: MessagesTable;
  message_recipients: MessageRecipientsTable;
  emergencies: EmergenciesTable;
  exercises: ExercisesTable;
  exercise_injects: ExerciseInjectsTable;
  safety_index_weights: SafetyIndexWeightsTable;
  coverage_samples: CoverageSamplesTable;
  deployment_plans: DeploymentPlansTable;
  deployment_posts: DeploymentPostsTable;
}
