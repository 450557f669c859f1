-- Binary replay chunks (0035) packed (issue #16): the differences between consecutive points as
-- variable-length integers instead of an int32 each. A district-hour's ~400,000 points were
-- ~5.7 MB of chunks, which the database encoded as base64 text and the api decoded again, most of
-- a binary replay's time on both sides; packed they are ~2.4 MB. The api writes the answer's
-- int32 sections from them (libs/core/src/reports/replay-tracks.ts, binaryReplay); the answer
-- itself does not change.
--
-- packed: the head as 0035's bin (eight int32 little-endian: chunk_start / 300 s, n, the first
-- and last point's ms since chunk_start, lon and lat in 1e-6 degrees), then the n - 1
-- differences of the times, of the lons, of the lats, each a zigzag varint (below): a time's
-- difference less 15,000 ms (the step: most are 0 then, one byte), a coordinate's as it is (a few
-- metres: one or two bytes).
--
-- Rows built before this migration have no packed part (NULL): their chunks are marked dirty and
-- read from the raw tracks (as any chunk not yet built) until the processors or
-- rebuild_unit_track_replay build them again.
ALTER TABLE unit_track_replay_bin DROP COLUMN bin, ADD COLUMN packed bytea;

-- v as an unsigned number, small for small |v| either side of zero: 0, -1, 1, -2, … -> 0, 1, 2, 3, …
CREATE FUNCTION replay_zigzag(v bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v >= 0 THEN v * 2 ELSE -v * 2 - 1 END
$$;

-- z (0 <= z < 2^35) as a varint: 7 bits a byte, the lowest first, the high bit set on every byte
-- but the last; the bytes are the tail of int8send (big-endian) of the bytes' value. Bitwise
-- operators share one precedence in PostgreSQL: every step is parenthesised.
CREATE FUNCTION replay_varint(z bigint) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN z < 128 THEN substring(int8send(z) FROM 8)
    WHEN z < 16384 THEN substring(int8send((((z & 127) | 128) << 8) | (z >> 7)) FROM 7)
    WHEN z < 2097152 THEN substring(int8send((((z & 127) | 128) << 16)
      | ((((z >> 7) & 127) | 128) << 8) | (z >> 14)) FROM 6)
    WHEN z < 268435456 THEN substring(int8send((((z & 127) | 128) << 24)
      | ((((z >> 7) & 127) | 128) << 16) | ((((z >> 14) & 127) | 128) << 8) | (z >> 21)) FROM 5)
    ELSE substring(int8send((((z & 127) | 128) << 32) | ((((z >> 7) & 127) | 128) << 24)
      | ((((z >> 14) & 127) | 128) << 16) | ((((z >> 21) & 127) | 128) << 8) | (z >> 28)) FROM 4)
  END
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
      || coalesce(string_agg(replay_varint(replay_zigzag(q.tm - q.ptm - 15000)), ''::bytea ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), ''::bytea)
      || coalesce(string_agg(replay_varint(replay_zigzag(q.x - q.px)), ''::bytea ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), ''::bytea)
      || coalesce(string_agg(replay_varint(replay_zigzag(q.y - q.py)), ''::bytea ORDER BY q.at) FILTER (WHERE q.ptm IS NOT NULL), ''::bytea)
      AS packed
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
  INSERT INTO unit_track_replay_bin (chunk_start, unit_id, w, s, e, n, us_first, us_last, packed)
  SELECT c, unit_id, w, s, e, n, us_first, us_last, packed FROM b;
  GET DIAGNOSTICS stored = ROW_COUNT;
  RETURN stored;
END;
$$ LANGUAGE plpgsql;

-- chunks built before this migration have no packed part: marked dirty, they are read from the
-- raw tracks until the processors or rebuild_unit_track_replay build them again
INSERT INTO unit_track_replay_dirty (chunk_start)
SELECT DISTINCT chunk_start FROM unit_track_replay_bin ORDER BY chunk_start
ON CONFLICT (chunk_start) DO UPDATE SET gen = unit_track_replay_dirty.gen + 1;
