import { Injectable } from '@nestjs/common';
import type { AlertView } from '@ringcad/contracts';
import {
  Clock,
  DatabaseService,
  DomainError,
  notFound,
  hasRole,
  type Principal,
} from '../platform';
import { ScopeService } from '../auth';
import { RealtimePublisher } from '../realtime';
import { actsOnDistrictAlerts, isDistrictAlert, toAlertView } from './alerts';
import {
  acknowledgeAlertRow,
  acknowledgeDistrictAlerts,
  isActiveEmergencyAlert,
  selectIncidentPlace,
  selectOpenAlerts,
} from './alerts.queries';

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
    return (await selectOpenAlerts(this.database.db, scope)).map(toAlertView);
  }

  /** Open alerts in the caller's scope (alerts about a district rather than an incident by that district). */
  async openAlerts(by: Principal): Promise<AlertView[]> {
    const inScope = await this.scopes.filterAlerts(
      await this.scopes.scopeOf(by),
      await this.listOpenAlerts(),
    );
    return actsOnDistrictAlerts(by) ? inScope : inScope.filter((a) => !isDistrictAlert(a));
  }

  async acknowledgeAlert(alertId: string, by: Principal) {
    if (!hasRole(by, 'dispatcher', 'commander'))
      throw new DomainError('FORBIDDEN', 'only dispatchers and commanders acknowledge alerts');
    await this.scopes.checkAlert(await this.scopes.scopeOf(by), alertId);
    // an officer's emergency is cleared with a reason (SafetyService.clearEmergency), never just acknowledged
    if (await isActiveEmergencyAlert(this.database.db, alertId))
      throw new DomainError(
        'CONFLICT',
        'an emergency is cleared with a reason (POST /api/v1/units/:id/emergency/clear)',
      );
    const now = this.clock.now();
    const row = await acknowledgeAlertRow(this.database.db, alertId, by.id, now);
    if (!row) throw notFound('alert', alertId);
    const view = toAlertView(row);
    const district = isDistrictAlert(view);
    // a district is acknowledged, not one of its alerts: any other alert of it still open goes too
    const others =
      view.kind === 'coverage_below_target' && typeof view.data.districtId === 'string'
        ? await acknowledgeDistrictAlerts(this.database.db, view.data.districtId, by.id, now)
        : [];
    for (const v of [view, ...others.map(toAlertView)])
      this.realtime.toConsoles({
        event: 'alert.acknowledged',
        payload: v,
        jurisdictionIds: await this.alertJurisdictions(v),
        actingSeatsOnly: district,
      });
    return view;
  }

  /** The rooms an alert's news goes to: its incident's jurisdictions, or the district it is about. */
  private async alertJurisdictions(a: AlertView): Promise<(string | null)[]> {
    if (a.incidentId) {
      const r = await selectIncidentPlace(this.database.db, a.incidentId);
      return r ? [r.district_id, r.station_id, r.grid_id] : [];
    }
    return typeof a.data.districtId === 'string' ? [a.data.districtId] : [];
  }
}
