import { sql, type Selectable } from 'kysely';
import { ACTIVE_ASSIGNMENT_STATUSES } from '@ringcad/domain';
import type { DB, DbOrTx, Tx } from '@ringcad/db';
import type { PlacePoint } from '../roads';

export async function incidentLocation(
  db: DbOrTx,
  incidentId: string,
): Promise<{ lon: number; lat: number } | undefined> {
  const incident = await sql<{ lon: number; lat: number }>`
      SELECT ST_X(location) AS lon, ST_Y(location) AS lat FROM incidents WHERE id = ${incidentId}`.execute(
    db,
  );
  return incident.rows[0];
}

export async function checkpointsByIds(db: DbOrTx, ids: readonly string[]): Promise<PlacePoint[]> {
  const cps = await sql<PlacePoint>`
        SELECT id, name, ST_X(location) AS lon, ST_Y(location) AS lat FROM checkpoints WHERE id = ANY(${ids}::uuid[])`.execute(
    db,
  );
  return cps.rows;
}

export async function allCheckpoints(db: DbOrTx): Promise<PlacePoint[]> {
  const rows = await sql<PlacePoint>`
      SELECT id, name, ST_X(location) AS lon, ST_Y(location) AS lat FROM checkpoints ORDER BY id`.execute(
    db,
  );
  return rows.rows;
}

/** Units on their way to or holding a checkpoint of the incident. */
export async function unitsManningCheckpoints(tx: Tx, incidentId: string): Promise<number> {
  const manning = await tx
    .selectFrom('assignments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('incident_id', '=', incidentId)
    .where('role', '=', 'checkpoint')
    .where('status', 'in', [...ACTIVE_ASSIGNMENT_STATUSES])
    .executeTakeFirstOrThrow();
  return Number(manning.n);
}

/** A `checkpoint` assignment and its unit marked assigned; returns the assignment's id. */
export async function insertCheckpointAssignment(
  tx: Tx,
  a: Pick<
    Selectable<DB['assignments']>,
    'incident_id' | 'unit_id' | 'eta_sec' | 'eta_method' | 'assigned_at' | 'assigned_by'
  > & {
    checkpoint_id: string;
  },
): Promise<string> {
  const row = await sql<Pick<Selectable<DB['assignments']>, 'id'>>`
          INSERT INTO assignments (incident_id, unit_id, role, status, eta_sec, eta_method, assigned_at, assigned_by, checkpoint_id)
          VALUES (${a.incident_id}, ${a.unit_id}, 'checkpoint', 'assigned', ${a.eta_sec}, ${a.eta_method}, ${a.assigned_at},
                  ${a.assigned_by}, ${a.checkpoint_id})
          RETURNING id`.execute(tx);
  await sql`UPDATE units SET status = 'assigned', status_changed_at = ${a.assigned_at}, version = version + 1 WHERE id = ${a.unit_id}`.execute(
    tx,
  );
  return row.rows[0].id;
}
