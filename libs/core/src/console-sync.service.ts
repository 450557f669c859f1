import { Injectable } from '@nestjs/common';
import type { AssignmentView, ConsoleSync } from '@ringcad/contracts';
import { Clock } from './clock';
import { DatabaseService } from './database.service';
import { DomainError, notFound } from './errors';
import { readAssignments } from './dispatch.service';
import { IncidentsService } from './incidents.service';
import { DeskService } from './desk.service';
import { hasRole, type Principal } from './principal';
import { toAlertView } from './alerts';
import { TimersService } from './timers.service';
import { UnitsService } from './units.service';
import { RealtimePublisher } from './realtime';
import { sql } from 'kysely';

/** The snapshot a console gets on every (re)connect, and alert handling. */
@Injectable()
export class ConsoleSyncService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly incidents: IncidentsService,
    private readonly units: UnitsService,
    private readonly timers: TimersService,
    private readonly realtime: RealtimePublisher,
    private readonly desk: DeskService,
  ) {}

  async snapshot(by: Principal): Promise<ConsoleSync> {
    const at = this.clock.now().toISOString();
    const incidents = await this.incidents.list({ status: 'open', limit: 1000 }, by);
    const assignments: AssignmentView[] = [];
    await this.database.transaction(async (tx) => {
      for (const i of incidents) assignments.push(...(await readAssignments(tx, { incidentId: i.id })));
    });
    const visible = new Set(incidents.map((i) => i.id));
    // Every unacknowledged alert of the console's jurisdiction, delivered live or not: an alert
    // pushed while this console was away (or before any console could connect) is not lost.
    // Scoped in SQL so another district's alerts never crowd a scoped console's out of the limit.
    const scope = by.kind === 'user' ? by.jurisdictionId : null;
    const alerts = (await this.timers.listOpenAlerts(scope)).filter((a) => a.incidentId === null || visible.has(a.incidentId));
    const notes = await this.desk.notesOf(incidents.map((i) => i.id));
    return { at, incidents, assignments, units: await this.units.list(), alerts, notes };
  }

  async acknowledgeAlert(alertId: string, by: Principal) {
    if (!hasRole(by, 'dispatcher', 'commander')) throw new DomainError('FORBIDDEN', 'only dispatchers and commanders acknowledge alerts');
    const now = this.clock.now();
    const row = await sql<{ id: string; acknowledged_at: Date | null }>`
      UPDATE alerts SET acknowledged_at = COALESCE(acknowledged_at, ${now}), acknowledged_by = COALESCE(acknowledged_by, ${by.id}::uuid)
      WHERE id = ${alertId} RETURNING *`.execute(this.database.db);
    if (!row.rows[0]) throw notFound('alert', alertId);
    const view = toAlertView(row.rows[0] as never);
    this.realtime.toConsoles({ event: 'alert.acknowledged', payload: view });
    return view;
  }
}
