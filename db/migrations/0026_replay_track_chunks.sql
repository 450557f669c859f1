-- Area replay without reading every track point: unit tracks downsampled to the first plausible
-- point of each 15-second step (epoch-aligned, jump-flagged points left out, as replay leaves
-- them out), stored per unit in 5-minute chunks (clock-aligned, as patrol_match_chunks). A replay
-- whose step is a multiple of 15 s takes the first point of each of its steps from these: the
-- first point of a 15k-second step is the first of the first 15-second step that has one.
--
-- Nothing accepted is lost: every insert into unit_tracks marks the chunks it touches dirty in
-- the same transaction; the processors rebuild closed dirty chunks (clearing a mark only when its
-- generation is the one they read before reading the tracks), and a replay reads the raw tracks
-- for any chunk still dirty. A bulk load that bypasses triggers calls
-- rebuild_unit_track_replay(from, to) afterwards, as it calls rebuild_report_cells().
CREATE TABLE unit_track_replay (
  chunk_start timestamptz NOT NULL,
  unit_id uuid NOT NULL,
  -- the box of the chunk's points: a replay skips a unit's chunk that cannot reach its area
  w double precision NOT NULL,
  s double precision NOT NULL,
  e double precision NOT NULL,
  n double precision NOT NULL,
  -- per point, in time order, 20 bytes big-endian: int4 microseconds since chunk_start, float8
  -- lon, float8 lat (exactly as stored in unit_tracks)
  points bytea NOT NULL,
  PRIMARY KEY (chunk_start, unit_id)
);

CREATE TABLE unit_track_replay_dirty (
  chunk_start timestamptz PRIMARY KEY,
  gen bigint NOT NULL DEFAULT 1
);

CREATE FUNCTION unit_track_replay_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- ordered, so concurrent inserts lock the marks in one order
  INSERT INTO unit_track_replay_dirty (chunk_start)
  SELECT DISTINCT to_timestamp(floor(extract(epoch FROM at) / 300) * 300) AS c FROM changed_rows ORDER BY c
  ON CONFLICT (chunk_start) DO UPDATE SET gen = unit_track_replay_dirty.gen + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER unit_tracks_replay_dirty AFTER INSERT ON unit_tracks
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION unit_track_replay_mark_dirty();
CREATE TRIGGER unit_tracks_replay_dirty_delete AFTER DELETE ON unit_tracks
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION unit_track_replay_mark_dirty();

-- The chunks starting in [lo, hi) (5-minute aligned) again from unit_tracks, set-wise; returns the
-- points stored. Does not touch the dirty marks (the caller clears what it read).
CREATE FUNCTION build_unit_track_replay(lo timestamptz, hi timestamptz) RETURNS bigint AS $$
DECLARE
  stored bigint;
BEGIN
  DELETE FROM unit_track_replay WHERE chunk_start >= lo AND chunk_start < hi;
  INSERT INTO unit_track_replay (chunk_start, unit_id, w, s, e, n, points)
  SELECT p.c, p.unit_id, min(p.lon), min(p.lat), max(p.lon), max(p.lat),
    string_agg(int4send(((extract(epoch FROM p.at) - extract(epoch FROM p.c)) * 1000000)::integer)
      || float8send(p.lon) || float8send(p.lat), ''::bytea ORDER BY p.at)
  FROM (
    SELECT DISTINCT ON (t.unit_id, floor(extract(epoch FROM t.at) / 15)) t.unit_id, t.at, t.lon, t.lat,
      to_timestamp(floor(extract(epoch FROM t.at) / 300) * 300) AS c
    FROM unit_tracks t
    WHERE t.at >= lo AND t.at < hi AND t.flags & 1 = 0
    ORDER BY t.unit_id, floor(extract(epoch FROM t.at) / 15), t.at
  ) p
  GROUP BY p.c, p.unit_id;
  GET DIAGNOSTICS stored = ROW_COUNT;
  RETURN stored;
END;
$$ LANGUAGE plpgsql;

-- After a bulk load: every chunk of [from, to) rebuilt and its dirty mark cleared. Not for use
-- while tracks are being written (a mark set meanwhile would be cleared unread).
CREATE FUNCTION rebuild_unit_track_replay(from_at timestamptz, to_at timestamptz) RETURNS bigint AS $$
DECLARE
  lo timestamptz := to_timestamp(floor(extract(epoch FROM from_at) / 300) * 300);
  hi timestamptz := to_timestamp(ceil(extract(epoch FROM to_at) / 300) * 300);
  stored bigint;
BEGIN
  stored := build_unit_track_replay(lo, hi);
  DELETE FROM unit_track_replay_dirty WHERE chunk_start >= lo AND chunk_start < hi;
  RETURN stored;
END;
$$ LANGUAGE plpgsql;

-- tracks stored before this migration: built by the processors (or read raw until then)
INSERT INTO unit_track_replay_dirty (chunk_start)
SELECT DISTINCT to_timestamp(floor(extract(epoch FROM at) / 300) * 300) FROM unit_tracks
ON CONFLICT DO NOTHING;
