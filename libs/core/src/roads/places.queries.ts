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
