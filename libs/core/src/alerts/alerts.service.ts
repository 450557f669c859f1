import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import type { AlertView } from '@ringcad/contracts';
import { Clock, DatabaseService, DomainError, notFound, hasRole, type Principal } from '../platform';
import { ScopeService } from '../auth';
import { RealtimePublisher } from '../realtime';
import { toAlertView, type AlertRow } from './alerts';

/** Listing and acknowledging alerts (AlertOutbox delivers them; timers and command raise them). */
@Injectable()
export class AlertsService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly realtime: RealtimePublisher,
    private readonly scopes: ScopeService,
  ) {}

  /**
   * Unacknowledged alerts, newest first. With `scope`, only those of a jurisdiction: alerts of its
   * open incidents and the district alerts (coverage_below_target) of that district.
   */
  async listOpenAlerts(scope: string | null = null): Promise<AlertView[]> {
    const rows = await sql<AlertRow>`
      SELECT a.* FROM alerts a LEFT JOIN incidents i ON i.id = a.incident_id
      WHERE a.acknowledged_at IS NULL
        AND (${scope}::uuid IS NULL
          OR (a.incident_id IS NOT NULL AND ${scope}::uuid IN (i.district_id, i.station_id, i.grid_id))
          OR (a.incident_id IS NULL AND a.data->>'districtId' = ${scope}::text))
      ORDER BY a.at DESC LIMIT 500`.execute(this.database.db);
    return rows.rows.map(toAlertView);
  }

  /** Open alerts in the caller's scope (alerts about a district rather than an incident by that district). */
  async openAlerts(by: Principal): Promise<AlertView[]> {
    return this.scopes.filterAlerts(await this.scopes.scopeOf(by), await this.listOpenAlerts());
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
