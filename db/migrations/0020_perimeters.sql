-- 环城封控圈: standing perimeters, named rings of fixed checkpoints with their tiers (10/20 min)
-- and a target share of checkpoints a unit can man within each tier. Readiness is computed live
-- (never stored); a tier below its target is a breach (one alert per breach); an activation sends
-- the best unit to each checkpoint as checkpoint assignments of an incident, recalled together.
CREATE TABLE perimeters (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  -- null: a ring around the city (city-level seats); else the jurisdiction whose seats see it
  jurisdiction_id uuid REFERENCES jurisdictions(id),
  -- [{"sec": 600, "targetPct": 80}, …], ascending by sec
  tiers jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE perimeter_checkpoints (
  perimeter_id uuid NOT NULL REFERENCES perimeters(id) ON DELETE CASCADE,
  checkpoint_id uuid NOT NULL REFERENCES checkpoints(id) ON DELETE CASCADE,
  ord integer NOT NULL,
  PRIMARY KEY (perimeter_id, checkpoint_id)
);
CREATE INDEX perimeter_checkpoints_checkpoint_idx ON perimeter_checkpoints (checkpoint_id);

-- one row per perimeter tier that has been judged: open while below its target
CREATE TABLE perimeter_breaches (
  perimeter_id uuid NOT NULL REFERENCES perimeters(id) ON DELETE CASCADE,
  tier_sec integer NOT NULL,
  open boolean NOT NULL,
  alert_id uuid REFERENCES alerts(id),
  changed_at timestamptz NOT NULL,
  PRIMARY KEY (perimeter_id, tier_sec)
);

CREATE TABLE perimeter_activations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  perimeter_id uuid NOT NULL REFERENCES perimeters(id) ON DELETE CASCADE,
  incident_id uuid NOT NULL REFERENCES incidents(id),
  -- [{"assignmentId", "unitId", "checkpointId"}]: what was sent, recalled together
  assignments jsonb NOT NULL,
  activated_at timestamptz NOT NULL,
  activated_by uuid REFERENCES users(id),
  recalled_at timestamptz,
  recalled_by uuid REFERENCES users(id)
);
CREATE INDEX perimeter_activations_perimeter_idx ON perimeter_activations (perimeter_id);
