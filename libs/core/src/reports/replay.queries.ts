import { sql, type Selectable } from 'kysely';
import type { DB, Db, DbOrTx } from '@ringcad/db';

type Incident = Selectable<DB['incidents']>;

/** Session settings for an area replay's transaction: sort in memory, no JIT. */
export async function replaySettings(db: DbOrTx): Promise<void> {
  await sql`SELECT set_config('work_mem', '128MB', true), set_config('jit', 'off', true)`.execute(
    db,
  );
}

/** A jurisdiction with its bounding box. */
export async function jurisdictionBox(db: DbOrTx, id: string) {
  const r = await sql<
    Pick<Selectable<DB['jurisdictions']>, 'id' | 'name' | 'kind'> & {
      w: number;
      s: number;
      e: number;
      n: number;
    }
  >`
        SELECT id, name, kind, ST_XMin(boundary) AS w, ST_YMin(boundary) AS s, ST_XMax(boundary) AS e, ST_YMax(boundary) AS n
        FROM jurisdictions WHERE id = ${id}`.execute(db);
  return r.rows[0];
}

/**
 * The district's incidents open at some point in [from, to) (created at most a day before it);
 * exercises (演练) are not part of the district's real picture.
 */
export async function incidentsOpenInDistrict(
  db: DbOrTx,
  districtId: string,
  from: Date,
  to: Date,
) {
  const incidents = await sql<
    Pick<
      Incident,
      | 'id'
      | 'number'
      | 'category'
      | 'priority'
      | 'status'
      | 'received_at'
      | 'created_at'
      | 'dispatched_at'
      | 'first_arrived_at'
      | 'resolved_at'
      | 'closed_at'
      | 'cancelled_at'
    > & { lon: number; lat: number }
  >`
      SELECT i.id, i.number, i.category, i.priority, i.status, ST_X(i.location) AS lon, ST_Y(i.location) AS lat,
        i.received_at, i.created_at, i.dispatched_at, i.first_arrived_at, i.resolved_at, i.closed_at, i.cancelled_at
      FROM incidents i
      WHERE i.district_id = ${districtId} AND NOT i.exercise AND i.created_at < ${to} AND i.created_at >= ${new Date(from.getTime() - 86_400_000)}
        AND coalesce(i.resolved_at, i.cancelled_at, i.closed_at, 'infinity'::timestamptz) >= ${from}
      ORDER BY i.created_at`.execute(db);
  return incidents.rows;
}

export async function assignmentTimes(db: DbOrTx, incidentIds: readonly string[]) {
  const r = await sql<
    Pick<
      Selectable<DB['assignments']>,
      | 'incident_id'
      | 'unit_id'
      | 'assigned_at'
      | 'acked_at'
      | 'departed_at'
      | 'arrived_at'
      | 'cleared_at'
    >
  >`
            SELECT incident_id, unit_id, assigned_at, acked_at, departed_at, arrived_at, cleared_at FROM assignments
            WHERE incident_id = ANY(${incidentIds}::uuid[]) ORDER BY assigned_at`.execute(db);
  return r.rows;
}

/** A box in degrees (west, south, east, north). */
export interface Box {
  w: number;
  s: number;
  e: number;
  n: number;
}

/**
 * Raw track points over [from, to) (each range of `ranges`), one per unit per `stepSec`: the
 * first plausible point of each step (jump-flagged points excluded), kept when it lies inside the
 * box (the step is chosen before the area, as the stored chunks choose it).
 */
export async function trackPointsInBox(
  db: DbOrTx,
  box: Box,
  ranges: readonly (readonly [Date, Date])[],
  stepSec: number,
) {
  if (!ranges.length) return [];
  const inRanges = sql.join(
    ranges.map(([lo, hi]) => sql`(t.at >= ${lo} AND t.at < ${hi})`),
    sql` OR `,
  );
  const points = await sql<
    Pick<Selectable<DB['unit_tracks']>, 'unit_id' | 'lon' | 'lat'> & { ms: number }
  >`
      WITH steps AS MATERIALIZED (
        SELECT DISTINCT ON (unit_id, bucket) unit_id, lon, lat, ms FROM (
          SELECT t.unit_id, t.lon, t.lat, t.at, (extract(epoch FROM t.at) * 1000)::float8 AS ms,
            floor(extract(epoch FROM t.at) / ${stepSec}) AS bucket
          FROM unit_tracks t
          WHERE (${inRanges}) AND t.flags & 1 = 0
        ) p
        ORDER BY unit_id, bucket, at
      )
      SELECT unit_id, lon, lat, ms FROM steps
      WHERE lon BETWEEN ${box.w} AND ${box.e} AND lat BETWEEN ${box.s} AND ${box.n}
      ORDER BY unit_id, ms`.execute(db);
  return points.rows;
}

/** Start times (ms) of the replay chunks in [from, to) still dirty (read raw until rebuilt). */
export async function dirtyReplayChunks(db: DbOrTx, from: Date, to: Date): Promise<number[]> {
  const r = await sql<{ ms: number }>`
    SELECT (extract(epoch FROM chunk_start) * 1000)::float8 AS ms FROM unit_track_replay_dirty
    WHERE chunk_start >= ${from} AND chunk_start < ${to} ORDER BY chunk_start`.execute(db);
  return r.rows.map((x) => Number(x.ms));
}

/** A replay chunk's span (ms). */
const CHUNK_MS = 300_000;

/** Where a chunk's stored columnar part can stand for its points (see {@link replayChunks}). */
export interface ColumnarChunkSpan {
  /** Chunks starting at or after this and ending at or before `to`. */
  from: Date;
  to: Date;
  /** The window's first whole step (ms): binary chunks whose points lie in [firstMs, to). */
  firstMs: number;
  /** Chunk starts (ms) that share time with a range read raw. */
  except: readonly number[];
}

/**
 * Stored points in the columnar answer's numbers (migration 0031): whole epoch ms and millionths
 * of a degree, the first and last point's, and the differences between consecutive points as
 * JSON text. One chunk's, or a run of a unit's chunks each starting where the one before ended
 * (joined by the database, {@link replayChunks}).
 */
export interface ColumnarChunk {
  startMs: number;
  n: number;
  first: [t: number, lon: number, lat: number];
  last: [t: number, lon: number, lat: number];
  deltas: [t: string, lon: string, lat: string];
}

/**
 * A unit's whole chunks in binary (migration 0035's unit_track_replay_bin.bin, one after the
 * other in time order, no point of the unit between them read otherwise), as the binary answer
 * copies them: {@link binaryChunkHead}.
 */
export type BinaryChunks = Uint8Array;

/** The stored form a replay asks for: the columnar text (0031) or the binary chunks (0035). */
export type ChunkEncoding = 'text' | 'binary';
export type StoredOf<E extends ChunkEncoding> = E extends 'binary' ? BinaryChunks : ColumnarChunk;

/** Bytes of a binary chunk's head (0035): eight int32. */
export const BIN_HEAD_BYTES = 32;

/**
 * The head of the binary chunk at `o` (int32 little-endian each): its start (ms), its points,
 * its first and last point (epoch ms, 1e-6 degrees); its differences (n - 1 each: times', lons',
 * lats') follow, and the next chunk at `next`.
 */
export function binaryChunkHead(view: DataView, o: number) {
  const int = (k: number) => view.getInt32(o + k * 4, true);
  const startMs = int(0) * CHUNK_MS;
  const n = int(1);
  return {
    startMs,
    n,
    first: [startMs + int(2), int(3), int(4)] as const,
    last: [startMs + int(5), int(6), int(7)] as const,
    next: o + BIN_HEAD_BYTES + (n - 1) * 12,
  };
}

/** Stored points: a chunk's 20 bytes each, or (`columnar` asked and met) its stored form. */
export type ReplayChunkRow<C = ColumnarChunk> = {
  unit_id: string;
  ms: number;
} & ({ points: Buffer; columnar?: undefined } | { points: null; columnar: C });

/** Which of a unit's stored chunks a replay reads, and which of those are whole (columnar). */
function chunkFilters(
  box: Box | null,
  columnar: (ColumnarChunkSpan & { box: Box }) | null,
  storedColumn: 't_deltas' | 'bin',
) {
  const meets = box
    ? sql`AND w <= ${box.e} AND e >= ${box.w} AND s <= ${box.n} AND n >= ${box.s}`
    : sql``;
  // a binary chunk knows its points' first and last time: whole when they lie in the window (the
  // chunk at the live edge, which ends after `to`, has all its points before it)
  const inWindow =
    storedColumn === 'bin'
      ? sql`us_first >= ${columnar ? columnar.firstMs * 1000 : 0}::bigint
        AND us_last < ${columnar ? columnar.to.getTime() * 1000 : 0}::bigint`
      : sql`chunk_start >= ${columnar?.from ?? null}
        AND chunk_start + interval '300 seconds' <= ${columnar?.to ?? null}`;
  const whole = columnar
    ? sql`(${sql.ref(storedColumn)} IS NOT NULL AND ${inWindow}
        AND NOT (chunk_start = ANY(${columnar.except.map((ms) => new Date(ms))}::timestamptz[]))
        AND w >= ${columnar.box.w} AND e <= ${columnar.box.e} AND s >= ${columnar.box.s} AND n <= ${columnar.box.n})`
    : sql`false`;
  return { meets, whole };
}

/**
 * A unit's rows into `rows` in time order: its columnar ones (`of`) and its chunks read point by
 * point (`parts`: 'ms:base64' each, '|' between them).
 */
function pushInOrder<C>(
  rows: ReplayChunkRow<C>[],
  of: ReplayChunkRow<C>[],
  unit_id: string,
  parts: string | null,
) {
  const columnar = of.length > 0;
  if (parts)
    for (const chunk of parts.split('|')) {
      const at = chunk.indexOf(':');
      const points = Buffer.from(chunk.slice(at + 1), 'base64');
      of.push({ unit_id, ms: Number(chunk.slice(0, at)), points });
    }
  if (columnar && parts) of.sort((a, b) => a.ms - b.ms);
  for (const row of of) rows.push(row);
}

/**
 * Stored replay chunks starting in [from, to), by unit and time; with a box, only those whose
 * points' box meets it. With `columnar`, a chunk inside its span whose points' box lies inside
 * the box (every point kept) comes in its columnar part (migration 0031) instead of its points,
 * and the chunks of a run of such chunks (each starting where the one before ended: no point of
 * the unit lies between them) come joined into one.
 *
 * The database answers a row per unit, its chunks joined in time order into text: a
 * district-hour is ~2,000 rows (most units one columnar run and two edge chunks) rather than
 * ~22,000 rows of 13 fields, whose parsing, joining and garbage were most of the api's CPU for
 * the answer.
 */
export async function replayChunks(
  db: DbOrTx,
  from: Date,
  to: Date,
  box: Box | null,
  columnar: (ColumnarChunkSpan & { box: Box }) | null = null,
): Promise<ReplayChunkRow[]> {
  const { meets, whole } = chunkFilters(box, columnar, 't_deltas');
  // A columnar run starts with '|' in each text. heads: 'ms t lon lat' (its first point), then
  // per chunk ' n t lon lat' (its points, its last point). t, lon, lat: the first chunk's
  // differences, then per chunk joined ',' and its first point's difference to the last point
  // before it, ',' and its differences (a one-point chunk has none: a run's text may then begin
  // with ','). parts, '|' between chunks: 'ms:base64' (base64, not bytea: the text protocol
  // sends bytea as hex, twice its size; PostgreSQL breaks its lines, Buffer.from skips them).
  const joined = (col: 't' | 'lon' | 'lat') => {
    const [first, deltas, prev] = [
      sql.ref(`${col}_first`),
      sql.ref(`${col}_deltas`),
      sql.ref(`p${col}`),
    ];
    return sql`string_agg(CASE WHEN joins THEN ',' || (${first} - ${prev})
      || CASE WHEN ${deltas} = '' THEN '' ELSE ',' || ${deltas} END ELSE '|' || ${deltas} END, ''
      ORDER BY chunk_start) FILTER (WHERE whole)`;
  };
  const r = await sql<{
    unit_id: string;
    heads: string | null;
    t: string | null;
    lon: string | null;
    lat: string | null;
    parts: string | null;
  }>`
    SELECT unit_id,
      string_agg(CASE WHEN joins THEN ' ' ELSE '|' || ms || ' ' || t_first || ' ' || lon_first || ' ' || lat_first || ' ' END
        || n_points || ' ' || t_last || ' ' || lon_last || ' ' || lat_last, '' ORDER BY chunk_start) FILTER (WHERE whole) AS heads,
      ${joined('t')} AS t, ${joined('lon')} AS lon, ${joined('lat')} AS lat,
      string_agg(ms || ':' || encode(points, 'base64'), '|' ORDER BY chunk_start) FILTER (WHERE NOT whole) AS parts
    FROM (
      SELECT unit_id, chunk_start, ms, whole, n_points, t_first, lon_first, lat_first, t_last,
        lon_last, lat_last, CASE WHEN whole THEN t_deltas END AS t_deltas,
        CASE WHEN whole THEN lon_deltas END AS lon_deltas,
        CASE WHEN whole THEN lat_deltas END AS lat_deltas,
        CASE WHEN whole THEN NULL ELSE points END AS points,
        whole AND lag(whole) OVER u AND lag(chunk_start) OVER u = chunk_start - interval '300 seconds' AS joins,
        lag(t_last) OVER u AS pt, lag(lon_last) OVER u AS plon, lag(lat_last) OVER u AS plat
      FROM (
        SELECT unit_id, chunk_start, (extract(epoch FROM chunk_start) * 1000)::bigint AS ms,
          ${whole} AS whole, n_points, t_first, lon_first, lat_first, t_last, lon_last, lat_last,
          t_deltas, lon_deltas, lat_deltas, points
        FROM unit_track_replay WHERE chunk_start >= ${from} AND chunk_start < ${to} ${meets}
        -- kept apart (not pulled up): each row's whole and ms computed once, not per use
        OFFSET 0
      ) c
      WINDOW u AS (PARTITION BY unit_id ORDER BY chunk_start)
    ) c
    GROUP BY unit_id`.execute(db);
  const rows: ReplayChunkRow[] = [];
  const runText = (s: string) => (s.charCodeAt(0) === 44 ? s.slice(1) : s); // ','
  for (const { unit_id, heads, t, lon, lat, parts } of r.rows) {
    const of: ReplayChunkRow[] = [];
    if (heads && t !== null && lon !== null && lat !== null) {
      const [ts, lons, lats] = [t.split('|'), lon.split('|'), lat.split('|')];
      heads.split('|').forEach((head, k) => {
        if (k === 0) return; // before the first run: nothing
        const v = head.split(' ').map(Number);
        let n = 0;
        for (let i = 4; i < v.length; i += 4) n += v[i];
        const e = v.length - 3;
        const columnar: ColumnarChunk = {
          startMs: v[0],
          n,
          first: [v[1], v[2], v[3]],
          last: [v[e], v[e + 1], v[e + 2]],
          deltas: [runText(ts[k]), runText(lons[k]), runText(lats[k])],
        };
        of.push({ unit_id, ms: v[0], points: null, columnar });
      });
    }
    pushInOrder(rows, of, unit_id, parts);
  }
  return rows;
}

/**
 * {@link replayChunks} for the binary answer, from the narrow table of binary chunks (migration
 * 0035): a whole chunk comes as its stored bytes, each its own {@link ColumnarChunk} (the api
 * joins consecutive ones: a chunk's first point is a difference to the point before it, whichever
 * chunk that was in); the points of the others (window edges, the box's edge) are looked up by
 * key in unit_track_replay. A row per unit: its whole chunks' bytes one after the other (each a
 * fixed head and its differences: no window over them), its other chunks as in replayChunks.
 */
export async function replayBinaryChunks(
  db: DbOrTx,
  from: Date,
  to: Date,
  box: Box,
  columnar: ColumnarChunkSpan & { box: Box },
): Promise<ReplayChunkRow<BinaryChunks>[]> {
  const { meets, whole } = chunkFilters(box, columnar, 'bin');
  // base64, as the parts: the text protocol sends bytea as hex, twice its size
  const r = await sql<{ unit_id: string; bin: string | null; parts: string | null }>`
    SELECT c.unit_id,
      encode(string_agg(c.bin, ''::bytea ORDER BY c.chunk_start) FILTER (WHERE c.whole), 'base64') AS bin,
      -- the chunk's ms only for these: an aggregate's argument is computed for the rows its
      -- filter keeps (numeric arithmetic on every row was a tenth of the statement's time)
      string_agg((extract(epoch FROM c.chunk_start) * 1000)::bigint || ':' || encode(p.points, 'base64'),
        '|' ORDER BY c.chunk_start)
        FILTER (WHERE NOT c.whole) AS parts
    FROM (
      SELECT unit_id, chunk_start, ${whole} AS whole, bin
      FROM unit_track_replay_bin WHERE chunk_start >= ${from} AND chunk_start < ${to} ${meets}
      -- kept apart (not pulled up): each row's whole computed once, not per use
      OFFSET 0
    ) c
    LEFT JOIN LATERAL (
      SELECT r.points FROM unit_track_replay r
      WHERE NOT c.whole AND r.chunk_start = c.chunk_start AND r.unit_id = c.unit_id
      -- kept a lookup by key (not pulled up into a join, which hashes the whole wide table)
      OFFSET 0
    ) p ON true
    GROUP BY c.unit_id`.execute(db);
  const rows: ReplayChunkRow<BinaryChunks>[] = [];
  for (const { unit_id, bin, parts } of r.rows) {
    const of: ReplayChunkRow<BinaryChunks>[] = [];
    if (bin) {
      const columnar = Buffer.from(bin, 'base64');
      // at its first chunk's start: the chunks read point by point lie before or after them all
      // or between two of them, and are placed by time when written (binaryReplay)
      of.push({ unit_id, ms: columnar.readInt32LE(0) * CHUNK_MS, points: null, columnar });
    }
    pushInOrder(rows, of, unit_id, parts);
  }
  return rows;
}

/** The oldest dirty replay chunks that ended before `closedBefore`, with their generation. */
export async function dueReplayChunks(db: DbOrTx, closedBefore: Date, limit: number) {
  const r = await sql<{ chunk_start: Date; gen: number }>`
    SELECT chunk_start, gen::float8 AS gen FROM unit_track_replay_dirty
    WHERE chunk_start + interval '300 seconds' <= ${closedBefore}
    ORDER BY chunk_start LIMIT ${limit}`.execute(db);
  return r.rows;
}

/** Rebuilds one chunk and clears its mark if no insert touched it since `gen` was read. */
export async function rebuildReplayChunk(db: DbOrTx, chunkStart: Date, gen: number) {
  await sql`SELECT build_unit_track_replay(${chunkStart}::timestamptz, ${chunkStart}::timestamptz + interval '300 seconds')`.execute(
    db,
  );
  await sql`DELETE FROM unit_track_replay_dirty WHERE chunk_start = ${chunkStart} AND gen = ${gen}`.execute(
    db,
  );
}

export async function unitsByIds(db: DbOrTx, ids: readonly string[]) {
  const r = await sql<
    Pick<Selectable<DB['units']>, 'id' | 'callsign' | 'kind'>
  >`SELECT id, callsign, kind FROM units WHERE id = ANY(${ids}::uuid[])`.execute(db);
  return r.rows;
}

/** The status each unit had when [from, to) opened, then every change inside it, by unit and time. */
export async function unitStatusChanges(
  db: DbOrTx,
  unitIds: readonly string[],
  from: Date,
  to: Date,
) {
  const r = await sql<Selectable<DB['unit_status_history']>>`
            SELECT u.id AS unit_id, h.at, h.status FROM unnest(${unitIds}::uuid[]) AS u(id)
            CROSS JOIN LATERAL (SELECT at, status FROM unit_status_history
              WHERE unit_id = u.id AND at < ${from} ORDER BY at DESC LIMIT 1) h
            UNION ALL
            SELECT unit_id, at, status FROM unit_status_history
            WHERE unit_id = ANY(${unitIds}::uuid[]) AND at >= ${from} AND at < ${to}
            ORDER BY 1, 2`.execute(db);
  return r.rows;
}

/**
 * The processors' round: the oldest dirty chunks that ended before `closedBefore`, each rebuilt
 * in its own transaction. Returns the chunks rebuilt.
 */
export async function rebuildDueReplayChunks(
  db: Db,
  closedBefore: Date,
  limit: number,
): Promise<number> {
  const due = await dueReplayChunks(db, closedBefore, limit);
  for (const c of due)
    await db.transaction().execute((tx) => rebuildReplayChunk(tx, c.chunk_start, c.gen));
  return due.length;
}
