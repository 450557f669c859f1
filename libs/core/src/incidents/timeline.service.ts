import { Injectable } from '@nestjs/common';
import { computeIncidentMetrics, type UnitKind } from '@ringcad/domain';
import { Clock, DatabaseService, notFound, type Principal } from '../platform';
import { readAssignments } from '../dispatch';
import { readIncident, selectIncidentEvents } from '../incident-log';
import { IncidentsService } from './incidents.service';
import { ScopeService } from '../auth';
import {
  selectIncidentTimes,
  selectIncidentTracks,
  selectMergedDuplicates,
} from './timeline.queries';

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

  /**
   * Everything that happened to one incident, in order, with the assigned units' tracks and
   * metrics. The reads are independent of each other and go out side by side on the pool in one
   * round (the tracks are read over the incident's assignments in SQL; the scheme and the merged
   * duplicates' logs follow their own first read), instead of one after another in a transaction,
   * which at READ COMMITTED gave them no common snapshot anyway.
   */
  async timeline(incidentId: string, by: Principal) {
    const now = this.clock.now();
    const db = this.database.db;
    const scope = await this.scopes.scopeOf(by);
    const eventsOf = (id: string) => selectIncidentEvents(db, id);
    const incidentRead = readIncident(db, incidentId);
    const [incident, scheme, , events, merged, assignments, raw, trackOf] = await Promise.all([
      incidentRead,
      incidentRead.then((i) => this.schemes.find(i.schemeId, db)),
      this.scopes.checkIncident(scope, incidentId, db),
      eventsOf(incidentId),
      // 并案: the duplicates folded into this incident keep their own logs, listed here
      selectMergedDuplicates(db, incidentId).then((duplicates) =>
        Promise.all(
          duplicates.map(async (d) => ({
            incidentId: d.id,
            number: d.number,
            events: (await eventsOf(d.id)).map(toEventView),
          })),
        ),
      ),
      readAssignments(db, { incidentId }),
      // when the call came in and when it was filed, at full precision (the metrics' start)
      selectIncidentTimes(db, incidentId),
      selectIncidentTracks(db, incidentId, now),
    ]);
    // the reads run side by side: only the incident's own read may refuse (404, never a 500)
    if (!raw) throw notFound('incident', incidentId);
    const tracks = assignments.map((a) => ({
      unitId: a.unitId,
      assignmentId: a.id,
      points: (trackOf.get(a.id) ?? []).map((p) => [p.lon, p.lat, Math.round(p.ms)]),
    }));
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
