import { sql, type Selectable } from 'kysely';
import type { DB, DbOrTx } from '@ringcad/db';

/** How many position reports are stored. */
export async function countTrackRows(db: DbOrTx): Promise<number> {
  const tracks = await sql<{ n: number }>`SELECT count(*)::int AS n FROM unit_tracks`.execute(db);
  return tracks.rows[0].n;
}

/** Timers per status. */
export async function countTimersByStatus(
  db: DbOrTx,
): Promise<(Pick<Selectable<DB['timers']>, 'status'> & { n: number })[]> {
  const timers = await sql<
    Pick<Selectable<DB['timers']>, 'status'> & { n: number }
  >`SELECT status, count(*)::int AS n FROM timers GROUP BY status`.execute(db);
  return timers.rows;
}
