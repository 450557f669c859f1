import { sql, type Selectable } from 'kysely';
import type { ResponsePlanRequest } from '@ringcad/contracts';
import { ACTIVE_ASSIGNMENT_STATUSES } from '@ringcad/domain';
import type { DB, DbOrTx, Tx } from '@ringcad/db';

export type PlanRow = Selectable<DB['response_plans']>;

export async function listPlanRows(db: DbOrTx): Promise<PlanRow[]> {
  const rows =
    await sql<PlanRow>`SELECT * FROM response_plans ORDER BY category, priority, jurisdiction_id NULLS FIRST`.execute(
      db,
    );
  return rows.rows;
}

export async function planRowById(db: DbOrTx, id: string): Promise<PlanRow | undefined> {
  const rows = await sql<PlanRow>`SELECT * FROM response_plans WHERE id = ${id}`.execute(db);
  return rows.rows[0];
}

/** Whether a plan was deleted. */
export async function deletePlan(tx: Tx, id: string): Promise<boolean> {
  const gone = await sql<
    Pick<PlanRow, 'id'>
  >`DELETE FROM response_plans WHERE id = ${id} RETURNING id`.execute(tx);
  return gone.rows.length > 0;
}

/** Another plan (not `id`) for the same category, priority and jurisdiction. */
export async function clashingPlanId(
  tx: Tx,
  input: Pick<ResponsePlanRequest, 'category' | 'priority'>,
  jurisdictionId: string | null,
  id: string | null,
): Promise<string | undefined> {
  const clash = await sql<Pick<PlanRow, 'id'>>`
        SELECT id FROM response_plans WHERE category = ${input.category} AND priority = ${input.priority}
          AND jurisdiction_id IS NOT DISTINCT FROM ${jurisdictionId}::uuid AND id IS DISTINCT FROM ${id}::uuid`.execute(
    tx,
  );
  return clash.rows[0]?.id;
}

/** Inserts the plan (`id` null) or updates it; undefined when there is no plan `id`. */
export async function savePlan(
  tx: Tx,
  id: string | null,
  input: ResponsePlanRequest,
  jurisdictionId: string | null,
  now: Date,
): Promise<PlanRow | undefined> {
  const units = JSON.stringify(input.units);
  const rows = id
    ? await sql<PlanRow>`
            UPDATE response_plans SET name = ${input.name ?? null}, category = ${input.category}, priority = ${input.priority},
              jurisdiction_id = ${jurisdictionId}, scheme_id = ${input.scheme}, units = ${units}::jsonb,
              notify = ${input.notify}::text[], updated_at = ${now}
            WHERE id = ${id} RETURNING *`.execute(tx)
    : await sql<PlanRow>`
            INSERT INTO response_plans (name, category, priority, jurisdiction_id, scheme_id, units, notify, created_at, updated_at)
            VALUES (${input.name ?? null}, ${input.category}, ${input.priority}, ${jurisdictionId}, ${input.scheme},
              ${units}::jsonb, ${input.notify}::text[], ${now}, ${now})
            RETURNING *`.execute(tx);
  return rows.rows[0];
}

/**
 * The most specific plan for a category and priority among the jurisdictions given (most specific
 * first), else the city-wide one.
 */
export async function mostSpecificPlan(
  db: DbOrTx,
  category: string,
  priority: number,
  jurisdictionIds: readonly string[],
): Promise<PlanRow | undefined> {
  const rows = await sql<PlanRow & { rank: number }>`
      SELECT *, CASE WHEN jurisdiction_id IS NULL THEN 99 ELSE array_position(${jurisdictionIds}::uuid[], jurisdiction_id) END AS rank
      FROM response_plans
      WHERE category = ${category} AND priority = ${priority}
        AND (jurisdiction_id IS NULL OR jurisdiction_id = ANY(${jurisdictionIds}::uuid[]))
      ORDER BY rank LIMIT 1`.execute(db);
  return rows.rows[0];
}

/** The units working the scene of an incident (checkpoints excluded), first assigned first. */
export function unitsWorkingScene(db: DbOrTx, incidentId: string) {
  return db
    .selectFrom('assignments as a')
    .innerJoin('units as u', 'u.id', 'a.unit_id')
    .select(['a.unit_id as unitId', 'u.kind as kind'])
    .where('a.incident_id', '=', incidentId)
    .where('a.role', '<>', 'checkpoint')
    .where('a.status', 'in', [...ACTIVE_ASSIGNMENT_STATUSES])
    .orderBy('a.assigned_at')
    .execute();
}

/** Locks the incident's row until the transaction ends. */
export async function lockIncidentRow(tx: Tx, incidentId: string): Promise<void> {
  await sql`SELECT id FROM incidents WHERE id = ${incidentId} FOR UPDATE`.execute(tx);
}
