import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DatabaseService, sharedRuns } from '../platform';

export interface RosterUnit {
  id: string;
  callsign: string;
  kind: string;
  status: string;
}

interface ChangedRow {
  horizon: number;
  id: string | null;
  callsign: string | null;
  kind: string | null;
  status: string | null;
}

/**
 * The unit roster (id, callsign, kind, status) of this process, kept in step with the database by
 * reading only the rows changed since the last read (migration 0027): a recommendation costs one
 * indexed query returning the few units that changed, not 5,000 rows. Exact, not a cache with an
 * age: a reader always sees every change committed before its query, as a full read would.
 * Concurrent readers share one query.
 */
@Injectable()
export class UnitRoster {
  private readonly units = new Map<string, RosterUnit>();
  /** The oldest transaction still running at the last read: anything from it on may be unseen. */
  private horizon = 0;
  /**
   * A read asked for while one is under way waits for it and then runs once more (the one under
   * way may have begun before the caller's change committed), shared by every caller meanwhile.
   */
  private readonly refresh = sharedRuns(() => this.readChanges());

  constructor(private readonly database: DatabaseService) {}

  /** Every unit as committed when this call was made. */
  async all(): Promise<RosterUnit[]> {
    await this.refresh();
    return [...this.units.values()];
  }

  private async readChanges() {
    const rows = await sql<ChangedRow>`
      SELECT s.horizon, u.id, u.callsign, u.kind, u.status
      FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon) s
      LEFT JOIN units u ON u.roster_xact >= ${this.horizon}`.execute(this.database.db);
    for (const r of rows.rows) {
      if (r.id === null) continue;
      this.units.set(r.id, {
        id: r.id,
        callsign: r.callsign as string,
        kind: r.kind as string,
        status: r.status as string,
      });
    }
    this.horizon = Number(rows.rows[0].horizon);
  }
}
