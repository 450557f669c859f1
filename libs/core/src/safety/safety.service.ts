import { Inject, Injectable, Logger } from '@nestjs/common';
import { sql } from 'kysely';
import type { EmergencyView, RaiseEmergencyRequest } from '@ringcad/contracts';
import type { DbOrTx, Tx } from '@ringcad/db';
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
import { IncidentsService } from '../incidents';

type AlertRow = Parameters<typeof toAlertView>[0];

const NEAREST = 5;

interface EmergencyRow {
  id: string;
  unit_id: string;
  callsign: string;
  incident_id: string | null;
  incident_number: string | null;
  raised_at: Date;
  device_at: Date | null;
  raised_by_kind: string;
  raised_by_id: string | null;
  raised_by_name: string;
  lon: number | null;
  lat: number | null;
  alert_id: string | null;
  cleared_at: Date | null;
  clear_reason: string | null;
}

const SELECT_EMERGENCIES = sql`
  SELECT e.*, u.callsign, i.number AS incident_number,
    (SELECT a.id FROM alerts a WHERE a.kind = 'emergency' AND a.incident_id = e.incident_id AND a.unit_id = e.unit_id LIMIT 1) AS alert_id
  FROM emergencies e JOIN units u ON u.id = e.unit_id LEFT JOIN incidents i ON i.id = e.incident_id`;

function toEmergencyView(r: EmergencyRow): EmergencyView {
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
    const claimed = await sql<{ id: string }>`
      INSERT INTO emergencies (unit_id, raised_at, device_at, raised_by_kind, raised_by_id, raised_by_name, lon, lat)
      VALUES (${unitId}, ${now}, ${input.at ? new Date(input.at) : null}, ${actor.kind}, ${actor.id}, ${actor.name}, ${position.lon}, ${position.lat})
      ON CONFLICT (unit_id) WHERE cleared_at IS NULL DO NOTHING RETURNING id`.execute(
      this.database.db,
    );
    const emergencyId = claimed.rows[0]?.id;
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
      await sql`DELETE FROM emergencies WHERE id = ${emergencyId}`.execute(this.database.db);
      throw err;
    }
    const incident = created.body.incident;
    const after = new AfterCommit();
    await this.database.transaction(async (tx) => {
      await lockIncident(tx, incident.id);
      await sql`UPDATE emergencies SET incident_id = ${incident.id} WHERE id = ${emergencyId}`.execute(
        tx,
      );
      await tx
        .insertInto('alerts')
        .values({
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
        })
        .execute();
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
      const done =
        await sql`UPDATE emergencies SET cleared_at = ${now}, cleared_by = ${by.id}, clear_reason = ${reason}
        WHERE id = ${active.id} AND cleared_at IS NULL RETURNING id`.execute(tx);
      if (!done.rows.length) throw conflict('the emergency was cleared meanwhile');
      if (active.incidentId) {
        const acked =
          await sql<AlertRow>`UPDATE alerts SET acknowledged_at = ${now}, acknowledged_by = ${by.id}
          WHERE kind = 'emergency' AND incident_id = ${active.incidentId} AND unit_id = ${unitId} AND acknowledged_at IS NULL
          RETURNING *`.execute(tx);
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
          for (const a of acked.rows)
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
    const view = await this.read(this.database.db, sql`e.id = ${active.id}`);
    this.realtime.toTerminal(unitId, 'emergency.cleared', view[0]);
    return view[0];
  }

  /** Active emergencies in the caller's scope (by their incident). */
  async listActive(by: Principal): Promise<EmergencyView[]> {
    const scope = await this.scopes.scopeOf(by);
    if (scope.kind === 'unit') {
      const own = await this.activeOf(this.database.db, scope.unitId);
      return own ? [own] : [];
    }
    const rows = await this.read(this.database.db, sql`e.cleared_at IS NULL`);
    if (scope.kind === 'city') return rows;
    const alerts = rows.map((r) => ({ incidentId: r.incidentId, data: {}, r }));
    return (await this.scopes.filterAlerts(scope, alerts)).map((a) => a.r);
  }

  /** The unit's active emergency, if any. */
  activeFor(unitId: string): Promise<EmergencyView | null> {
    return this.activeOf(this.database.db, unitId);
  }

  private async activeOf(db: DbOrTx, unitId: string): Promise<EmergencyView | null> {
    return (await this.read(db, sql`e.unit_id = ${unitId} AND e.cleared_at IS NULL`))[0] ?? null;
  }

  private async read(db: DbOrTx, where: ReturnType<typeof sql>): Promise<EmergencyView[]> {
    const r =
      await sql<EmergencyRow>`${SELECT_EMERGENCIES} WHERE ${where} ORDER BY e.raised_at DESC`.execute(
        db,
      );
    return r.rows.map(toEmergencyView);
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
    const pending = await tx
      .selectFrom('timers')
      .select('id')
      .where('assignment_id', '=', assignmentId)
      .where('kind', 'in', ['check_in_prompt', 'check_in_overdue'])
      .where('status', '=', 'pending')
      .execute();
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
    const r = await sql<{ at: Date | null }>`
      SELECT max(at) AS at FROM incident_events
      WHERE incident_id = ${incidentId} AND actor_kind = 'unit' AND actor_id = ${unitId} AND at > ${since}`.execute(
      tx,
    );
    return r.rows[0]?.at ? new Date(r.rows[0].at) : null;
  }

  private async onScene(tx: Tx, assignmentId: string | null) {
    if (!assignmentId) return null;
    const a = await sql<{
      status: string;
      unit_id: string;
      callsign: string;
      arrived_at: Date | null;
    }>`
      SELECT a.status, a.unit_id, u.callsign, a.arrived_at FROM assignments a JOIN units u ON u.id = a.unit_id WHERE a.id = ${assignmentId}`.execute(
      tx,
    );
    return a.rows[0]?.status === 'on_scene' ? a.rows[0] : null;
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
      const head = await tx
        .selectFrom('assignments')
        .select(['incident_id', 'unit_id'])
        .where('id', '=', assignmentId)
        .executeTakeFirst();
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
    const r = await sql<{
      assignment_id: string;
      incident_id: string;
      number: string;
      created_at: Date;
      due_at: Date;
    }>`
      SELECT t.assignment_id, t.incident_id, i.number, t.created_at, t.due_at FROM timers t
      JOIN assignments a ON a.id = t.assignment_id JOIN incidents i ON i.id = t.incident_id
      WHERE t.kind = 'check_in_overdue' AND t.status = 'pending' AND a.unit_id = ${unitId} AND a.status = 'on_scene'`.execute(
      this.database.db,
    );
    return r.rows.map((p) => ({
      assignmentId: p.assignment_id,
      incidentId: p.incident_id,
      incidentNumber: p.number,
      promptedAt: new Date(p.created_at).toISOString(),
      answerBy: new Date(p.due_at).toISOString(),
    }));
  }

  /** The road route of an assignment's unit to where it is sent (its checkpoint, else the incident). */
  async routeOf(assignmentId: string, by: Principal) {
    const a = await sql<{ unit_id: string; lon: number; lat: number }>`
      SELECT a.unit_id, ST_X(coalesce(c.location, i.location)) AS lon, ST_Y(coalesce(c.location, i.location)) AS lat
      FROM assignments a JOIN incidents i ON i.id = a.incident_id LEFT JOIN checkpoints c ON c.id = a.checkpoint_id
      WHERE a.id = ${assignmentId}`.execute(this.database.db);
    const row = a.rows[0];
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
    const r = await sql<{ callsign: string }>`
      UPDATE units SET terminal_token_hash = ${tokenHash(token)} WHERE id = ${unitId} RETURNING callsign`.execute(
      this.database.db,
    );
    if (!r.rows[0]) throw notFound('unit', unitId);
    this.logger.log(`terminal token of unit ${unitId} re-issued`);
    return { unitId, callsign: r.rows[0].callsign, terminalToken: token };
  }
}
