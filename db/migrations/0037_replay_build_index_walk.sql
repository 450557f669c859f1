-- The replay chunks' build (0026, 0031, 0035, 0036) without reading every raw point (issue #16).
-- At the peak (5,000 units, 25,000 reports a second) a closed 5-minute chunk holds ~7.5 M points,
-- of which ~100,000 are kept (each unit's first plausible point of each 15-second step). 0036
-- read all of them (a sequential scan of a heap in arrival order) and sorted them for its
-- DISTINCT ON (an external sort of ~500 MB on disk): ~15 s of a backend's CPU per chunk, one of
-- the server's two cores taken from the 110 calls for as long.
--
-- Now each unit's kept points are walked on the (unit_id, at) index: the unit's first plausible
-- point at or after lo, then the first at or after the start of the step after that point's, and
-- so on: one index probe (and one heap row) per kept point, and one that finds nothing per unit.
-- The units are found the same way, one probe each (the next unit_id), over the days [lo, hi)
-- lies in: the track partitions are China Standard Time days (ensure_track_partitions), so that
-- bound leaves every row of the partitions it selects and the probe stays at the head of their
-- index. Any wider bound would store the same chunks (a unit with no point in [lo, hi) keeps
-- nothing); only the probes' cost depends on it. The same chunk: ~1.8 s of CPU.
--
-- The points' numbers (chunk start, µs offset, ms time, 1e-6 degrees) are worked out once a point,
-- before the window that takes each point's predecessor (0036's window evaluated them again for
-- each lag); replay_micro becomes a single expression, which PostgreSQL inlines (a SELECT with a
-- FROM was a function call per coordinate); the zigzag values are columns, so that replay_varint
-- is inlined too. No JIT: the planner's guess at the walk's size passes jit_above_cost, and
-- compiling took ~0.2 s of the 2. No bitmap scans: at the peak the planner's statistics lag the
-- table (a few hundred rows guessed per unit and chunk, ~1,500 there), and it fetched each unit's
-- every point of the chunk through a bitmap and sorted them for the first one (27 s of the
-- chunk's build in a services peak run) instead of taking it first off the index. Every stored value is the same as 0036's
-- (libs/core/src/reports/replay-chunk-build.int.spec.ts builds with both and compares).
-- 0031's rounding (the same float8 product, floor and tie test), as one expression
CREATE OR REPLACE FUNCTION replay_micro(deg double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (floor(deg * 1000000::double precision)
    + CASE WHEN deg * 1000000::double precision - floor(deg * 1000000::double precision) >= 0.5
      THEN 1 ELSE 0 END)::bigint
$$;

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
  INSERT INTO unit_track_replay_bin (chunk_start, unit_id, w, s, e, n, us_first, us_last, packed)
  SELECT c, unit_id, w, s, e, n, us_first, us_last, packed FROM b;
  GET DIAGNOSTICS stored = ROW_COUNT;
  RETURN stored;
END;
$$ LANGUAGE plpgsql SET jit = off SET enable_bitmapscan = off;
