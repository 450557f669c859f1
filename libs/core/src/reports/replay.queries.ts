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

/** Where a chunk's stored columnar part can stand for its points (see {@link replayChunks}). */
export interface ColumnarChunkSpan {
  /** Chunks starting at or after this and ending at or before `to`. */
  from: Date;
  to: Date;
  /** Chunk starts (ms) that share time with a range read raw. */
  except: readonly number[];
}

/** A stored chunk row: its 20-byte points, or (`columnar` asked and met) its columnar part. */
export interface ReplayChunkRow {
  unit_id: string;
  ms: number;
  points: Buffer | null;
  n_points: number;
  t_first: number;
  lon_first: number;
  lat_first: number;
  t_last: number;
  lon_last: number;
  lat_last: number;
  t_deltas: string | null;
  lon_deltas: string | null;
  lat_deltas: string | null;
}

/**
 * Stored replay chunks starting in [from, to), by unit and time; with a box, only those whose
 * points' box meets it. With `columnar`, a chunk inside its span whose points' box lies inside
 * the box (every point kept) comes with its columnar part (migration 0031) instead of its points.
 */
export async function replayChunks(
  db: DbOrTx,
  from: Date,
  to: Date,
  box: Box | null,
  columnar: (ColumnarChunkSpan & { box: Box }) | null = null,
): Promise<ReplayChunkRow[]> {
  const meets = box
    ? sql`AND w <= ${box.e} AND e >= ${box.w} AND s <= ${box.n} AND n >= ${box.s}`
    : sql``;
  const whole = columnar
    ? sql`(t_deltas IS NOT NULL AND chunk_start >= ${columnar.from}
        AND chunk_start + interval '300 seconds' <= ${columnar.to}
        AND NOT ((extract(epoch FROM chunk_start) * 1000)::float8 = ANY(${columnar.except}::float8[]))
        AND w >= ${columnar.box.w} AND e <= ${columnar.box.e} AND s >= ${columnar.box.s} AND n <= ${columnar.box.n})`
    : sql`false`;
  // base64, not bytea: the text protocol sends bytea as hex, twice its size (a district-hour is
  // ~9 MB of points)
  const r = await sql<Omit<ReplayChunkRow, 'points'> & { points: string | null }>`
    SELECT unit_id, ms, CASE WHEN whole THEN NULL ELSE encode(points, 'base64') END AS points,
      n_points, t_first::float8 AS t_first, lon_first::float8 AS lon_first, lat_first::float8 AS lat_first,
      t_last::float8 AS t_last, lon_last::float8 AS lon_last, lat_last::float8 AS lat_last,
      CASE WHEN whole THEN t_deltas END AS t_deltas, CASE WHEN whole THEN lon_deltas END AS lon_deltas,
      CASE WHEN whole THEN lat_deltas END AS lat_deltas
    FROM (
      SELECT *, (extract(epoch FROM chunk_start) * 1000)::float8 AS ms, ${whole} AS whole
      FROM unit_track_replay WHERE chunk_start >= ${from} AND chunk_start < ${to} ${meets}
    ) c`.execute(db);
  // ordered here: sorting tens of thousands of wide rows cost the database more than this; the
  // rows are changed in place, not copied (garbage collection was the largest CPU item of a
  // columnar district-hour in a profile of the api)
  const rows = r.rows as unknown as ReplayChunkRow[];
  for (const row of r.rows) {
    row.ms = Number(row.ms);
    (row as unknown as ReplayChunkRow).points =
      row.points === null ? null : Buffer.from(row.points, 'base64');
  }
  return rows.sort((a, b) =>
    a.unit_id < b.unit_id ? -1 : a.unit_id > b.unit_id ? 1 : a.ms - b.ms,
  );
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
