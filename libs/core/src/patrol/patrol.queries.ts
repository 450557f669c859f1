import { sql, type Selectable } from 'kysely';
import type { PatrolPlanRequest } from '@ringcad/contracts';
import type { TrackPoint, UnitTrack } from '@ringcad/routing';
import type { DB, DbOrTx, Tx } from '@ringcad/db';

export type PatrolPlanRow = Selectable<DB['patrol_plans']>;

export interface AreaRow {
  id: string;
  name: string;
  kind: string;
  geom: string;
}

/**
 * The areas visibility is reported by: the grids under a jurisdiction (itself when it is a
 * grid or has none), with their boundaries as GeoJSON. Empty when the jurisdiction is unknown.
 */
export async function visibilityAreas(
  db: DbOrTx,
  jurisdictionId: string,
): Promise<{ areas: AreaRow[]; treeIds: string[] }> {
  const r = await sql<AreaRow & { root: boolean }>`
    WITH RECURSIVE tree AS (
      SELECT id FROM jurisdictions WHERE id = ${jurisdictionId}::uuid
      UNION SELECT j.id FROM jurisdictions j JOIN tree t ON j.parent_id = t.id)
    SELECT j.id, j.name, j.kind, ST_AsGeoJSON(j.boundary, 7) AS geom, j.id = ${jurisdictionId}::uuid AS root
    FROM jurisdictions j JOIN tree USING (id) ORDER BY j.name, j.id`.execute(db);
  const grids = r.rows.filter((a) => a.kind === 'grid' && !a.root);
  return {
    areas: grids.length ? grids : r.rows.filter((a) => a.root),
    treeIds: r.rows.map((a) => a.id),
  };
}

/** Unit track points in a box over [from, to), jump-flagged points left out, by unit and time. */
export async function tracksInBox(
  db: DbOrTx,
  box: [number, number, number, number],
  from: Date,
  to: Date,
  unitIds?: readonly string[],
) {
  const [w, s, e, n] = box;
  const r = await sql<{
    unit_id: string;
    lon: number;
    lat: number;
    ms: number;
    heading_deg: number | null;
  }>`
    SELECT unit_id, lon, lat, (extract(epoch FROM at) * 1000)::float8 AS ms,
      heading_deg::float8 AS heading_deg
    FROM unit_tracks
    WHERE at >= ${from} AND at < ${to} AND flags & 1 = 0
      AND lon BETWEEN ${w} AND ${e} AND lat BETWEEN ${s} AND ${n}
      ${unitIds ? sql`AND unit_id = ANY(${unitIds}::uuid[])` : sql``}
    ORDER BY unit_id, at`.execute(db);
  return r.rows;
}

/** Bytes of one point in {@link cityTracks}' packed rows: µs (int8), lon, lat (float8), heading (float4). */
const PACKED_POINT = 28;
/** PostgreSQL's epoch (2000-01-01) in µs since 1970: timestamptz_send counts from it. */
const PG_EPOCH_US = 946_684_800_000_000;

/**
 * Every unit's track over [from, to) (jump-flagged points left out), as
 * `groupTracks(tracksInBox(db, WORLD_BOX, from, to))` gives them (units by id, points by time,
 * the same numbers), but one row per unit with its points packed in a bytea instead of a row per
 * point. The patrol store reads a whole chunk of the city's tracks this way: at 25,000 reports a
 * second a 6-minute read is ~9 M points, and parsing them as rows was ~2.4 µs of the processors'
 * event loop each (~20 s a chunk); unpacking is a small fraction of that.
 *
 * Run inside a transaction (its settings are local to it). The database does the least it can
 * (measured on a 6-minute read of 9 M points, one backend: 12-13 s of CPU → 5-6 s): each unit's points are appended in
 * the order the scan meets them (hashed by unit, in memory: no sort of 9 M rows by unit and time,
 * nor of each unit's points again inside the aggregate), with the time as sent (int8 µs, not the
 * numeric `extract(epoch …)`); the points come in arrival order, nearly always time order, and
 * are sorted here when a unit's are not.
 */
export async function cityTracks(tx: Tx, from: Date, to: Date): Promise<UnitTrack[]> {
  // hashed, never sorted nor walked in index order: at the peak the statistics lag the table (a
  // few hundred rows guessed for millions), and the planner sorted them by unit on disk (9 s) or,
  // sorts off, walked the whole partition's (unit_id, at) index for them (83 s); the window's
  // rows are found by the time range alone (BRIN bitmap, or a scan)
  await sql`SELECT set_config('work_mem', '256MB', true), set_config('jit', 'off', true),
    set_config('max_parallel_workers_per_gather', '0', true), set_config('enable_sort', 'off', true),
    set_config('enable_indexscan', 'off', true), set_config('enable_indexonlyscan', 'off', true)`.execute(
    tx,
  );
  const r = await sql<{ unit_id: string; pts: Uint8Array }>`
    SELECT unit_id, string_agg(
        timestamptz_send(at) || float8send(lon) || float8send(lat)
          || coalesce(float4send(heading_deg), float4send('NaN'::real)),
        ''::bytea) AS pts
    FROM unit_tracks
    WHERE at >= ${from} AND at < ${to} AND flags & 1 = 0
    GROUP BY unit_id
    ORDER BY unit_id`.execute(tx);
  return r.rows.map((row) => ({ unitId: row.unit_id, points: unpackPoints(row.pts) }));
}

/** A unit's points packed by {@link cityTracks}, in time order. */
function unpackPoints(b: Uint8Array): TrackPoint[] {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.byteLength / PACKED_POINT;
  const points: TrackPoint[] = new Array(n);
  let ordered = true;
  for (let i = 0, o = 0; i < n; i++, o += PACKED_POINT) {
    // µs since 2000 (|µs| < 2^53: exact as a double), then one rounding to ms as the row read's
    // (extract(epoch FROM at) * 1000)::float8 makes it
    const us = view.getInt32(o) * 4_294_967_296 + view.getUint32(o + 4);
    const h = view.getFloat32(o + 24);
    points[i] = {
      lon: view.getFloat64(o + 8),
      lat: view.getFloat64(o + 16),
      ms: (us + PG_EPOCH_US) / 1000,
      headingDeg: Number.isNaN(h) ? null : h,
    };
    if (i > 0 && points[i].ms < points[i - 1].ms) ordered = false;
  }
  // a unit's times are unique (unit_tracks_unit_at): the order is total
  if (!ordered) points.sort((a, b) => a.ms - b.ms);
  return points;
}

/** Rows of {@link tracksInBox} (ordered by unit and time) as one track per unit. */
export function groupTracks(rows: Awaited<ReturnType<typeof tracksInBox>>): UnitTrack[] {
  const tracks: UnitTrack[] = [];
  let cur: { unitId: string; points: UnitTrack['points'][number][] } | null = null;
  for (const r of rows) {
    if (!cur || cur.unitId !== r.unit_id) tracks.push((cur = { unitId: r.unit_id, points: [] }));
    cur.points.push({ lon: r.lon, lat: r.lat, ms: r.ms, headingDeg: r.heading_deg });
  }
  return tracks;
}

/** The whole world as a box: every track point. */
export const WORLD_BOX: [number, number, number, number] = [-180, -90, 180, 90];

/** Patrol plans whose jurisdiction is one of `ids` (null: every plan). */
export async function patrolPlanRows(
  db: DbOrTx,
  ids: readonly string[] | null,
): Promise<PatrolPlanRow[]> {
  const r = await sql<PatrolPlanRow>`
    SELECT * FROM patrol_plans
    ${ids ? sql`WHERE jurisdiction_id = ANY(${ids}::uuid[])` : sql``}
    ORDER BY name, id`.execute(db);
  return r.rows;
}

export async function patrolPlanById(db: DbOrTx, id: string): Promise<PatrolPlanRow | undefined> {
  const r = await sql<PatrolPlanRow>`SELECT * FROM patrol_plans WHERE id = ${id}::uuid`.execute(db);
  return r.rows[0];
}

/** The plans that name a unit, most recently changed first. */
export async function patrolPlansOfUnit(db: DbOrTx, unitId: string): Promise<PatrolPlanRow[]> {
  const r = await sql<PatrolPlanRow>`
    SELECT * FROM patrol_plans WHERE unit_ids @> ARRAY[${unitId}::uuid] ORDER BY updated_at DESC`.execute(
    db,
  );
  return r.rows;
}

export async function existingJurisdiction(db: DbOrTx, id: string) {
  const r = await sql<{ id: string; name: string }>`
    SELECT id, name FROM jurisdictions WHERE id = ${id}::uuid`.execute(db);
  return r.rows[0];
}

export async function unitCallsigns(db: DbOrTx, ids: readonly string[]) {
  const r = await sql<{ id: string; callsign: string }>`
    SELECT id, callsign FROM units WHERE id = ANY(${ids}::uuid[])`.execute(db);
  return r.rows;
}

/** Inserts (`id` null) or updates a plan; undefined when there is no plan `id`. */
export async function savePatrolPlan(
  tx: Tx,
  id: string | null,
  input: PatrolPlanRequest,
  by: string | null,
  now: Date,
): Promise<PatrolPlanRow | undefined> {
  const { name, jurisdictionId, unitIds, ...shape } = input;
  const body = JSON.stringify(shape);
  const r = id
    ? await sql<PatrolPlanRow>`
        UPDATE patrol_plans SET name = ${name}, jurisdiction_id = ${jurisdictionId}::uuid,
          unit_ids = ${unitIds}::uuid[], body = ${body}::jsonb, updated_at = ${now}
        WHERE id = ${id}::uuid RETURNING *`.execute(tx)
    : await sql<PatrolPlanRow>`
        INSERT INTO patrol_plans (name, jurisdiction_id, unit_ids, body, created_by, created_at, updated_at)
        VALUES (${name}, ${jurisdictionId}::uuid, ${unitIds}::uuid[], ${body}::jsonb, ${by}::uuid, ${now}, ${now})
        RETURNING *`.execute(tx);
  return r.rows[0];
}

export async function deletePatrolPlan(tx: Tx, id: string): Promise<boolean> {
  const r = await sql<{
    id: string;
  }>`DELETE FROM patrol_plans WHERE id = ${id}::uuid RETURNING id`.execute(tx);
  return r.rows.length > 0;
}
