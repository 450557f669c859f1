-- RingCAD initial schema. Runs on PostgreSQL 15 + PostGIS 3.3 and on PGlite (PostgreSQL 18 + PostGIS 3.6).
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  roles text[] NOT NULL,
  jurisdiction_id uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE jurisdictions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('district', 'station', 'grid')),
  parent_id uuid REFERENCES jurisdictions(id),
  scheme_id text,
  boundary geometry(MultiPolygon, 4326) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jurisdictions_boundary_gix ON jurisdictions USING gist (boundary);

CREATE TABLE checkpoints (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  location geometry(Point, 4326) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX checkpoints_location_gix ON checkpoints USING gist (location);

CREATE TABLE standby_points (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  location geometry(Point, 4326) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX standby_points_location_gix ON standby_points USING gist (location);

CREATE TABLE units (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  callsign text NOT NULL UNIQUE,
  kind text NOT NULL,
  station_id uuid REFERENCES jurisdictions(id),
  status text NOT NULL DEFAULT 'off_duty',
  terminal_token_hash text NOT NULL UNIQUE,
  position geometry(Point, 4326),
  position_at timestamptz,
  speed_kmh real,
  heading_deg real,
  status_changed_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX units_position_gix ON units USING gist (position);
CREATE INDEX units_status_idx ON units (status);

-- Every accepted position (AVL). Replay reads it; the later AVL issue partitions it by day.
CREATE TABLE unit_positions (
  unit_id uuid NOT NULL REFERENCES units(id),
  at timestamptz NOT NULL,
  lon double precision NOT NULL,
  lat double precision NOT NULL,
  speed_kmh real,
  heading_deg real,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX unit_positions_unit_at_idx ON unit_positions (unit_id, at);

CREATE TABLE incident_counters (
  day text PRIMARY KEY,
  n integer NOT NULL
);

CREATE TABLE incidents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number text NOT NULL UNIQUE,
  status text NOT NULL,
  category text NOT NULL,
  priority smallint NOT NULL CHECK (priority BETWEEN 1 AND 3),
  scheme_id text NOT NULL,
  location geometry(Point, 4326) NOT NULL,
  input_crs text NOT NULL DEFAULT 'WGS84',
  input_lon double precision,
  input_lat double precision,
  address text,
  caller_number text,
  caller_name text,
  description text,
  district_id uuid REFERENCES jurisdictions(id),
  station_id uuid REFERENCES jurisdictions(id),
  grid_id uuid REFERENCES jurisdictions(id),
  received_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  dispatched_at timestamptz,
  first_arrived_at timestamptz,
  resolved_at timestamptz,
  closed_at timestamptz,
  cancelled_at timestamptz,
  disposition text,
  cancel_reason text,
  created_by uuid REFERENCES users(id),
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX incidents_status_idx ON incidents (status);
CREATE INDEX incidents_created_idx ON incidents (created_at);
CREATE INDEX incidents_location_gix ON incidents USING gist (location);

CREATE TABLE assignments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id uuid NOT NULL REFERENCES incidents(id),
  unit_id uuid NOT NULL REFERENCES units(id),
  role text NOT NULL,
  status text NOT NULL,
  eta_sec integer,
  eta_method text,
  assigned_at timestamptz NOT NULL,
  acked_at timestamptz,
  departed_at timestamptz,
  arrived_at timestamptz,
  cleared_at timestamptz,
  declined_at timestamptz,
  cancelled_at timestamptz,
  assigned_by uuid REFERENCES users(id)
);
CREATE INDEX assignments_incident_idx ON assignments (incident_id);
-- A unit serves one incident at a time: the database refuses a second active assignment even
-- when two dispatchers race.
CREATE UNIQUE INDEX assignments_one_active_per_unit
  ON assignments (unit_id) WHERE status IN ('assigned', 'acknowledged', 'en_route', 'on_scene');

-- Append-only incident log: every change with server time, actor and payload.
CREATE TABLE incident_events (
  seq bigserial PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents(id),
  version integer NOT NULL,
  type text NOT NULL,
  at timestamptz NOT NULL,
  actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'unit', 'system')),
  actor_id text,
  actor_name text,
  data jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX incident_events_incident_idx ON incident_events (incident_id, seq);

-- Administrative changes (accounts, units, places) with their actor.
CREATE TABLE audit_events (
  seq bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor_id text,
  actor_name text,
  action text NOT NULL,
  entity text NOT NULL,
  entity_id text,
  data jsonb NOT NULL DEFAULT '{}'::jsonb
);

-- Durable record of every timer; the BullMQ delayed job with the same id is its fast path.
CREATE TABLE timers (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('ack_overdue', 'tier_deadline')),
  incident_id uuid NOT NULL REFERENCES incidents(id),
  assignment_id uuid REFERENCES assignments(id),
  tier_index integer,
  due_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fired', 'cancelled')),
  created_at timestamptz NOT NULL,
  settled_at timestamptz
);
CREATE INDEX timers_pending_idx ON timers (due_at) WHERE status = 'pending';

CREATE TABLE alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL,
  incident_id uuid REFERENCES incidents(id),
  unit_id uuid REFERENCES units(id),
  assignment_id uuid REFERENCES assignments(id),
  timer_id text UNIQUE,
  at timestamptz NOT NULL,
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  acknowledged_at timestamptz,
  acknowledged_by uuid REFERENCES users(id)
);
CREATE INDEX alerts_open_idx ON alerts (at) WHERE acknowledged_at IS NULL;
