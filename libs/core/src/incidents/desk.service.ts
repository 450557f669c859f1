import { Inject, Injectable } from '@nestjs/common';
import type {
  AttachCallRequest,
  CallView,
  CreateDispositionRequest,
  DispositionView,
  IncidentNoteEvent,
  IntakeContext,
  IntakeContextQuery,
  IncidentView,
  MergeIncidentRequest,
  NoteView,
  UpdateDispositionRequest,
  UpdateIncidentRequest,
} from '@ringcad/contracts';
import {
  DEFAULT_SCHEME_BY_PRIORITY,
  incidentStatusFromAssignments,
  isActiveAssignment,
  isIncidentOpen,
  maskPhone,
  seesCallerNumber,
  type AssignmentStatus,
  type IncidentStatus,
} from '@ringcad/domain';
import type { Selectable } from 'kysely';
import type { DB, DbOrTx } from '@ringcad/db';
import {
  appendAudit,
  Clock,
  type AppConfig,
  APP_CONFIG,
  toWgs84,
  DatabaseService,
  DomainError,
  conflict,
  forbidden,
  notFound,
  actorOf,
  hasRole,
  type Actor,
  type Principal,
} from '../platform';
import { premiseFlagsNear } from '../roads';
import {
  appendIncidentEvent,
  bumpIncident,
  lockIncident,
  readIncident,
  type IncidentSet,
} from '../incident-log';
import { AfterCommit, RealtimePublisher, maskIncident, jurisdictionIdsOf } from '../realtime';
import {
  RecommendationService,
  cancelAssignment,
  lockAssignmentStatus,
  readAssignments,
  sceneAssignmentStatuses,
  selectAssignmentHead,
  terminalTask,
} from '../dispatch';
import { TimersService } from '../timers';
import { setUnitStatus, UnitsService } from '../fleet';
import {
  handOverAssignment,
  insertCall,
  insertDisposition,
  updateDispositionRow,
  selectDispositionRow,
  incidentsClosedWith,
  deleteDispositionRow,
  insertNote,
  insertOpeningCallOf,
  intakeScopeSql,
  locationSql,
  moveCalls,
  relinkMergedInto,
  selectCallerHistory,
  selectCalls,
  selectDispositions,
  selectFamilyNotes,
  selectNotesOf,
  selectOpenNearby,
  selectPlaceHistory,
  selectPlaceOf,
  selectUnitAssignment,
  type CallRecord,
  type NoteRecord,
} from './desk.queries';

type UpdatableField =
  'location' | 'category' | 'priority' | 'address' | 'callerName' | 'callerNumber' | 'description';

const COLUMN_OF: Record<Exclude<UpdatableField, 'location'>, keyof IncidentSet> = {
  category: 'category',
  priority: 'priority',
  address: 'address',
  callerName: 'caller_name',
  callerNumber: 'caller_number',
  description: 'description',
};

export function toNoteView(r: NoteRecord): NoteView {
  return {
    id: r.id,
    incidentId: r.incident_id,
    at: new Date(r.at).toISOString(),
    actor: { kind: r.actor_kind as Actor['kind'], id: r.actor_id, name: r.actor_name ?? '' },
    text: r.text,
  };
}

/** 接警前研判 looks this far and this long back for the place's history. */
const PLACE_HISTORY_RADIUS_M = 100;
const PLACE_HISTORY_DAYS = 90;

/**
 * The desk's lifecycle beyond create and dispatch: correct an incident (更正), keep its running log
 * (备注), attach more calls and merge duplicates (并案), recall a unit (撤回), dispositions (处理结果).
 */
@Injectable()
export class DeskService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly realtime: RealtimePublisher,
    private readonly recommendations: RecommendationService,
    private readonly timers: TimersService,
    private readonly units: UnitsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** 更正: a stale form (expectedVersion) is refused; jurisdiction, scheme and tier timers follow. */
  async update(id: string, input: UpdateIncidentRequest, by: Principal) {
    const after = new AfterCommit();
    const result = await this.database.transaction(async (tx) => {
      const incident = await lockIncident(tx, id);
      assertInScope(incident, by);
      if (!isIncidentOpen(incident.status))
        throw new DomainError('INCIDENT_CLOSED', `incident is ${incident.status}`, {
          status: incident.status,
        });
      if (incident.version !== input.expectedVersion) {
        throw new DomainError(
          'STALE_VERSION',
          'the incident changed since it was opened; reload it and apply the change again',
          {
            expectedVersion: input.expectedVersion,
            version: incident.version,
          },
        );
      }
      const changes: Record<string, { before: unknown; after: unknown }> = {};
      const set: IncidentSet = {};
      for (const field of Object.keys(COLUMN_OF) as (keyof typeof COLUMN_OF)[]) {
        const next = input[field];
        if (next === undefined) continue;
        const normalised = next === '' ? null : next;
        if (normalised === incident[field]) continue;
        changes[field] = { before: incident[field], after: normalised };
        set[COLUMN_OF[field]] = normalised;
      }
      let place: {
        districtId: string | null;
        stationId: string | null;
        gridId: string | null;
        schemeId: string | null;
      } | null = null;
      if (input.location) {
        const p = toWgs84(input.location);
        if (p.lon !== incident.location.lon || p.lat !== incident.location.lat) {
          changes.location = { before: incident.location, after: p };
          set.location = locationSql(p);
          set.input_crs = input.location.crs ?? 'WGS84';
          set.input_lon = input.location.lon;
          set.input_lat = input.location.lat;
          place = await placeOf(tx, p);
          set.district_id = place.districtId;
          set.station_id = place.stationId;
          set.grid_id = place.gridId;
        }
      }
      if (!Object.keys(changes).length)
        return { incident, changed: [] as string[], schemeChanged: false };
      // the scheme follows the place and the priority, as it does at create
      if (changes.location || changes.priority) {
        const p = place ?? (await placeOf(tx, incident.location));
        const priority = input.priority ?? incident.priority;
        const schemeId = p.schemeId ?? DEFAULT_SCHEME_BY_PRIORITY[priority];
        if (schemeId !== incident.schemeId) {
          changes.schemeId = { before: incident.schemeId, after: schemeId };
          set.scheme_id = schemeId;
        }
      }
      if (changes.location) {
        const j = place as NonNullable<typeof place>;
        const beforeJ = incident.jurisdiction;
        if (
          beforeJ?.districtId !== j.districtId ||
          beforeJ?.stationId !== j.stationId ||
          beforeJ?.gridId !== j.gridId
        ) {
          changes.jurisdiction = {
            before: beforeJ,
            after: { districtId: j.districtId, stationId: j.stationId, gridId: j.gridId },
          };
        }
      }
      const now = this.clock.now();
      const version = await bumpIncident(tx, id, set);
      await appendIncidentEvent(tx, id, version, 'incident.updated', now, actorOf(by), {
        changes: maskChanges(changes),
      });
      const updated = await readIncident(tx, id);
      const schemeChanged = Boolean(changes.schemeId);
      if (schemeChanged && updated.dispatchedAt) {
        await this.timers.rearmTierDeadlines(
          tx,
          updated,
          new Date(updated.dispatchedAt),
          now,
          after,
        );
      }
      const active = (await readAssignments(tx, { incidentId: id })).filter((a) =>
        isActiveAssignment(a.status as AssignmentStatus),
      );
      const flags = active.length ? await premiseFlagsNear(tx, updated.location) : [];
      after.add(() => {
        this.realtime.incident('incident.updated', updated);
        for (const a of active)
          this.realtime.toTerminal(a.unitId, 'task.updated', terminalTask(a, updated, flags));
      });
      return { incident: updated, changed: Object.keys(changes), schemeChanged };
    });
    await after.run();
    const rerank = result.changed.some(
      (c) => c === 'location' || c === 'priority' || c === 'schemeId',
    );
    return {
      incident: forViewer(result.incident, by),
      changed: result.changed,
      ...(rerank ? { recommendation: await this.recommendations.recommend(id) } : {}),
    };
  }

  /** 备注: desk roles, or the terminal of a unit working the incident. */
  async addNote(id: string, text: string, by: Principal): Promise<{ note: NoteView }> {
    const after = new AfterCommit();
    const note = await this.database.transaction(async (tx) => {
      const incident = await lockIncident(tx, id);
      if (by.kind === 'unit') {
        const mine = await selectUnitAssignment(tx, id, by.unitId, { active: true });
        if (!mine)
          throw forbidden('a terminal may only write notes on an incident its unit is working');
      } else {
        assertInScope(incident, by);
      }
      if (incident.status === 'merged')
        throw conflict('this incident was merged; write on the incident it was merged into');
      const now = this.clock.now();
      const actor = actorOf(by);
      const row = await insertNote(tx, {
        incident_id: id,
        at: now,
        actor_kind: actor.kind,
        actor_id: actor.id,
        actor_name: actor.name,
        text,
      });
      const view = toNoteView(row);
      const version = await bumpIncident(tx, id);
      await appendIncidentEvent(tx, id, version, 'incident.note', now, actor, {
        noteId: view.id,
        text,
      });
      const units = (await readAssignments(tx, { incidentId: id }))
        .filter((a) => isActiveAssignment(a.status as AssignmentStatus))
        .map((a) => a.unitId);
      const payload: IncidentNoteEvent = { incidentId: id, version, note: view };
      after.add(() => {
        this.realtime.toConsoles({
          event: 'incident.note',
          payload,
          jurisdictionIds: jurisdictionIdsOf(incident),
        });
        for (const u of units) this.realtime.toTerminal(u, 'incident.note', payload);
      });
      return view;
    });
    await after.run();
    return { note };
  }

  async listNotes(id: string, by: Principal): Promise<NoteView[]> {
    await this.readInScope(id, by);
    return (await selectFamilyNotes(this.database.db, id)).map(toNoteView);
  }

  /** Notes of the open incidents a console sees (its sync snapshot). */
  async notesOf(incidentIds: string[]): Promise<NoteView[]> {
    if (!incidentIds.length) return [];
    return (await selectNotesOf(this.database.db, incidentIds)).map(toNoteView);
  }

  /** 追加来电: another call about an open incident (the same fight, a second caller). */
  async attachCall(
    id: string,
    input: AttachCallRequest,
    by: Principal,
  ): Promise<{ call: CallView; incident: IncidentView }> {
    const after = new AfterCommit();
    const now = this.clock.now();
    const receivedAt = input.receivedAt ? new Date(input.receivedAt) : now;
    if (receivedAt.getTime() > now.getTime() + 60_000)
      throw new DomainError('VALIDATION_FAILED', 'receivedAt is in the future');
    const result = await this.database.transaction(async (tx) => {
      const incident = await lockIncident(tx, id);
      assertInScope(incident, by);
      if (!isIncidentOpen(incident.status)) {
        throw new DomainError(
          'INCIDENT_CLOSED',
          `incident is ${incident.status}; file a new incident`,
          { status: incident.status },
        );
      }
      const actor = actorOf(by);
      const row = await insertCall(tx, {
        incident_id: id,
        caller_number: input.callerNumber ?? null,
        caller_name: input.callerName ?? null,
        received_at: receivedAt,
        note: input.note ?? null,
        created_at: now,
        actor_kind: actor.kind,
        actor_id: actor.id,
        actor_name: actor.name,
        merged_from: null,
      });
      const version = await bumpIncident(tx, id);
      await appendIncidentEvent(tx, id, version, 'call.attached', now, actor, {
        callId: row.id,
        callerNumber: maskPhone(row.caller_number),
        receivedAt: receivedAt.toISOString(),
        note: row.note,
      });
      const updated = await readIncident(tx, id);
      after.add(() => this.realtime.incident('incident.updated', updated));
      return { call: toCallView(row), incident: updated };
    });
    await after.run();
    return { call: maskCall(result.call, by), incident: forViewer(result.incident, by) };
  }

  /** Every call about the incident: the one that opened it, those attached, those of merged duplicates. */
  async listCalls(id: string, by: Principal): Promise<CallView[]> {
    await this.readInScope(id, by);
    return (await selectCalls(this.database.db, id)).map((r) => maskCall(toCallView(r), by));
  }

  /**
   * 并案: folds a duplicate into its master. Its calls move over (the one that opened it too), its
   * notes and events stay where they were written and are listed on the master through the link,
   * its working units are handed over or released, and it ends `merged`.
   */
  async merge(id: string, input: MergeIncidentRequest, by: Principal) {
    if (id === input.intoIncidentId) throw conflict('an incident cannot be merged into itself');
    const after = new AfterCommit();
    const result = await this.database.transaction(async (tx) => {
      // lock order: incident ids ascending, so two merges of the same pair cannot deadlock
      const [a, b] = [id, input.intoIncidentId].sort();
      const locked = new Map([
        [a, await lockIncident(tx, a)],
        [b, await lockIncident(tx, b)],
      ]);
      const source = locked.get(id) as IncidentView;
      const master = locked.get(input.intoIncidentId) as IncidentView;
      assertInScope(source, by);
      assertInScope(master, by);
      if (!isIncidentOpen(source.status)) {
        throw new DomainError('INCIDENT_CLOSED', `incident ${source.number} is ${source.status}`, {
          status: source.status,
        });
      }
      if (!isIncidentOpen(master.status)) {
        throw new DomainError(
          'INCIDENT_CLOSED',
          `incident ${master.number} is ${master.status}; merge into an open incident`,
          {
            status: master.status,
          },
        );
      }
      const now = this.clock.now();
      const actor = actorOf(by);
      // the duplicate's own opening call, then the calls attached to it
      await insertOpeningCallOf(tx, source, master, now, actor);
      const moved = await moveCalls(tx, source.id, master.id);
      // duplicates merged into the duplicate now belong to the master (one level of links)
      await relinkMergedInto(tx, source.id, master.id);

      const working = (await readAssignments(tx, { incidentId: source.id })).filter((x) =>
        isActiveAssignment(x.status as AssignmentStatus),
      );
      const handedOver = input.units === 'handover' ? working : [];
      const released = input.units === 'release' ? working : [];
      for (const w of handedOver) {
        // the ack timer follows its assignment; tier timers stay with the duplicate and are cancelled
        await handOverAssignment(tx, w.id, master.id);
      }
      for (const r of released) {
        await cancelAssignment(tx, r.id, now);
        await setUnitStatus(tx, r.unitId, 'available', now);
      }
      await this.timers.cancelForIncident(tx, source.id, after, now);

      const sourceVersion = await bumpIncident(tx, source.id, {
        status: 'merged',
        merged_into: master.id,
        closed_at: now,
      });
      await appendIncidentEvent(tx, source.id, sourceVersion, 'incident.merged', now, actor, {
        intoIncidentId: master.id,
        intoNumber: master.number,
        units: input.units,
        handedOver: handedOver.map((h) => ({
          assignmentId: h.id,
          unitId: h.unitId,
          callsign: h.callsign,
        })),
        released: released.map((r) => ({
          assignmentId: r.id,
          unitId: r.unitId,
          callsign: r.callsign,
        })),
      });

      const masterSet: IncidentSet = {};
      const firstDispatch = handedOver.length > 0 && master.dispatchedAt === null;
      if (firstDispatch)
        masterSet.dispatched_at = source.dispatchedAt ? new Date(source.dispatchedAt) : now;
      const statuses = await sceneAssignmentStatuses(tx, master.id);
      masterSet.status = incidentStatusFromAssignments(master.status as IncidentStatus, statuses);
      const masterVersion = await bumpIncident(tx, master.id, masterSet);
      await appendIncidentEvent(tx, master.id, masterVersion, 'incident.merged_in', now, actor, {
        fromIncidentId: source.id,
        fromNumber: source.number,
        callsMoved: moved.length + 1,
        handedOver: handedOver.map((h) => ({
          assignmentId: h.id,
          unitId: h.unitId,
          callsign: h.callsign,
        })),
      });
      const sourceView = await readIncident(tx, source.id);
      const masterView = await readIncident(tx, master.id);
      if (firstDispatch)
        await this.timers.scheduleTierDeadlines(
          tx,
          masterView,
          new Date(masterView.dispatchedAt as string),
          after,
        );
      const handedViews = (await readAssignments(tx, { incidentId: master.id })).filter((x) =>
        handedOver.some((h) => h.id === x.id),
      );
      const releasedViews = (await readAssignments(tx, { incidentId: source.id })).filter((x) =>
        released.some((r) => r.id === x.id),
      );
      const unitViews = await Promise.all(released.map((r) => this.units.get(tx, r.unitId)));
      const flags = handedViews.length ? await premiseFlagsNear(tx, masterView.location) : [];
      after.add(() => {
        this.realtime.incident('incident.updated', sourceView);
        this.realtime.incident('incident.updated', masterView);
        for (const h of handedViews) {
          this.realtime.assignment(h, masterView);
          this.realtime.toTerminal(h.unitId, 'task.updated', terminalTask(h, masterView, flags));
        }
        for (const r of releasedViews) {
          this.realtime.assignment(r, sourceView);
          this.realtime.toTerminal(r.unitId, 'task.cancelled', {
            assignmentId: r.id,
            incidentId: source.id,
            reason: `merged into ${master.number}`,
          });
        }
        for (const u of unitViews) this.realtime.toConsoles({ event: 'unit.updated', payload: u });
      });
      return { incident: sourceView, into: masterView };
    });
    await after.run();
    return { incident: forViewer(result.incident, by), into: forViewer(result.into, by) };
  }

  /** 撤回: the dispatcher recalls a unit; the terminal is told, the unit is free again. */
  async recall(assignmentId: string, reason: string, by: Principal) {
    if (!hasRole(by, 'dispatcher')) throw forbidden('only a dispatcher may recall a unit');
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const head = await selectAssignmentHead(tx, assignmentId);
      if (!head) throw notFound('assignment', assignmentId);
      // lock order everywhere: incident, then assignment, then unit
      const incident = await lockIncident(tx, head.incident_id);
      assertInScope(incident, by);
      const current = await lockAssignmentStatus(tx, assignmentId);
      if (!isActiveAssignment(current.status as AssignmentStatus)) {
        throw new DomainError(
          'ILLEGAL_TRANSITION',
          `cannot recall an assignment that is ${current.status}`,
          { status: current.status },
        );
      }
      const now = this.clock.now();
      await cancelAssignment(tx, assignmentId, now);
      await setUnitStatus(tx, head.unit_id, 'available', now);
      await this.timers.settleAckTimer(tx, assignmentId, now, after);
      const statuses = await sceneAssignmentStatuses(tx, incident.id);
      const status = incidentStatusFromAssignments(incident.status as IncidentStatus, statuses);
      const version = await bumpIncident(tx, incident.id, { status });
      const [assignment] = await readAssignments(tx, { id: assignmentId });
      await appendIncidentEvent(
        tx,
        incident.id,
        version,
        'assignment.cancelled',
        now,
        actorOf(by),
        {
          assignmentId,
          unitId: head.unit_id,
          callsign: assignment.callsign,
          from: current.status,
          to: 'cancelled',
          reason,
        },
      );
      const updated = await readIncident(tx, incident.id);
      const unit = await this.units.get(tx, head.unit_id);
      after.add(() => {
        this.realtime.assignment(assignment, updated);
        this.realtime.incident('incident.updated', updated);
        this.realtime.toConsoles({ event: 'unit.updated', payload: unit });
        this.realtime.toTerminal(head.unit_id, 'task.cancelled', {
          assignmentId,
          incidentId: incident.id,
          reason,
        });
      });
      return assignment;
    });
    await after.run();
    return { assignment: view };
  }

  /**
   * 接警前研判: the place's history (incidents within 100 m in 90 days), the caller's earlier calls,
   * open incidents nearby (the duplicate check, before filing) and the place's premise flags.
   * A scoped user sees only their jurisdiction's incidents.
   */
  async intakeContext(q: IntakeContextQuery, by: Principal): Promise<IntakeContext> {
    const p = toWgs84({ lon: q.lon, lat: q.lat, crs: q.crs });
    const now = this.clock.now();
    const db = this.database.db;
    const inScope = intakeScopeSql(by.kind === 'user' ? by.jurisdictionId : null);
    const prior = await selectPlaceHistory(
      db,
      p,
      PLACE_HISTORY_RADIUS_M,
      new Date(now.getTime() - PLACE_HISTORY_DAYS * 86_400_000),
      inScope,
    );
    const dups = await selectOpenNearby(
      db,
      p,
      {
        radiusM: this.config.DUPLICATE_RADIUS_M,
        since: new Date(now.getTime() - this.config.DUPLICATE_WINDOW_MIN * 60_000),
        category: q.category ?? null,
      },
      inScope,
    );
    const history = q.callerNumber ? await selectCallerHistory(db, q.callerNumber, inScope) : [];
    const minutesAgo = (d: Date) => Math.round((now.getTime() - new Date(d).getTime()) / 6000) / 10;
    return {
      priorIncidents: prior.map((r) => ({
        id: r.id,
        number: r.number,
        category: r.category,
        status: r.status,
        distanceM: Math.round(r.distance_m),
        at: new Date(r.created_at).toISOString(),
      })),
      callerHistory: history.map((r) => ({
        incidentId: r.incident_id,
        number: r.number,
        at: new Date(r.at).toISOString(),
        category: r.category,
      })),
      possibleDuplicates: dups.map((r) => ({
        id: r.id,
        number: r.number,
        category: r.category,
        status: r.status,
        distanceM: Math.round(r.distance_m),
        minutesAgo: minutesAgo(r.created_at),
      })),
      premises: await premiseFlagsNear(db, p),
    };
  }

  async dispositions(db: DbOrTx = this.database.db): Promise<DispositionView[]> {
    return (await selectDispositions(db)).map(dispositionView);
  }

  async createDisposition(
    input: CreateDispositionRequest,
    by: Principal,
  ): Promise<DispositionView> {
    return this.database.transaction(async (tx) => {
      const row = await insertDisposition(tx, input);
      if (!row) throw conflict(`disposition ${input.code} exists already`);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'create', 'disposition', row.code, {
        label: input.label,
      });
      return dispositionView(row);
    });
  }

  /** Relabel, re-sort or disable (a built-in code too: it stays for the record). */
  async updateDisposition(
    code: string,
    input: UpdateDispositionRequest,
    by: Principal,
  ): Promise<DispositionView> {
    return this.database.transaction(async (tx) => {
      const row = await updateDispositionRow(tx, code, input);
      if (!row) throw notFound('disposition', code);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'update', 'disposition', code, {
        ...input,
      });
      return dispositionView(row);
    });
  }

  /** Only an admin's own code that no incident was closed with; built-ins are disabled instead. */
  async deleteDisposition(code: string, by: Principal): Promise<void> {
    await this.database.transaction(async (tx) => {
      const row = await selectDispositionRow(tx, code);
      if (!row) throw notFound('disposition', code);
      if (row.builtin)
        throw new DomainError('BUILTIN', `disposition ${code} is built in: disable it instead`);
      const incidents = await incidentsClosedWith(tx, code);
      if (incidents > 0)
        throw new DomainError('IN_USE', `${incidents} incidents were closed with ${code}`, {
          references: { incidents },
        });
      await deleteDispositionRow(tx, code);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'delete', 'disposition', code);
    });
  }

  private async readInScope(id: string, by: Principal): Promise<IncidentView> {
    const incident = await readIncident(this.database.db, id);
    if (by.kind === 'unit') {
      const mine = await selectUnitAssignment(this.database.db, id, by.unitId);
      if (!mine) throw forbidden('a terminal may only read incidents its unit was sent to');
    } else {
      assertInScope(incident, by);
    }
    return incident;
  }
}

function dispositionView(r: Selectable<DB['dispositions']>): DispositionView {
  return {
    code: r.code,
    label: { zh: r.label_zh, en: r.label_en },
    transferAgency: r.transfer_agency,
    builtin: r.builtin,
    disabled: r.disabled,
  };
}

/** The jurisdiction and its scheme of a point, as create works them out. */
async function placeOf(db: DbOrTx, p: { lon: number; lat: number }) {
  const row = await selectPlaceOf(db, p);
  return {
    districtId: row.district_id,
    stationId: row.station_id,
    gridId: row.grid_id,
    schemeId: row.scheme_id,
  };
}

function assertInScope(v: IncidentView, by: Principal) {
  const scope = by.kind === 'user' ? by.jurisdictionId : null;
  if (!scope) return;
  const j = v.jurisdiction;
  if (!j || ![j.districtId, j.stationId, j.gridId].includes(scope)) {
    throw new DomainError('OUT_OF_SCOPE', 'incident is outside your jurisdiction');
  }
}

function piiVisible(by: Principal): boolean {
  return by.kind === 'user' && seesCallerNumber(by.roles);
}

function forViewer(v: IncidentView, by: Principal): IncidentView {
  return piiVisible(by) ? v : maskIncident(v);
}

function toCallView(r: CallRecord): CallView {
  return {
    id: r.id,
    incidentId: r.incident_id,
    callerNumber: r.caller_number,
    callerName: r.caller_name,
    receivedAt: new Date(r.received_at).toISOString(),
    note: r.note,
    mergedFrom: r.merged_from,
  };
}

function maskCall(c: CallView, by: Principal): CallView {
  return piiVisible(by)
    ? c
    : {
        ...c,
        callerNumber: maskPhone(c.callerNumber),
        callerName: c.callerName ? `${c.callerName.slice(0, 1)}**` : null,
      };
}

/** The event log is read by commanders too: caller numbers are kept masked there. */
function maskChanges(changes: Record<string, { before: unknown; after: unknown }>) {
  const out = { ...changes };
  if (out.callerNumber) {
    out.callerNumber = {
      before: maskPhone(out.callerNumber.before as string | null),
      after: maskPhone(out.callerNumber.after as string | null),
    };
  }
  return out;
}
