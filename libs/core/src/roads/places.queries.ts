import { sql, type Selectable } from 'kysely';
import type { CreateJurisdictionRequest } from '@ringcad/contracts';
import type { DB, DbOrTx } from '@ringcad/db';

export type PlaceTableName = 'checkpoints' | 'standby_points';
/** A checkpoint or standby point with its location as numbers. */
export type PlacePoint = Pick<Selectable<DB[PlaceTableName]>, 'id' | 'name'> & {
  lon: number;
  lat: number;
};

/** Whether a GeoJSON geometry is a valid polygon, and why not. */
export async function geometryValidity(
  db: DbOrTx,
  geojson: string,
): Promise<{ valid: boolean; reason: string }> {
  const check = await sql<{ valid: boolean; reason: string }>`
        SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason
        FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(${geojson}), 4326) AS g) s`.execute(db);
  return check.rows[0];
}

export async function jurisdictionExists(db: DbOrTx, id: string): Promise<boolean> {
  return !!(await db
    .selectFrom('jurisdictions')
    .select('id')
    .where('id', '=', id)
    .executeTakeFirst());
}

export async function insertJurisdiction(
  db: DbOrTx,
  input: CreateJurisdictionRequest,
  geojson: string,
) {
  const row = await sql<Pick<Selectable<DB['jurisdictions']>, 'id' | 'created_at'>>`
        INSERT INTO jurisdictions (name, kind, parent_id, scheme_id, boundary)
        VALUES (${input.name}, ${input.kind}, ${input.parentId ?? null}, ${input.schemeId ?? null},
                ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${geojson}), 4326)))
        RETURNING id, created_at`.execute(db);
  return row.rows[0];
}

export async function listJurisdictionRows(db: DbOrTx) {
  const rows = await sql<
    Pick<Selectable<DB['jurisdictions']>, 'id' | 'name' | 'kind' | 'parent_id' | 'scheme_id'> & {
      geom: string;
    }
  >`
       SELECT id, name, kind, parent_id, scheme_id, ST_AsGeoJSON(boundary, 6) AS geom
       FROM jurisdictions ORDER BY kind, name`.execute(db);
  return rows.rows;
}

export async function insertPlace(
  db: DbOrTx,
  table: PlaceTableName,
  name: string,
  p: { lon: number; lat: number },
): Promise<string> {
  const row = await sql<Pick<Selectable<DB[PlaceTableName]>, 'id'>>`
        INSERT INTO ${sql.table(table)} (name, location)
        VALUES (${name}, ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326))
        RETURNING id`.execute(db);
  return row.rows[0].id;
}

/** Named places (standby points, checkpoints, jurisdictions) whose name contains `q`. */
export async function searchPlaceNames(db: DbOrTx, q: string, limit: number) {
  const like = `%${q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  const rows = await sql<{
    label: Selectable<DB[PlaceTableName]>['name'];
    lon: number;
    lat: number;
    kind: string;
  }>`
      SELECT name AS label, ST_X(location) AS lon, ST_Y(location) AS lat, 'standby_point' AS kind FROM standby_points WHERE name ILIKE ${like}
      UNION ALL
      SELECT name, ST_X(location), ST_Y(location), 'checkpoint' FROM checkpoints WHERE name ILIKE ${like}
      UNION ALL
      SELECT name, ST_X(ST_PointOnSurface(boundary)), ST_Y(ST_PointOnSurface(boundary)), kind FROM jurisdictions WHERE name ILIKE ${like}
      LIMIT ${limit}`.execute(db);
  return rows.rows;
}

export async function listPlacePoints(db: DbOrTx, table: PlaceTableName): Promise<PlacePoint[]> {
  const rows = await sql<PlacePoint>`
      SELECT id, name, ST_X(location) AS lon, ST_Y(location) AS lat FROM ${sql.table(table)} ORDER BY name`.execute(
    db,
  );
  return rows.rows;
}

export async function updatePlaceRow(
  db: DbOrTx,
  table: PlaceTableName,
  id: string,
  set: { name?: string; location?: { lon: number; lat: number } },
): Promise<PlacePoint | undefined> {
  const loc = set.location;
  const rows = await sql<PlacePoint>`
      UPDATE ${sql.table(table)} SET
        name = COALESCE(${set.name ?? null}::text, name),
        location = CASE WHEN ${loc !== undefined}
                        THEN ST_SetSRID(ST_MakePoint(${loc?.lon ?? 0}, ${loc?.lat ?? 0}), 4326)
                        ELSE location END
      WHERE id = ${id}
      RETURNING id, name, ST_X(location) AS lon, ST_Y(location) AS lat`.execute(db);
  return rows.rows[0];
}

export async function checkpointInUse(db: DbOrTx, id: string): Promise<boolean> {
  return !!(await db
    .selectFrom('assignments')
    .select('id')
    .where('checkpoint_id', '=', id)
    .executeTakeFirst());
}

export async function deletePlaceRow(db: DbOrTx, table: PlaceTableName, id: string) {
  const r = await db.deleteFrom(table).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function jurisdictionRow(db: DbOrTx, id: string) {
  return db
    .selectFrom('jurisdictions')
    .select(['id', 'name', 'kind', 'parent_id', 'scheme_id'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The ids of a jurisdiction and everything below it (a parent may not be one of them). */
export async function jurisdictionSubtree(db: DbOrTx, id: string): Promise<string[]> {
  const r = await sql<{ id: string }>`
      WITH RECURSIVE t AS (SELECT id FROM jurisdictions WHERE id = ${id}
        UNION SELECT j.id FROM jurisdictions j JOIN t ON j.parent_id = t.id)
      SELECT id FROM t`.execute(db);
  return r.rows.map((x) => x.id);
}

export async function updateJurisdictionRow(
  db: DbOrTx,
  id: string,
  set: { name?: string; parentId?: string | null; schemeId?: string | null },
  geojson: string | undefined,
) {
  const r = await sql<
    Pick<Selectable<DB['jurisdictions']>, 'id' | 'name' | 'kind' | 'parent_id' | 'scheme_id'>
  >`
      UPDATE jurisdictions SET
        name = COALESCE(${set.name ?? null}::text, name),
        parent_id = CASE WHEN ${set.parentId !== undefined} THEN ${set.parentId ?? null}::uuid ELSE parent_id END,
        scheme_id = CASE WHEN ${set.schemeId !== undefined} THEN ${set.schemeId ?? null}::text ELSE scheme_id END,
        boundary = CASE WHEN ${geojson !== undefined}
                        THEN ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${geojson ?? null}::text), 4326))
                        ELSE boundary END
      WHERE id = ${id}
      RETURNING id, name, kind, parent_id, scheme_id`.execute(db);
  return r.rows[0];
}

/** Who still points at a jurisdiction; a delete waits until every count is 0. */
export async function jurisdictionReferences(db: DbOrTx, id: string) {
  const r = await sql<Record<string, number>>`
      SELECT (SELECT count(*) FROM jurisdictions WHERE parent_id = ${id})::int AS children,
             (SELECT count(*) FROM units WHERE station_id = ${id})::int AS units,
             (SELECT count(*) FROM users WHERE jurisdiction_id = ${id})::int AS users,
             (SELECT count(*) FROM incidents
               WHERE ${id} IN (district_id, station_id, grid_id))::int AS incidents,
             (SELECT count(*) FROM response_plans WHERE jurisdiction_id = ${id})::int AS plans,
             (SELECT count(*) FROM defense_level_changes WHERE jurisdiction_id = ${id})::int AS "defenseLevels",
             (SELECT count(*) FROM coverage_breaches WHERE district_id = ${id})::int AS "coverageBreaches",
             (SELECT count(*) FROM messages WHERE to_jurisdiction_id = ${id})::int AS messages`.execute(
    db,
  );
  return r.rows[0];
}

export async function deleteJurisdictionRow(db: DbOrTx, id: string) {
  await db.deleteFrom('jurisdictions').where('id', '=', id).execute();
}
