import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EmergencyView, EmergencyWithTrack, RaiseEmergencyRequest } from '@ringcad/contracts';
import type { DbOrTx, Tx } from '@ringcad/db';
import {
  acknowledgeEmergencyAlerts,
  assignmentIncidentAndUnit,
  assignmentScene,
  assignmentTarget,
  claimEmergency,
  clearEmergencyRow,
  deleteEmergency,
  insertEmergencyAlert,
  lastUnitEventAt,
  openCheckInPrompts,
  pendingCheckInTimers,
  selectEmergencies,
  setEmergencyIncident,
  setTerminalTokenHash,
  type EmergencyFilter,
  type EmergencyRecord,
} from './safety.queries';
import {
  APP_CONFIG,
  Clock,
  DatabaseService,
  DomainError,
  SYSTEM_ACTOR,
  actorOf,
  conflict,
  forbidden,
  hasRole,
  notFound,
  type AppConfig,
  type Principal,
} from '../platform';
import {
  ScopeService,
  assertIncidentInScope,
  assertUnitsInScope,
  newToken,
  tokenHash,
} from '../auth';
import { AfterCommit, RealtimePublisher } from '../realtime';
import { AlertOutbox, toAlertView } from '../alerts';
import { InputBounds } from '../roads';
import { UnitsService } from '../fleet';
import { appendIncidentEvent, bumpIncident, lockIncident, readIncident } from '../incident-log';
import {
  TimersService,
  type AssignmentEventSeen,
  type TimerFiring,
  type TimerOutcome,
} from '../timers';
import { RouteService } from '../dispatch';
import { IncidentsService, selectTrack } from '../incidents';

const NEAREST = 5;

function toEmergencyView(r: EmergencyRecord): EmergencyView {
  return {
    id: r.id,
    unitId: r.unit_id,
    callsign: r.callsign,
    incidentId: r.incident_id,
    incidentNumber: r.incident_number,
    raisedAt: new Date(r.raised_at).toISOString(),
    deviceAt: r.device_at ? new Date(r.device_at).toISOString() : null,
    raisedBy: { kind: r.raised_by_kind, id: r.raised_by_id, name: r.raised_by_name },
    position: r.lon === null || r.lat === null ? null : { lon: r.lon, lat: r.lat },
    alertId: r.alert_id,
    clearedAt: r.cleared_at ? new Date(r.cleared_at).toISOString() : null,
    clearReason: r.clear_reason,
  };
}

export const checkInPromptId = (assignmentId: string, at: Date) =>
  `chk-${assignmentId}-${at.getTime()}`;
export const checkInOverdueId = (assignmentId: string, at: Date) =>
  `chkdue-${assignmentId}-${at.getTime()}`;

/**
 * Officer safety: the emergency button (一键报警) and the on-scene check-in (报平安).
 *
 * Emergency: an incident (priority 1, 民警遇险) at the unit's freshest position, an `emergency`
 * alert to every console in scope, the nearest units recommended; one active emergency per unit
 * (a repeated press answers the active one); only a dispatcher clears it, with a reason.
 *
 * Check-in: arriving on scene arms a `check_in_prompt` timer (CHECK_IN_SEC, per category); when
 * it comes due and the unit has said nothing since (a note, a message, a stage, a check-in), the
 * terminal is prompted and a `check_in_overdue` timer (CHECK_IN_GRACE_SEC) is armed; unanswered,
 * the desk gets the `check_in_overdue` alert. Any word from the unit re-arms the next prompt. The
 * timers are rows + BullMQ jobs like every other timer (TimersService): they survive restarts
 * and fire once.
 */
@Injectable()
export class SafetyService {
  private readonly logger = new Logger(SafetyService.name);

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly realtime: RealtimePublisher,
    private readonly scopes: ScopeService,
    private readonly timers: TimersService,
    private readonly incidents: IncidentsService,
    private readonly alerts: AlertOutbox,
    private readonly units: UnitsService,
    private readonly bounds: InputBounds,
    private readonly routes: RouteService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.timers.registerKind('check_in_prompt', (f) => this.firePrompt(f));
    this.timers.registerKind('check_in_overdue', (f) => this.fireOverdue(f));
    this.timers.onAssignmentEvent((tx, e) => this.onAssignmentEvent(tx, e));
  }

  // ───────────────────────────── emergency ─────────────────────────────

  async raiseEmergency(unitId: string, input: RaiseEmergencyRequest, by: Principal) {
    if (by.kind === 'unit' ? by.unitId !== unitId : !hasRole(by, 'dispatcher')) {
      throw forbidden("only the unit's own terminal or a dispatcher raises a unit's emergency");
    }
    const scope = await this.scopes.scopeOf(by);
    const unit = await this.units.get(this.database.db, unitId);
    if (by.kind === 'user')
      assertUnitsInScope(scope, [{ id: unitId, stationId: unit.stationId ?? null }]);
    if (input.at !== undefined)
      this.bounds.assertRecent(
        [Date.parse(input.at)],
        this.config.MAX_PAST_HOURS * 3600_000,
        () => 'at',
      );
    const position =
      input.position ?? (unit.position ? { lon: unit.position.lon, lat: unit.position.lat } : null);
    if (!position)
      throw conflict('no position is known for this unit: send one with the emergency');
    this.bounds.assertInServiceArea([position], () => 'position');
    const now = this.clock.now();
    const actor = actorOf(by);
    // the row first: a second press (or a second instance) finds it and makes nothing
    const emergencyId = await claimEmergency(this.database.db, {
      unit_id: unitId,
      raised_at: now,
      device_at: input.at ? new Date(input.at) : null,
      raised_by_kind: actor.kind,
      raised_by_id: actor.id,
      raised_by_name: actor.name,
      lon: position.lon,
      lat: position.lat,
    });
    if (!emergencyId) {
      const active = await this.activeOf(this.database.db, unitId);
      if (!active) throw conflict('the emergency was cleared meanwhile; press again');
      return { emergency: active, created: false, nearest: [] };
    }
    let created;
    try {
      created = await this.incidents.create(
        {
          location: position,
          category: 'officer_in_danger',
          priority: 1,
          address: `${unit.callsign} 一键报警`,
          description: input.text ? `民警一键报警：${input.text}` : '民警一键报警',
        },
        by,
      );
    } catch (err) {
      await deleteEmergency(this.database.db, emergencyId);
      throw err;
    }
    const incident = created.body.incident;
    const after = new AfterCommit();
    await this.database.transaction(async (tx) => {
      await lockIncident(tx, incident.id);
      await setEmergencyIncident(tx, emergencyId, incident.id);
      await insertEmergencyAlert(tx, {
        kind: 'emergency',
        incident_id: incident.id,
        unit_id: unitId,
        assignment_id: null,
        timer_id: null,
        at: now,
        data: JSON.stringify({
          callsign: unit.callsign,
          incidentNumber: incident.number,
          lon: position.lon,
          lat: position.lat,
          raisedBy: actor.name,
          emergencyId,
        }),
        acknowledged_at: null,
        acknowledged_by: null,
      });
      const version = await bumpIncident(tx, incident.id);
      await appendIncidentEvent(tx, incident.id, version, 'emergency.raised', now, actor, {
        emergencyId,
        unitId,
        callsign: unit.callsign,
        position,
        ...(input.at ? { deviceAt: new Date(input.at).toISOString() } : {}),
      });
      after.add(() => this.alerts.kick());
    });
    await after.run();
    const emergency = (await this.activeOf(this.database.db, unitId)) as EmergencyView;
    this.realtime.toTerminal(unitId, 'emergency.raised', emergency);
    const nearest = (created.body.recommendation?.candidates ?? [])
      .filter((c) => c.unitId !== unitId)
      .slice(0, NEAREST)
      .map((c) => ({ unitId: c.unitId, callsign: c.callsign, etaSec: c.etaSec, method: c.method }));
    return { emergency, created: true, nearest };
  }

  async clearEmergency(unitId: string, reason: string, by: Principal): Promise<EmergencyView> {
    if (!hasRole(by, 'dispatcher')) throw forbidden('only a dispatcher clears an emergency');
    const scope = await this.scopes.scopeOf(by);
    const active = await this.activeOf(this.database.db, unitId);
    if (!active) throw notFound('active emergency of unit', unitId);
    const after = new AfterCommit();
    await this.database.transaction(async (tx) => {
      const now = this.clock.now();
      if (active.incidentId) {
        const incident = await lockIncident(tx, active.incidentId);
        assertIncidentInScope(scope, incident);
      }
      if (!(await clearEmergencyRow(tx, active.id, now, by.id, reason)))
        throw conflict('the emergency was cleared meanwhile');
      if (active.incidentId) {
        const acked = await acknowledgeEmergencyAlerts(tx, active.incidentId, unitId, now, by.id);
        const version = await bumpIncident(tx, active.incidentId);
        await appendIncidentEvent(
          tx,
          active.incidentId,
          version,
          'emergency.cleared',
          now,
          actorOf(by),
          { emergencyId: active.id, unitId, reason },
        );
        const incident = await readIncident(tx, active.incidentId);
        const ids = incident.jurisdiction
          ? [
              incident.jurisdiction.districtId,
              incident.jurisdiction.stationId,
              incident.jurisdiction.gridId,
            ]
          : [];
        after.add(() => {
          for (const a of acked)
            this.realtime.toConsoles({
              event: 'alert.acknowledged',
              payload: toAlertView(a),
              jurisdictionIds: ids,
            });
          this.realtime.incident('incident.updated', incident);
        });
      }
    });
    await after.run();
    const view = await this.read(this.database.db, { id: active.id });
    this.realtime.toTerminal(unitId, 'emergency.cleared', view[0]);
    return view[0];
  }

  /** Active emergencies in the caller's scope (by their incident). */
  async listActive(by: Principal): Promise<EmergencyWithTrack[]> {
    const scope = await this.scopes.scopeOf(by);
    let rows: EmergencyView[];
    if (scope.kind === 'unit') {
      const own = await this.activeOf(this.database.db, scope.unitId);
      rows = own ? [own] : [];
    } else {
      rows = await this.read(this.database.db, { active: true });
      if (scope.kind !== 'city') {
        const alerts = rows.map((r) => ({ incidentId: r.incidentId, data: {}, r }));
        rows = (await this.scopes.filterAlerts(scope, alerts)).map((a) => a.r);
      }
    }
    // where the unit in danger has been since it raised the alarm: a console that opens (or
    // reconnects) mid-emergency draws the whole path, then extends it from the live positions
    const now = this.clock.now();
    return Promise.all(
      rows.map(async (e) => ({
        ...e,
        track: (await selectTrack(this.database.db, e.unitId, new Date(e.raisedAt), now)).map(
          (p) => [p.lon, p.lat, p.ms],
        ),
      })),
    );
  }

  /** The unit's active emergency, if any. */
  activeFor(unitId: string): Promise<EmergencyView | null> {
    return this.activeOf(this.database.db, unitId);
  }

  private async activeOf(db: DbOrTx, unitId: string): Promise<EmergencyView | null> {
    return (await this.read(db, { activeOfUnit: unitId }))[0] ?? null;
  }

  private async read(db: DbOrTx, filter: EmergencyFilter): Promise<EmergencyView[]> {
    return (await selectEmergencies(db, filter)).map(toEmergencyView);
  }

  // ───────────────────────────── check-in ─────────────────────────────

  private checkInSec(category: string): number {
    return this.config.CHECK_IN_SEC_BY_CATEGORY[category] ?? this.config.CHECK_IN_SEC;
  }

  private async onAssignmentEvent(tx: Tx, e: AssignmentEventSeen) {
    if (e.type === 'arrive') {
      await this.armPrompt(
        tx,
        e.assignmentId,
        e.incident.id,
        e.incident.category,
        e.now,
        e.now,
        e.after,
      );
    } else if (e.type === 'clear' || e.type === 'decline') {
      await this.cancelCheckIns(tx, e.assignmentId, e.now, e.after);
    }
  }

  private async armPrompt(
    tx: Tx,
    assignmentId: string,
    incidentId: string,
    category: string,
    from: Date,
    now: Date,
    after: AfterCommit,
  ) {
    const dueAt = new Date(from.getTime() + this.checkInSec(category) * 1000);
    await this.timers.schedule(tx, {
      id: checkInPromptId(assignmentId, dueAt),
      kind: 'check_in_prompt',
      incidentId,
      assignmentId,
      dueAt,
      now,
      after,
    });
    return dueAt;
  }

  private async cancelCheckIns(tx: Tx, assignmentId: string, now: Date, after: AfterCommit) {
    const pending = await pendingCheckInTimers(tx, assignmentId);
    await this.timers.cancelTimers(
      tx,
      pending.map((p) => p.id),
      now,
      after,
    );
  }

  /** The unit's last word on the incident (note, message, stage, check-in) after `since`. */
  private async lastWord(
    tx: Tx,
    incidentId: string,
    unitId: string,
    since: Date,
  ): Promise<Date | null> {
    const at = await lastUnitEventAt(tx, incidentId, unitId, since);
    return at ? new Date(at) : null;
  }

  private async onScene(tx: Tx, assignmentId: string | null) {
    if (!assignmentId) return null;
    const a = await assignmentScene(tx, assignmentId);
    return a?.status === 'on_scene' ? a : null;
  }

  private async firePrompt(f: TimerFiring): Promise<TimerOutcome> {
    const a = await this.onScene(f.tx, f.timer.assignmentId);
    if (!a || !f.timer.assignmentId) return null;
    const assignmentId = f.timer.assignmentId;
    const word = await this.lastWord(f.tx, f.incident.id, a.unit_id, f.timer.createdAt);
    if (word) {
      // the unit spoke since this was armed: the next prompt counts from its last word
      await this.armPrompt(
        f.tx,
        assignmentId,
        f.incident.id,
        f.incident.category,
        word,
        f.now,
        f.after,
      );
      return null;
    }
    const answerBy = new Date(f.now.getTime() + this.config.CHECK_IN_GRACE_SEC * 1000);
    await this.timers.schedule(f.tx, {
      id: checkInOverdueId(assignmentId, answerBy),
      kind: 'check_in_overdue',
      incidentId: f.incident.id,
      assignmentId,
      dueAt: answerBy,
      now: f.now,
      after: f.after,
    });
    const version = await bumpIncident(f.tx, f.incident.id);
    await appendIncidentEvent(
      f.tx,
      f.incident.id,
      version,
      'check_in.prompted',
      f.now,
      SYSTEM_ACTOR,
      {
        assignmentId,
        unitId: a.unit_id,
        callsign: a.callsign,
        answerBy: answerBy.toISOString(),
      },
    );
    const prompt = {
      assignmentId,
      incidentId: f.incident.id,
      incidentNumber: f.incident.number,
      promptedAt: f.now.toISOString(),
      answerBy: answerBy.toISOString(),
    };
    f.after.add(() => this.realtime.toTerminal(a.unit_id, 'check-in.prompt', prompt));
    return { alert: null };
  }

  private async fireOverdue(f: TimerFiring): Promise<TimerOutcome> {
    const a = await this.onScene(f.tx, f.timer.assignmentId);
    if (!a || !f.timer.assignmentId) return null;
    const word = await this.lastWord(f.tx, f.incident.id, a.unit_id, f.timer.createdAt);
    if (word) {
      await this.armPrompt(
        f.tx,
        f.timer.assignmentId,
        f.incident.id,
        f.incident.category,
        word,
        f.now,
        f.after,
      );
      return null;
    }
    return {
      alert: {
        kind: 'check_in_overdue',
        unitId: a.unit_id,
        data: {
          callsign: a.callsign,
          incidentNumber: f.incident.number,
          promptedAt: f.timer.createdAt.toISOString(),
          onSceneSec: a.arrived_at
            ? Math.round((f.now.getTime() - new Date(a.arrived_at).getTime()) / 1000)
            : null,
        },
      },
    };
  }

  /** 报平安: the unit answers a prompt (or checks in unprompted); the next prompt is armed afresh. */
  async checkIn(assignmentId: string, input: { text?: string; at?: string }, by: Principal) {
    if (by.kind !== 'unit') throw forbidden("a check-in comes from the unit's own terminal");
    if (input.at !== undefined)
      this.bounds.assertRecent(
        [Date.parse(input.at)],
        this.config.MAX_PAST_HOURS * 3600_000,
        () => 'at',
      );
    const after = new AfterCommit();
    const out = await this.database.transaction(async (tx) => {
      const head = await assignmentIncidentAndUnit(tx, assignmentId);
      if (!head) throw notFound('assignment', assignmentId);
      if (head.unit_id !== by.unitId)
        throw forbidden('only the assigned unit checks in on this assignment');
      const incident = await lockIncident(tx, head.incident_id);
      const a = await this.onScene(tx, assignmentId);
      if (!a) throw new DomainError('ILLEGAL_TRANSITION', 'a check-in is for a unit on scene');
      const now = this.clock.now();
      await this.cancelCheckIns(tx, assignmentId, now, after);
      const next = await this.armPrompt(
        tx,
        assignmentId,
        incident.id,
        incident.category,
        now,
        now,
        after,
      );
      const version = await bumpIncident(tx, incident.id);
      await appendIncidentEvent(tx, incident.id, version, 'unit.check_in', now, actorOf(by), {
        assignmentId,
        unitId: by.unitId,
        callsign: a.callsign,
        ...(input.text ? { text: input.text } : {}),
        ...(input.at ? { deviceAt: new Date(input.at).toISOString() } : {}),
      });
      const updated = await readIncident(tx, incident.id);
      after.add(() => this.realtime.incident('incident.updated', updated));
      return { assignmentId, at: now.toISOString(), nextPromptAt: next.toISOString() };
    });
    await after.run();
    return out;
  }

  /** Prompts still waiting for an answer (sent again when the terminal reconnects). */
  async openPrompts(unitId: string) {
    const rows = await openCheckInPrompts(this.database.db, unitId);
    return rows.map((p) => ({
      assignmentId: p.assignment_id,
      incidentId: p.incident_id,
      incidentNumber: p.number,
      promptedAt: new Date(p.created_at).toISOString(),
      answerBy: new Date(p.due_at).toISOString(),
    }));
  }

  /** The road route of an assignment's unit to where it is sent (its checkpoint, else the incident). */
  async routeOf(assignmentId: string, by: Principal) {
    const row = await assignmentTarget(this.database.db, assignmentId);
    if (!row) throw notFound('assignment', assignmentId);
    if (by.kind === 'unit' && by.unitId !== row.unit_id)
      throw forbidden("a terminal sees only its own unit's route");
    return this.routes.unitToPoint(row.unit_id, { lon: row.lon, lat: row.lat });
  }

  // ───────────────────────────── terminal link ─────────────────────────────

  /** A new terminal token for the unit (the old one stops working), for the sign-in link / QR. */
  async rotateTerminalToken(
    unitId: string,
    by: Principal,
  ): Promise<{ unitId: string; callsign: string; terminalToken: string }> {
    if (!hasRole(by, 'admin')) throw forbidden('only an admin issues terminal links');
    const token = newToken('t');
    const callsign = await setTerminalTokenHash(this.database.db, unitId, tokenHash(token));
    if (callsign === undefined) throw notFound('unit', unitId);
    this.logger.log(`terminal token of unit ${unitId} re-issued`);
    return { unitId, callsign, terminalToken: token };
  }
}
