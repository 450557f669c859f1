-- The unit_tracks insert triggers (0024's patrol marks, 0026's replay marks) find each new
-- point's 5-minute chunk with date_bin on the timestamp itself instead of
-- to_timestamp(floor(extract(epoch FROM at) / 300) * 300): extract(epoch …) is numeric
-- arithmetic per row. The same chunks (both floor to the 5 minutes since the epoch); the two
-- triggers cost ~1.85 s of database CPU per million inserted points before, ~0.45 s after
-- (5,000-point batches, PostgreSQL 15), at the peak's 25,000 reports a second ~3.5 % of a core.
-- PGlite's binary COPY path writes the same marks itself (trackChunkMarksSql).
CREATE OR REPLACE FUNCTION patrol_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- ordered, so concurrent inserts lock the marks in one order
  INSERT INTO patrol_match_dirty (chunk_start)
  SELECT c FROM (
    SELECT date_bin('300 seconds', at, timestamptz 'epoch') AS c FROM new_rows
    UNION
    SELECT date_bin('300 seconds', at + interval '60 seconds', timestamptz 'epoch') FROM new_rows
  ) chunks ORDER BY c
  ON CONFLICT (chunk_start) DO UPDATE SET gen = patrol_match_dirty.gen + 1;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION unit_track_replay_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- ordered, so concurrent inserts lock the marks in one order
  INSERT INTO unit_track_replay_dirty (chunk_start)
  SELECT DISTINCT date_bin('300 seconds', at, timestamptz 'epoch') AS c FROM changed_rows ORDER BY c
  ON CONFLICT (chunk_start) DO UPDATE SET gen = unit_track_replay_dirty.gen + 1;
  RETURN NULL;
END $$;
