import { Inject, Injectable } from '@nestjs/common';
import type { ConsoleSync } from '@ringcad/contracts';
import { APP_CONFIG, Clock, DatabaseService, type AppConfig, type Principal } from '../platform';
import { IncidentsService, DeskService } from '../incidents';
import { AlertsService } from '../alerts';
import { UnitsService } from '../fleet';
import { assignmentsOfIncidents } from './console-sync.queries';

/**
 * The snapshot a console gets on every (re)connect: a fixed number of statements whatever the
 * number of open incidents (each part is one query over all of them).
 */
@Injectable()
export class ConsoleSyncService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly incidents: IncidentsService,
    private readonly units: UnitsService,
    private readonly desk: DeskService,
    private readonly alerts: AlertsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async snapshot(by: Principal): Promise<ConsoleSync> {
    const at = this.clock.now().toISOString();
    const incidents = await this.incidents.list({ status: 'open', limit: 1000 }, by);
    const assignments = await assignmentsOfIncidents(
      this.database.db,
      incidents.map((i) => i.id),
    );
    // the whole fleet is shared (every seat draws it); incidents and alerts are the scope's own,
    // and only the alerts of incidents still on the board
    const visible = new Set(incidents.map((i) => i.id));
    const alerts = (await this.alerts.openAlerts(by)).filter(
      (a) => a.incidentId === null || visible.has(a.incidentId),
    );
    const notes = await this.desk.notesOf(incidents.map((i) => i.id));
    return {
      at,
      incidents,
      assignments,
      units: await this.units.list(),
      alerts,
      notes,
      positionStaleSec: this.config.POSITION_STALE_SEC,
    };
  }
}
