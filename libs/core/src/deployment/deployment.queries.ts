import { sql, type Insertable, type Selectable } from 'kysely';
import type { DB, DbOrTx, Tx } from '@ringcad/db';
import { CITY_UTC_OFFSET_SEC } from '@ringcad/domain';

export type PlanRow = Selectable<DB['deployment_plans']>;
export type PostRow = Selectable<DB['deployment_posts']>;

/**
 * Where incidents happened: received in [from, to), not merged into another (a duplicate call
 * is one incident), optionally of a category, in some local hours of the week and in a
 * jurisdiction (its district, station or grid).
 */
export async function incidentPoints(
  db: DbOrTx,
  f: {
    from: Date;
    to: Date;
    category?: string;
    hoursOfWeek?: readonly number[];
    jurisdictionId?: string | null;
  },
): Promise<{ lon: number; lat: number }[]> {
  const how = sql`((floor((extract(epoch FROM received_at) + ${CITY_UTC_OFFSET_SEC}) / 3600)::bigint + 72) % 168)::int`;
  const rows = await sql<{ lon: number; lat: number }>`
      SELECT ST_X(location) AS lon, ST_Y(location) AS lat FROM incidents
      WHERE received_at >= ${f.from} AND received_at < ${f.to} AND merged_into IS NULL
        AND NOT exercise
        ${f.category ? sql`AND category = ${f.category}` : sql``}
        ${f.hoursOfWeek ? sql`AND ${how} = ANY(${[...f.hoursOfWeek]}::int[])` : sql``}
        ${
          f.jurisdictionId
            ? sql`AND ${f.jurisdictionId}::uuid IN (district_id, station_id, grid_id)`
            : sql``
        }`.execute(db);
  return rows.rows;
}

/** Standby points inside a jurisdiction's boundary (all of them for the city). */
export async function standbyPointsIn(db: DbOrTx, jurisdictionId: string | null) {
  const rows = await sql<{ id: string; name: string; lon: number; lat: number }>`
      SELECT s.id, s.name, ST_X(s.location) AS lon, ST_Y(s.location) AS lat FROM standby_points s
      ${
        jurisdictionId
          ? sql`JOIN jurisdictions j ON j.id = ${jurisdictionId} AND ST_Covers(j.boundary, s.location)`
          : sql``
      }
      ORDER BY s.id`.execute(db);
  return rows.rows;
}

export interface PlanUnitRow {
  id: string;
  callsign: string;
  kind: string;
  status: string;
  lon: number | null;
  lat: number | null;
  position_at: Date | null;
}

/** Units by id, or every unit of the given kinds stationed in the jurisdiction's tree. */
export async function planUnits(
  db: DbOrTx,
  f: { ids: readonly string[] } | { kinds: readonly string[]; jurisdictionId: string | null },
): Promise<PlanUnitRow[]> {
  const cols = sql`u.id, u.callsign, u.kind, u.status, ST_X(u.position) AS lon, ST_Y(u.position) AS lat, u.position_at`;
  if ('ids' in f) {
    const rows = await sql<PlanUnitRow>`
        SELECT ${cols} FROM units u WHERE u.id = ANY(${[...f.ids]}::uuid[])`.execute(db);
    return rows.rows;
  }
  const rows = await sql<PlanUnitRow>`
      WITH RECURSIVE tree AS (
        SELECT id FROM jurisdictions WHERE id = ${f.jurisdictionId}
        UNION SELECT j.id FROM jurisdictions j JOIN tree t ON j.parent_id = t.id)
      SELECT ${cols} FROM units u
      WHERE u.kind = ANY(${[...f.kinds]}::text[])
        ${f.jurisdictionId ? sql`AND u.station_id IN (SELECT id FROM tree)` : sql``}
      ORDER BY u.callsign`.execute(db);
  return rows.rows;
}

export async function insertPlan(
  tx: Tx,
  plan: Insertable<DB['deployment_plans']>,
  posts: Omit<Insertable<DB['deployment_posts']>, 'plan_id'>[],
): Promise<string> {
  const { id } = await tx
    .insertInto('deployment_plans')
    .values(plan)
    .returning('id')
    .executeTakeFirstOrThrow();
  if (posts.length)
    await tx
      .insertInto('deployment_posts')
      .values(posts.map((p) => ({ ...p, plan_id: id })))
      .execute();
  return id;
}

export async function readPlan(
  db: DbOrTx,
  id: string,
  lock = false,
): Promise<{ plan: PlanRow; posts: PostRow[] } | undefined> {
  let q = db.selectFrom('deployment_plans').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const plan = await q.executeTakeFirst();
  if (!plan) return undefined;
  const posts = await db
    .selectFrom('deployment_posts')
    .selectAll()
    .where('plan_id', '=', id)
    .orderBy('rank')
    .execute();
  return { plan, posts };
}

export async function setPlanStatus(
  tx: Tx,
  id: string,
  set: Pick<
    Partial<Selectable<DB['deployment_plans']>>,
    'status' | 'confirmed_at' | 'confirmed_by' | 'recalled_at' | 'recalled_by'
  >,
): Promise<void> {
  await tx.updateTable('deployment_plans').set(set).where('id', '=', id).execute();
}

/** A unit's posts in confirmed plans whose shift has not ended, earliest shift first. */
export async function standingPostsOfUnit(db: DbOrTx, unitId: string, now: Date) {
  return db
    .selectFrom('deployment_posts as p')
    .innerJoin('deployment_plans as d', 'd.id', 'p.plan_id')
    .select([
      'p.plan_id',
      'p.standby_point_id',
      'p.standby_point_name',
      'p.lon',
      'p.lat',
      'd.shift_start',
      'd.shift_end',
    ])
    .where('p.unit_id', '=', unitId)
    .where('d.status', '=', 'confirmed')
    .where('d.shift_end', '>', now)
    .orderBy('d.shift_start')
    .execute();
}
