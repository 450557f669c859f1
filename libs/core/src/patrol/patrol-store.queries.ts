import { sql } from 'kysely';
import type { DbOrTx, Tx } from '@ringcad/db';
import {
  HOUR_MS,
  MATCH_CHUNK_MS,
  addChunkToHour,
  encodeHourSegments,
  type ChunkTile,
  type HourRollup,
} from '@ringcad/routing';

/** The places of every plan's patrol points. */
export async function allPatrolPoints(db: DbOrTx): Promise<{ lon: number; lat: number }[]> {
  const r = await sql<{ lon: number; lat: number }>`
    SELECT (p->>'lon')::float8 AS lon, (p->>'lat')::float8 AS lat
    FROM patrol_plans, jsonb_array_elements(body->'points') p`.execute(db);
  return r.rows;
}

/**
 * Chunks starting in [from, to) that must be matched before they are read: never matched,
 * marked dirty (with the generation to clear), or matched against another road network or
 * another set of patrol points.
 */
export async function staleChunks(
  db: DbOrTx,
  from: Date,
  to: Date,
  networkId: string,
  pointsKey: string,
): Promise<{ ms: number; gen: number | null }[]> {
  const r = await sql<{ ms: number; gen: string | number | null }>`
    SELECT (extract(epoch FROM s.c) * 1000)::float8 AS ms, d.gen
    FROM generate_series(${from}::timestamptz, ${new Date(to.getTime() - 1)}::timestamptz,
      ${`${MATCH_CHUNK_MS / 1000} seconds`}::interval) AS s(c)
    LEFT JOIN patrol_match_chunks m ON m.chunk_start = s.c
    LEFT JOIN patrol_match_dirty d ON d.chunk_start = s.c
    WHERE m.chunk_start IS NULL OR d.chunk_start IS NOT NULL
      OR m.network_id <> ${networkId} OR m.points_key <> ${pointsKey}
    ORDER BY s.c`.execute(db);
  return r.rows.map((x) => ({ ms: x.ms, gen: x.gen === null ? null : Number(x.gen) }));
}

/** The oldest dirty chunks that ended before `closedBefore` (the matcher's backlog). */
export async function dirtyChunks(
  db: DbOrTx,
  closedBefore: Date,
  limit: number,
): Promise<{ ms: number; gen: number }[]> {
  const r = await sql<{ ms: number; gen: string | number }>`
    SELECT (extract(epoch FROM chunk_start) * 1000)::float8 AS ms, gen FROM patrol_match_dirty
    WHERE chunk_start + ${`${MATCH_CHUNK_MS / 1000} seconds`}::interval <= ${closedBefore}
    ORDER BY chunk_start LIMIT ${limit}`.execute(db);
  return r.rows.map((x) => ({ ms: x.ms, gen: Number(x.gen) }));
}

/** Marks the chunks matched since `since` dirty (patrol points changed: match them again). */
export async function markChunksDirtySince(tx: Tx, since: Date): Promise<void> {
  await sql`
    INSERT INTO patrol_match_dirty (chunk_start)
    SELECT chunk_start FROM patrol_match_chunks WHERE chunk_start >= ${since} ORDER BY chunk_start
    ON CONFLICT (chunk_start) DO UPDATE SET gen = patrol_match_dirty.gen + 1`.execute(tx);
}

/** The advisory lock class of the hour roll-ups. */
const HOUR_LOCK = 1724;

/** Rebuilds an hour's roll-up rows from its stored chunk tiles. */
async function rebuildHour(tx: Tx, hourMs: number): Promise<void> {
  const r = await sql<{
    ms: number;
    tile: number;
    segments: Uint8Array;
    points: Record<string, number> | string;
    unit_ids: string[];
    track_points: number;
  }>`
    SELECT (extract(epoch FROM chunk_start) * 1000)::float8 AS ms, tile, segments, points,
      unit_ids, track_points
    FROM patrol_match_tiles
    WHERE chunk_start >= ${new Date(hourMs)} AND chunk_start < ${new Date(hourMs + HOUR_MS)}`.execute(
    tx,
  );
  const tiles = new Map<number, HourRollup & { unitIds: Set<string>; trackPoints: number }>();
  for (const row of r.rows) {
    let t = tiles.get(row.tile);
    if (!t)
      tiles.set(
        row.tile,
        (t = { segments: new Map(), points: {}, unitIds: new Set(), trackPoints: 0 }),
      );
    const points = (typeof row.points === 'string' ? JSON.parse(row.points) : row.points) as Record<
      string,
      number
    >;
    addChunkToHour(t, hourMs, row.ms, row.segments, points);
    for (const u of row.unit_ids) t.unitIds.add(u);
    t.trackPoints += row.track_points;
  }
  await sql`DELETE FROM patrol_match_hours WHERE hour_start = ${new Date(hourMs)}`.execute(tx);
  const rows = [...tiles].map(
    ([tile, t]) =>
      sql`(${new Date(hourMs)}, ${tile}, ${encodeHourSegments(t.segments)},
        ${JSON.stringify(t.points)}::jsonb, ${[...t.unitIds]}::uuid[], ${t.trackPoints})`,
  );
  for (let i = 0; i < rows.length; i += 500)
    await sql`
      INSERT INTO patrol_match_hours (hour_start, tile, segments, points, unit_ids, track_points)
      VALUES ${sql.join(rows.slice(i, i + 500))}`.execute(tx);
}

export interface MatchedChunk {
  ms: number;
  /** The dirty generation read before its tracks were (null: it was not marked). */
  gen: number | null;
  tiles: Map<number, ChunkTile>;
  trackPoints: number;
}

/**
 * Stores matched chunks (replacing what they held) and clears their dirty marks unless a
 * point arrived meanwhile (the generation moved on).
 */
export async function storeChunks(
  tx: Tx,
  chunks: readonly MatchedChunk[],
  segments: (t: ChunkTile) => Uint8Array,
  networkId: string,
  pointsKey: string,
  now: Date,
): Promise<void> {
  if (!chunks.length) return;
  const hours = [...new Set(chunks.map((c) => Math.floor(c.ms / HOUR_MS) * HOUR_MS))].sort();
  // one writer per hour at a time: its roll-up is rebuilt from every chunk of it below
  for (const h of hours)
    await sql`SELECT pg_advisory_xact_lock(${HOUR_LOCK}, ${h / HOUR_MS}::int)`.execute(tx);
  const starts = chunks.map((c) => new Date(c.ms));
  await sql`
    INSERT INTO patrol_match_chunks (chunk_start, network_id, points_key, track_points, matched_at)
    VALUES ${sql.join(
      chunks.map(
        (c) => sql`(${new Date(c.ms)}, ${networkId}, ${pointsKey}, ${c.trackPoints}, ${now})`,
      ),
    )}
    ON CONFLICT (chunk_start) DO UPDATE SET network_id = excluded.network_id,
      points_key = excluded.points_key, track_points = excluded.track_points,
      matched_at = excluded.matched_at`.execute(tx);
  await sql`DELETE FROM patrol_match_tiles WHERE chunk_start = ANY(${starts}::timestamptz[])`.execute(
    tx,
  );
  const rows = chunks.flatMap((c) =>
    [...c.tiles.values()].map(
      (t) =>
        sql`(${new Date(c.ms)}, ${t.tile}, ${segments(t)}, ${JSON.stringify(t.points)}::jsonb,
          ${[...t.unitIds]}::uuid[], ${t.trackPoints})`,
    ),
  );
  for (let i = 0; i < rows.length; i += 500)
    await sql`
      INSERT INTO patrol_match_tiles (chunk_start, tile, segments, points, unit_ids, track_points)
      VALUES ${sql.join(rows.slice(i, i + 500))}
      ON CONFLICT (chunk_start, tile) DO UPDATE SET segments = excluded.segments,
        points = excluded.points, unit_ids = excluded.unit_ids,
        track_points = excluded.track_points`.execute(tx);
  for (const h of hours) await rebuildHour(tx, h);
  for (const c of chunks)
    if (c.gen !== null)
      await sql`DELETE FROM patrol_match_dirty
        WHERE chunk_start = ${new Date(c.ms)} AND gen = ${c.gen}`.execute(tx);
}

/** The stored chunk tiles of `tiles` for chunks starting in [from, to). */
export async function storedTiles(db: DbOrTx, from: Date, to: Date, tiles: readonly number[]) {
  const r = await sql<{
    ms: number;
    segments: Uint8Array;
    points: Record<string, number> | string;
    track_points: number;
  }>`
    SELECT (extract(epoch FROM chunk_start) * 1000)::float8 AS ms, segments, points, track_points
    FROM patrol_match_tiles
    WHERE chunk_start >= ${from} AND chunk_start < ${to} AND tile = ANY(${tiles}::int[])`.execute(
    db,
  );
  return r.rows;
}

/** The stored hour roll-ups of `tiles` for hours starting in [from, to). */
export async function storedHours(db: DbOrTx, from: Date, to: Date, tiles: readonly number[]) {
  const r = await sql<{
    ms: number;
    segments: Uint8Array;
    points: Record<string, [number, number]> | string;
    track_points: number;
  }>`
    SELECT (extract(epoch FROM hour_start) * 1000)::float8 AS ms, segments, points, track_points
    FROM patrol_match_hours
    WHERE hour_start >= ${from} AND hour_start < ${to} AND tile = ANY(${tiles}::int[])`.execute(db);
  return r.rows;
}

/** How many units reported in `tiles` over [from, to) (counted by the database, not shipped). */
export async function distinctUnits(
  db: DbOrTx,
  by: 'hours' | 'chunks',
  from: Date,
  to: Date,
  tiles: readonly number[],
): Promise<number> {
  const r =
    by === 'hours'
      ? await sql<{ n: number | string }>`
          SELECT count(DISTINCT u) AS n FROM patrol_match_hours, unnest(unit_ids) u
          WHERE hour_start >= ${from} AND hour_start < ${to} AND tile = ANY(${tiles}::int[])`.execute(
          db,
        )
      : await sql<{ n: number | string }>`
          SELECT count(DISTINCT u) AS n FROM patrol_match_tiles, unnest(unit_ids) u
          WHERE chunk_start >= ${from} AND chunk_start < ${to} AND tile = ANY(${tiles}::int[])`.execute(
          db,
        );
  return Number(r.rows[0]?.n ?? 0);
}
