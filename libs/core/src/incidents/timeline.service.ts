import { Injectable } from '@nestjs/common';
import { computeIncidentMetrics, type UnitKind } from '@ringcad/domain';
import { Clock, DatabaseService, type Principal } from '../platform';
import { readAssignments } from '../dispatch';
import { readIncident, selectIncidentEvents } from '../incident-log';
import { IncidentsService } from './incidents.service';
import { ScopeService } from '../auth';
import { selectIncidentTimes, selectMergedDuplicates, selectTracks } from './timeline.queries';

import { RingSchemesService } from '../schemes';
@Injectable()
export class TimelineService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly incidents: IncidentsService,
    private readonly scopes: ScopeService,
    private readonly schemes: RingSchemesService,
  ) {}

  /** Everything that happened to one incident, in order, with the assigned units' tracks and metrics. */
  async timeline(incidentId: string, by: Principal) {
    const now = this.clock.now();
    const scope = await this.scopes.scopeOf(by);
    return this.database.transaction(async (tx) => {
      const incident = await readIncident(tx, incidentId);
      await this.scopes.checkIncident(scope, incidentId, tx);
      const eventsOf = (id: string) => selectIncidentEvents(tx, id);
      const events = await eventsOf(incidentId);
      // 并案: the duplicates folded into this incident keep their own logs, listed here
      const duplicates = await selectMergedDuplicates(tx, incidentId);
      const merged = [];
      for (const d of duplicates)
        merged.push({
          incidentId: d.id,
          number: d.number,
          events: (await eventsOf(d.id)).map(toEventView),
        });
      const assignments = await readAssignments(tx, { incidentId });
      const spans = assignments.map((a) => ({
        unitId: a.unitId,
        from: new Date(a.assignedAt),
        to: new Date(a.clearedAt ?? a.declinedAt ?? a.cancelledAt ?? now.toISOString()),
      }));
      const tracks = (await selectTracks(tx, spans)).map((pts, i) => ({
        unitId: assignments[i].unitId,
        assignmentId: assignments[i].id,
        points: pts.map((p) => [p.lon, p.lat, Math.round(p.ms)]),
      }));
      const raw = await selectIncidentTimes(tx, incidentId);
      const scheme = await this.schemes.find(incident.schemeId, tx);
      const metrics = scheme
        ? computeIncidentMetrics(
            {
              receivedAt: new Date(raw.received_at),
              createdAt: new Date(raw.created_at),
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
        incident: this.incidents.forViewer(incident, by),
        events: events.map(toEventView),
        assignments,
        tracks,
        metrics,
        merged,
      };
    });
  }
}

function toEventView(e: Awaited<ReturnType<typeof selectIncidentEvents>>[number]) {
  return {
    seq: Number(e.seq),
    type: e.type,
    at: new Date(e.at).toISOString(),
    version: e.version,
    actor: { kind: e.actor_kind, id: e.actor_id, name: e.actor_name },
    data: e.data,
  };
}
