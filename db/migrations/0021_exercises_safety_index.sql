-- Exercises (演练) and the 平安指数 board (issue #17, items 5 and 6).
--
-- An exercise incident is a real incident in every way a dispatcher or unit sees it (numbered,
-- dispatched, timed, alerted), flagged `exercise`, and it never reaches a production figure: the
-- report pre-aggregates (incident_metrics, assignment_metrics; 0006/0008) are filled only through
-- the *_metrics_source views and their triggers, so excluding exercises there keeps them out of
-- every report, KPI and the index, whoever writes (triggers, rebuilds, bulk imports).
CREATE TABLE exercises (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  status text NOT NULL, -- running | stopped | finished
  -- whose exercise (its scope; the random area unless a polygon was given); null: city-wide
  jurisdiction_id uuid REFERENCES jurisdictions(id),
  started_at timestamptz NOT NULL,
  stopped_at timestamptz,
  created_by uuid REFERENCES users(id),
  created_by_name text NOT NULL,
  -- the principal the incidents are filed as (the commander who started it)
  filed_by jsonb NOT NULL,
  -- the request as given (scenario or random), for the record
  spec jsonb NOT NULL
);

-- The incidents an exercise will file, each due at its time; claimed once (by whichever api
-- instance gets there first) and linked to the incident filed for it.
CREATE TABLE exercise_injects (
  exercise_id uuid NOT NULL REFERENCES exercises(id),
  seq integer NOT NULL,
  due_at timestamptz NOT NULL,
  lon double precision NOT NULL,
  lat double precision NOT NULL,
  category text NOT NULL,
  priority smallint NOT NULL,
  claimed_at timestamptz,
  incident_id uuid,
  error text,
  PRIMARY KEY (exercise_id, seq)
);
CREATE INDEX exercise_injects_due_idx ON exercise_injects (due_at) WHERE claimed_at IS NULL;

ALTER TABLE incidents
  ADD COLUMN exercise boolean NOT NULL DEFAULT false,
  ADD COLUMN exercise_id uuid REFERENCES exercises(id);
CREATE INDEX incidents_exercise_idx ON incidents (exercise_id) WHERE exercise_id IS NOT NULL;
ALTER TABLE exercise_injects ADD FOREIGN KEY (incident_id) REFERENCES incidents(id);

-- Alerts about an exercise incident say so, whichever code path raises them.
ALTER TABLE alerts ADD COLUMN exercise boolean NOT NULL DEFAULT false;
CREATE FUNCTION alerts_mark_exercise() RETURNS trigger AS $$
BEGIN
  IF NEW.incident_id IS NOT NULL THEN
    NEW.exercise := coalesce((SELECT exercise FROM incidents WHERE id = NEW.incident_id), false);
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER alerts_exercise BEFORE INSERT ON alerts
  FOR EACH ROW EXECUTE FUNCTION alerts_mark_exercise();

-- The report sources as in 0006, without exercise incidents (same columns, so the tables, the
-- refresh and rebuild functions and the triggers stay as they are).
CREATE OR REPLACE VIEW incident_metrics_source AS
SELECT
  i.id AS incident_id,
  i.created_at,
  i.category,
  i.priority,
  i.district_id,
  i.station_id,
  i.grid_id,
  a.first_dispatch_at,
  date_part('epoch', a.first_dispatch_at - i.created_at) AS dispatch_sec,
  date_part('epoch', a.first_ack_at - a.first_dispatch_at) AS ack_sec,
  date_part('epoch', a.first_depart_at - a.first_dispatch_at) AS depart_sec,
  date_part('epoch', a.first_arrive_at - a.first_dispatch_at) AS arrive_sec,
  date_part('epoch', a.last_clear_at - a.first_dispatch_at) AS clear_sec,
  coalesce(
    ARRAY(SELECT date_part('epoch', t.at - a.first_dispatch_at)
          FROM unnest(r.ats) WITH ORDINALITY AS t(at, n) ORDER BY t.n),
    '{}') AS arrive_secs,
  coalesce(r.kinds, '{}') AS arrive_kinds
FROM incidents i
LEFT JOIN (
  SELECT incident_id,
    min(assigned_at) AS first_dispatch_at,
    min(coalesce(acked_at, departed_at)) AS first_ack_at,
    min(departed_at) AS first_depart_at,
    min(arrived_at) AS first_arrive_at,
    max(cleared_at) AS last_clear_at
  FROM assignments
  WHERE declined_at IS NULL OR arrived_at IS NOT NULL
  GROUP BY incident_id
) a ON a.incident_id = i.id
LEFT JOIN (
  SELECT x.incident_id,
    array_agg(x.arrived_at ORDER BY x.arrived_at, u.kind) AS ats,
    array_agg(u.kind ORDER BY x.arrived_at, u.kind) AS kinds
  FROM assignments x JOIN units u ON u.id = x.unit_id
  WHERE x.arrived_at IS NOT NULL
  GROUP BY x.incident_id
) r ON r.incident_id = i.id
WHERE NOT i.exercise;

CREATE OR REPLACE VIEW assignment_metrics_source AS
SELECT
  a.id AS assignment_id,
  a.incident_id,
  a.unit_id,
  u.station_id,
  i.created_at AS incident_created_at,
  a.assigned_at,
  (a.declined_at IS NULL OR a.arrived_at IS NOT NULL) AS counted,
  date_part('epoch', a.assigned_at - i.created_at) AS dispatch_sec,
  date_part('epoch', coalesce(a.acked_at, a.departed_at) - a.assigned_at) AS ack_sec,
  date_part('epoch', a.departed_at - a.assigned_at) AS depart_sec,
  date_part('epoch', a.arrived_at - a.assigned_at) AS arrive_sec,
  date_part('epoch', a.cleared_at - a.assigned_at) AS clear_sec,
  coalesce(m.arrive_secs, '{}') AS arrive_secs,
  coalesce(m.arrive_kinds, '{}') AS arrive_kinds
FROM assignments a
JOIN incidents i ON i.id = a.incident_id
JOIN units u ON u.id = a.unit_id
LEFT JOIN incident_metrics m ON m.incident_id = a.incident_id
WHERE NOT i.exercise;

-- 平安指数: the weight of each part of the index, set by an admin (a missing row: the default
-- weight in libs/domain safety-index.ts).
CREATE TABLE safety_index_weights (
  component text PRIMARY KEY,
  weight double precision NOT NULL CHECK (weight >= 0 AND weight <= 100),
  updated_at timestamptz NOT NULL,
  updated_by uuid REFERENCES users(id),
  updated_by_name text NOT NULL
);

-- Coverage has no history of its own (it is computed live from positions): the periodic push
-- keeps one sample per scheme, district and 15-minute slot, so a week's coverage is the mean of
-- its samples.
CREATE TABLE coverage_samples (
  scheme_id text NOT NULL,
  district_id uuid NOT NULL REFERENCES jurisdictions(id),
  slot_start timestamptz NOT NULL,
  -- road-km share (%) within each tier of the scheme, in tier order
  road_km_pct double precision[] NOT NULL,
  PRIMARY KEY (scheme_id, district_id, slot_start)
);
