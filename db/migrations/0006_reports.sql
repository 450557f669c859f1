-- Reports and replay (issue #6).
--
-- incident_metrics: one narrow row per incident with its response times already measured, kept in
-- the same transaction as every assignment change by triggers, so a report over a million
-- incidents scans one small table instead of joining incidents × assignments × units and
-- aggregating per incident first. Ring tiers are not stored as booleans: a report may judge the
-- incidents against any scheme, so the arrivals are kept (seconds after the first dispatch,
-- ascending, with the unit kind at the same index) and the report evaluates tiers on them.
--
-- Which assignments count follows the domain metrics (libs/domain metrics.ts, as the timeline
-- computes them): a declined assignment counts only if that unit nevertheless arrived; an ack is
-- the 签收, or the departure when a unit departed without acknowledging.
CREATE TABLE incident_metrics (
  incident_id uuid PRIMARY KEY REFERENCES incidents(id),
  created_at timestamptz NOT NULL,
  category text NOT NULL,
  priority smallint NOT NULL,
  district_id uuid,
  station_id uuid,
  grid_id uuid,
  first_dispatch_at timestamptz,
  dispatch_sec double precision,
  ack_sec double precision,
  depart_sec double precision,
  arrive_sec double precision,
  clear_sec double precision,
  arrive_secs double precision[] NOT NULL DEFAULT '{}',
  arrive_kinds text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX incident_metrics_created_idx ON incident_metrics (created_at);

CREATE VIEW incident_metrics_source AS
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
) r ON r.incident_id = i.id;

-- assignment_metrics: one row per assignment with that unit's own times (laggards, groupBy=unit),
-- so per-unit percentiles scan one narrow table. `counted` follows the same rule as above.
CREATE TABLE assignment_metrics (
  assignment_id uuid PRIMARY KEY REFERENCES assignments(id),
  incident_id uuid NOT NULL,
  unit_id uuid NOT NULL,
  station_id uuid,
  incident_created_at timestamptz NOT NULL,
  assigned_at timestamptz NOT NULL,
  counted boolean NOT NULL,
  dispatch_sec double precision,
  ack_sec double precision,
  depart_sec double precision,
  arrive_sec double precision,
  clear_sec double precision,
  -- the incident's arrivals (as in incident_metrics), so per-unit tier figures need no join
  arrive_secs double precision[] NOT NULL DEFAULT '{}',
  arrive_kinds text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX assignment_metrics_incident_idx ON assignment_metrics (incident_id);
CREATE INDEX assignment_metrics_incident_created_idx ON assignment_metrics (incident_created_at);
CREATE INDEX assignment_metrics_assigned_idx ON assignment_metrics (assigned_at);

CREATE VIEW assignment_metrics_source AS
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
LEFT JOIN incident_metrics m ON m.incident_id = a.incident_id;

CREATE FUNCTION refresh_incident_metrics(target uuid) RETURNS void AS $$
  INSERT INTO incident_metrics AS m
  SELECT * FROM incident_metrics_source s WHERE s.incident_id = target
  ON CONFLICT (incident_id) DO UPDATE SET
    created_at = EXCLUDED.created_at, category = EXCLUDED.category, priority = EXCLUDED.priority,
    district_id = EXCLUDED.district_id, station_id = EXCLUDED.station_id, grid_id = EXCLUDED.grid_id,
    first_dispatch_at = EXCLUDED.first_dispatch_at, dispatch_sec = EXCLUDED.dispatch_sec,
    ack_sec = EXCLUDED.ack_sec, depart_sec = EXCLUDED.depart_sec, arrive_sec = EXCLUDED.arrive_sec,
    clear_sec = EXCLUDED.clear_sec, arrive_secs = EXCLUDED.arrive_secs, arrive_kinds = EXCLUDED.arrive_kinds;
$$ LANGUAGE sql;

-- Set-based rebuild of a time range: the backfill below, and bulk imports that load incidents
-- with triggers disabled.
CREATE FUNCTION rebuild_incident_metrics(from_ts timestamptz, to_ts timestamptz) RETURNS bigint AS $$
  INSERT INTO incident_metrics AS m
  SELECT * FROM incident_metrics_source s WHERE s.created_at >= from_ts AND s.created_at < to_ts
  ON CONFLICT (incident_id) DO UPDATE SET
    created_at = EXCLUDED.created_at, category = EXCLUDED.category, priority = EXCLUDED.priority,
    district_id = EXCLUDED.district_id, station_id = EXCLUDED.station_id, grid_id = EXCLUDED.grid_id,
    first_dispatch_at = EXCLUDED.first_dispatch_at, dispatch_sec = EXCLUDED.dispatch_sec,
    ack_sec = EXCLUDED.ack_sec, depart_sec = EXCLUDED.depart_sec, arrive_sec = EXCLUDED.arrive_sec,
    clear_sec = EXCLUDED.clear_sec, arrive_secs = EXCLUDED.arrive_secs, arrive_kinds = EXCLUDED.arrive_kinds;
  INSERT INTO assignment_metrics
  SELECT * FROM assignment_metrics_source s WHERE s.incident_created_at >= from_ts AND s.incident_created_at < to_ts
  ON CONFLICT (assignment_id) DO UPDATE SET
    incident_id = EXCLUDED.incident_id, unit_id = EXCLUDED.unit_id, station_id = EXCLUDED.station_id,
    incident_created_at = EXCLUDED.incident_created_at, assigned_at = EXCLUDED.assigned_at, counted = EXCLUDED.counted,
    dispatch_sec = EXCLUDED.dispatch_sec, ack_sec = EXCLUDED.ack_sec, depart_sec = EXCLUDED.depart_sec,
    arrive_sec = EXCLUDED.arrive_sec, clear_sec = EXCLUDED.clear_sec,
    arrive_secs = EXCLUDED.arrive_secs, arrive_kinds = EXCLUDED.arrive_kinds;
  SELECT count(*) FROM incident_metrics WHERE created_at >= from_ts AND created_at < to_ts;
$$ LANGUAGE sql;

CREATE FUNCTION incident_metrics_from_assignment() RETURNS trigger AS $$
BEGIN
  PERFORM refresh_incident_metrics(NEW.incident_id);
  -- every assignment of the incident: their copy of the incident's arrivals changes too
  INSERT INTO assignment_metrics SELECT * FROM assignment_metrics_source s WHERE s.incident_id = NEW.incident_id
  ON CONFLICT (assignment_id) DO UPDATE SET
    station_id = EXCLUDED.station_id, incident_created_at = EXCLUDED.incident_created_at,
    assigned_at = EXCLUDED.assigned_at, counted = EXCLUDED.counted, dispatch_sec = EXCLUDED.dispatch_sec,
    ack_sec = EXCLUDED.ack_sec, depart_sec = EXCLUDED.depart_sec, arrive_sec = EXCLUDED.arrive_sec,
    clear_sec = EXCLUDED.clear_sec, arrive_secs = EXCLUDED.arrive_secs, arrive_kinds = EXCLUDED.arrive_kinds;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION incident_metrics_from_incident() RETURNS trigger AS $$
BEGIN
  PERFORM refresh_incident_metrics(NEW.id);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER assignments_incident_metrics AFTER INSERT OR UPDATE ON assignments
  FOR EACH ROW EXECUTE FUNCTION incident_metrics_from_assignment();
CREATE TRIGGER incidents_incident_metrics
  AFTER INSERT OR UPDATE OF category, priority, district_id, station_id, grid_id, created_at ON incidents
  FOR EACH ROW EXECUTE FUNCTION incident_metrics_from_incident();

SELECT rebuild_incident_metrics('-infinity', 'infinity');

-- Unit status history for replay (status colours over time). units.status is the current state
-- only; every change of it is recorded here by a trigger, whoever made it.
CREATE TABLE unit_status_history (
  unit_id uuid NOT NULL REFERENCES units(id),
  at timestamptz NOT NULL,
  status text NOT NULL
);
CREATE INDEX unit_status_history_unit_at_idx ON unit_status_history (unit_id, at);
CREATE INDEX unit_status_history_at_idx ON unit_status_history (at);

CREATE FUNCTION unit_status_history_record() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
    INSERT INTO unit_status_history (unit_id, at, status) VALUES (NEW.id, NEW.status_changed_at, NEW.status);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER units_status_history AFTER INSERT OR UPDATE OF status ON units
  FOR EACH ROW EXECUTE FUNCTION unit_status_history_record();

INSERT INTO unit_status_history (unit_id, at, status) SELECT id, status_changed_at, status FROM units;

-- Area replay selects incidents of a district in a time window, and track points by time (BRIN:
-- tracks arrive in time order, so block ranges stay tight and the index stays tiny).
CREATE INDEX incidents_district_created_idx ON incidents (district_id, created_at);
CREATE INDEX unit_tracks_at_brin ON unit_tracks USING brin (at);
