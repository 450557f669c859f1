import { sql } from 'kysely';
import type { AssignmentView } from '@ringcad/contracts';
import type { DbOrTx } from '@ringcad/db';
import { toAssignmentView } from '../realtime';

// The console snapshot's reads: one statement each for all the open incidents it shows, however
// many there are.

/**
 * The assignments of these incidents in one statement: grouped in the order the ids are given,
 * each incident's by assignment time then callsign (what reading them incident by incident gave).
 */
export async function assignmentsOfIncidents(
  db: DbOrTx,
  incidentIds: readonly string[],
): Promise<AssignmentView[]> {
  if (!incidentIds.length) return [];
  const ids = [...incidentIds];
  const rows = await db
    .selectFrom('assignments as a')
    .innerJoin('units as u', 'u.id', 'a.unit_id')
    .select([
      'a.id',
      'a.incident_id',
      'a.unit_id',
      'u.callsign',
      'u.kind as unit_kind',
      'a.role',
      'a.status',
      'a.eta_sec',
      'a.eta_method',
      'a.assigned_at',
      'a.acked_at',
      'a.departed_at',
      'a.arrived_at',
      'a.cleared_at',
      'a.declined_at',
      'a.cancelled_at',
    ])
    .where(sql<boolean>`a.incident_id = ANY(${ids}::uuid[])`)
    .orderBy(sql`array_position(${ids}::uuid[], a.incident_id)`)
    .orderBy('a.assigned_at')
    .orderBy('u.callsign')
    .execute();
  return rows.map(toAssignmentView);
}
