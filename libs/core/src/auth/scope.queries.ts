import { sql, type Selectable } from 'kysely';
import type { DB, DbOrTx } from '@ringcad/db';

type JurisdictionColumns = Pick<
  Selectable<DB['incidents']>,
  'district_id' | 'station_id' | 'grid_id'
>;

export async function jurisdictionExists(db: DbOrTx, id: string): Promise<boolean> {
  return !!(await db
    .selectFrom('jurisdictions')
    .select('id')
    .where('id', '=', id)
    .executeTakeFirst());
}

/** The jurisdiction and everything below it (district → station → grid). */
export async function jurisdictionTreeIds(db: DbOrTx, root: string): Promise<string[]> {
  const rows = await sql<Pick<Selectable<DB['jurisdictions']>, 'id'>>`
      WITH RECURSIVE tree AS (
        SELECT id FROM jurisdictions WHERE id = ${root}
        UNION SELECT j.id FROM jurisdictions j JOIN tree t ON j.parent_id = t.id)
      SELECT id FROM tree`.execute(db);
  return rows.rows.map((r) => r.id);
}

export async function incidentJurisdiction(
  db: DbOrTx,
  incidentId: string,
): Promise<JurisdictionColumns | undefined> {
  const row = await sql<JurisdictionColumns>`
      SELECT district_id, station_id, grid_id FROM incidents WHERE id = ${incidentId}`.execute(db);
  return row.rows[0];
}

export async function incidentJurisdictions(db: DbOrTx, incidentIds: readonly string[]) {
  const rows = await sql<Pick<Selectable<DB['incidents']>, 'id'> & JurisdictionColumns>`
            SELECT id, district_id, station_id, grid_id FROM incidents WHERE id = ANY(${incidentIds}::uuid[])`.execute(
    db,
  );
  return rows.rows;
}

/** Whether the unit has (or had) an assignment on the incident. */
export async function unitHasTaskOn(
  db: DbOrTx,
  incidentId: string,
  unitId: string,
): Promise<boolean> {
  const own =
    await sql`SELECT 1 FROM assignments WHERE incident_id = ${incidentId} AND unit_id = ${unitId} LIMIT 1`.execute(
      db,
    );
  return own.rows.length > 0;
}

export async function assignmentParties(db: DbOrTx, assignmentId: string) {
  const a = await sql<Pick<Selectable<DB['assignments']>, 'incident_id' | 'unit_id'>>`
      SELECT incident_id, unit_id FROM assignments WHERE id = ${assignmentId}`.execute(db);
  return a.rows[0];
}

export async function unitStations(db: DbOrTx, unitIds: readonly string[]) {
  const rows = await sql<Pick<Selectable<DB['units']>, 'id' | 'station_id'>>`
      SELECT id, station_id FROM units WHERE id = ANY(${[...new Set(unitIds)]}::uuid[])`.execute(
    db,
  );
  return rows.rows;
}

/** An alert with the jurisdiction columns of its incident (absent when it has none). */
export async function alertWithJurisdiction(db: DbOrTx, alertId: string) {
  const row = await sql<
    Pick<Selectable<DB['alerts']>, 'incident_id' | 'data'> & Partial<JurisdictionColumns>
  >`
      SELECT a.incident_id, a.data, i.district_id, i.station_id, i.grid_id
      FROM alerts a LEFT JOIN incidents i ON i.id = a.incident_id WHERE a.id = ${alertId}`.execute(
    db,
  );
  return row.rows[0];
}

/** The jurisdiction of a perimeter, or of the perimeter an activation belongs to (undefined: unknown id). */
export async function perimeterJurisdiction(
  db: DbOrTx,
  id: string,
  of: 'perimeter' | 'activation',
): Promise<{ jurisdiction_id: string | null } | undefined> {
  const row =
    of === 'perimeter'
      ? await sql<{ jurisdiction_id: string | null }>`
          SELECT jurisdiction_id FROM perimeters WHERE id = ${id}`.execute(db)
      : await sql<{ jurisdiction_id: string | null }>`
          SELECT p.jurisdiction_id FROM perimeter_activations a JOIN perimeters p ON p.id = a.perimeter_id
          WHERE a.id = ${id}`.execute(db);
  return row.rows[0];
}

/** The jurisdiction of an exercise (null: city-wide), or undefined for an unknown exercise. */
export async function exerciseJurisdiction(
  db: DbOrTx,
  id: string,
): Promise<{ jurisdiction_id: string | null } | undefined> {
  const r = await sql<{ jurisdiction_id: string | null }>`
      SELECT jurisdiction_id FROM exercises WHERE id = ${id}::uuid`.execute(db);
  return r.rows[0];
}

/** The jurisdiction a patrol plan (巡逻方案) belongs to; undefined for an unknown plan. */
export async function patrolPlanJurisdiction(db: DbOrTx, id: string): Promise<string | undefined> {
  const r = await sql<{ jurisdiction_id: string }>`
      SELECT jurisdiction_id FROM patrol_plans WHERE id = ${id}::uuid`.execute(db);
  return r.rows[0]?.jurisdiction_id;
}

export async function deploymentPlanJurisdiction(db: DbOrTx, planId: string) {
  return db
    .selectFrom('deployment_plans')
    .select('jurisdiction_id')
    .where('id', '=', planId)
    .executeTakeFirst();
}
