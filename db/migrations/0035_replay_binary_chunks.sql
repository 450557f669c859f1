-- Replay chunks (0026, 0031) in binary too (issue #16), in a table of their own: the
-- `format=binary` area replay (libs/contracts/src/replay-columnar.ts) sends a district-hour's
-- ~400,000 points as three sections of little-endian int32, copying each whole chunk's stored
-- bytes into them as they are, where the columnar form joins the text of 0031 and a client then
-- parses ~6 MB of JSON. Little-endian, as the typed arrays of every platform the console runs on
-- read them with no byte swapping (a DataView reading big-endian was ~15x slower in Node).
--
-- A table of its own, narrow (~300 bytes a chunk): the binary replay scans only it for the
-- district's chunks, and looks up the 20-byte points (0026) of the few chunks it reads point by
-- point (window edges, the box's edge) by key; unit_track_replay's rows carry the points and
-- 0031's text as well, ~1 kB a chunk, and scanning them was most of a replay's database time.
--
-- bin, every value an int32 little-endian (0031's numbers: whole epoch ms and 1e-6 degrees):
-- chunk_start / 300 s, the number of points n, the first point's ms since chunk_start, lon and
-- lat, the last point's the same, then the differences between consecutive points (n - 1 each):
-- the times', the lons', the lats'. A chunk spans 300 s, so every time fits, and a coordinate
-- difference of 1e-6 degrees (at most 360e6) does too. The fixed head gives the api each
-- chunk's first and last point from the bytes, so the database sends a unit's chunks as one
-- aggregate with no window over them.
CREATE TABLE unit_track_replay_bin (
  chunk_start timestamptz NOT NULL,
  unit_id uuid NOT NULL,
  -- the box of the chunk's points, as in unit_track_replay
  w double precision NOT NULL,
  s double precision NOT NULL,
  e double precision NOT NULL,
  n double precision NOT NULL,
  -- its first and last point's time, epoch µs (as stored): a chunk whose points all lie in a
  -- replay's window is whole for it though the chunk itself ends after the window (the live edge)
  us_first bigint NOT NULL,
  us_last bigint NOT NULL,
  bin bytea NOT NULL,
  PRIMARY KEY (chunk_start, unit_id)
);

-- an int32 as 4 bytes little-endian (int4send writes big-endian: the bytes swapped first; the
-- shifts are bitwise, an int4 << 24 wraps without an error)
CREATE FUNCTION replay_le4(v integer) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT int4send(((v & 255) << 24) | (((v >> 8) & 255) << 16) | (((v >> 16) & 255) << 8) | ((v >> 24) & 255))
$$;

CREATE OR REPLACE FUNCTION build_unit_track_replay(lo timestamptz, hi timestamptz) RETURNS bigint AS $$
DECLARE
  stored bigint;
BEGIN
  DELETE FROM unit_track_replay WHERE chunk_start >= lo AND chunk_start < hi;
  DELETE FROM unit_track_replay_bin WHERE chunk_start >= lo AND chunk_start < hi;
  -- each chunk computed once, stored in both tables
  WITH b AS (
  SELECT q.c, q.unit_id, min(q.lon) AS w, min(q.lat) AS s, max(q.lon) AS e, max(q.lat) AS n,
    (extract(epoch FROM min(q.at)) * 1000000)::bigint AS us_first,
    (extract(epoch FROM max(q.at)) * 1000000)::bigint AS us_last,
    string_agg(int4send(q.off) || float8send(q.lon) || float8send(q.lat), ''::bytea ORDER BY q.at) AS points,
    count(*)::integer AS n_points,
    (array_agg(q.tm ORDER BY q.at))[1] AS t_first, (array_agg(q.x ORDER BY q.at))[1] AS lon_first,
    (array_agg(q.y ORDER BY q.at))[1] AS lat_first,
    (array_agg(q.tm ORDER BY q.at DESC))[1] AS t_last, (array_agg(q.x ORDER BY q.at DESC))[1] AS lon_last,
    (array_agg(q.y ORDER BY q.at DESC))[1] AS lat_last,
    coalesce(string_agg((q.tm - q.ptm)::text, ',' ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), '') AS t_deltas,
    coalesce(string_agg((q.x - q.px)::text, ',' ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), '') AS lon_deltas,
    coalesce(string_agg((q.y - q.py)::text, ',' ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), '') AS lat_deltas,
    replay_le4((extract(epoch FROM q.c) / 300)::integer) || replay_le4(count(*)::integer)
      || replay_le4(((array_agg(q.tm ORDER BY q.at))[1] - q.cms)::integer)
      || replay_le4((array_agg(q.x ORDER BY q.at))[1]::integer)
      || replay_le4((array_agg(q.y ORDER BY q.at))[1]::integer)
      || replay_le4(((array_agg(q.tm ORDER BY q.at DESC))[1] - q.cms)::integer)
      || replay_le4((array_agg(q.x ORDER BY q.at DESC))[1]::integer)
      || replay_le4((array_agg(q.y ORDER BY q.at DESC))[1]::integer)
      || coalesce(string_agg(replay_le4((q.tm - q.ptm)::integer), ''::bytea ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), ''::bytea)
      || coalesce(string_agg(replay_le4((q.x - q.px)::integer), ''::bytea ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), ''::bytea)
      || coalesce(string_agg(replay_le4((q.y - q.py)::integer), ''::bytea ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), ''::bytea)
      AS bin
  FROM (
    SELECT r.*, lag(r.tm) OVER w AS ptm, lag(r.x) OVER w AS px, lag(r.y) OVER w AS py
    FROM (
      SELECT p.*,
        -- as the api reads a stored point: chunk start + µs, to whole ms (Math.round, half up)
        floor((extract(epoch FROM p.c) * 1000000 + p.off + 500) / 1000)::bigint AS tm,
        replay_micro(p.lon) AS x, replay_micro(p.lat) AS y,
        (extract(epoch FROM p.c) * 1000)::bigint AS cms
      FROM (
        SELECT d.*, ((extract(epoch FROM d.at) - extract(epoch FROM d.c)) * 1000000)::integer AS off
        FROM (
          SELECT DISTINCT ON (t.unit_id, floor(extract(epoch FROM t.at) / 15)) t.unit_id, t.at, t.lon, t.lat,
            to_timestamp(floor(extract(epoch FROM t.at) / 300) * 300) AS c
          FROM unit_tracks t
          WHERE t.at >= lo AND t.at < hi AND t.flags & 1 = 0
          ORDER BY t.unit_id, floor(extract(epoch FROM t.at) / 15), t.at
        ) d
      ) p
    ) r
    WINDOW w AS (PARTITION BY r.c, r.unit_id ORDER BY r.at)
  ) q
  GROUP BY q.c, q.cms, q.unit_id
  ), main AS (
    INSERT INTO unit_track_replay (chunk_start, unit_id, w, s, e, n, points, n_points,
      t_first, lon_first, lat_first, t_last, lon_last, lat_last, t_deltas, lon_deltas, lat_deltas)
    SELECT c, unit_id, w, s, e, n, points, n_points, t_first, lon_first, lat_first, t_last,
      lon_last, lat_last, t_deltas, lon_deltas, lat_deltas
    FROM b
  )
  INSERT INTO unit_track_replay_bin (chunk_start, unit_id, w, s, e, n, us_first, us_last, bin)
  SELECT c, unit_id, w, s, e, n, us_first, us_last, bin FROM b;
  GET DIAGNOSTICS stored = ROW_COUNT;
  RETURN stored;
END;
$$ LANGUAGE plpgsql;

-- chunks built before this migration have no binary row: marked dirty, they are read from the
-- raw tracks (as any chunk not yet built) until the processors or rebuild_unit_track_replay
-- build them again, binary row and all
INSERT INTO unit_track_replay_dirty (chunk_start)
SELECT DISTINCT chunk_start FROM unit_track_replay ORDER BY chunk_start
ON CONFLICT (chunk_start) DO UPDATE SET gen = unit_track_replay_dirty.gen + 1;
