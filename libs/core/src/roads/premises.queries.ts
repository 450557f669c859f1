import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { PremiseFlag, PremiseInput } from '@ringcad/contracts';
import type { DB, DbOrTx } from '@ringcad/db';
import { toWgs84 } from '../platform';

/** A point premise flags an incident within this distance of it (a building's entrance, a yard). */
export const PREMISE_RADIUS_M = 50;

/** A premise as its views are made: the geometry as GeoJSON text. */
export type PremiseRow = Pick<
  Selectable<DB['premises']>,
  'id' | 'name' | 'level' | 'text' | 'updated_at'
> & { geojson: string };

const SEVERITY = sql`CASE p.level WHEN 'danger' THEN 0 WHEN 'caution' THEN 1 ELSE 2 END`;

/** The caution flags of the place at `point`, most severe first. */
export async function premiseFlagsNear(
  db: DbOrTx,
  point: { lon: number; lat: number },
): Promise<PremiseFlag[]> {
  const pt = sql`ST_SetSRID(ST_MakePoint(${point.lon}, ${point.lat}), 4326)`;
  const rows = await sql<PremiseFlag>`
    SELECT p.id, p.name, p.level, p.text FROM premises p
    WHERE ST_DWithin(p.geom::geography, ${pt}::geography, ${PREMISE_RADIUS_M})
    ORDER BY ${SEVERITY}, ST_Distance(p.geom::geography, ${pt}::geography), p.name`.execute(db);
  return rows.rows;
}

function geometry(input: PremiseInput): RawBuilder<unknown> {
  if (input.location) {
    const p = toWgs84(input.location);
    return sql`ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326)`;
  }
  return sql`ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(input.area)}), 4326))`;
}

export async function insertPremise(
  db: DbOrTx,
  input: PremiseInput,
  now: Date,
  createdBy: string,
): Promise<PremiseRow> {
  const r = await sql<PremiseRow>`
      INSERT INTO premises AS p (name, level, text, geom, created_at, updated_at, created_by)
      VALUES (${input.name}, ${input.level}, ${input.text}, ${geometry(input)}, ${now}, ${now}, ${createdBy})
      RETURNING p.id, p.name, p.level, p.text, ST_AsGeoJSON(p.geom) AS geojson, p.updated_at`.execute(
    db,
  );
  return r.rows[0];
}

export async function updatePremise(
  db: DbOrTx,
  id: string,
  input: PremiseInput,
  now: Date,
): Promise<PremiseRow | undefined> {
  const r = await sql<PremiseRow>`
      UPDATE premises AS p SET name = ${input.name}, level = ${input.level}, text = ${input.text},
        geom = ${geometry(input)}, updated_at = ${now}
      WHERE p.id = ${id}
      RETURNING p.id, p.name, p.level, p.text, ST_AsGeoJSON(p.geom) AS geojson, p.updated_at`.execute(
    db,
  );
  return r.rows[0];
}

/** Whether a premise was deleted. */
export async function deletePremise(db: DbOrTx, id: string): Promise<boolean> {
  const r = await db.deleteFrom('premises').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function premiseById(db: DbOrTx, id: string): Promise<PremiseRow | undefined> {
  const r = await sql<PremiseRow>`
      SELECT p.id, p.name, p.level, p.text, ST_AsGeoJSON(p.geom) AS geojson, p.updated_at FROM premises p WHERE p.id = ${id}`.execute(
    db,
  );
  return r.rows[0];
}

export async function listPremiseRows(db: DbOrTx): Promise<PremiseRow[]> {
  const r = await sql<PremiseRow>`
      SELECT p.id, p.name, p.level, p.text, ST_AsGeoJSON(p.geom) AS geojson, p.updated_at FROM premises p
      ORDER BY ${SEVERITY}, p.name LIMIT 10000`.execute(db);
  return r.rows;
}
