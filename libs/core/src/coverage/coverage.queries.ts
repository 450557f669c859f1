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

/** A coverage sample slot (15 min): the week's coverage in the 平安指数 is the mean of its slots. */
export const COVERAGE_SAMPLE_SLOT_MS = 15 * 60_000;

/** One sample per scheme, district and slot (the first push of a slot wins). */
export async function recordCoverageSamples(
  db: DbOrTx,
  schemeId: string,
  at: Date,
  districts: readonly { id: string; roadKmPct: number[] }[],
) {
  if (!districts.length) return;
  const slot = new Date(
    Math.floor(at.getTime() / COVERAGE_SAMPLE_SLOT_MS) * COVERAGE_SAMPLE_SLOT_MS,
  );
  await db
    .insertInto('coverage_samples')
    .values(
      districts.map((d) => ({
        scheme_id: schemeId,
        district_id: d.id,
        slot_start: slot,
        road_km_pct: d.roadKmPct,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}
