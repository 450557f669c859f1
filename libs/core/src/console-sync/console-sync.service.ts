import { Injectable } from '@nestjs/common';
import type { AlertView, AssignmentView, ConsoleSync } from '@ringcad/contracts';
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
import { ScopeService } from './scope';
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
    private readonly scopes: ScopeService,
  ) {}

  async snapshot(by: Principal): Promise<ConsoleSync> {
    const at = this.clock.now().toISOString();
    const incidents = await this.incidents.list({ status: 'open', limit: 1000 }, by);
    const assignments: AssignmentView[] = [];
    await this.database.transaction(async (tx) => {
      for (const i of incidents) assignments.push(...(await readAssignments(tx, { incidentId: i.id })));
    });
    // the whole fleet is shared (every seat draws it); incidents and alerts are the scope's own,
    // and only the alerts of incidents still on the board
    const visible = new Set(incidents.map((i) => i.id));
    const alerts = (await this.openAlerts(by)).filter((a) => a.incidentId === null || visible.has(a.incidentId));
    const notes = await this.desk.notesOf(incidents.map((i) => i.id));
    return { at, incidents, assignments, units: await this.units.list(), alerts, notes };
  }

  /** Open alerts in the caller's scope (alerts about a district rather than an incident by that district). */
  async openAlerts(by: Principal): Promise<AlertView[]> {
    return this.scopes.filterAlerts(await this.scopes.scopeOf(by), await this.timers.listOpenAlerts());
  }

  async acknowledgeAlert(alertId: string, by: Principal) {
    if (!hasRole(by, 'dispatcher', 'commander')) throw new DomainError('FORBIDDEN', 'only dispatchers and commanders acknowledge alerts');
    await this.scopes.checkAlert(await this.scopes.scopeOf(by), alertId);
    const now = this.clock.now();
    const row = await sql<{ id: string; acknowledged_at: Date | null }>`
      UPDATE alerts SET acknowledged_at = COALESCE(acknowledged_at, ${now}), acknowledged_by = COALESCE(acknowledged_by, ${by.id}::uuid)
      WHERE id = ${alertId} RETURNING *`.execute(this.database.db);
    if (!row.rows[0]) throw notFound('alert', alertId);
    const view = toAlertView(row.rows[0] as never);
    this.realtime.toConsoles({ event: 'alert.acknowledged', payload: view, jurisdictionIds: await this.alertJurisdictions(view) });
    return view;
  }

  /** The rooms an alert's news goes to: its incident's jurisdictions, or the district it is about. */
  private async alertJurisdictions(a: AlertView): Promise<(string | null)[]> {
    if (a.incidentId) {
      const i = await sql<{ district_id: string | null; station_id: string | null; grid_id: string | null }>`
        SELECT district_id, station_id, grid_id FROM incidents WHERE id = ${a.incidentId}`.execute(this.database.db);
      const r = i.rows[0];
      return r ? [r.district_id, r.station_id, r.grid_id] : [];
    }
    return typeof a.data.districtId === 'string' ? [a.data.districtId] : [];
  }
}
