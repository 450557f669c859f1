-- 见警率 without matching at request time: unit tracks are map-matched in 5-minute chunks
-- (clock-aligned; each with its units' points of the minute before as lead-in) and what a chunk
-- left is stored per tile (0.02° cells): per segment a bin mask per minute, per patrol point a
-- mask of the minutes a unit came within its radius; and per hour a roll-up of them. A
-- visibility request reads these rows.
--
-- Nothing accepted is lost: every insert into unit_tracks marks the chunks it touches dirty in
-- the same transaction (the chunk of each point, and the next one when the point is in its
-- lead-in); a matcher clears a mark only when its generation is the one it read before reading
-- the tracks, so a point that lands while a chunk is being matched leaves it dirty.
CREATE TABLE patrol_match_chunks (
  chunk_start timestamptz PRIMARY KEY,
  -- the road network and the set of patrol points the chunk was matched against: a chunk
  -- matched against others is stale and matched again before it is read
  network_id text NOT NULL,
  points_key text NOT NULL,
  track_points integer NOT NULL,
  matched_at timestamptz NOT NULL
);

CREATE TABLE patrol_match_tiles (
  chunk_start timestamptz NOT NULL REFERENCES patrol_match_chunks (chunk_start) ON DELETE CASCADE,
  tile integer NOT NULL,
  -- per segment passed: its index (u32 LE) and one bin mask byte per minute of the chunk
  segments bytea NOT NULL,
  -- patrol point key ("lon,lat" to 7 places) → mask of the chunk's minutes it was visited in
  points jsonb NOT NULL DEFAULT '{}',
  unit_ids uuid[] NOT NULL,
  track_points integer NOT NULL,
  PRIMARY KEY (chunk_start, tile)
);
CREATE INDEX patrol_match_tiles_tile ON patrol_match_tiles (tile, chunk_start);

-- the chunks of each hour rolled up per tile (rebuilt with them, in their transaction): per
-- segment and bin the first and last minute of the hour it was passed in (255: not), the same
-- per patrol point; a look-back of an hour or more reads these instead of the minutes
CREATE TABLE patrol_match_hours (
  hour_start timestamptz NOT NULL,
  tile integer NOT NULL,
  segments bytea NOT NULL,
  points jsonb NOT NULL DEFAULT '{}',
  unit_ids uuid[] NOT NULL,
  track_points integer NOT NULL,
  PRIMARY KEY (hour_start, tile)
);
CREATE INDEX patrol_match_hours_tile ON patrol_match_hours (tile, hour_start);

CREATE TABLE patrol_match_dirty (
  chunk_start timestamptz PRIMARY KEY,
  gen bigint NOT NULL DEFAULT 1
);

CREATE FUNCTION patrol_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- ordered, so concurrent inserts lock the marks in one order
  INSERT INTO patrol_match_dirty (chunk_start)
  SELECT c FROM (
    SELECT to_timestamp(floor(extract(epoch FROM at) / 300) * 300) AS c FROM new_rows
    UNION
    SELECT to_timestamp(floor(extract(epoch FROM at + interval '60 seconds') / 300) * 300) FROM new_rows
  ) chunks ORDER BY c
  ON CONFLICT (chunk_start) DO UPDATE SET gen = patrol_match_dirty.gen + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER unit_tracks_patrol_dirty AFTER INSERT ON unit_tracks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION patrol_mark_dirty();

-- tracks stored before this migration: their chunks are matched on first use or by the matcher
INSERT INTO patrol_match_dirty (chunk_start)
SELECT DISTINCT to_timestamp(floor(extract(epoch FROM at) / 300) * 300) FROM unit_tracks
WHERE at > now() - interval '2 days'
ON CONFLICT DO NOTHING;
