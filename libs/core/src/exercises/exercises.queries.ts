import { sql, type Selectable } from 'kysely';
import type { DB, DbOrTx, Tx } from '@ringcad/db';
import type { ExerciseInject } from '@ringcad/domain';

export type ExerciseRecord = Selectable<DB['exercises']>;

/** `count` points inside the area (PostGIS ST_GeneratePoints, seeded: the same seed, the same points). */
export async function randomPointsIn(
  db: DbOrTx,
  area: { jurisdictionId?: string; polygon?: unknown },
  count: number,
  seed: number,
): Promise<{ lon: number; lat: number }[]> {
  const geometry = area.polygon
    ? sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(area.polygon)}), 4326)`
    : sql`(SELECT boundary FROM jurisdictions WHERE id = ${area.jurisdictionId ?? null}::uuid)`;
  const r = await sql<{ lon: number; lat: number }>`
      SELECT ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat
      FROM ST_Dump(ST_GeneratePoints(${geometry}, ${count}, ${seed})) d
      ORDER BY d.path`.execute(db);
  return r.rows;
}

export async function jurisdictionExists(db: DbOrTx, id: string): Promise<boolean> {
  const r = await sql`SELECT 1 FROM jurisdictions WHERE id = ${id}`.execute(db);
  return r.rows.length > 0;
}

export async function insertExercise(
  tx: Tx,
  e: Omit<ExerciseRecord, 'id' | 'stopped_at' | 'spec' | 'filed_by'> & {
    spec: unknown;
    filed_by: unknown;
  },
  injects: readonly ExerciseInject[],
): Promise<ExerciseRecord> {
  const row = await tx
    .insertInto('exercises')
    .values({ ...e, spec: JSON.stringify(e.spec), filed_by: JSON.stringify(e.filed_by) })
    .returningAll()
    .executeTakeFirstOrThrow();
  const start = new Date(e.started_at).getTime();
  await tx
    .insertInto('exercise_injects')
    .values(
      injects.map((x, seq) => ({
        exercise_id: row.id,
        seq,
        due_at: new Date(start + x.atSec * 1000),
        lon: x.location.lon,
        lat: x.location.lat,
        category: x.category,
        priority: x.priority,
      })),
    )
    .execute();
  return row;
}

/** The latest exercises, running ones first (the console's exercise screen). */
export function recentExercises(db: DbOrTx, limit: number) {
  return db
    .selectFrom('exercises')
    .select(['id', 'jurisdiction_id'])
    .orderBy(sql`status = 'running'`, 'desc')
    .orderBy('started_at', 'desc')
    .limit(limit)
    .execute();
}

export function selectExercise(db: DbOrTx, id: string) {
  return db.selectFrom('exercises').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function stopExercise(tx: Tx, id: string, now: Date) {
  return tx
    .updateTable('exercises')
    .set({ status: 'stopped', stopped_at: now })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .returningAll()
    .executeTakeFirst();
}

/** How far the exercise got: planned, filed, failed (with why). */
export async function injectProgress(db: DbOrTx, id: string) {
  const r = await sql<{ planned: number; filed: number; errors: { seq: number; error: string }[] }>`
      SELECT count(*)::int AS planned, count(incident_id)::int AS filed,
        coalesce(json_agg(json_build_object('seq', seq, 'error', error) ORDER BY seq)
          FILTER (WHERE error IS NOT NULL), '[]') AS errors
      FROM exercise_injects WHERE exercise_id = ${id}`.execute(db);
  return r.rows[0];
}

export type ClaimedInject = Selectable<DB['exercise_injects']> & {
  name: string;
  filed_by: Record<string, unknown>;
};

/**
 * Claims the injects due by `now` of running exercises (each once, whichever api instance gets
 * there first: SKIP LOCKED), oldest first.
 */
export async function claimDueInjects(tx: Tx, now: Date, limit: number): Promise<ClaimedInject[]> {
  const r = await sql<ClaimedInject>`
      WITH due AS (
        SELECT x.exercise_id, x.seq FROM exercise_injects x JOIN exercises e ON e.id = x.exercise_id
        WHERE x.claimed_at IS NULL AND x.due_at <= ${now} AND e.status = 'running'
        ORDER BY x.due_at, x.seq LIMIT ${limit}
        FOR UPDATE OF x SKIP LOCKED)
      UPDATE exercise_injects x SET claimed_at = ${now}
      FROM due, exercises e
      WHERE x.exercise_id = due.exercise_id AND x.seq = due.seq AND e.id = x.exercise_id
      RETURNING x.*, e.name, e.filed_by`.execute(tx);
  return r.rows;
}

export async function settleInject(
  db: DbOrTx,
  exerciseId: string,
  seq: number,
  outcome: { incidentId: string } | { error: string },
) {
  await db
    .updateTable('exercise_injects')
    .set('incidentId' in outcome ? { incident_id: outcome.incidentId } : { error: outcome.error })
    .where('exercise_id', '=', exerciseId)
    .where('seq', '=', seq)
    .execute();
}

/** Running exercises whose every inject has been claimed are finished. */
export async function finishExhausted(db: DbOrTx, now: Date) {
  await sql`
      UPDATE exercises e SET status = 'finished', stopped_at = ${now}
      WHERE e.status = 'running'
        AND NOT EXISTS (SELECT 1 FROM exercise_injects x WHERE x.exercise_id = e.id AND x.claimed_at IS NULL)`.execute(
    db,
  );
}

export interface ExerciseIncidentRow {
  district_id: string | null;
  district_name: string | null;
  scheme_id: string;
  received_at: Date;
  created_at: Date;
  assignments: {
    unitKind: string;
    assignedAt: string;
    ackedAt: string | null;
    departedAt: string | null;
    arrivedAt: string | null;
    clearedAt: string | null;
  }[];
}

/**
 * The exercise's incidents with their assignments (those that count, as in the reports: a declined
 * assignment only if that unit arrived nevertheless).
 */
export async function exerciseIncidents(db: DbOrTx, id: string): Promise<ExerciseIncidentRow[]> {
  const r = await sql<ExerciseIncidentRow>`
      SELECT i.district_id, j.name AS district_name, i.scheme_id, i.received_at, i.created_at,
        coalesce(json_agg(json_build_object('unitKind', u.kind, 'assignedAt', a.assigned_at,
          'ackedAt', a.acked_at, 'departedAt', a.departed_at, 'arrivedAt', a.arrived_at,
          'clearedAt', a.cleared_at) ORDER BY a.assigned_at) FILTER (WHERE a.id IS NOT NULL), '[]') AS assignments
      FROM incidents i
      LEFT JOIN jurisdictions j ON j.id = i.district_id
      LEFT JOIN assignments a ON a.incident_id = i.id AND (a.declined_at IS NULL OR a.arrived_at IS NOT NULL)
      LEFT JOIN units u ON u.id = a.unit_id
      WHERE i.exercise_id = ${id} AND i.status <> 'merged'
      GROUP BY i.id, j.name`.execute(db);
  return r.rows;
}
