-- Report speed (issue #6): every report over a million incidents within a second or so on two
-- cores, with the same exact figures.
--
-- 1. Ring tiers as plain columns. A report judges every incident against a scheme's tiers;
--    evaluated on the arrival arrays (`arrive_secs[array_position(arrive_kinds, kind)]` per kind)
--    that was half the CPU of a report. The same figures, derived from the arrays by the table
--    itself, make a tier a comparison of a few columns:
--      - a tier met by one unit of some kinds: the earliest of `first_<kind>_arrival_sec`;
--      - a tier met by n units of any kind: `arrival_<n>_sec` (n = 1..3).
--    Other tiers (n units of particular kinds, more than three units) still read the arrays.
--    Generated columns follow every write to the arrays, whoever makes it (triggers, rebuilds),
--    and cost nothing when NULL (a unit kind that did not arrive).
-- 2. The local day and hour of the command centre (Asia/Shanghai, UTC+8 all year) as columns:
--    reports group by them, and computing them per row from the epoch was a third of a report.
--    (`created_at - epoch` keeps the expression immutable, as a generated column must be.)
-- 3. report_collect: an array aggregate that runs in parallel (below).
-- 4. assignment_metrics partitioned by unit (below).
ALTER TABLE incident_metrics
  ADD COLUMN local_day integer GENERATED ALWAYS AS (
    floor((date_part('epoch', created_at - '1970-01-01 00:00:00+00'::timestamptz) + 28800) / 86400)::integer) STORED,
  ADD COLUMN local_hour smallint GENERATED ALWAYS AS (
    (floor((date_part('epoch', created_at - '1970-01-01 00:00:00+00'::timestamptz) + 28800) / 3600)::bigint % 24)::smallint) STORED,
  ADD COLUMN arrival_1_sec double precision GENERATED ALWAYS AS (arrive_secs[1]) STORED,
  ADD COLUMN arrival_2_sec double precision GENERATED ALWAYS AS (arrive_secs[2]) STORED,
  ADD COLUMN arrival_3_sec double precision GENERATED ALWAYS AS (arrive_secs[3]) STORED,
  ADD COLUMN first_foot_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'foot'::text)]) STORED,
  ADD COLUMN first_kiosk_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'kiosk'::text)]) STORED,
  ADD COLUMN first_patrol_car_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'patrol_car'::text)]) STORED,
  ADD COLUMN first_motorcycle_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'motorcycle'::text)]) STORED,
  ADD COLUMN first_swat_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'swat'::text)]) STORED,
  ADD COLUMN first_traffic_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'traffic'::text)]) STORED,
  ADD COLUMN first_station_car_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'station_car'::text)]) STORED;

-- report_collect(v): the values of a group as an array, like array_agg, but with a combine
-- function, so that a parallel hash aggregate can collect them (array_agg can only from
-- PostgreSQL 16). A report collects only the few values around the ranks a percentile needs
-- (libs/core report-percentiles.ts); array_append extends the aggregate's array in place.
CREATE AGGREGATE report_collect(double precision) (
  SFUNC = array_append,
  STYPE = double precision[],
  COMBINEFUNC = array_cat,
  PARALLEL = SAFE
);

-- assignment_metrics, partitioned by unit. Per-unit percentiles (groupBy=unit, laggards) are a
-- thousand small groups: each needs all its values sorted, and an ordered-set aggregate runs on
-- one core. Grouped by the partition key, PostgreSQL aggregates each partition on its own and
-- hands the partitions to parallel workers (partitionwise aggregate), one scan in all. An
-- assignment never changes unit, so a row never moves between partitions.
ALTER TABLE assignment_metrics RENAME TO assignment_metrics_unpartitioned;
ALTER INDEX assignment_metrics_pkey RENAME TO assignment_metrics_unpartitioned_pkey;
ALTER INDEX assignment_metrics_incident_idx RENAME TO assignment_metrics_unpartitioned_incident_idx;
ALTER INDEX assignment_metrics_incident_created_idx RENAME TO assignment_metrics_unpartitioned_incident_created_idx;
ALTER INDEX assignment_metrics_assigned_idx RENAME TO assignment_metrics_unpartitioned_assigned_idx;
ALTER TABLE assignment_metrics_unpartitioned
  RENAME CONSTRAINT assignment_metrics_assignment_id_fkey TO assignment_metrics_unpartitioned_assignment_id_fkey;

CREATE TABLE assignment_metrics (
  assignment_id uuid NOT NULL REFERENCES assignments(id),
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
  arrive_kinds text[] NOT NULL DEFAULT '{}',
  arrival_1_sec double precision GENERATED ALWAYS AS (arrive_secs[1]) STORED,
  arrival_2_sec double precision GENERATED ALWAYS AS (arrive_secs[2]) STORED,
  arrival_3_sec double precision GENERATED ALWAYS AS (arrive_secs[3]) STORED,
  first_foot_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'foot'::text)]) STORED,
  first_kiosk_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'kiosk'::text)]) STORED,
  first_patrol_car_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'patrol_car'::text)]) STORED,
  first_motorcycle_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'motorcycle'::text)]) STORED,
  first_swat_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'swat'::text)]) STORED,
  first_traffic_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'traffic'::text)]) STORED,
  first_station_car_arrival_sec double precision
    GENERATED ALWAYS AS (arrive_secs[array_position(arrive_kinds, 'station_car'::text)]) STORED,
  PRIMARY KEY (assignment_id, unit_id)
) PARTITION BY HASH (unit_id);
CREATE TABLE assignment_metrics_p0 PARTITION OF assignment_metrics FOR VALUES WITH (MODULUS 8, REMAINDER 0);
CREATE TABLE assignment_metrics_p1 PARTITION OF assignment_metrics FOR VALUES WITH (MODULUS 8, REMAINDER 1);
CREATE TABLE assignment_metrics_p2 PARTITION OF assignment_metrics FOR VALUES WITH (MODULUS 8, REMAINDER 2);
CREATE TABLE assignment_metrics_p3 PARTITION OF assignment_metrics FOR VALUES WITH (MODULUS 8, REMAINDER 3);
CREATE TABLE assignment_metrics_p4 PARTITION OF assignment_metrics FOR VALUES WITH (MODULUS 8, REMAINDER 4);
CREATE TABLE assignment_metrics_p5 PARTITION OF assignment_metrics FOR VALUES WITH (MODULUS 8, REMAINDER 5);
CREATE TABLE assignment_metrics_p6 PARTITION OF assignment_metrics FOR VALUES WITH (MODULUS 8, REMAINDER 6);
CREATE TABLE assignment_metrics_p7 PARTITION OF assignment_metrics FOR VALUES WITH (MODULUS 8, REMAINDER 7);

INSERT INTO assignment_metrics (
  assignment_id, incident_id, unit_id, station_id, incident_created_at, assigned_at, counted,
  dispatch_sec, ack_sec, depart_sec, arrive_sec, clear_sec, arrive_secs, arrive_kinds)
SELECT assignment_id, incident_id, unit_id, station_id, incident_created_at, assigned_at, counted,
  dispatch_sec, ack_sec, depart_sec, arrive_sec, clear_sec, arrive_secs, arrive_kinds
FROM assignment_metrics_unpartitioned;
DROP TABLE assignment_metrics_unpartitioned;

CREATE INDEX assignment_metrics_incident_idx ON assignment_metrics (incident_id);
CREATE INDEX assignment_metrics_incident_created_idx ON assignment_metrics (incident_created_at);
CREATE INDEX assignment_metrics_assigned_idx ON assignment_metrics (assigned_at);

-- The functions that write assignment_metrics, as in 0006, conflicting on the new key.
CREATE OR REPLACE FUNCTION rebuild_incident_metrics(from_ts timestamptz, to_ts timestamptz) RETURNS bigint AS $$
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
  ON CONFLICT (assignment_id, unit_id) DO UPDATE SET
    incident_id = EXCLUDED.incident_id, station_id = EXCLUDED.station_id,
    incident_created_at = EXCLUDED.incident_created_at, assigned_at = EXCLUDED.assigned_at, counted = EXCLUDED.counted,
    dispatch_sec = EXCLUDED.dispatch_sec, ack_sec = EXCLUDED.ack_sec, depart_sec = EXCLUDED.depart_sec,
    arrive_sec = EXCLUDED.arrive_sec, clear_sec = EXCLUDED.clear_sec,
    arrive_secs = EXCLUDED.arrive_secs, arrive_kinds = EXCLUDED.arrive_kinds;
  SELECT count(*) FROM incident_metrics WHERE created_at >= from_ts AND created_at < to_ts;
$$ LANGUAGE sql;

CREATE OR REPLACE FUNCTION incident_metrics_from_assignment() RETURNS trigger AS $$
BEGIN
  PERFORM refresh_incident_metrics(NEW.incident_id);
  -- every assignment of the incident: their copy of the incident's arrivals changes too
  INSERT INTO assignment_metrics SELECT * FROM assignment_metrics_source s WHERE s.incident_id = NEW.incident_id
  ON CONFLICT (assignment_id, unit_id) DO UPDATE SET
    station_id = EXCLUDED.station_id, incident_created_at = EXCLUDED.incident_created_at,
    assigned_at = EXCLUDED.assigned_at, counted = EXCLUDED.counted, dispatch_sec = EXCLUDED.dispatch_sec,
    ack_sec = EXCLUDED.ack_sec, depart_sec = EXCLUDED.depart_sec, arrive_sec = EXCLUDED.arrive_sec,
    clear_sec = EXCLUDED.clear_sec, arrive_secs = EXCLUDED.arrive_secs, arrive_kinds = EXCLUDED.arrive_kinds;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
