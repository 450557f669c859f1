import { Inject, Injectable } from '@nestjs/common';
import type { SealingDispatchRequest, SealingView } from '@ringcad/contracts';
import { canManCheckpoint } from '@ringcad/domain';
import { computeSealing } from '@ringcad/routing';
import {
  Clock,
  type AppConfig,
  DatabaseService,
  DomainError,
  conflict,
  forbidden,
  notFound,
  actorOf,
  hasRole,
  type Principal,
  type UserPrincipal,
  APP_CONFIG,
} from '../platform';
import type { Tx } from '@ringcad/db';
import {
  lockAvailableUnits,
  readAssignments,
  terminalTask,
  DispatchService,
  RecommendationService,
} from '../dispatch';
import {
  appendIncidentEvent,
  bumpIncident,
  readIncident,
  lockOpenIncidentInScope,
} from '../incident-log';
import { availableUnitPositions, LiveFleetService, overlayLive, UnitsService } from '../fleet';
import { ScopeService, type Scope } from '../auth';
import { AfterCommit, RealtimePublisher } from '../realtime';
import { RoadNetworkService, type PlacePoint } from '../roads';
import { TimersService } from '../timers';
import {
  allCheckpoints,
  checkpointsByIds,
  incidentLocation,
  insertCheckpointAssignment,
  unitsManningCheckpoints,
} from './sealing.queries';

const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * 封控 sealing and 包围圈 encirclement: where a vehicle fleeing the incident can be after each
 * tier, the checkpoints on that reach with the unit that can man each first (computeSealing),
 * and one action that sends units to checkpoints (assignments with role `checkpoint`).
 */
import { RingSchemesService } from '../schemes';
@Injectable()
export class SealingService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly roads: RoadNetworkService,
    private readonly live: LiveFleetService,
    private readonly realtime: RealtimePublisher,
    private readonly recommendations: RecommendationService,
    private readonly timers: TimersService,
    private readonly dispatch: DispatchService,
    private readonly units: UnitsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scopes: ScopeService,
    private readonly schemes: RingSchemesService,
  ) {}

  /**
   * Sealing rings of an incident for a scheme's tiers (all of them, or the given indexes: e.g.
   * `5-10-30` tier 2 is the 30-minute encirclement). Tier windows use the previous tier asked for.
   */
  async sealing(
    incidentId: string,
    schemeId: string,
    tierIndexes: number[] | undefined,
  ): Promise<SealingView> {
    const started = performance.now();
    const scheme = await this.schemes.require(schemeId, 'scheme');
    const indexes = tierIndexes ?? scheme.tiers.map((_, i) => i);
    const bad = indexes.find((i) => i >= scheme.tiers.length);
    if (bad !== undefined)
      throw new DomainError('VALIDATION_FAILED', `scheme ${scheme.id} has no tier ${bad}`);
    const graph = this.roads.requireGraph();
    const at = await incidentLocation(this.database.db, incidentId);
    if (!at) throw notFound('incident', incidentId);
    const checkpoints = await allCheckpoints(this.database.db);
    const units = await this.availableUnits();
    const r = computeSealing(graph, at, {
      tiersSec: indexes.map((i) => scheme.tiers[i].sec),
      checkpoints: checkpoints.map((c) => ({
        ...c,
        snap: this.roads.snapFor(`checkpoint:${c.id}`, c.lon, c.lat),
      })),
      units: units.map((u) => ({
        id: u.id,
        lon: u.lon,
        lat: u.lat,
        snap: this.roads.snapFor(u.id, u.lon, u.lat, u.atMs),
      })),
      vehicleSpeedFactor: this.config.SEALING_VEHICLE_SPEED_FACTOR,
      at: this.clock.now(),
    });
    if (r.incidentSnapDistanceM === null)
      throw conflict('the incident is too far from any road to compute sealing rings');
    const cpById = new Map(checkpoints.map((c) => [c.id, c]));
    const unitById = new Map(units.map((u) => [u.id, u]));
    return {
      incidentId,
      scheme: { id: scheme.id, tiers: indexes.map((i) => ({ sec: scheme.tiers[i].sec })) },
      vehicleSpeedFactor: this.config.SEALING_VEHICLE_SPEED_FACTOR,
      tiers: r.tiers.map((t) => ({
        sec: t.sec,
        fromSec: t.fromSec,
        boundary: t.boundary,
        checkpoints: t.checkpoints.map((c) => {
          const cp = cpById.get(c.id) as PlacePoint;
          return {
            checkpointId: c.id,
            name: cp.name,
            location: { lon: cp.lon, lat: cp.lat },
            vehicleEtaSec: Math.round(c.vehicleEtaSec),
            bestUnit: c.bestUnit
              ? {
                  unitId: c.bestUnit.id,
                  callsign: unitById.get(c.bestUnit.id)?.callsign ?? '',
                  etaSec: Math.round(c.bestUnit.etaSec),
                }
              : null,
            sealable: c.sealable,
          };
        }),
        crossings: t.crossings.map((c) => ({
          lon: c.lon,
          lat: c.lat,
          ...(c.roadName ? { roadName: c.roadName } : {}),
        })),
      })),
      tookMs: round1(performance.now() - started),
    };
  }

  /**
   * One action: each unit to its checkpoint. All or nothing, like 派警: a unit that is not
   * available refuses the whole request. The ETA recorded is to the checkpoint; the terminal's
   * task carries the checkpoint's location.
   */
  async dispatchToCheckpoints(incidentId: string, input: SealingDispatchRequest, by: Principal) {
    if (!hasRole(by, 'dispatcher')) throw forbidden('only a dispatcher may assign units');
    const scope = await this.scopes.scopeOf(by);
    const after = new AfterCommit();
    const created = await this.database.transaction((tx) =>
      this.checkpointAssignmentsTx(tx, incidentId, input, by, scope, after, {
        cap: this.config.SEALING_MAX_UNITS_PER_INCIDENT,
      }),
    );
    await after.run();
    return { assignments: created };
  }

  /**
   * The sealing dispatch in the caller's transaction (a perimeter activation records itself in
   * the same one); the caller has checked the role. `cap: null`: a whole standing perimeter goes
   * at once, bounded by its own checkpoints rather than SEALING_MAX_UNITS_PER_INCIDENT.
   */
  async checkpointAssignmentsTx(
    tx: Tx,
    incidentId: string,
    input: SealingDispatchRequest,
    by: UserPrincipal,
    scope: Scope,
    after: AfterCommit,
    opts: { cap: number | null },
  ) {
    await lockOpenIncidentInScope(tx, incidentId, scope);
    const cpIds = input.assignments.map((a) => a.checkpointId);
    const cpById = new Map((await checkpointsByIds(tx, cpIds)).map((c) => [c.id, c]));
    const missingCp = cpIds.find((id) => !cpById.has(id));
    if (missingCp) throw notFound('checkpoint', missingCp);
    const manning = await unitsManningCheckpoints(tx, incidentId);
    const cap = opts.cap;
    if (cap !== null && manning + input.assignments.length > cap) {
      throw conflict(
        `at most ${cap} units man checkpoints for one incident (SEALING_MAX_UNITS_PER_INCIDENT)`,
        {
          cap,
          manning,
          requested: input.assignments.length,
        },
      );
    }
    const unitIds = input.assignments.map((a) => a.unitId);
    await lockAvailableUnits(tx, unitIds, scope);
    const now = this.clock.now();
    const newIds: string[] = [];
    for (const a of input.assignments) {
      const cp = cpById.get(a.checkpointId) as PlacePoint;
      const eta = (await this.recommendations.etaForUnits(tx, cp, [a.unitId])).get(a.unitId);
      newIds.push(
        await insertCheckpointAssignment(tx, {
          incident_id: incidentId,
          unit_id: a.unitId,
          eta_sec: eta?.etaSec ?? null,
          eta_method: eta?.method ?? null,
          assigned_at: now,
          assigned_by: by.id,
          checkpoint_id: a.checkpointId,
        }),
      );
    }
    // checkpoint units neither dispatch the scene nor start its ring clock
    const version = await bumpIncident(tx, incidentId);
    const assignments = (await readAssignments(tx, { incidentId })).filter((a) =>
      newIds.includes(a.id),
    );
    const cpOf = new Map(
      input.assignments.map((a) => [a.unitId, cpById.get(a.checkpointId) as PlacePoint]),
    );
    await appendIncidentEvent(tx, incidentId, version, 'units.assigned', now, actorOf(by), {
      role: 'checkpoint',
      assignments: assignments.map((a) => ({
        assignmentId: a.id,
        unitId: a.unitId,
        callsign: a.callsign,
        etaSec: a.etaSec,
        etaMethod: a.etaMethod,
        checkpointId: cpOf.get(a.unitId)?.id,
        checkpointName: cpOf.get(a.unitId)?.name,
      })),
    });
    const updated = await readIncident(tx, incidentId);
    for (const a of assignments) {
      await this.timers.scheduleAckOverdue(
        tx,
        a,
        updated,
        this.dispatch.ackTimeoutSec(updated.priority),
        now,
        after,
      );
    }
    const unitViews = await Promise.all(assignments.map((a) => this.units.get(tx, a.unitId)));
    after.add(() => {
      this.realtime.incident('incident.updated', updated);
      for (const a of assignments) {
        const cp = cpOf.get(a.unitId) as PlacePoint;
        this.realtime.assignment(a, updated);
        this.realtime.toTerminal(a.unitId, 'task.assigned', {
          ...terminalTask(a, updated),
          checkpoint: { id: cp.id, name: cp.name, location: { lon: cp.lon, lat: cp.lat } },
        });
      }
      for (const u of unitViews)
        this.realtime.toConsoles({ event: 'unit.updated', payload: u, everyone: true });
    });
    return assignments.map((a) => ({ ...a, checkpointId: cpOf.get(a.unitId)?.id ?? null }));
  }

  /** Available driving units with a fresh position (foot patrols and kiosks do not man checkpoints). */
  async availableUnits() {
    const rows = await availableUnitPositions(this.database.db);
    const staleBefore = this.clock.now().getTime() - this.config.POSITION_STALE_SEC * 1000;
    return overlayLive(rows, await this.live.get(rows.map((r) => r.id)))
      .filter(
        (u) =>
          canManCheckpoint(u.kind) &&
          u.lon !== null &&
          u.lat !== null &&
          u.position_at &&
          new Date(u.position_at).getTime() >= staleBefore,
      )
      .map((u) => ({
        id: u.id,
        callsign: u.callsign,
        lon: u.lon as number,
        lat: u.lat as number,
        atMs: new Date(u.position_at as Date).getTime(),
      }));
  }
}
