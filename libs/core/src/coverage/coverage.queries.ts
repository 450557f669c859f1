import { sql, type Selectable } from 'kysely';
import type { DB, DbOrTx } from '@ringcad/db';

export async function standbyPointPositions(db: DbOrTx) {
  const points = await sql<
    Pick<Selectable<DB['standby_points']>, 'id'> & { lon: number; lat: number }
  >`
      SELECT id, ST_X(location) AS lon, ST_Y(location) AS lat FROM standby_points`.execute(db);
  return points.rows;
}

/** Changes whenever a district is added (districts are not edited in place). */
export async function districtsVersion(db: DbOrTx): Promise<string> {
  const head = await sql<{ key: string }>`
      SELECT count(*) || ':' || coalesce(max(created_at)::text, '') AS key FROM jurisdictions WHERE kind = 'district'`.execute(
    db,
  );
  return head.rows[0].key;
}

export async function districtBoundaries(db: DbOrTx) {
  const rows = await sql<Pick<Selectable<DB['jurisdictions']>, 'id' | 'name'> & { geom: string }>`
      SELECT id, name, ST_AsGeoJSON(boundary, 6) AS geom FROM jurisdictions WHERE kind = 'district' ORDER BY name`.execute(
    db,
  );
  return rows.rows;
}
