-- Replay runs (issue #16): each unit's packed chunks (0036) of one UTC hour joined into one row,
-- so that a district-hour replay reads ~2 rows a unit instead of ~13 (0036's table of chunks
-- ran a sequential scan of every unit's chunks of the hour, a sort of a district's ~22,000 and
-- their aggregation per unit: ~90 of a binary district-hour's ~100 ms of database time).
--
-- run: the hour's chunks of the unit in time order, each a record: int4 (big-endian) L, int4 -1
-- and the packed chunk (L bytes, 0036; its head gives its start), the binary answer's form
-- (libs/core/src/reports: binaryReplay copies the records it takes whole as they are). The
-- others' points (the window's edges, chunks that share time with a range read raw) the api
-- reads from the packed chunk itself when every point's time in the run is a whole ms
-- (all_whole_ms: the packed ms times are then the exact times; a chunk's whole_ms, new here,
-- says so of its points), else from unit_track_replay's exact points, as before.
-- The box is the union of the chunks' boxes: a run inside a replay's box has every point in it;
-- the units whose run crosses the box's edge are read chunk by chunk, as before.
--
-- Built with the chunks, in the same function (so in the same transaction): every build of a
-- chunk rebuilds the runs of its hour from the hour's stored chunks (at the peak ~60,000 rows,
-- once per 5-minute chunk), under an advisory lock per hour, so that two builds of one hour's
-- chunks in separate transactions cannot leave a run without the other's chunk.
ALTER TABLE unit_track_replay_bin ADD COLUMN whole_ms boolean NOT NULL DEFAULT false;

CREATE TABLE unit_track_replay_run (
  hour_start timestamptz NOT NULL,
  unit_id uuid NOT NULL,
  w double precision NOT NULL,
  s double precision NOT NULL,
  e double precision NOT NULL,
  n double precision NOT NULL,
  -- every chunk's whole_ms
  all_whole_ms boolean NOT NULL,
  run bytea NOT NULL,
  PRIMARY KEY (hour_start, unit_id)
);

-- the runs of the UTC hours [lo, hi) touches, rebuilt from unit_track_replay_bin
CREATE FUNCTION build_unit_track_replay_runs(lo timestamptz, hi timestamptz) RETURNS void AS $$
DECLARE
  h timestamptz := date_bin('1 hour', lo, timestamptz 'epoch');
BEGIN
  WHILE h < hi LOOP
    -- one hour at a time, in order: the locks are always taken in one order
    PERFORM pg_advisory_xact_lock(1339, (extract(epoch FROM h) / 3600)::integer);
    DELETE FROM unit_track_replay_run WHERE hour_start = h;
    INSERT INTO unit_track_replay_run (hour_start, unit_id, w, s, e, n, all_whole_ms, run)
    SELECT h, unit_id, min(w), min(s), max(e), max(n), bool_and(whole_ms),
      string_agg(int4send(length(packed)) || int4send(-1) || packed,
        ''::bytea ORDER BY chunk_start)
    FROM unit_track_replay_bin
    WHERE chunk_start >= h AND chunk_start < h + interval '1 hour' AND packed IS NOT NULL
    GROUP BY unit_id;
    h := h + interval '1 hour';
  END LOOP;
END;
$$ LANGUAGE plpgsql;

-- 0037's build, storing each chunk's whole_ms and rebuilding the runs of the hours it built
CREATE OR REPLACE FUNCTION build_unit_track_replay(lo timestamptz, hi timestamptz) RETURNS bigint AS $$
DECLARE
  stored bigint;
  -- the China Standard Time days [lo, hi) touches: the track partitions it reads
  day_lo timestamptz := date_trunc('day', lo, 'Asia/Shanghai');
  day_hi timestamptz := date_trunc('day', hi - interval '1 microsecond', 'Asia/Shanghai') + interval '24 hours';
BEGIN
  DELETE FROM unit_track_replay WHERE chunk_start >= lo AND chunk_start < hi;
  DELETE FROM unit_track_replay_bin WHERE chunk_start >= lo AND chunk_start < hi;
  -- each chunk computed once, stored in both tables
  WITH RECURSIVE units AS (
    -- every unit with a point in those days, one index probe each
    SELECT (SELECT t.unit_id FROM unit_tracks t WHERE t.at >= day_lo AND t.at < day_hi
      ORDER BY t.unit_id LIMIT 1) AS unit_id
    UNION ALL
    SELECT (SELECT t.unit_id FROM unit_tracks t WHERE t.unit_id > u.unit_id AND t.at >= day_lo
      AND t.at < day_hi ORDER BY t.unit_id LIMIT 1)
    FROM units u WHERE u.unit_id IS NOT NULL
  ), kept AS (
    -- each unit's first plausible point of each 15-second step in [lo, hi)
    SELECT u.unit_id, p.at, p.lon, p.lat
    FROM units u
    CROSS JOIN LATERAL (SELECT t.at, t.lon, t.lat FROM unit_tracks t
      WHERE t.unit_id = u.unit_id AND t.at >= lo AND t.at < hi AND t.flags & 1 = 0
      ORDER BY t.at LIMIT 1) p
    UNION ALL
    SELECT k.unit_id, p.at, p.lon, p.lat
    FROM kept k
    CROSS JOIN LATERAL (SELECT t.at, t.lon, t.lat FROM unit_tracks t
      WHERE t.unit_id = k.unit_id AND t.at >= to_timestamp((floor(extract(epoch FROM k.at) / 15) + 1) * 15)
        AND t.at < hi AND t.flags & 1 = 0
      ORDER BY t.at LIMIT 1) p
  ), b AS (
  SELECT q.c, q.unit_id, min(q.lon) AS w, min(q.lat) AS s, max(q.lon) AS e, max(q.lat) AS n,
    (extract(epoch FROM min(q.at)) * 1000000)::bigint AS us_first,
    (extract(epoch FROM max(q.at)) * 1000000)::bigint AS us_last,
    bool_and(q.off % 1000 = 0) AS whole_ms,
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
      -- the zigzag values are columns: replay_varint is inlined on a plain column only
      || coalesce(string_agg(replay_varint(q.zt), ''::bytea ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), ''::bytea)
      || coalesce(string_agg(replay_varint(q.zx), ''::bytea ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), ''::bytea)
      || coalesce(string_agg(replay_varint(q.zy), ''::bytea ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), ''::bytea)
      AS packed
  FROM (
    SELECT r.*, lag(r.tm) OVER w AS ptm, lag(r.x) OVER w AS px, lag(r.y) OVER w AS py,
      replay_zigzag(r.tm - lag(r.tm) OVER w - 15000) AS zt, replay_zigzag(r.x - lag(r.x) OVER w) AS zx,
      replay_zigzag(r.y - lag(r.y) OVER w) AS zy
    FROM (
      SELECT p.*,
        -- as the api reads a stored point: chunk start + µs, to whole ms (Math.round, half up)
        floor((extract(epoch FROM p.c) * 1000000 + p.off + 500) / 1000)::bigint AS tm,
        replay_micro(p.lon) AS x, replay_micro(p.lat) AS y,
        (extract(epoch FROM p.c) * 1000)::bigint AS cms
      FROM (
        SELECT d.*, ((extract(epoch FROM d.at) - extract(epoch FROM d.c)) * 1000000)::integer AS off
        FROM (
          SELECT k.unit_id, k.at, k.lon, k.lat,
            to_timestamp(floor(extract(epoch FROM k.at) / 300) * 300) AS c
          FROM kept k
        ) d
      ) p
      -- computed here, once a point: not again inside the window for each lag
      OFFSET 0
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
  INSERT INTO unit_track_replay_bin (chunk_start, unit_id, w, s, e, n, us_first, us_last, packed, whole_ms)
  SELECT c, unit_id, w, s, e, n, us_first, us_last, packed, whole_ms FROM b;
  GET DIAGNOSTICS stored = ROW_COUNT;
  -- the runs of every hour [lo, hi) touches, from its chunks as they now are
  PERFORM build_unit_track_replay_runs(lo, hi);
  RETURN stored;
END;
$$ LANGUAGE plpgsql SET jit = off SET enable_bitmapscan = off;

-- the chunks stored so far (their times taken as not whole ms: their edges read exactly, as before)
SELECT build_unit_track_replay_runs(min(chunk_start), max(chunk_start) + interval '300 seconds')
FROM unit_track_replay_bin;
