-- 等级化部署: shift deployment plans (POST /api/v1/deployment-plans). A plan is proposed, then
-- confirmed (each unit is sent its post) or recalled. Posts keep a snapshot of the unit and the
-- standby point (name, places) as proposed, so a plan reads the same after either changes.
CREATE TABLE deployment_plans (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'confirmed', 'recalled')),
  shift_start timestamptz NOT NULL,
  shift_end timestamptz NOT NULL,
  scheme_id text NOT NULL,
  jurisdiction_id uuid REFERENCES jurisdictions(id),
  level smallint NOT NULL,
  tier_sec integer NOT NULL,
  target_road_km_pct double precision NOT NULL,
  road_km_pct double precision NOT NULL,
  covered_pct double precision NOT NULL,
  method text NOT NULL,
  evaluations integer NOT NULL,
  demand jsonb NOT NULL,
  unposted_unit_ids jsonb NOT NULL DEFAULT '[]',
  took_ms double precision NOT NULL,
  created_at timestamptz NOT NULL,
  created_by uuid REFERENCES users(id),
  created_by_name text,
  confirmed_at timestamptz,
  confirmed_by uuid REFERENCES users(id),
  recalled_at timestamptz,
  recalled_by uuid REFERENCES users(id)
);
CREATE INDEX deployment_plans_created_idx ON deployment_plans (created_at DESC);

CREATE TABLE deployment_posts (
  plan_id uuid NOT NULL REFERENCES deployment_plans(id) ON DELETE CASCADE,
  rank integer NOT NULL,
  unit_id uuid NOT NULL,
  callsign text NOT NULL,
  unit_lon double precision NOT NULL,
  unit_lat double precision NOT NULL,
  standby_point_id uuid NOT NULL,
  standby_point_name text NOT NULL,
  lon double precision NOT NULL,
  lat double precision NOT NULL,
  gain_pct double precision NOT NULL,
  covered_pct double precision NOT NULL,
  distance_m double precision NOT NULL,
  PRIMARY KEY (plan_id, rank)
);
CREATE INDEX deployment_posts_unit_idx ON deployment_posts (unit_id);
