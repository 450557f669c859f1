-- api and worker both ensure partitions at start: serialise them and tolerate a partition that
-- another process created a moment earlier.
CREATE OR REPLACE FUNCTION ensure_track_partitions(from_day date, days integer) RETURNS integer AS $$
DECLARE
  d date;
  created integer := 0;
  name text;
BEGIN
  PERFORM pg_advisory_xact_lock(7110112);
  FOR i IN 0 .. days - 1 LOOP
    d := from_day + i;
    name := 'unit_tracks_' || to_char(d, 'YYYYMMDD');
    IF to_regclass('public.' || name) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE IF NOT EXISTS public.%I PARTITION OF public.unit_tracks FOR VALUES FROM (%L) TO (%L)',
        name, (d::timestamp AT TIME ZONE 'Asia/Shanghai'), ((d + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'));
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END;
$$ LANGUAGE plpgsql;
