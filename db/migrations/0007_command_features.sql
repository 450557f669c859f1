-- Command features (issue #7): 封控 checkpoint assignments, response plans (预案), graded defense
-- levels (等级化防控) with coverage breach state, agency linkage (119/120/122) deliveries.

-- A checkpoint assignment (role 'checkpoint') says where the unit stands.
ALTER TABLE assignments ADD COLUMN checkpoint_id uuid REFERENCES checkpoints(id);

CREATE TABLE response_plans (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text,
  category text NOT NULL,
  priority smallint NOT NULL CHECK (priority BETWEEN 1 AND 3),
  jurisdiction_id uuid REFERENCES jurisdictions(id),
  scheme_id text NOT NULL,
  units jsonb NOT NULL,
  notify text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- One plan per category × priority × jurisdiction (NULL = the city-wide plan).
CREATE UNIQUE INDEX response_plans_key ON response_plans
  (category, priority, COALESCE(jurisdiction_id, '00000000-0000-0000-0000-000000000000'::uuid));

-- Append-only: the level in force is the latest row per jurisdiction (NULL = city-wide).
CREATE TABLE defense_level_changes (
  seq bigserial PRIMARY KEY,
  jurisdiction_id uuid REFERENCES jurisdictions(id),
  level smallint NOT NULL CHECK (level BETWEEN 1 AND 4),
  reason text NOT NULL,
  at timestamptz NOT NULL,
  actor_id text,
  actor_name text NOT NULL
);
CREATE INDEX defense_level_changes_j_idx ON defense_level_changes (jurisdiction_id, seq DESC);

-- Whether a district is in breach of its level's coverage target now: one alert per breach.
CREATE TABLE coverage_breaches (
  district_id uuid PRIMARY KEY REFERENCES jurisdictions(id),
  open boolean NOT NULL,
  level smallint NOT NULL,
  alert_id uuid REFERENCES alerts(id),
  changed_at timestamptz NOT NULL
);

CREATE TABLE agency_notifications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id uuid NOT NULL REFERENCES incidents(id),
  agency text NOT NULL CHECK (agency IN ('119', '120', '122')),
  mode text NOT NULL CHECK (mode IN ('notify', 'transfer')),
  note text,
  url text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL,
  delivered_at timestamptz,
  actor_name text NOT NULL
);
CREATE INDEX agency_notifications_incident_idx ON agency_notifications (incident_id);
CREATE INDEX agency_notifications_pending_idx ON agency_notifications (created_at) WHERE status = 'pending';
