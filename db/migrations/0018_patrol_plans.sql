-- 巡逻方案 (点线面): per grid (or district) and shift, the points to visit with a frequency, the
-- streets to drive and the areas to sweep, and the units that patrol it. The shape lives in one
-- jsonb document (points, lines, areas, shift); what is queried by has its own column.
CREATE TABLE patrol_plans (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  jurisdiction_id uuid NOT NULL REFERENCES jurisdictions(id),
  unit_ids uuid[] NOT NULL DEFAULT '{}',
  body jsonb NOT NULL,
  created_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX patrol_plans_jurisdiction ON patrol_plans (jurisdiction_id);
CREATE INDEX patrol_plans_units ON patrol_plans USING gin (unit_ids);
