import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CreateIncidentRequest, IncidentView, PlanProposal } from '@ringcad/contracts';
import {
  cstDay,
  isIncidentOpen,
  ringMinutes,
  seesCallerNumber,
  type Agency,
  type RingScheme,
} from '@ringcad/domain';
import {
  Clock,
  type AppConfig,
  toWgs84,
  DatabaseService,
  DomainError,
  conflict,
  dependencyOf,
  type Dependency,
  findPriorCall,
  isKeyRace,
  keyOwner,
  keyReused,
  requestHash,
  type IdempotentCall,
  type PriorCall,
  actorOf,
  type Principal,
  APP_CONFIG,
} from '../platform';
import { appendIncidentEvent, bumpIncident, lockIncident, readIncident } from '../incident-log';
import { AfterCommit, RealtimePublisher, maskIncident, toIncidentView } from '../realtime';
import {
  RecommendationService,
  type Recommendation,
  DispatchService,
  selectActiveSceneAssignments,
} from '../dispatch';
import { TimersService } from '../timers';
import { InputBounds, RoadNetworkService } from '../roads';
import { PlansService, AgenciesService } from '../command';
import { ScopeService, assertIncidentInScope, incidentScopeSql } from '../auth';
import {
  exerciseRunning,
  drawIncidentNumber,
  insertIncident,
  selectDisposition,
  selectIncidents,
} from './incidents.queries';

export interface PossibleDuplicate {
  id: string;
  number: string;
  distanceM: number;
  minutesAgo: number;
}

/** Why a part of a committed create's answer could not be computed (the incident stands). */
export interface PartUnavailable {
  code: 'DEPENDENCY_DOWN' | 'INTERNAL';
  dependency?: Dependency;
  message: string;
}

export interface CreatedIncident {
  incident: IncidentView;
  /** null when it could not be computed after the commit (see recommendationUnavailable) */
  recommendation: Recommendation | null;
  recommendationUnavailable?: PartUnavailable;
  plan: PlanProposal | null;
  planUnavailable?: PartUnavailable;
  possibleDuplicates: PossibleDuplicate[];
}

import { RingSchemesService } from '../schemes';
@Injectable()
export class IncidentsService {
  private readonly logger = new Logger(IncidentsService.name);

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly realtime: RealtimePublisher,
    private readonly recommendations: RecommendationService,
    private readonly timers: TimersService,
    private readonly dispatch: DispatchService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly plans: PlansService,
    private readonly agencies: AgenciesService,
    private readonly scopes: ScopeService,
    private readonly bounds: InputBounds,
    private readonly schemes: RingSchemesService,
    private readonly roads: RoadNetworkService,
  ) {}

  /**
   * Creates an incident (one statement). With an Idempotency-Key, a call whose key this principal
   * already used answers with that incident (`replayed`) and makes nothing.
   */
  async create(
    input: CreateIncidentRequest,
    by: Principal,
    idempotencyKey?: string,
  ): Promise<{ body: CreatedIncident; replayed: boolean }> {
    const p = toWgs84(input.location);
    const now = this.clock.now();
    const receivedAt = input.receivedAt ? new Date(input.receivedAt) : now;
    // every check before the one statement that writes: a refused call leaves no incident behind
    if (input.receivedAt !== undefined)
      this.bounds.assertReceivedAt(receivedAt.getTime(), now.getTime());
    this.bounds.assertInServiceArea([p], () => 'location');
    if (input.schemeId !== undefined) await this.schemes.require(input.schemeId, 'schemeId');
    if (
      input.exerciseId !== undefined &&
      !(await exerciseRunning(this.database.db, input.exerciseId))
    )
      throw new DomainError('VALIDATION_FAILED', 'no running exercise with this id', [
        { path: 'exerciseId', message: 'not a running exercise' },
      ]);
    // ── idempotency: the key's row commits with the incident, in the statement below ──
    const call: IdempotentCall | undefined = idempotencyKey
      ? { owner: keyOwner(by), key: idempotencyKey, hash: requestHash(input) }
      : undefined;
    if (call) {
      const prior = await findPriorCall(this.database.db, call, now);
      if (prior) return this.replayCreate(prior, call, by);
    }
    // ──
    // ONE statement (insertIncident): every round trip is a wait between a 110 call and every screen
    const day = cstDay(now);
    let row;
    try {
      // PostgreSQL: the number drawn apart, so concurrent calls do not queue on its row till
      // each one's commit is flushed; PGlite's one session runs one statement at a time anyway
      const drawn =
        this.database.raw.kind === 'postgres'
          ? await drawIncidentNumber(this.database.db, day)
          : undefined;
      row = await insertIncident(this.database.db, {
        input,
        point: p,
        day,
        drawn,
        numberPrefix: this.config.INCIDENT_NUMBER_PREFIX,
        receivedAt,
        now,
        createdBy: by.kind === 'user' ? by.id : null,
        actor: actorOf(by),
        duplicates: {
          windowMin: this.config.DUPLICATE_WINDOW_MIN,
          radiusM: this.config.DUPLICATE_RADIUS_M,
        },
        call,
      });
    } catch (err) {
      // a twin call with the same key committed first: this one made nothing and answers as its replay
      const prior =
        call && isKeyRace(err) ? await findPriorCall(this.database.db, call, now) : null;
      if (prior && call) return this.replayCreate(prior, call, by);
      throw err;
    }
    const incident = toIncidentView(row);
    const possibleDuplicates = row.dups.map((d): PossibleDuplicate => ({
      id: d.id,
      number: d.number,
      distanceM: Math.round(d.distance_m),
      minutesAgo: Math.round((now.getTime() - new Date(d.created_at).getTime()) / 6000) / 10,
    }));
    // ── committed: from here on nothing may turn this create into an error ──
    this.realtime.incident('incident.created', incident);
    const body = await this.answerCreated(incident, by, possibleDuplicates, true);
    // after the answer is made, so the drawing never competes with the 110 call's own work
    void this.drawRings(incident, body.recommendation?.scheme);
    return { body, replayed: false };
  }

  /**
   * The rings the dispatcher's map asks for when it opens the incident (its scheme's tiers,
   * `ringMinutes`), drawn in the routing thread as the create answers: the console that opens the
   * incident a moment later finds them drawn instead of waiting for the road search. `known`: the
   * scheme the create's recommendation read.
   */
  private async drawRings(incident: IncidentView, known?: RingScheme): Promise<void> {
    try {
      const scheme = known ?? (await this.schemes.find(incident.schemeId));
      if (scheme) this.roads.drawAhead(incident.location, ringMinutes(scheme), this.clock.now());
    } catch {
      // a warm-up only: the console's own ask draws them
    }
  }

  /** The answer to a repeated call: the incident as it is now, a fresh recommendation. */
  private async replayCreate(
    prior: PriorCall,
    call: IdempotentCall,
    by: Principal,
  ): Promise<{ body: CreatedIncident; replayed: boolean }> {
    if (prior.hash !== call.hash) throw keyReused(prior.incidentId);
    const incident = await readIncident(this.database.db, prior.incidentId);
    const possibleDuplicates = Array.isArray(prior.possibleDuplicates)
      ? (prior.possibleDuplicates as PossibleDuplicate[])
      : [];
    return {
      body: await this.answerCreated(incident, by, possibleDuplicates, false),
      replayed: true,
    };
  }

  /**
   * The parts of a create's answer computed after the commit. Each one that fails (a dependency
   * down, anything else) is answered as unavailable and logged: the incident is committed, and a
   * client that saw an error would create it again.
   */
  private async answerCreated(
    incident: IncidentView,
    by: Principal,
    possibleDuplicates: PossibleDuplicate[],
    fresh: boolean,
  ): Promise<CreatedIncident> {
    // 预案: on the first call its agencies are notified, beside the recommendation (neither needs
    // the other: at the peak each is a wait on the database, and one after the other they added up)
    const planning = fresh ? this.plans.onIncidentCreated(incident) : null;
    planning?.catch(() => undefined); // awaited below
    let recommendation: Recommendation | null = null;
    let recommendationUnavailable: PartUnavailable | undefined;
    try {
      recommendation = await this.recommendations.recommend(incident.id, undefined, {
        ...incident.location,
        scheme_id: incident.schemeId,
      });
    } catch (err) {
      recommendationUnavailable = this.unavailable('recommendation', incident, err);
    }
    let plan: PlanProposal | null = null;
    let planUnavailable: PartUnavailable | undefined;
    try {
      // its units proposed from the recommendation; a replay only proposes
      const proposal = planning
        ? ((await planning)?.(recommendation?.candidates ?? []) ?? null)
        : recommendation
          ? await this.plans.propose(incident.id, recommendation.candidates)
          : null;
      // a proposal without the recommendation would call every unit missing
      if (recommendation) plan = proposal;
      else if (proposal) planUnavailable = recommendationUnavailable;
    } catch (err) {
      planUnavailable = this.unavailable('plan', incident, err);
    }
    return {
      incident: this.forViewer(incident, by),
      recommendation,
      ...(recommendationUnavailable ? { recommendationUnavailable } : {}),
      plan,
      ...(planUnavailable ? { planUnavailable } : {}),
      possibleDuplicates,
    };
  }

  private unavailable(part: string, incident: IncidentView, err: unknown): PartUnavailable {
    const dependency = dependencyOf(err);
    this.logger.error(
      `incident ${incident.number} committed, its ${part} not computed: ${(err as Error)?.message ?? String(err)}`,
    );
    return dependency
      ? {
          code: 'DEPENDENCY_DOWN',
          dependency,
          message: `${part} unavailable: ${dependency} is down; ask again with GET /api/v1/incidents/${incident.id}/recommendation`,
        }
      : {
          code: 'INTERNAL',
          message: `${part} could not be computed; ask again with GET /api/v1/incidents/${incident.id}/recommendation`,
        };
  }

  forViewer(v: IncidentView, by: Principal): IncidentView {
    return by.kind === 'user' && seesCallerNumber(by.roles) ? v : maskIncident(v);
  }

  async list(
    query: { status: 'open' | 'closed' | 'all'; from?: string; to?: string; limit: number },
    by: Principal,
  ): Promise<IncidentView[]> {
    const inScope = incidentScopeSql(await this.scopes.scopeOf(by), 'i');
    const rows = await selectIncidents(this.database.db, { ...query, inScope });
    return rows.map((r) => this.forViewer(toIncidentView(r), by));
  }

  async get(id: string, by: Principal): Promise<IncidentView> {
    const incident = await readIncident(this.database.db, id);
    await this.scopes.checkIncident(await this.scopes.scopeOf(by), id);
    return this.forViewer(incident, by);
  }

  /**
   * Close (结案) with a disposition code once no unit is still working the scene. Units manning
   * checkpoints (封控) are released and told; a non-police matter goes to its agency (12345).
   */
  async close(
    id: string,
    input: { disposition: string; note?: string },
    by: Principal,
  ): Promise<IncidentView> {
    const scope = await this.scopes.scopeOf(by);
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const disposition = await selectDisposition(tx, input.disposition);
      if (!disposition || disposition.disabled) {
        const why = disposition ? 'a disabled' : 'an unknown';
        throw new DomainError(
          'VALIDATION_FAILED',
          `${input.disposition} is ${why} disposition code (GET /api/v1/dispositions)`,
          [{ path: 'disposition', message: `${why} disposition code` }],
        );
      }
      const incident = await lockIncident(tx, id);
      assertIncidentInScope(scope, incident);
      if (!isIncidentOpen(incident.status)) {
        throw new DomainError('INCIDENT_CLOSED', `incident is already ${incident.status}`);
      }
      const active = await selectActiveSceneAssignments(tx, id);
      if (active.length) {
        throw conflict(
          `${active.length} unit(s) still assigned; they must clear (反馈) before the incident closes`,
          {
            assignmentIds: active.map((a) => a.id),
          },
        );
      }
      const now = this.clock.now();
      const version = await bumpIncident(tx, id, {
        status: 'closed',
        closed_at: now,
        disposition: disposition.code,
      });
      await appendIncidentEvent(tx, id, version, 'incident.closed', now, actorOf(by), {
        disposition: disposition.code,
        label: { zh: disposition.label_zh, en: disposition.label_en },
        note: input.note ?? null,
        from: incident.status,
      });
      const updated = await readIncident(tx, id);
      await this.dispatch.cancelActiveAssignments(
        tx,
        updated,
        `incident closed (${disposition.code})`,
        now,
        after,
        ['checkpoint'],
      );
      await this.timers.cancelForIncident(tx, id, after, now);
      if (disposition.transfer_agency) {
        await this.agencies.transferOnClose(
          tx,
          updated,
          disposition.transfer_agency as Agency,
          by,
          after,
        );
      }
      return readIncident(tx, id);
    });
    await after.run();
    this.realtime.incident('incident.updated', view);
    return this.forViewer(view, by);
  }

  /** Cancel (撤销): frees every unit still assigned and withdraws their tasks. */
  async cancel(id: string, reason: string, by: Principal): Promise<IncidentView> {
    const scope = await this.scopes.scopeOf(by);
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const incident = await lockIncident(tx, id);
      assertIncidentInScope(scope, incident);
      if (!isIncidentOpen(incident.status)) {
        throw new DomainError('INCIDENT_CLOSED', `incident is already ${incident.status}`);
      }
      const now = this.clock.now();
      const version = await bumpIncident(tx, id, {
        status: 'cancelled',
        cancelled_at: now,
        cancel_reason: reason,
      });
      await appendIncidentEvent(tx, id, version, 'incident.cancelled', now, actorOf(by), {
        reason,
        from: incident.status,
      });
      const updated = await readIncident(tx, id);
      await this.dispatch.cancelActiveAssignments(tx, updated, reason, now, after);
      await this.timers.cancelForIncident(tx, id, after, now);
      return updated;
    });
    await after.run();
    this.realtime.incident('incident.updated', view);
    return this.forViewer(view, by);
  }
}
