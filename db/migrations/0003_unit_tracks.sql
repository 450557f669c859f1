-- AVL tracks, partitioned by day (replay reads a time window; old days can be detached whole).
-- Partitions for the coming days are created by the processors (ensure_track_partitions);
-- anything outside them lands in the default partition and is never lost.
CREATE TABLE unit_tracks (
  unit_id uuid NOT NULL,
  at timestamptz NOT NULL,
  lon double precision NOT NULL,
  lat double precision NOT NULL,
  speed_kmh real,
  heading_deg real,
  -- bit 1: implausible jump (kept for the record, not trusted as the unit's position)
  flags smallint NOT NULL DEFAULT 0,
  received_at timestamptz NOT NULL
) PARTITION BY RANGE (at);
CREATE TABLE unit_tracks_default PARTITION OF unit_tracks DEFAULT;
-- one report per unit and instant: re-running a batch (a retried job) adds nothing
CREATE UNIQUE INDEX unit_tracks_unit_at ON unit_tracks (unit_id, at);

INSERT INTO unit_tracks (unit_id, at, lon, lat, speed_kmh, heading_deg, flags, received_at)
SELECT unit_id, at, lon, lat, speed_kmh, heading_deg, 0, received_at FROM unit_positions
ON CONFLICT DO NOTHING;
DROP TABLE unit_positions;

-- Creates the daily partitions from `from_day` for `days` days (CST days), skipping existing ones.
CREATE OR REPLACE FUNCTION ensure_track_partitions(from_day date, days integer) RETURNS integer AS $$
DECLARE
  d date;
  created integer := 0;
  name text;
BEGIN
  FOR i IN 0 .. days - 1 LOOP
    d := from_day + i;
    name := 'unit_tracks_' || to_char(d, 'YYYYMMDD');
    IF to_regclass('public.' || name) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE public.%I PARTITION OF public.unit_tracks FOR VALUES FROM (%L) TO (%L)',
        name, (d::timestamp AT TIME ZONE 'Asia/Shanghai'), ((d + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'));
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END;
$$ LANGUAGE plpgsql;
