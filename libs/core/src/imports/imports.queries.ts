import { sql, type Insertable, type Selectable } from 'kysely';
import type { DB, DbOrTx } from '@ringcad/db';

export type PointTable = 'checkpoints' | 'standby_points';
type JurisdictionRef = Pick<Selectable<DB['jurisdictions']>, 'id' | 'name' | 'kind'>;

export function allJurisdictions(db: DbOrTx): Promise<JurisdictionRef[]> {
  return db.selectFrom('jurisdictions').select(['id', 'name', 'kind']).execute();
}

export function allPlaceNames(db: DbOrTx, table: PointTable) {
  return db.selectFrom(table).select(['id', 'name']).execute();
}

export function allPremiseNames(db: DbOrTx) {
  return db.selectFrom('premises').select(['id', 'name']).execute();
}

export function allUnitCallsigns(db: DbOrTx) {
  return db.selectFrom('units').select(['id', 'callsign']).execute();
}

export function allUsernames(db: DbOrTx) {
  return db.selectFrom('users').select(['id', 'username']).execute();
}

/** Whether a WGS84 GeoJSON geometry is a valid polygon, and why not. */
export async function polygonValidity(db: DbOrTx, geojson: string) {
  const r = await sql<{ valid: boolean; reason: string }>`
      SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason
      FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(${geojson}), 4326) AS g) s`.execute(db);
  return r.rows[0];
}

export async function insertJurisdictionRow(
  db: DbOrTx,
  j: { name: string; kind: string; parentId: string | null; schemeId: string | null },
  geojson: string,
): Promise<string> {
  const r = await sql<{ id: string }>`
      INSERT INTO jurisdictions (name, kind, parent_id, scheme_id, boundary)
      VALUES (${j.name}, ${j.kind}, ${j.parentId}, ${j.schemeId},
              ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${geojson}), 4326)))
      RETURNING id`.execute(db);
  return r.rows[0].id;
}

/** A new boundary; the parent and scheme only when the file names them. */
export async function updateJurisdictionRow(
  db: DbOrTx,
  id: string,
  j: { parentId: string | null | undefined; schemeId: string | null | undefined },
  geojson: string,
) {
  await sql`
      UPDATE jurisdictions SET
        boundary = ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${geojson}), 4326)),
        parent_id = CASE WHEN ${j.parentId !== undefined} THEN ${j.parentId ?? null}::uuid ELSE parent_id END,
        scheme_id = CASE WHEN ${j.schemeId !== undefined} THEN ${j.schemeId ?? null}::text ELSE scheme_id END
      WHERE id = ${id}`.execute(db);
}

export async function insertPoint(
  db: DbOrTx,
  table: PointTable,
  name: string,
  p: { lon: number; lat: number },
): Promise<string> {
  const r = await sql<{ id: string }>`
      INSERT INTO ${sql.table(table)} (name, location)
      VALUES (${name}, ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326))
      RETURNING id`.execute(db);
  return r.rows[0].id;
}

export async function movePoint(
  db: DbOrTx,
  table: PointTable,
  id: string,
  p: { lon: number; lat: number },
) {
  await sql`UPDATE ${sql.table(table)} SET location = ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326)
            WHERE id = ${id}`.execute(db);
}

export async function insertUnitRow(db: DbOrTx, unit: Insertable<DB['units']>): Promise<string> {
  const row = await db.insertInto('units').values(unit).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateUnitRow(
  db: DbOrTx,
  id: string,
  u: { kind: string; stationId: string | null | undefined },
) {
  await db
    .updateTable('units')
    .set({
      kind: u.kind,
      ...(u.stationId !== undefined ? { station_id: u.stationId } : {}),
      version: sql<number>`version + 1`,
    })
    .where('id', '=', id)
    .execute();
}

export async function insertUserRow(db: DbOrTx, user: Insertable<DB['users']>): Promise<string> {
  const row = await db.insertInto('users').values(user).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateUserRow(
  db: DbOrTx,
  id: string,
  u: { roles: string[]; jurisdictionId: string | null | undefined; passwordHash: string | null },
) {
  await db
    .updateTable('users')
    .set({
      roles: u.roles,
      ...(u.jurisdictionId !== undefined ? { jurisdiction_id: u.jurisdictionId } : {}),
      ...(u.passwordHash ? { password_hash: u.passwordHash } : {}),
    })
    .where('id', '=', id)
    .execute();
  // a reset password ends the account's sessions (as disabling does)
  if (u.passwordHash) await db.deleteFrom('sessions').where('user_id', '=', id).execute();
}
