import { sql, type Insertable, type Selectable } from 'kysely';
import type { DB, DbOrTx, Tx } from '@ringcad/db';
import { UNIT_COLUMNS, type UnitRow } from '../realtime';

/** A unit with its row position as numbers (null before its first report). */
export type UnitPositionRow = Pick<
  Selectable<DB['units']>,
  'id' | 'callsign' | 'kind' | 'position_at'
> & {
  lon: number | null;
  lat: number | null;
};

export async function callsignTaken(db: DbOrTx, callsign: string): Promise<boolean> {
  return !!(await db
    .selectFrom('units')
    .select('id')
    .where('callsign', '=', callsign)
    .executeTakeFirst());
}

export async function insertUnit(db: DbOrTx, unit: Insertable<DB['units']>): Promise<string> {
  const row = await db.insertInto('units').values(unit).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function listUnitRows(db: DbOrTx): Promise<UnitRow[]> {
  const rows =
    await sql<UnitRow>`SELECT ${sql.raw(UNIT_COLUMNS)} FROM units u ORDER BY u.callsign`.execute(
      db,
    );
  return rows.rows;
}

export async function unitRowById(db: DbOrTx, id: string): Promise<UnitRow | undefined> {
  const rows =
    await sql<UnitRow>`SELECT ${sql.raw(UNIT_COLUMNS)} FROM units u WHERE u.id = ${id}`.execute(db);
  return rows.rows[0];
}

/** The unit's status and station, its row locked until the transaction ends. */
export function lockUnitStatus(tx: Tx, unitId: string) {
  return tx
    .selectFrom('units')
    .select(['id', 'status', 'station_id'])
    .where('id', '=', unitId)
    .forUpdate()
    .executeTakeFirst();
}

/** A unit's status (set by hand or implied by its assignment); every change bumps its version. */
export async function setUnitStatus(
  tx: Tx,
  unitId: string,
  status: string,
  now: Date,
): Promise<void> {
  await tx
    .updateTable('units')
    .set({ status, status_changed_at: now, version: sql`version + 1` })
    .where('id', '=', unitId)
    .execute();
}

/** Available units with their row positions (overlay the live store before trusting them). */
export async function availableUnitPositions(db: DbOrTx): Promise<UnitPositionRow[]> {
  const rows = await sql<UnitPositionRow>`
      SELECT id, callsign, kind, ST_X(position) AS lon, ST_Y(position) AS lat, position_at FROM units
      WHERE status = 'available'`.execute(db);
  return rows.rows;
}

export async function updateUnitFields(
  db: DbOrTx,
  id: string,
  set: { callsign?: string; kind?: string; station_id?: string | null },
): Promise<boolean> {
  const r = await db
    .updateTable('units')
    .set({ ...set, version: sql<number>`version + 1` })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function callsignTakenByOther(db: DbOrTx, callsign: string, id: string) {
  return !!(await db
    .selectFrom('units')
    .select('id')
    .where('callsign', '=', callsign)
    .where('id', '!=', id)
    .executeTakeFirst());
}
