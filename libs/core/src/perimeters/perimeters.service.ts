import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type {
  PerimeterActivateRequest,
  PerimeterActivationView,
  PerimeterReadinessView,
  PerimeterRequest,
  PerimeterView,
} from '@ringcad/contracts';
import { perimeterReadiness } from '@ringcad/routing';
import type { Tx } from '@ringcad/db';
import {
  APP_CONFIG,
  type AppConfig,
  Clock,
  DatabaseService,
  DomainError,
  actorOf,
  appendAudit,
  conflict,
  forbidden,
  hasRole,
  notFound,
  type Principal,
  repeatWithoutOverlap,
} from '../platform';
import {
  assertIncidentInScope,
  coversJurisdiction,
  jurisdictionExists,
  ScopeService,
} from '../auth';
import { AfterCommit, RealtimePublisher } from '../realtime';
import { AlertOutbox, insertAlert, toAlertView } from '../alerts';
import { RoadNetworkService } from '../roads';
import { DispatchService } from '../dispatch';
import { appendIncidentEvent, bumpIncident, lockIncident, readIncident } from '../incident-log';
import { SealingService } from '../command';
import {
  clearAlert,
  deletePerimeterRow,
  existingCheckpointIds,
  insertActivation,
  insertPerimeter,
  lockActivation,
  lockPerimeter,
  lockPerimeterBreach,
  markRecalled,
  replacePerimeterCheckpoints,
  savePerimeterBreach,
  selectPerimeters,
  unrecalledActivations,
  updatePerimeterRow,
  type ActivationRecord,
  type PerimeterRecord,
} from './perimeters.queries';

type ReadinessUnit = Awaited<ReturnType<SealingService['availableUnits']>>[number];

const toView = (r: PerimeterRecord): PerimeterView => ({
  id: r.id,
  name: r.name,
  jurisdictionId: r.jurisdiction_id,
  checkpoints: r.checkpoints.map((c) => ({
    id: c.id,
    name: c.name,
    location: { lon: c.lon, lat: c.lat },
  })),
  tiers: r.tiers,
  updatedAt: new Date(r.updated_at).toISOString(),
});

const activationView = (a: ActivationRecord): PerimeterActivationView => ({
  id: a.id,
  perimeterId: a.perimeter_id,
  incidentId: a.incident_id,
  activatedAt: new Date(a.activated_at).toISOString(),
  recalledAt: a.recalled_at ? new Date(a.recalled_at).toISOString() : null,
  assignments: a.assignments,
});

/**
 * 环城封控圈: standing perimeters (named rings of fixed checkpoints with 10/20-minute tiers),
 * their live readiness on the fleet and road network (perimeterReadiness: who would man each
 * checkpoint, how many are coverable within each tier), pushed to the acting seats every
 * PERIMETER_PUSH_SEC with one alert per tier breach, and a one-action activation that sends the
 * best unit to each checkpoint through the sealing dispatch (recalled together).
 */
@Injectable()
export class PerimetersService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PerimetersService.name);
  private readonly startedAtMs: number;
  private stopPushes?: () => void;

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly roads: RoadNetworkService,
    private readonly sealing: SealingService,
    private readonly dispatch: DispatchService,
    private readonly scopes: ScopeService,
    private readonly realtime: RealtimePublisher,
    private readonly alerts: AlertOutbox,
  ) {
    this.startedAtMs = this.clock.now().getTime();
  }

  onApplicationBootstrap() {
    if (!this.config.runProcessors || this.config.PERIMETER_PUSH_SEC <= 0) return;
    this.stopPushes = repeatWithoutOverlap(
      this.config.PERIMETER_PUSH_SEC * 1000,
      () => this.push(),
      (err) => this.logger.warn(`perimeter push failed: ${err.message}`),
    );
  }

  onApplicationShutdown() {
    this.stopPushes?.();
  }

  async list(by: Principal): Promise<PerimeterView[]> {
    const scope = await this.scopes.scopeOf(by);
    return (await selectPerimeters(this.database.db))
      .filter((p) => coversJurisdiction(scope, p.jurisdiction_id))
      .map(toView);
  }

  async get(id: string): Promise<PerimeterView> {
    return toView(await this.record(id));
  }

  private async record(id: string, tx: Tx | null = null): Promise<PerimeterRecord> {
    const [row] = await selectPerimeters(tx ?? this.database.db, id);
    if (!row) throw notFound('perimeter', id);
    return row;
  }

  async create(input: PerimeterRequest, by: Principal): Promise<PerimeterView> {
    return this.database.transaction(async (tx) => {
      await this.validate(tx, input);
      const now = this.clock.now();
      const id = await insertPerimeter(tx, { ...input, tiers: tiersOf(input), now });
      await replacePerimeterCheckpoints(tx, id, input.checkpointIds, input.tiersSec);
      await appendAudit(tx, now, actorOf(by), 'perimeter.create', 'perimeter', id, { ...input });
      return toView(await this.record(id, tx));
    });
  }

  async update(id: string, input: PerimeterRequest, by: Principal): Promise<PerimeterView> {
    return this.database.transaction(async (tx) => {
      if (!(await lockPerimeter(tx, id))) throw notFound('perimeter', id);
      await this.validate(tx, input);
      const now = this.clock.now();
      await updatePerimeterRow(tx, id, { ...input, tiers: tiersOf(input), now });
      await replacePerimeterCheckpoints(tx, id, input.checkpointIds, input.tiersSec);
      await appendAudit(tx, now, actorOf(by), 'perimeter.update', 'perimeter', id, { ...input });
      return toView(await this.record(id, tx));
    });
  }

  async remove(id: string, by: Principal): Promise<void> {
    await this.database.transaction(async (tx) => {
      if (!(await lockPerimeter(tx, id))) throw notFound('perimeter', id);
      const active = await unrecalledActivations(tx, id);
      if (active)
        throw conflict('the perimeter is activated: recall it before deleting it', { active });
      await deletePerimeterRow(tx, id);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'perimeter.delete', 'perimeter', id);
    });
  }

  /** Refusals name the field, like a schema error: nothing is written. */
  private async validate(tx: Tx, input: PerimeterRequest) {
    if (input.jurisdictionId && !(await jurisdictionExists(tx, input.jurisdictionId)))
      throw new DomainError('VALIDATION_FAILED', 'unknown jurisdiction', [
        { path: 'jurisdictionId', message: 'unknown jurisdiction' },
      ]);
    const known = new Set(await existingCheckpointIds(tx, input.checkpointIds));
    const unknown = input.checkpointIds.map((id, i) => ({ id, i })).filter((c) => !known.has(c.id));
    if (unknown.length)
      throw new DomainError(
        'VALIDATION_FAILED',
        `unknown checkpoint(s): ${unknown.map((c) => c.id).join(', ')}`,
        unknown.map((c) => ({ path: `checkpointIds.${c.i}`, message: 'unknown checkpoint' })),
      );
  }

  async readiness(id: string): Promise<PerimeterReadinessView> {
    const row = await this.record(id);
    return this.compute(row, await this.sealing.availableUnits());
  }

  private compute(row: PerimeterRecord, units: ReadinessUnit[]): PerimeterReadinessView {
    const graph = this.roads.requireGraph();
    const callsign = new Map(units.map((u) => [u.id, u.callsign]));
    const cpById = new Map(row.checkpoints.map((c) => [c.id, c]));
    const r = perimeterReadiness(
      graph,
      row.checkpoints.map((c) => ({
        id: c.id,
        lon: c.lon,
        lat: c.lat,
        snap: this.roads.snapFor(`checkpoint:${c.id}`, c.lon, c.lat),
      })),
      units.map((u) => ({
        id: u.id,
        lon: u.lon,
        lat: u.lat,
        snap: this.roads.snapFor(u.id, u.lon, u.lat, u.atMs),
      })),
      { tiersSec: row.tiers.map((t) => t.sec), at: this.clock.now() },
    );
    return {
      perimeterId: row.id,
      name: row.name,
      jurisdictionId: row.jurisdiction_id,
      computedAt: this.clock.now().toISOString(),
      units: units.length,
      activationCount: r.posts.filter((p) => p.bestUnit).length,
      tiers: r.tiers.map((t, i) => {
        const targetPct = row.tiers[i]?.targetPct ?? 0;
        return {
          sec: t.sec,
          targetPct,
          coverablePct: t.coverablePct,
          belowTarget: t.coverablePct < targetPct,
          checkpoints: t.checkpoints.map((c) => {
            const cp = cpById.get(c.checkpointId) as PerimeterRecord['checkpoints'][number];
            return {
              checkpointId: c.checkpointId,
              name: cp.name,
              location: { lon: cp.lon, lat: cp.lat },
              bestUnit: c.bestUnit
                ? { unitId: c.bestUnit.unitId, callsign: callsign.get(c.bestUnit.unitId) ?? '' }
                : null,
              etaSec: c.etaSec === null ? null : Math.round(c.etaSec),
              coverable: c.coverable,
            };
          }),
        };
      }),
      method: r.method,
    };
  }

  /** Every perimeter's readiness to its acting seats, and its tiers judged against their targets. */
  async push(): Promise<number> {
    if (!this.roads.graph) return 0;
    const rows = await selectPerimeters(this.database.db);
    if (!rows.length) return 0;
    const units = await this.sealing.availableUnits();
    let raised = 0;
    for (const row of rows) {
      if (!row.checkpoints.length) continue;
      const view = this.compute(row, units);
      this.realtime.toConsoles({
        event: 'perimeter.readiness',
        payload: view,
        actingSeatsOnly: true,
        jurisdictionIds: [row.jurisdiction_id],
      });
      if (this.inGracePeriod()) continue;
      for (const t of view.tiers) if (await this.judge(view, t)) raised++;
    }
    return raised;
  }

  private inGracePeriod(): boolean {
    return (
      this.clock.now().getTime() < this.startedAtMs + this.config.COVERAGE_ALERT_GRACE_SEC * 1000
    );
  }

  /**
   * Opens a tier's breach with one alert, or closes it and clears that alert; nothing while the
   * state holds, so a tier below target for an hour is one alert, not one per push.
   */
  private async judge(
    view: PerimeterReadinessView,
    tier: PerimeterReadinessView['tiers'][number],
  ): Promise<boolean> {
    const after = new AfterCommit();
    const raised = await this.database.transaction(async (tx) => {
      const state = await lockPerimeterBreach(tx, view.perimeterId, tier.sec);
      const wasOpen = state?.open ?? false;
      if (wasOpen === tier.belowTarget) return false;
      const now = this.clock.now();
      let alertId: string | null = null;
      if (tier.belowTarget) {
        const alert = await insertAlert(tx, {
          kind: 'perimeter_below_target',
          incident_id: null,
          at: now,
          data: JSON.stringify({
            perimeterId: view.perimeterId,
            perimeterName: view.name,
            districtId: view.jurisdictionId,
            tierSec: tier.sec,
            coverablePct: tier.coverablePct,
            targetPct: tier.targetPct,
            uncovered: tier.checkpoints.filter((c) => !c.coverable).map((c) => c.name),
          }),
        });
        alertId = alert.id;
        after.add(() => this.alerts.kick());
      } else if (state?.alert_id) {
        const cleared = await clearAlert(tx, state.alert_id, now);
        if (cleared)
          after.add(() =>
            this.realtime.toConsoles({
              event: 'alert.acknowledged',
              payload: toAlertView(cleared),
              actingSeatsOnly: true,
              jurisdictionIds: [view.jurisdictionId],
            }),
          );
      }
      await savePerimeterBreach(tx, {
        perimeterId: view.perimeterId,
        tierSec: tier.sec,
        open: tier.belowTarget,
        alertId,
        at: now,
      });
      return tier.belowTarget;
    });
    await after.run();
    if (raised) this.logger.log(`perimeter ${view.perimeterId} tier ${tier.sec} s below target`);
    return raised;
  }

  /**
   * 一键启动: the best unit to each checkpoint that has one within the last tier, as checkpoint
   * assignments of the incident (the sealing dispatch: terminals get their tasks). The operator
   * confirmed a count; if readiness now gives another, nothing is sent (409 with the new count).
   */
  async activate(
    perimeterId: string,
    input: PerimeterActivateRequest,
    by: Principal,
  ): Promise<PerimeterActivationView> {
    if (!hasRole(by, 'dispatcher', 'commander'))
      throw forbidden('only a dispatcher or commander may activate a perimeter');
    const readiness = await this.readiness(perimeterId);
    const posts = readiness.tiers[readiness.tiers.length - 1].checkpoints.filter((c) => c.bestUnit);
    if (posts.length !== input.expectedCount)
      throw conflict(
        `the perimeter would now send ${posts.length} unit(s), not ${input.expectedCount}: confirm again`,
        { count: posts.length, expectedCount: input.expectedCount },
      );
    const scope = await this.scopes.scopeOf(by);
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const assignments = await this.sealing.checkpointAssignmentsTx(
        tx,
        input.incidentId,
        {
          assignments: posts.map((c) => ({
            checkpointId: c.checkpointId,
            unitId: (c.bestUnit as { unitId: string }).unitId,
          })),
        },
        by,
        scope,
        after,
        { cap: null },
      );
      const now = this.clock.now();
      const a = await insertActivation(tx, {
        perimeter_id: perimeterId,
        incident_id: input.incidentId,
        assignments: assignments.map((x) => ({
          assignmentId: x.id,
          unitId: x.unitId,
          checkpointId: x.checkpointId,
        })),
        activated_at: now,
        activated_by: by.kind === 'user' ? by.id : null,
      });
      await appendAudit(tx, now, actorOf(by), 'perimeter.activate', 'perimeter', perimeterId, {
        activationId: a.id,
        incidentId: input.incidentId,
        units: assignments.length,
      });
      return activationView(a);
    });
    await after.run();
    return view;
  }

  /** 撤收: every task of the activation still active is withdrawn; the units are available again. */
  async recall(activationId: string, by: Principal): Promise<PerimeterActivationView> {
    if (!hasRole(by, 'dispatcher', 'commander'))
      throw forbidden('only a dispatcher or commander may recall a perimeter');
    const scope = await this.scopes.scopeOf(by);
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const a = await lockActivation(tx, activationId);
      if (!a) throw notFound('perimeter activation', activationId);
      if (a.recalled_at) throw conflict('this activation was already recalled');
      const incident = await lockIncident(tx, a.incident_id);
      assertIncidentInScope(scope, incident);
      const now = this.clock.now();
      const version = await bumpIncident(tx, incident.id);
      await appendIncidentEvent(tx, incident.id, version, 'perimeter.recalled', now, actorOf(by), {
        perimeterId: a.perimeter_id,
        activationId: a.id,
        assignmentIds: a.assignments.map((x) => x.assignmentId),
      });
      const updated = await readIncident(tx, incident.id);
      await this.dispatch.cancelActiveAssignments(
        tx,
        updated,
        'perimeter recalled',
        now,
        after,
        ['checkpoint'],
        a.assignments.map((x) => x.assignmentId),
      );
      await markRecalled(tx, a.id, now, by.kind === 'user' ? by.id : null);
      await appendAudit(tx, now, actorOf(by), 'perimeter.recall', 'perimeter', a.perimeter_id, {
        activationId: a.id,
        incidentId: a.incident_id,
      });
      after.add(() => this.realtime.incident('incident.updated', updated));
      return activationView({ ...a, recalled_at: now });
    });
    await after.run();
    return view;
  }
}

const tiersOf = (input: PerimeterRequest) =>
  input.tiersSec.map((sec, i) => ({ sec, targetPct: input.targetPct[i] }));
