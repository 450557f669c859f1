import { Injectable } from '@nestjs/common';
import { computeIncidentMetrics, type UnitKind } from '@ringcad/domain';
import { Clock, DatabaseService, notFound, type Principal } from '../platform';
import { IncidentsService } from './incidents.service';
import { ScopeService } from '../auth';
import { selectTimeline } from './timeline.queries';

@Injectable()
export class TimelineService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly incidents: IncidentsService,
    private readonly scopes: ScopeService,
  ) {}

  /**
   * Everything that happened to one incident, in order, with the assigned units' tracks and
   * metrics: one statement (selectTimeline), beside the scope check (no read for a city-wide
   * account).
   */
  async timeline(incidentId: string, by: Principal) {
    const now = this.clock.now();
    const db = this.database.db;
    const scope = await this.scopes.scopeOf(by);
    const [read] = await Promise.all([
      selectTimeline(db, incidentId, now),
      this.scopes.checkIncident(scope, incidentId, db),
    ]);
    if (!read) throw notFound('incident', incidentId);
    const { assignments, scheme } = read;
    const tracks = assignments.map((a) => ({
      unitId: a.unitId,
      assignmentId: a.id,
      points: (read.tracks.get(a.id) ?? []).map(([lon, lat, ms]) => [lon, lat, Math.round(ms)]),
    }));
    const metrics = scheme
      ? computeIncidentMetrics(
          {
            receivedAt: read.receivedAt,
            createdAt: read.createdAt,
            assignments: assignments
              .filter((a) => a.role !== 'checkpoint' && (a.status !== 'declined' || a.arrivedAt))
              .map((a) => ({
                unitKind: a.unitKind as UnitKind,
                assignedAt: new Date(a.assignedAt),
                ackedAt: a.ackedAt ? new Date(a.ackedAt) : null,
                departedAt: a.departedAt ? new Date(a.departedAt) : null,
                arrivedAt: a.arrivedAt ? new Date(a.arrivedAt) : null,
                clearedAt: a.clearedAt ? new Date(a.clearedAt) : null,
              })),
          },
          scheme,
        )
      : null;
    return {
      incident: this.incidents.forViewer(read.incident, by),
      events: read.events,
      assignments,
      tracks,
      metrics,
      merged: read.merged,
    };
  }
}
