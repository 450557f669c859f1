import { Inject, Injectable, Logger } from '@nestjs/common';
import { sql } from 'kysely';
import type { CreateIncidentRequest, IncidentView, PlanProposal } from '@ringcad/contracts';
import {
  DEFAULT_SCHEME_BY_PRIORITY,
  findScheme,
  cstDay,
  OPEN_INCIDENT_STATUSES,
  isIncidentOpen,
  seesCallerNumber,
  type Agency,
} from '@ringcad/domain';
import { Clock, type AppConfig, toWgs84, DatabaseService, DomainError, conflict, dependencyOf, type Dependency, findPriorCall, isKeyRace, keyOwner, keyReused, recordCallCte, requestHash, type IdempotentCall, type PriorCall, actorOf, type Principal, APP_CONFIG } from '../platform';
import { appendIncidentEvent, bumpIncident, lockIncident, readIncident } from '../incident-log';
import { AfterCommit, RealtimePublisher, INCIDENT_COLUMNS, maskIncident, toIncidentView, type IncidentRow } from '../realtime';
import { RecommendationService, type Recommendation, DispatchService } from '../dispatch';
import { TimersService } from '../timers';
import { InputBounds } from '../roads';
import { PlansService, AgenciesService } from '../command';
import { ScopeService, assertIncidentInScope, incidentScopeSql } from '../auth';

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
  ) {}

  /**
   * Creates an incident (one statement). With an Idempotency-Key, a call whose key this principal
   * already used answers with that incident (`replayed`) and makes nothing.
   */
  async create(input: CreateIncidentRequest, by: Principal, idempotencyKey?: string): Promise<{ body: CreatedIncident; replayed: boolean }> {
    const p = toWgs84(input.location);
    const now = this.clock.now();
    const receivedAt = input.receivedAt ? new Date(input.receivedAt) : now;
    // every check before the one statement that writes: a refused call leaves no incident behind
    if (input.receivedAt !== undefined) this.bounds.assertReceivedAt(receivedAt.getTime(), now.getTime());
    this.bounds.assertInServiceArea([p], () => 'location');
    if (input.schemeId !== undefined && !findScheme(input.schemeId)) {
      throw new DomainError('VALIDATION_FAILED', `unknown ring scheme ${input.schemeId}`, [{ path: 'schemeId', message: 'unknown ring scheme' }]);
    }
    // ── idempotency: the key's row commits with the incident, in the statement below ──
    const call: IdempotentCall | undefined = idempotencyKey ? { owner: keyOwner(by), key: idempotencyKey, hash: requestHash(input) } : undefined;
    if (call) {
      const prior = await findPriorCall(this.database.db, call, now);
      if (prior) return this.replayCreate(prior, call, by);
    }
    // ──
    const actor = actorOf(by);
    // ONE statement (atomic on its own): under load (AVL batches on the same event loop, a busy
    // database) every round trip is a wait, and this one is between a 110 call and every screen
    const point = sql`ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326)`;
    const partialEvent = {
      category: input.category,
      priority: input.priority,
      location: p,
      input: input.location,
      address: input.address ?? null,
    };
    const day = cstDay(now);
    const statement = sql<IncidentRow & { dups: { id: string; number: string; distance_m: number; created_at: string }[] }>`
      WITH seq AS (
        INSERT INTO incident_counters (day, n) VALUES (${day}, 1)
        ON CONFLICT (day) DO UPDATE SET n = incident_counters.n + 1 RETURNING n),
      places AS (
        SELECT DISTINCT ON (kind) id, kind, scheme_id FROM jurisdictions
        WHERE ST_Covers(boundary, ${point})
        ORDER BY kind, ST_Area(boundary)),
      j AS (
        SELECT (SELECT id FROM places WHERE kind = 'district') AS district_id,
               (SELECT id FROM places WHERE kind = 'station') AS station_id,
               (SELECT id FROM places WHERE kind = 'grid') AS grid_id,
               coalesce(${input.schemeId ?? null}::text, (SELECT scheme_id FROM places WHERE kind = 'grid'),
                 (SELECT scheme_id FROM places WHERE kind = 'station'), (SELECT scheme_id FROM places WHERE kind = 'district'),
                 ${DEFAULT_SCHEME_BY_PRIORITY[input.priority]}::text) AS scheme_id,
               -- formatIncidentNumber: prefix-YYYYMMDD-NNNNNN (more digits past 999,999)
               ${this.config.INCIDENT_NUMBER_PREFIX}::text || '-' || ${day}::text || '-' ||
                 CASE WHEN seq.n < 1000000 THEN lpad(seq.n::text, 6, '0') ELSE seq.n::text END AS number
        FROM seq),
      dups AS (
        SELECT coalesce(json_agg(d), '[]'::json) AS list FROM (
          SELECT i.id, i.number, ST_Distance(i.location::geography, ${point}::geography) AS distance_m, i.created_at
          FROM incidents i
          WHERE i.category = ${input.category} AND i.status <> 'cancelled'
            AND i.created_at >= ${new Date(now.getTime() - this.config.DUPLICATE_WINDOW_MIN * 60_000)}
            AND ST_DWithin(i.location::geography, ${point}::geography, ${this.config.DUPLICATE_RADIUS_M})
          ORDER BY distance_m LIMIT 10) d),
      ins AS (
        INSERT INTO incidents AS i (number, status, category, priority, scheme_id, location, input_crs, input_lon,
          input_lat, address, caller_number, caller_name, description, district_id, station_id, grid_id,
          received_at, created_at, created_by, version)
        SELECT j.number, 'new', ${input.category}, ${input.priority}, j.scheme_id, ${point},
          ${input.location.crs ?? 'WGS84'}, ${input.location.lon}, ${input.location.lat}, ${input.address ?? null},
          ${input.callerNumber ?? null}, ${input.callerName ?? null}, ${input.description ?? null},
          j.district_id, j.station_id, j.grid_id, ${receivedAt}, ${now}, ${by.kind === 'user' ? by.id : null}, 1
        FROM j
        RETURNING ${sql.raw(INCIDENT_COLUMNS)}),
      ev AS (
        INSERT INTO incident_events (incident_id, version, type, at, actor_kind, actor_id, actor_name, data)
        SELECT ins.id, 1, 'incident.created', ${now}, ${actor.kind}, ${actor.id}, ${actor.name},
          ${JSON.stringify(partialEvent)}::jsonb || jsonb_build_object('number', ins.number, 'schemeId', ins.scheme_id)
        FROM ins)${recordCallCte(call, now)}
      SELECT ins.*, (SELECT list FROM dups) AS dups FROM ins`;
    let r;
    try {
      r = await statement.execute(this.database.db);
    } catch (err) {
      // a twin call with the same key committed first: this one made nothing and answers as its replay
      const prior = call && isKeyRace(err) ? await findPriorCall(this.database.db, call, now) : null;
      if (prior && call) return this.replayCreate(prior, call, by);
      throw err;
    }
    const incident = toIncidentView(r.rows[0]);
    const possibleDuplicates = r.rows[0].dups.map(
      (d): PossibleDuplicate => ({
        id: d.id,
        number: d.number,
        distanceM: Math.round(d.distance_m),
        minutesAgo: Math.round((now.getTime() - new Date(d.created_at).getTime()) / 6000) / 10,
      }),
    );
    // ── committed: from here on nothing may turn this create into an error ──
    this.realtime.incident('incident.created', incident);
    const body = await this.answerCreated(incident, by, possibleDuplicates, true);
    return { body, replayed: false };
  }

  /** The answer to a repeated call: the incident as it is now, a fresh recommendation. */
  private async replayCreate(prior: PriorCall, call: IdempotentCall, by: Principal): Promise<{ body: CreatedIncident; replayed: boolean }> {
    if (prior.hash !== call.hash) throw keyReused(prior.incidentId);
    const rows = await sql<IncidentRow>`SELECT ${sql.raw(INCIDENT_COLUMNS)} FROM incidents i WHERE i.id = ${prior.incidentId}`.execute(
      this.database.db,
    );
    const incident = toIncidentView(rows.rows[0]);
    const possibleDuplicates = Array.isArray(prior.possibleDuplicates) ? (prior.possibleDuplicates as PossibleDuplicate[]) : [];
    return { body: await this.answerCreated(incident, by, possibleDuplicates, false), replayed: true };
  }

  /**
   * The parts of a create's answer computed after the commit. Each one that fails (a dependency
   * down, anything else) is answered as unavailable and logged: the incident is committed, and a
   * client that saw an error would create it again.
   */
  private async answerCreated(incident: IncidentView, by: Principal, possibleDuplicates: PossibleDuplicate[], fresh: boolean): Promise<CreatedIncident> {
    let recommendation: Recommendation | null = null;
    let recommendationUnavailable: PartUnavailable | undefined;
    try {
      recommendation = await this.recommendations.recommend(incident.id);
    } catch (err) {
      recommendationUnavailable = this.unavailable('recommendation', incident, err);
    }
    let plan: PlanProposal | null = null;
    let planUnavailable: PartUnavailable | undefined;
    try {
      // 预案: on the first call its agencies are notified and its units proposed; a replay only proposes
      const proposal = fresh
        ? await this.plans.onIncidentCreated(incident, recommendation?.candidates ?? [])
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
    this.logger.error(`incident ${incident.number} committed, its ${part} not computed: ${(err as Error)?.message ?? String(err)}`);
    return dependency
      ? { code: 'DEPENDENCY_DOWN', dependency, message: `${part} unavailable: ${dependency} is down; ask again with GET /api/v1/incidents/${incident.id}/recommendation` }
      : { code: 'INTERNAL', message: `${part} could not be computed; ask again with GET /api/v1/incidents/${incident.id}/recommendation` };
  }

  forViewer(v: IncidentView, by: Principal): IncidentView {
    return by.kind === 'user' && seesCallerNumber(by.roles) ? v : maskIncident(v);
  }

  async list(
    query: { status: 'open' | 'closed' | 'all'; from?: string; to?: string; limit: number },
    by: Principal,
  ): Promise<IncidentView[]> {
    const filters = [sql`TRUE`];
    if (query.status === 'open') filters.push(sql`i.status = ANY(${[...OPEN_INCIDENT_STATUSES]}::text[])`);
    if (query.status === 'closed') filters.push(sql`i.status IN ('closed', 'cancelled', 'merged')`);
    if (query.from) filters.push(sql`i.created_at >= ${new Date(query.from)}`);
    if (query.to) filters.push(sql`i.created_at < ${new Date(query.to)}`);
    const inScope = incidentScopeSql(await this.scopes.scopeOf(by), 'i');
    if (inScope) filters.push(inScope);
    const rows = await sql<IncidentRow>`
      SELECT ${sql.raw(INCIDENT_COLUMNS)} FROM incidents i WHERE ${sql.join(filters, sql` AND `)}
      ORDER BY i.priority, i.created_at DESC LIMIT ${query.limit}`.execute(this.database.db);
    return rows.rows.map((r) => this.forViewer(toIncidentView(r), by));
  }

  async get(id: string, by: Principal): Promise<IncidentView> {
    const rows = await sql<IncidentRow>`SELECT ${sql.raw(INCIDENT_COLUMNS)} FROM incidents i WHERE i.id = ${id}`.execute(
      this.database.db,
    );
    if (!rows.rows[0]) throw new DomainError('NOT_FOUND', `incident ${id} not found`);
    await this.scopes.checkIncident(await this.scopes.scopeOf(by), id);
    return this.forViewer(toIncidentView(rows.rows[0]), by);
  }

  /**
   * Close (结案) with a disposition code once no unit is still working the scene. Units manning
   * checkpoints (封控) are released and told; a non-police matter goes to its agency (12345).
   */
  async close(id: string, input: { disposition: string; note?: string }, by: Principal): Promise<IncidentView> {
    const scope = await this.scopes.scopeOf(by);
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const disposition = await tx.selectFrom('dispositions').selectAll().where('code', '=', input.disposition).executeTakeFirst();
      if (!disposition) {
        throw new DomainError('VALIDATION_FAILED', `unknown disposition code ${input.disposition} (GET /api/v1/dispositions)`, [
          { path: 'disposition', message: 'unknown disposition code' },
        ]);
      }
      const incident = await lockIncident(tx, id);
      assertIncidentInScope(scope, incident);
      if (!isIncidentOpen(incident.status)) {
        throw new DomainError('INCIDENT_CLOSED', `incident is already ${incident.status}`);
      }
      const active = await tx
        .selectFrom('assignments')
        .select(['id', 'status'])
        .where('incident_id', '=', id)
        .where('role', '<>', 'checkpoint')
        .where('status', 'in', ['assigned', 'acknowledged', 'en_route', 'on_scene'])
        .execute();
      if (active.length) {
        throw conflict(`${active.length} unit(s) still assigned; they must clear (反馈) before the incident closes`, {
          assignmentIds: active.map((a) => a.id),
        });
      }
      const now = this.clock.now();
      const version = await bumpIncident(tx, id, { status: 'closed', closed_at: now, disposition: disposition.code });
      await appendIncidentEvent(tx, id, version, 'incident.closed', now, actorOf(by), {
        disposition: disposition.code,
        label: { zh: disposition.label_zh, en: disposition.label_en },
        note: input.note ?? null,
        from: incident.status,
      });
      const updated = await readIncident(tx, id);
      await this.dispatch.cancelActiveAssignments(tx, updated, `incident closed (${disposition.code})`, now, after, ['checkpoint']);
      await this.timers.cancelForIncident(tx, id, after, now);
      if (disposition.transfer_agency) {
        await this.agencies.transferOnClose(tx, updated, disposition.transfer_agency as Agency, by, after);
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
      const version = await bumpIncident(tx, id, { status: 'cancelled', cancelled_at: now, cancel_reason: reason });
      await appendIncidentEvent(tx, id, version, 'incident.cancelled', now, actorOf(by), { reason, from: incident.status });
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
