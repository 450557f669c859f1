import { Inject, Injectable } from '@nestjs/common';
import type { AssignmentView, IncidentView, PremiseFlag, TerminalTask } from '@ringcad/contracts';
import {
  incidentStatusFromAssignments,
  isActiveAssignment,
  maskName,
  maskPhone,
  isIncidentOpen,
  nextAssignmentStatus,
  unitStatusForAssignment,
  type AssignmentEventType,
  type AssignmentRole,
  type AssignmentStatus,
  type IncidentStatus,
  type Priority,
} from '@ringcad/domain';
import type { DbOrTx, Tx } from '@ringcad/db';
import {
  Clock,
  type AppConfig,
  DatabaseService,
  DomainError,
  forbidden,
  notFound,
  actorOf,
  hasRole,
  type Actor,
  type Principal,
  APP_CONFIG,
} from '../platform';
import {
  appendIncidentEvent,
  bumpIncident,
  lockIncident,
  readIncident,
  type IncidentSet,
} from '../incident-log';
import { AfterCommit, RealtimePublisher, toAssignmentView } from '../realtime';
import { ScopeService, assertIncidentInScope, assertUnitsInScope, type Scope } from '../auth';
import { RecommendationService } from './recommendation.service';
import { TimersService } from '../timers';
import { setUnitStatus, UnitsService } from '../fleet';
import { InputBounds, premiseFlagsNear } from '../roads';
import {
  cancelAssignment,
  dispositionExists,
  insertAssignment,
  keepFirstArrival,
  lockAssignmentStatus,
  lockUnits,
  sceneAssignmentStatuses,
  selectAssignmentHead,
  selectAssignmentIds,
  selectAssignments,
  updateAssignment,
  type AssignmentSet,
} from './dispatch.queries';

const EVENT_COLUMN: Record<AssignmentEventType, keyof AssignmentSet> = {
  ack: 'acked_at',
  depart: 'departed_at',
  arrive: 'arrived_at',
  clear: 'cleared_at',
  decline: 'declined_at',
};

/** One assignment, the assignments of an incident, or those of several incidents (one query), as views. */
export async function readAssignments(
  db: DbOrTx,
  where: { id: string } | { incidentId: string } | { incidentIds: readonly string[] },
): Promise<AssignmentView[]> {
  return (await selectAssignments(db, where)).map(toAssignmentView);
}

/**
 * Locks the units (in id order, as every dispatch does) and refuses the whole request when one is
 * unknown (404) or not available (409, listing them all).
 */
export async function lockAvailableUnits(tx: Tx, ids: readonly string[], scope: Scope) {
  const units = await lockUnits(tx, ids);
  const missing = ids.find((id) => !units.some((u) => u.id === id));
  if (missing) throw notFound('unit', missing);
  // before availability: another district's units are refused whatever they are doing
  assertUnitsInScope(
    scope,
    units.map((u) => ({ id: u.id, stationId: u.station_id })),
  );
  const busy = units.filter((u) => u.status !== 'available');
  if (busy.length) {
    throw new DomainError(
      'UNIT_UNAVAILABLE',
      `unit(s) not available: ${busy.map((u) => `${u.callsign} (${u.status})`).join(', ')}`,
      {
        units: busy.map((u) => ({ unitId: u.id, callsign: u.callsign, status: u.status })),
      },
    );
  }
  return units;
}

export function terminalTask(
  a: AssignmentView,
  incident: IncidentView,
  premises?: PremiseFlag[],
): TerminalTask {
  return {
    ...(premises?.length ? { premises } : {}),
    assignmentId: a.id,
    status: a.status,
    incident: {
      id: incident.id,
      number: incident.number,
      category: incident.category,
      priority: incident.priority,
      location: incident.location,
      address: incident.address,
      description: incident.description,
      exercise: incident.exercise,
    },
    etaSec: a.etaSec,
    caller: { name: maskName(incident.callerName), number: maskPhone(incident.callerNumber) },
  };
}

/** What a terminal adds to a stage action: its device time (queued offline), 反馈's code and words. */
export interface AssignmentEventExtra {
  deviceAt?: string;
  disposition?: string;
  text?: string;
  /** The terminal says it took the action without a connection. */
  offline?: boolean;
}

/** A device time this far behind receipt marks an action taken offline (sent when back online). */
const OFFLINE_AFTER_MS = 15_000;

function eventExtraData(extra: AssignmentEventExtra, receivedAt: Date): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (extra.disposition !== undefined) out.disposition = extra.disposition;
  if (extra.text !== undefined) out.text = extra.text;
  if (extra.deviceAt !== undefined) {
    out.deviceAt = new Date(extra.deviceAt).toISOString();
    out.receivedAt = receivedAt.toISOString();
    out.offline =
      extra.offline === true ||
      receivedAt.getTime() - Date.parse(extra.deviceAt) > OFFLINE_AFTER_MS;
  } else if (extra.offline) out.offline = true;
  return out;
}

@Injectable()
export class DispatchService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly realtime: RealtimePublisher,
    private readonly recommendations: RecommendationService,
    private readonly timers: TimersService,
    private readonly units: UnitsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scopes: ScopeService,
    private readonly bounds: InputBounds,
  ) {}

  /** 派警: all requested units or none; a unit that is not available refuses the whole request. */
  async assign(
    incidentId: string,
    unitIds: string[],
    role: AssignmentRole | undefined,
    by: Principal,
  ) {
    if (!hasRole(by, 'dispatcher')) throw forbidden('only a dispatcher may assign units');
    const ids = [...new Set(unitIds)];
    const scope = await this.scopes.scopeOf(by);
    const after = new AfterCommit();
    const created = await this.database.transaction(async (tx) => {
      const incident = await lockIncident(tx, incidentId);
      assertIncidentInScope(scope, incident);
      if (!isIncidentOpen(incident.status)) {
        throw new DomainError('INCIDENT_CLOSED', `incident is ${incident.status}`);
      }
      const units = await lockAvailableUnits(tx, ids, scope);
      const now = this.clock.now();
      const etas = await this.recommendations.etaForUnits(tx, incident.location, ids);
      const existing = await selectAssignmentIds(tx, incidentId);
      const assignmentRole: AssignmentRole =
        role ?? (existing.length ? 'reinforcement' : 'primary');
      const newIds: string[] = [];
      for (const u of units) {
        const eta = etas.get(u.id);
        const id = await insertAssignment(tx, {
          incident_id: incidentId,
          unit_id: u.id,
          role: assignmentRole,
          status: 'assigned',
          eta_sec: eta?.etaSec ?? null,
          eta_method: eta?.method ?? null,
          assigned_at: now,
          assigned_by: by.id,
        });
        newIds.push(id);
        await setUnitStatus(tx, u.id, 'assigned', now);
      }
      const firstDispatch = incident.dispatchedAt === null;
      const statuses = await this.assignmentStatuses(tx, incidentId);
      const status = incidentStatusFromAssignments(incident.status as IncidentStatus, statuses);
      const version = await bumpIncident(tx, incidentId, {
        status,
        ...(firstDispatch ? { dispatched_at: now } : {}),
      });
      const assignments = (await readAssignments(tx, { incidentId })).filter((a) =>
        newIds.includes(a.id),
      );
      await appendIncidentEvent(tx, incidentId, version, 'units.assigned', now, actorOf(by), {
        role: assignmentRole,
        assignments: assignments.map((a) => ({
          assignmentId: a.id,
          unitId: a.unitId,
          callsign: a.callsign,
          etaSec: a.etaSec,
          etaMethod: a.etaMethod,
        })),
      });
      const updated = await readIncident(tx, incidentId);
      for (const a of assignments) {
        await this.timers.scheduleAckOverdue(
          tx,
          a,
          updated,
          this.ackTimeoutSec(updated.priority),
          now,
          after,
        );
      }
      if (firstDispatch) await this.timers.scheduleTierDeadlines(tx, updated, now, after);
      const unitViews = await Promise.all(assignments.map((a) => this.units.get(tx, a.unitId)));
      const flags = await premiseFlagsNear(tx, updated.location);
      after.add(() => {
        this.realtime.incident('incident.updated', updated);
        for (const a of assignments) {
          this.realtime.assignment(a, updated);
          this.realtime.toTerminal(a.unitId, 'task.assigned', terminalTask(a, updated, flags));
        }
        for (const u of unitViews)
          this.realtime.toConsoles({ event: 'unit.updated', payload: u, everyone: true });
      });
      return assignments;
    });
    await after.run();
    return { assignments: created };
  }

  ackTimeoutSec(priority: Priority): number {
    return priority === 1
      ? this.config.ACK_TIMEOUT_P1_SEC
      : priority === 2
        ? this.config.ACK_TIMEOUT_P2_SEC
        : this.config.ACK_TIMEOUT_P3_SEC;
  }

  /** 签收 / 出发 / 到场 / 反馈 / 拒绝 from the dispatcher or the assigned unit's own terminal. */
  async applyEvent(
    assignmentId: string,
    type: AssignmentEventType,
    by: Principal,
    extra: AssignmentEventExtra = {},
  ): Promise<AssignmentView> {
    if (extra.deviceAt !== undefined)
      this.bounds.assertRecent(
        [Date.parse(extra.deviceAt)],
        this.config.MAX_PAST_HOURS * 3600_000,
        () => 'at',
      );
    const scope = await this.scopes.scopeOf(by);
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const head = await selectAssignmentHead(tx, assignmentId);
      if (!head) throw notFound('assignment', assignmentId);
      if (by.kind === 'unit' ? by.unitId !== head.unit_id : !hasRole(by, 'dispatcher')) {
        throw forbidden('only a dispatcher or the assigned unit may report on this assignment');
      }
      // lock order everywhere: incident, then assignment, then unit
      const incident = await lockIncident(tx, head.incident_id);
      if (by.kind === 'user') assertIncidentInScope(scope, incident);
      const current = await lockAssignmentStatus(tx, assignmentId);
      const next = nextAssignmentStatus(current.status as AssignmentStatus, type);
      if (!next) {
        throw new DomainError(
          'ILLEGAL_TRANSITION',
          `cannot ${type} an assignment that is ${current.status}`,
          {
            status: current.status,
            event: type,
          },
        );
      }
      if (extra.disposition !== undefined) {
        if (!(await dispositionExists(tx, extra.disposition)))
          throw new DomainError('VALIDATION_FAILED', `unknown disposition ${extra.disposition}`, [
            { path: 'disposition', message: 'not a code of GET /api/v1/dispositions' },
          ]);
      }
      const now = this.clock.now();
      const set: AssignmentSet = { status: next, [EVENT_COLUMN[type]]: now };
      // an implicit 签收 when a unit departs without acknowledging first
      if (type === 'depart' && current.status === 'assigned') set.acked_at = now;
      await updateAssignment(tx, assignmentId, set);
      await setUnitStatus(tx, head.unit_id, unitStatusForAssignment(next), now);
      const statuses = await this.assignmentStatuses(tx, incident.id);
      const status = incidentStatusFromAssignments(incident.status as IncidentStatus, statuses);
      const incidentSet: IncidentSet = { status };
      if (type === 'arrive' && head.role !== 'checkpoint')
        incidentSet.first_arrived_at = keepFirstArrival(now);
      if (status === 'resolved' && incident.status !== 'resolved') incidentSet.resolved_at = now;
      const version = await bumpIncident(tx, incident.id, incidentSet);
      const [assignment] = await readAssignments(tx, { id: assignmentId });
      await appendIncidentEvent(tx, incident.id, version, `assignment.${type}`, now, actorOf(by), {
        assignmentId,
        unitId: head.unit_id,
        callsign: assignment.callsign,
        from: current.status,
        to: next,
        ...eventExtraData(extra, now),
      });
      await this.timers.assignmentEvent(tx, {
        assignmentId,
        unitId: head.unit_id,
        incident,
        type,
        now,
        after,
      });
      if (type === 'ack' || type === 'depart' || type === 'decline') {
        await this.timers.settleAckTimer(tx, assignmentId, now, after);
      }
      if (type === 'arrive') await this.timers.settleMetTiers(tx, incident.id, now, after);
      const updated = await readIncident(tx, incident.id);
      const unit = await this.units.get(tx, head.unit_id);
      after.add(() => {
        this.realtime.assignment(assignment, updated);
        this.realtime.incident('incident.updated', updated);
        this.realtime.toConsoles({ event: 'unit.updated', payload: unit, everyone: true });
      });
      return assignment;
    });
    await after.run();
    return view;
  }

  /**
   * Withdraws the active tasks of an incident (all of them when it is cancelled, the checkpoint
   * ones when it closes, `only` these when a perimeter is recalled). Caller holds the incident lock.
   */
  async cancelActiveAssignments(
    tx: Tx,
    incident: IncidentView,
    reason: string,
    now: Date,
    after: AfterCommit,
    roles?: readonly AssignmentRole[],
    only?: readonly string[],
  ) {
    const active = (await readAssignments(tx, { incidentId: incident.id })).filter(
      (a) =>
        isActiveAssignment(a.status as AssignmentStatus) &&
        (!roles || roles.includes(a.role as AssignmentRole)) &&
        (!only || only.includes(a.id)),
    );
    for (const a of active) {
      await cancelAssignment(tx, a.id, now);
      await setUnitStatus(tx, a.unitId, 'available', now);
    }
    if (!active.length) return;
    const views = (await readAssignments(tx, { incidentId: incident.id })).filter((v) =>
      active.some((a) => a.id === v.id),
    );
    const units = await Promise.all(active.map((a) => this.units.get(tx, a.unitId)));
    after.add(() => {
      for (const v of views) {
        this.realtime.assignment(v, incident);
        this.realtime.toTerminal(v.unitId, 'task.cancelled', {
          assignmentId: v.id,
          incidentId: incident.id,
          reason,
        });
      }
      for (const u of units)
        this.realtime.toConsoles({ event: 'unit.updated', payload: u, everyone: true });
    });
  }

  private assignmentStatuses(tx: Tx, incidentId: string): Promise<AssignmentStatus[]> {
    return sceneAssignmentStatuses(tx, incidentId);
  }
}

export type { Actor };
