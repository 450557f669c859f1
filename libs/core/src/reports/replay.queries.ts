import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { DB, Db, DbOrTx } from '@ringcad/db';

type Incident = Selectable<DB['incidents']>;

/**
 * Session settings for an area replay's transaction: sort in memory, no JIT; no Memoize (the
 * binary chunks' key lookups, {@link replayBinaryChunks}: every key differs, and caching the
 * ~22,000 misses of a district-hour was ~40 of the statement's ~90 ms of CPU) and no parallel
 * workers (on a 2-core server they cost more CPU than they save time).
 */
export async function replaySettings(db: DbOrTx): Promise<void> {
  await sql`SELECT set_config('work_mem', '128MB', true), set_config('jit', 'off', true),
    set_config('enable_memoize', 'off', true),
    set_config('max_parallel_workers_per_gather', '0', true)`.execute(db);
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
/** Times as epoch ms (float8, exact: {@link exactMs}), not Date: pg parses a timestamptz's text
 * into a Date at ~1 µs each, and a district-hour's incidents and assignments hold ~6,000. */
type EpochMs<T, K extends keyof T> = Omit<T, K> & {
  [P in K]: null extends T[P] ? number | null : number;
};

/** The incidents (as `i`) of a district open at some time in [from, to): an area replay's. */
function openInDistrict(districtId: string, from: Date, to: Date) {
  return sql`i.district_id = ${districtId} AND NOT i.exercise AND i.created_at < ${to}
    AND i.created_at >= ${new Date(from.getTime() - 86_400_000)}
    AND coalesce(i.resolved_at, i.cancelled_at, i.closed_at, 'infinity'::timestamptz) >= ${from}`;
}

/** The incident times an area replay reads. */
type IncidentTimes =
  | 'received_at'
  | 'created_at'
  | 'dispatched_at'
  | 'first_arrived_at'
  | 'resolved_at'
  | 'closed_at'
  | 'cancelled_at';

export async function incidentsOpenInDistrict(
  db: DbOrTx,
  districtId: string,
  from: Date,
  to: Date,
) {
  const incidents = await sql<
    EpochMs<
      Pick<Incident, 'id' | 'number' | 'category' | 'priority' | 'status' | IncidentTimes>,
      IncidentTimes
    > & {
      lon: number;
      lat: number;
    }
  >`
      SELECT i.id, i.number, i.category, i.priority, i.status, ST_X(i.location) AS lon, ST_Y(i.location) AS lat,
        ${exactMs(sql`i.received_at`)} AS received_at, ${exactMs(sql`i.created_at`)} AS created_at,
        ${exactMs(sql`i.dispatched_at`)} AS dispatched_at, ${exactMs(sql`i.first_arrived_at`)} AS first_arrived_at,
        ${exactMs(sql`i.resolved_at`)} AS resolved_at, ${exactMs(sql`i.closed_at`)} AS closed_at,
        ${exactMs(sql`i.cancelled_at`)} AS cancelled_at
      FROM incidents i
      WHERE ${openInDistrict(districtId, from, to)}
      ORDER BY i.created_at`.execute(db);
  return incidents.rows;
}

/** The assignments of {@link incidentsOpenInDistrict}'s incidents (read beside them). */
export async function assignmentTimes(db: DbOrTx, districtId: string, from: Date, to: Date) {
  const r = await sql<
    EpochMs<
      Pick<
        Selectable<DB['assignments']>,
        | 'incident_id'
        | 'unit_id'
        | 'assigned_at'
        | 'acked_at'
        | 'departed_at'
        | 'arrived_at'
        | 'cleared_at'
      >,
      'assigned_at' | 'acked_at' | 'departed_at' | 'arrived_at' | 'cleared_at'
    >
  >`
            SELECT incident_id, unit_id, ${exactMs(sql`assigned_at`)} AS assigned_at,
              ${exactMs(sql`acked_at`)} AS acked_at, ${exactMs(sql`departed_at`)} AS departed_at,
              ${exactMs(sql`arrived_at`)} AS arrived_at, ${exactMs(sql`cleared_at`)} AS cleared_at
            FROM assignments
            -- the incidents' ids found once (an init plan), then looked up on the incident index
            -- as for a list of ids: never a semi-join that could hash a million assignments
            WHERE incident_id = ANY(ARRAY(SELECT i.id FROM incidents i WHERE ${openInDistrict(districtId, from, to)}))
            ORDER BY assignments.assigned_at`.execute(db);
  return r.rows;
}

/**
 * Runs one read of a replay on a connection of its own (the service: a transaction with
 * replaySettings each), so that the replay's reads overlap: the stored chunks, the raw
 * ranges, the incidents.
 */
export type ReplayReads = <T>(read: (db: DbOrTx) => Promise<T>) => Promise<T>;

/** A box in degrees (west, south, east, north). */
export interface Box {
  w: number;
  s: number;
  e: number;
  n: number;
}

/**
 * Epoch ms of a timestamptz as float8, the value `(extract(epoch FROM at) * 1000)::float8` gives
 * (whole µs over 1000, correctly rounded either way) without numeric arithmetic, which cost a
 * raw read ~1 µs a row twice over (this and the step's bucket: a district-hour's part step read
 * 10,000 rows in 31 ms, 19 ms without).
 */
function exactMs(at: RawBuilder<unknown>) {
  return sql`(floor(date_part('epoch', ${at}))::bigint * 1000000
    + date_part('microseconds', ${at})::bigint % 1000000)::float8 / 1000`;
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
          SELECT t.unit_id, t.lon, t.lat, t.at, ${exactMs(sql`t.at`)} AS ms,
            date_bin(make_interval(secs => ${stepSec}), t.at, 'epoch') AS bucket
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
 * A unit's whole chunks, packed (migration 0036's unit_track_replay_bin.packed), in time order
 * (no point of the unit between them read otherwise), as the binary answer writes them: each a
 * record of the int4 (big-endian) L, the int4 -1, and the packed chunk (L bytes,
 * {@link readPackedChunk}). One per unit: no typed array or view made per chunk (~22,000 in a
 * district-hour, whose making and collecting was a tenth of the answer's time).
 */
export type BinaryChunks = Uint8Array;

/** The stored form a replay asks for: the columnar text (0031) or the packed chunks (0036). */
export type ChunkEncoding = 'text' | 'binary';
export type StoredOf<E extends ChunkEncoding> = E extends 'binary' ? BinaryChunks : ColumnarChunk;

/** Bytes of a packed chunk's head (0035, 0036): eight int32. */
export const BIN_HEAD_BYTES = 32;
/** Bytes before each packed chunk in {@link BinaryChunks}: its length and -1. */
export const PACKED_RECORD_BYTES = 8;

/** A packed chunk's time differences are stored less this (the base step), as 0036 builds them. */
const PACKED_STEP_MS = 15_000;

/** The int32 little-endian at `o`. */
export const int32LE = (b: Uint8Array, o: number) =>
  b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
/** The int32 big-endian at `o`. */
export const int32BE = (b: Uint8Array, o: number) =>
  (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];

/**
 * Reads the packed chunk at `o` of `bytes` (0036): its head (int32 little-endian each: its start
 * / 300 s, its points n, its first and last point: ms since its start, 1e-6 degrees) into `head`
 * as [startMs, n, first t, lon, lat, last t, lon, lat] (times epoch ms), and, when `into` is
 * given, its n - 1 differences (zigzag varints: the times' less {@link PACKED_STEP_MS}, the
 * lons', the lats'), section by section, to `into`. Returns where the chunk ends. The binary
 * answer copies chunks with {@link copyPackedChunk}; this one reads them for the specs.
 */
export function readPackedChunk(
  bytes: Uint8Array,
  o: number,
  head: number[],
  into?: (k: 0 | 1 | 2, d: number) => void,
): number {
  const startMs = int32LE(bytes, o) * CHUNK_MS;
  head[0] = startMs;
  for (let k = 1; k < 8; k++) head[k] = int32LE(bytes, o + k * 4);
  head[2] += startMs;
  head[5] += startMs;
  let p = o + BIN_HEAD_BYTES;
  if (!into) return p;
  const count = head[1] - 1;
  const scratch = new Int32Array(count);
  for (let k = 0; k < 3; k++) {
    p = readDifferences(bytes, p, count, k === 0 ? PACKED_STEP_MS : 0, scratch, 0);
    for (let i = 0; i < count; i++) into(k as 0 | 1 | 2, scratch[i]);
  }
  return p;
}

/**
 * Where the binary answer's three int32 sections are written next (indices into them: times,
 * lons, lats), and the point written last (epoch ms, 1e-6 degrees), which the next value is a
 * difference to.
 */
export interface SectionCursor {
  t: number;
  lon: number;
  lat: number;
  pt: number;
  px: number;
  py: number;
}

/**
 * Copies the packed chunk at `o` of `bytes` (0036) into the sections of `out` at `at`: its first
 * point as the difference to the point before it, then its own n - 1 differences, section by
 * section; moves `at` on past them, to its last point. Returns where the chunk ends. A
 * district-hour copies ~22,000 chunks: here the head is read once, and nothing is allocated or
 * called per chunk but the varint reads ({@link readPackedChunk} read each head twice and handed
 * the first and last point over in arrays, through two callbacks).
 */
export function copyPackedChunk(
  bytes: Uint8Array,
  o: number,
  out: Int32Array,
  at: SectionCursor,
): number {
  const startMs = int32LE(bytes, o) * CHUNK_MS;
  const count = int32LE(bytes, o + 4) - 1;
  const t = startMs + int32LE(bytes, o + 8);
  const x = int32LE(bytes, o + 12);
  const y = int32LE(bytes, o + 16);
  out[at.t++] = t - at.pt;
  out[at.lon++] = x - at.px;
  out[at.lat++] = y - at.py;
  at.pt = startMs + int32LE(bytes, o + 20);
  at.px = int32LE(bytes, o + 24);
  at.py = int32LE(bytes, o + 28);
  let p = readDifferences(bytes, o + BIN_HEAD_BYTES, count, PACKED_STEP_MS, out, at.t);
  p = readDifferences(bytes, p, count, 0, out, at.lon);
  p = readDifferences(bytes, p, count, 0, out, at.lat);
  at.t += count;
  at.lon += count;
  at.lat += count;
  return p;
}

/**
 * `count` zigzag varints from `p` on, each plus `base`, into `out` from index `w`; returns where
 * they end. Up to four bytes (z < 2^28: a 15 s step is one byte, a few metres one or two) with
 * integer operations only; the fifth byte multiplies (z may pass 2^31).
 */
function readDifferences(
  bytes: Uint8Array,
  p: number,
  count: number,
  base: number,
  out: Int32Array,
  w: number,
): number {
  for (const end = w + count; w < end; w++) {
    let b = bytes[p++];
    let z = b & 127;
    if (b > 127) {
      b = bytes[p++];
      z |= (b & 127) << 7;
      if (b > 127) {
        b = bytes[p++];
        z |= (b & 127) << 14;
        if (b > 127) {
          b = bytes[p++];
          z |= (b & 127) << 21;
          if (b > 127) {
            z += (bytes[p++] & 127) * 268_435_456;
            out[w] = base + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
            continue;
          }
        }
      }
    }
    out[w] = base + ((z >>> 1) ^ -(z & 1));
  }
  return p;
}

/** Stored points: a chunk's 20 bytes each, or (`columnar` asked and met) its stored form. */
export type ReplayChunkRow<C = ColumnarChunk> = {
  unit_id: string;
  ms: number;
} & (
  | { points: Uint8Array; columnar?: undefined; /** every point lies in the box */ inBox?: true }
  | { points: null; columnar: C; inBox?: undefined }
  /** a packed chunk (at `at` of `packed`) read point by point: its times whole ms, in the box */
  | { points: 'packed'; packed: Uint8Array; at: number; inBox: true; columnar?: undefined }
);

/** Which of a unit's stored chunks a replay reads, and which of those are whole (columnar). */
function chunkFilters(
  box: Box | null,
  columnar: (ColumnarChunkSpan & { box: Box }) | null,
  storedColumn: 't_deltas' | 'packed',
) {
  const meets = box
    ? sql`AND w <= ${box.e} AND e >= ${box.w} AND s <= ${box.n} AND n >= ${box.s}`
    : sql``;
  // a binary chunk knows its points' first and last time: whole when they lie in the window (the
  // chunk at the live edge, which ends after `to`, has all its points before it)
  const inWindow =
    storedColumn === 'packed'
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

const HOUR_MS = 3_600_000;

/**
 * {@link replayChunks} for the binary answer, from the units' hour runs (migration 0039: an
 * hour's packed chunks of a unit in one row) and, for the units whose run crosses the box's
 * edge, the packed chunks one by one (migrations 0035, 0036).
 *
 * A run inside the box: its chunks inside the window are taken whole, as stored (the api joins
 * consecutive ones: a chunk's first point is a difference to the point before it, whichever chunk
 * that was in), the others in the window (its edges, the chunks that share time with a range read
 * raw) point by point: from the packed chunk itself when its points' times are whole ms (every
 * point is in the box), else from unit_track_replay's exact points (looked up by key with the
 * run). A run across the box's edge: each of its chunks in the window by key in the narrow table,
 * whole when inside the box and the window, else its exact points looked up.
 *
 * Per unit and hour a row (sorted here by unit and hour): the run (base64: the text protocol
 * sends bytea as hex, twice its size) when inside, and the chunks looked up as one bytea in time
 * order, each a record: int4 (big-endian) L, int4 -1 and the packed chunk (L bytes), or int4 its
 * start / 300 s and its 20-byte points (L bytes).
 */
export async function replayBinaryChunks(
  read: ReplayReads,
  from: Date,
  to: Date,
  box: Box,
  columnar: ColumnarChunkSpan & { box: Box },
): Promise<ReplayChunkRow<BinaryChunks>[]> {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  const { firstMs } = columnar;
  const except = new Set(columnar.except);
  // a chunk in the window is whole by its start alone when it lies inside it, shares no time
  // with a raw range; the others are read point by point (exactly: see runRows)
  const interior = (c: number) => c >= firstMs && c + CHUNK_MS <= toMs && !except.has(c);
  const starts: Date[] = [];
  const exact: Date[] = [];
  for (let c = fromMs; c < toMs; c += CHUNK_MS) {
    starts.push(new Date(c));
    if (!interior(c)) exact.push(new Date(c));
  }
  const { meets, whole } = chunkFilters(box, columnar, 'packed');
  type RunRow = {
    unit_id: string;
    hour: number;
    run: string | null;
    all_whole_ms: boolean;
    chunks: string | null;
  };
  const hourFrom = new Date(Math.floor(fromMs / HOUR_MS) * HOUR_MS);
  const inside = sql`w >= ${box.w} AND e <= ${box.e} AND s >= ${box.s} AND n <= ${box.n}`;
  // two reads side by side: most runs (inside the box, every time a whole ms: nothing to look
  // up), and the others with their lookups
  const [plain, looked] = await Promise.all([
    read(
      async (db) =>
        (
          await sql<RunRow>`
            SELECT unit_id, extract(epoch FROM hour_start)::float8 AS hour,
              encode(run, 'base64') AS run, true AS all_whole_ms, NULL AS chunks
            FROM unit_track_replay_run
            WHERE hour_start >= ${hourFrom} AND hour_start < ${to} AND all_whole_ms AND ${inside}`.execute(
            db,
          )
        ).rows,
    ),
    read(
      async (db) =>
        (
          await sql<RunRow>`
    WITH r AS MATERIALIZED (
      SELECT unit_id, hour_start, run, all_whole_ms, ${inside} AS inside
      FROM unit_track_replay_run
      WHERE hour_start >= ${hourFrom} AND hour_start < ${to} ${meets}
    )
    SELECT r.unit_id, extract(epoch FROM r.hour_start)::float8 AS hour,
      CASE WHEN r.inside THEN encode(r.run, 'base64') END AS run, r.all_whole_ms,
      encode(x.chunks, 'base64') AS chunks
    FROM r
    LEFT JOIN LATERAL (
      SELECT string_agg(q.rec, ''::bytea ORDER BY q.chunk_start) AS chunks FROM (
        -- inside the box, some time not a whole ms: the exact points of the chunks not whole
        SELECT e.chunk_start, int4send(length(e.points))
          || int4send((extract(epoch FROM e.chunk_start) / 300)::integer) || e.points AS rec
        FROM unit_track_replay e
        WHERE r.inside AND NOT r.all_whole_ms AND e.chunk_start = ANY(${exact}::timestamptz[])
          AND e.unit_id = r.unit_id AND e.chunk_start >= r.hour_start
          AND e.chunk_start < r.hour_start + interval '1 hour'
        UNION ALL
        -- across the box's edge: chunk by chunk, by key
        SELECT c.chunk_start, CASE WHEN c.whole THEN int4send(length(c.packed)) || int4send(-1) || c.packed
          ELSE int4send(length(p.points)) || int4send((extract(epoch FROM c.chunk_start) / 300)::integer)
            || p.points END
        FROM (
          SELECT chunk_start, unit_id, ${whole} AS whole, packed
          FROM unit_track_replay_bin
          -- a key lookup per chunk of the window (a range of chunk_start would walk every unit's)
          WHERE NOT r.inside AND chunk_start = ANY(${starts}::timestamptz[]) AND unit_id = r.unit_id
            AND chunk_start >= r.hour_start AND chunk_start < r.hour_start + interval '1 hour' ${meets}
          OFFSET 0
        ) c
        LEFT JOIN LATERAL (
          -- built with the binary row; an empty chunk if ever missing, never a lost record
          SELECT coalesce((SELECT k.points FROM unit_track_replay k
            WHERE k.chunk_start = c.chunk_start AND k.unit_id = c.unit_id), ''::bytea) AS points
          WHERE NOT c.whole
          OFFSET 0
        ) p ON true
      ) q
    ) x ON true
    WHERE NOT (r.inside AND r.all_whole_ms)`.execute(db)
        ).rows,
    ),
  ]);
  const rows: ReplayChunkRow<BinaryChunks>[] = [];
  const window = { fromMs, toMs, firstMs, except };
  // by unit, then hour (sorted here: the database sorted ~3 MB of text for it)
  const all = plain.concat(looked);
  all.sort((a, b) => (a.unit_id < b.unit_id ? -1 : a.unit_id > b.unit_id ? 1 : a.hour - b.hour));
  for (const { unit_id, run, all_whole_ms, chunks } of all) {
    if (run !== null)
      runRows(rows, unit_id, Buffer.from(run, 'base64'), all_whole_ms, window, interior);
    if (chunks === null) continue;
    const bytes = Buffer.from(chunks, 'base64');
    for (let o = 0; o < bytes.byteLength;) {
      const size = int32BE(bytes, o);
      const mark = int32BE(bytes, o + 4);
      if (mark === -1)
        rows.push({
          unit_id,
          ms: int32LE(bytes, o + PACKED_RECORD_BYTES) * CHUNK_MS,
          points: null,
          columnar: bytes.subarray(o, o + PACKED_RECORD_BYTES + size),
        });
      else rows.push({ unit_id, ms: mark * CHUNK_MS, points: bytes.subarray(o + 8, o + 8 + size) });
      o += 8 + size;
    }
  }
  return rows;
}

/**
 * A run's records in [from, to) into `rows` (a run inside the box): consecutive whole ones as one
 * {@link BinaryChunks}; with `wholeMs` (every time in the run a whole ms: its packed times are
 * exact) a chunk is also whole when its first and last point lie in the window, and one that is
 * not is read point by point from the packed bytes ({@link forEachPackedPoint}; every point is in
 * the box); without, the others are left to their exact points, looked up with the run.
 */
function runRows(
  rows: ReplayChunkRow<BinaryChunks>[],
  unit_id: string,
  run: Uint8Array,
  wholeMs: boolean,
  window: { fromMs: number; toMs: number; firstMs: number; except: ReadonlySet<number> },
  interior: (c: number) => boolean,
) {
  const { fromMs, toMs, firstMs, except } = window;
  let start = -1;
  let end = -1;
  const flush = () => {
    if (start < 0) return;
    const ms = int32LE(run, start + PACKED_RECORD_BYTES) * CHUNK_MS;
    rows.push({ unit_id, ms, points: null, columnar: run.subarray(start, end) });
    start = -1;
  };
  for (let o = 0; o < run.byteLength;) {
    const next = o + PACKED_RECORD_BYTES + int32BE(run, o);
    const c = o + PACKED_RECORD_BYTES;
    const ms = int32LE(run, c) * CHUNK_MS;
    if (ms >= fromMs && ms < toMs) {
      const whole =
        interior(ms) ||
        (wholeMs &&
          !except.has(ms) &&
          ms + int32LE(run, c + 8) >= firstMs &&
          ms + int32LE(run, c + 20) < toMs);
      if (whole) {
        if (start < 0) start = o;
        end = next;
      } else {
        flush();
        if (wholeMs) rows.push({ unit_id, ms, points: 'packed', packed: run, at: c, inBox: true });
      }
    } else flush();
    o = next;
  }
  flush();
}

/** Reused by {@link forEachPackedPoint}: a chunk's differences, section by section. */
let packedScratch = new Int32Array(3 * 64);

/**
 * The points of the packed chunk at `c` of `bytes` in time order: epoch ms and 1e-6 degrees
 * (exact ms when its times are whole ms, as a run flags them), decoded into one reused array
 * (a typed array or a buffer made per chunk, ~1,600 edge chunks a district-hour, was a third of
 * the read's garbage collection).
 */
export function forEachPackedPoint(
  bytes: Uint8Array,
  c: number,
  visit: (ms: number, x: number, y: number) => void,
): void {
  const n = int32LE(bytes, c + 4);
  if (packedScratch.length < 3 * n) packedScratch = new Int32Array(6 * n);
  const d = packedScratch;
  // each first value is the difference to the chunk's start (times) or to 0
  const startMs = int32LE(bytes, c) * CHUNK_MS;
  copyPackedChunk(bytes, c, d, { t: 0, lon: n, lat: 2 * n, pt: startMs, px: 0, py: 0 });
  let t = startMs;
  let x = 0;
  let y = 0;
  for (let i = 0; i < n; i++) {
    t += d[i];
    x += d[n + i];
    y += d[2 * n + i];
    visit(t, x, y);
  }
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
