import { sql, type Insertable, type Selectable } from 'kysely';
import type { DB, DbOrTx, Tx } from '@ringcad/db';

export type LevelRow = Pick<
  Selectable<DB['defense_level_changes']>,
  'jurisdiction_id' | 'level' | 'reason' | 'at' | 'actor_name'
>;

export async function insertLevelChange(
  tx: Tx,
  c: Pick<
    Insertable<DB['defense_level_changes']>,
    'jurisdiction_id' | 'level' | 'reason' | 'at' | 'actor_id' | 'actor_name'
  >,
): Promise<void> {
  await sql`
        INSERT INTO defense_level_changes (jurisdiction_id, level, reason, at, actor_id, actor_name)
        VALUES (${c.jurisdiction_id}, ${c.level}, ${c.reason}, ${c.at}, ${c.actor_id}, ${c.actor_name})`.execute(
    tx,
  );
}

/** The latest change per jurisdiction (the city-wide one under a null jurisdiction). */
export async function latestLevelRows(db: DbOrTx): Promise<LevelRow[]> {
  const rows = await sql<LevelRow>`
      SELECT DISTINCT ON (jurisdiction_id) jurisdiction_id, level, reason, at, actor_name
      FROM defense_level_changes ORDER BY jurisdiction_id, seq DESC`.execute(db);
  return rows.rows;
}

/**
 * Available units per district: counted from the given positions, else from the units' rows.
 */
export async function availableUnitsPerDistrict(
  db: DbOrTx,
  positions?: readonly { lon: number; lat: number }[],
) {
  const counts = positions
    ? await sql<Pick<Selectable<DB['jurisdictions']>, 'id'> & { n: number }>`
          SELECT j.id, count(p.lon)::int AS n FROM jurisdictions j
          LEFT JOIN unnest(${positions.map((u) => u.lon)}::float8[], ${positions.map((u) => u.lat)}::float8[]) AS p(lon, lat)
            ON ST_Covers(j.boundary, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
          WHERE j.kind = 'district' GROUP BY j.id`.execute(db)
    : await sql<Pick<Selectable<DB['jurisdictions']>, 'id'> & { n: number }>`
          SELECT j.id, count(u.id)::int AS n FROM jurisdictions j
          LEFT JOIN units u ON u.status = 'available' AND u.position IS NOT NULL AND ST_Covers(j.boundary, u.position)
          WHERE j.kind = 'district' GROUP BY j.id`.execute(db);
  return counts.rows;
}

/**
 * Districts that have units: a unit stationed in the district (at one of its stations or grids)
 * or last seen inside it, whatever its status. A district without any is not judged.
 */
export async function districtsWithUnits(db: DbOrTx): Promise<string[]> {
  const rows = await sql<{ id: string }>`
      SELECT d.id FROM jurisdictions d
      WHERE d.kind = 'district' AND EXISTS (
        SELECT 1 FROM units u
        LEFT JOIN jurisdictions s ON s.id = u.station_id
        LEFT JOIN jurisdictions sp ON sp.id = s.parent_id
        WHERE d.id IN (s.id, s.parent_id, sp.parent_id)
           OR (u.position IS NOT NULL AND ST_Covers(d.boundary, u.position)))`.execute(db);
  return rows.rows.map((r) => r.id);
}

/** Whether the district's breach is open, its row locked until the transaction ends. */
export async function lockBreachState(tx: Tx, districtId: string): Promise<boolean> {
  const state = await sql<Pick<Selectable<DB['coverage_breaches']>, 'open'>>`
        SELECT open FROM coverage_breaches WHERE district_id = ${districtId} FOR UPDATE`.execute(
    tx,
  );
  return state.rows[0]?.open ?? false;
}

/** Opens or closes a breach; a closing one keeps the alert of its opening. */
export async function saveBreach(tx: Tx, b: Insertable<DB['coverage_breaches']>): Promise<void> {
  await sql`
        INSERT INTO coverage_breaches (district_id, open, level, alert_id, changed_at)
        VALUES (${b.district_id}, ${b.open}, ${b.level}, ${b.alert_id ?? null}, ${b.changed_at})
        ON CONFLICT (district_id) DO UPDATE SET open = EXCLUDED.open, level = EXCLUDED.level,
          alert_id = COALESCE(EXCLUDED.alert_id, coverage_breaches.alert_id), changed_at = EXCLUDED.changed_at`.execute(
    tx,
  );
}
