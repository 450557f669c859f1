-- Replay chunks (0026) that also carry their points in the columnar answer's own numbers (issue
-- #16): whole epoch milliseconds and millionths of a degree, rounded exactly as the api rounds
-- them (replay-tracks.ts), the first and last of each, and the differences between consecutive
-- points as JSON text. A district-hour replay in columnar form (15 s steps) then joins stored text
-- for every chunk that lies wholly inside its window and box, instead of decoding, rounding and
-- printing each of its ~280,000 points per request. The 20-byte points stay: every other chunk
-- (window edges, a box edge, other steps, the plain form) is read point by point as before.
--
-- Rows built before this migration have no columnar part (NULL) and are read point by point until
-- the processors or rebuild_unit_track_replay build them again.
ALTER TABLE unit_track_replay
  ADD COLUMN n_points integer,
  ADD COLUMN t_first bigint,
  ADD COLUMN lon_first bigint,
  ADD COLUMN lat_first bigint,
  ADD COLUMN t_last bigint,
  ADD COLUMN lon_last bigint,
  ADD COLUMN lat_last bigint,
  -- differences to the point before, comma-separated ('' for a one-point chunk)
  ADD COLUMN t_deltas text,
  ADD COLUMN lon_deltas text,
  ADD COLUMN lat_deltas text;

-- JavaScript's Math.round(deg * 1e6) (half up, towards +infinity) on the same float8 product:
-- v - floor(v) is exact for every float8 v, so ties and near-ties fall as they do in the api
CREATE FUNCTION replay_micro(deg double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (floor(v) + CASE WHEN v - floor(v) >= 0.5 THEN 1 ELSE 0 END)::bigint
  FROM (SELECT deg * 1000000::double precision AS v) x
$$;

CREATE OR REPLACE FUNCTION build_unit_track_replay(lo timestamptz, hi timestamptz) RETURNS bigint AS $$
DECLARE
  stored bigint;
BEGIN
  DELETE FROM unit_track_replay WHERE chunk_start >= lo AND chunk_start < hi;
  INSERT INTO unit_track_replay (chunk_start, unit_id, w, s, e, n, points, n_points,
    t_first, lon_first, lat_first, t_last, lon_last, lat_last, t_deltas, lon_deltas, lat_deltas)
  SELECT q.c, q.unit_id, min(q.lon), min(q.lat), max(q.lon), max(q.lat),
    string_agg(int4send(q.off) || float8send(q.lon) || float8send(q.lat), ''::bytea ORDER BY q.at),
    count(*)::integer,
    (array_agg(q.tm ORDER BY q.at))[1], (array_agg(q.x ORDER BY q.at))[1],
    (array_agg(q.y ORDER BY q.at))[1],
    (array_agg(q.tm ORDER BY q.at DESC))[1], (array_agg(q.x ORDER BY q.at DESC))[1],
    (array_agg(q.y ORDER BY q.at DESC))[1],
    coalesce(string_agg((q.tm - q.ptm)::text, ',' ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), ''),
    coalesce(string_agg((q.x - q.px)::text, ',' ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), ''),
    coalesce(string_agg((q.y - q.py)::text, ',' ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), '')
  FROM (
    SELECT r.*, lag(r.tm) OVER w AS ptm, lag(r.x) OVER w AS px, lag(r.y) OVER w AS py
    FROM (
      SELECT p.*,
        -- as the api reads a stored point: chunk start + µs, to whole ms (Math.round, half up)
        floor((extract(epoch FROM p.c) * 1000000 + p.off + 500) / 1000)::bigint AS tm,
        replay_micro(p.lon) AS x, replay_micro(p.lat) AS y
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
  GROUP BY q.c, q.unit_id;
  GET DIAGNOSTICS stored = ROW_COUNT;
  RETURN stored;
END;
$$ LANGUAGE plpgsql;
