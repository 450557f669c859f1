import { Injectable } from '@nestjs/common';
import type {
  IncidentView,
  PlanProposal,
  RecommendationCandidate,
  ResponsePlanRequest,
  ResponsePlanView,
} from '@ringcad/contracts';
import { type Agency } from '@ringcad/domain';
import type { DbOrTx } from '@ringcad/db';
import { AgenciesService } from './agencies.service';
import {
  appendAudit,
  Clock,
  DatabaseService,
  DomainError,
  conflict,
  forbidden,
  notFound,
  actorOf,
  type Principal,
} from '../platform';
import { DispatchService, RecommendationService } from '../dispatch';
import { readIncident } from '../incident-log';
import { AfterCommit } from '../realtime';
import { jurisdictionExists } from '../auth';
import {
  clashingPlanId,
  deletePlan,
  listPlanRows,
  lockIncidentRow,
  mostSpecificPlan,
  planRowById,
  savePlan,
  unitsWorkingScene,
  type PlanRow,
} from './plans.queries';

function toView(r: PlanRow): ResponsePlanView {
  return {
    id: r.id,
    name: r.name,
    category: r.category,
    priority: r.priority as 1 | 2 | 3,
    jurisdictionId: r.jurisdiction_id,
    scheme: r.scheme_id,
    units: typeof r.units === 'string' ? (JSON.parse(r.units) as PlanRow['units']) : r.units,
    notify: r.notify,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/**
 * Fills a plan from a recommendation: requirements in tier order (the tightest first), each
 * counts the units of its kind already working the incident first, then takes the fastest
 * candidates of its kind whose ETA meets its tier, a unit at most once; what cannot be filled
 * is missing (per kind and tier).
 */
export function fillPlan(
  plan: ResponsePlanView,
  tiersSec: readonly number[],
  candidates: readonly RecommendationCandidate[],
  working: PlanProposal['working'] = [],
): PlanProposal {
  const used = new Set<string>();
  const proposed: PlanProposal['proposed'] = [];
  const missing: PlanProposal['missing'] = [];
  const counted: PlanProposal['working'] = [];
  const byTier = [...plan.units].sort((a, b) => a.tier - b.tier);
  for (const need of byTier) {
    const limit = tiersSec[need.tier] ?? Infinity;
    let got = 0;
    for (const w of working) {
      if (got === need.count) break;
      if (w.kind !== need.kind || used.has(w.unitId)) continue;
      used.add(w.unitId);
      counted.push({ unitId: w.unitId, kind: w.kind });
      got++;
    }
    for (const c of candidates) {
      if (got === need.count) break;
      if (c.kind !== need.kind || used.has(c.unitId) || c.etaSec > limit) continue;
      used.add(c.unitId);
      proposed.push({
        unitId: c.unitId,
        callsign: c.callsign,
        kind: c.kind,
        tier: need.tier,
        etaSec: c.etaSec,
      });
      got++;
    }
    if (got < need.count)
      missing.push({ kind: need.kind, count: need.count - got, tier: need.tier });
  }
  return { planId: plan.id, scheme: plan.scheme, proposed, missing, working: counted };
}

/**
 * 预案 response plans: per category × priority (optionally per jurisdiction) the scheme, the
 * units required by kind and tier, and the agencies to notify. A new incident gets the plan's
 * proposal; the dispatcher confirms it in one action (assigned through DispatchService).
 */
import { RingSchemesService } from '../schemes';
@Injectable()
export class PlansService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly recommendations: RecommendationService,
    private readonly dispatch: DispatchService,
    private readonly agencies: AgenciesService,
    private readonly schemes: RingSchemesService,
  ) {}

  async list(): Promise<ResponsePlanView[]> {
    return (await listPlanRows(this.database.db)).map(toView);
  }

  async get(id: string): Promise<ResponsePlanView> {
    const row = await planRowById(this.database.db, id);
    if (!row) throw notFound('response plan', id);
    return toView(row);
  }

  async create(input: ResponsePlanRequest, by: Principal): Promise<ResponsePlanView> {
    return this.save(null, input, by);
  }

  async update(id: string, input: ResponsePlanRequest, by: Principal): Promise<ResponsePlanView> {
    return this.save(id, input, by);
  }

  async remove(id: string, by: Principal): Promise<void> {
    await this.database.transaction(async (tx) => {
      if (!(await deletePlan(tx, id))) throw notFound('response plan', id);
      await appendAudit(
        tx,
        this.clock.now(),
        actorOf(by),
        'response-plan.delete',
        'response_plan',
        id,
      );
    });
  }

  private async save(
    id: string | null,
    input: ResponsePlanRequest,
    by: Principal,
  ): Promise<ResponsePlanView> {
    const scheme = await this.schemes.require(input.scheme, 'scheme');
    const badTier = input.units.find((u) => u.tier >= scheme.tiers.length);
    if (badTier)
      throw new DomainError('VALIDATION_FAILED', `scheme ${scheme.id} has no tier ${badTier.tier}`);
    return this.database.transaction(async (tx) => {
      const jurisdictionId = input.jurisdictionId ?? null;
      if (jurisdictionId && !(await jurisdictionExists(tx, jurisdictionId)))
        throw notFound('jurisdiction', jurisdictionId);
      const clash = await clashingPlanId(tx, input, jurisdictionId, id);
      if (clash) {
        throw conflict('a plan for this category, priority and jurisdiction exists already', {
          planId: clash,
        });
      }
      const now = this.clock.now();
      const row = await savePlan(tx, id, input, jurisdictionId, now);
      if (!row) throw notFound('response plan', id ?? '');
      await appendAudit(
        tx,
        now,
        actorOf(by),
        id ? 'response-plan.update' : 'response-plan.create',
        'response_plan',
        row.id,
        input,
      );
      return toView(row);
    });
  }

  /** The most specific plan for an incident: its grid, station, district, then city-wide. */
  async planFor(db: DbOrTx, incident: IncidentView): Promise<ResponsePlanView | null> {
    const j = incident.jurisdiction;
    const scopes = [j?.gridId, j?.stationId, j?.districtId].filter((x): x is string => !!x);
    const row = await mostSpecificPlan(db, incident.category, incident.priority, scopes);
    return row ? toView(row) : null;
  }

  /** The plan's proposal for an incident from the current recommendation (null without a plan). */
  async propose(
    incidentId: string,
    candidates?: readonly RecommendationCandidate[],
  ): Promise<PlanProposal | null> {
    const incident = await readIncident(this.database.db, incidentId);
    const plan = await this.planFor(this.database.db, incident);
    if (!plan) return null;
    const scheme = await this.schemes.find(plan.scheme);
    const tiersSec = scheme?.tiers.map((t) => t.sec) ?? [];
    const list = candidates ?? (await this.recommendations.recommend(incidentId)).candidates;
    const working = await unitsWorkingScene(this.database.db, incidentId);
    return fillPlan(plan, tiersSec, list, working);
  }

  /**
   * Called right after an incident is created (its own transaction, after that commit): the
   * plan's agencies are notified (logged events, queued deliveries). It needs no recommendation,
   * so a create runs it beside the recommendation; the answer fills the plan's proposal from the
   * candidates once they are ranked (null without a plan).
   */
  async onIncidentCreated(
    incident: IncidentView,
  ): Promise<((candidates: readonly RecommendationCandidate[]) => PlanProposal) | null> {
    const plan = await this.planFor(this.database.db, incident);
    if (!plan) return null;
    if (plan.notify.length) {
      const after = new AfterCommit();
      await this.database.transaction(async (tx) => {
        await lockIncidentRow(tx, incident.id);
        await this.agencies.notifyFromPlan(tx, incident, plan.notify as Agency[], plan.id, after);
      });
      await after.run();
    }
    const scheme = await this.schemes.find(plan.scheme);
    const tiersSec = scheme?.tiers.map((t) => t.sec) ?? [];
    return (candidates) => fillPlan(plan, tiersSec, candidates);
  }

  /** 一键确认: assigns the proposed units (or the given subset of them) in one 派警. */
  async confirm(incidentId: string, unitIds: string[] | undefined, by: Principal) {
    if (by.kind !== 'user' || !by.roles.includes('dispatcher'))
      throw forbidden('only a dispatcher may assign units');
    const proposal = await this.propose(incidentId);
    if (!proposal) throw conflict('no response plan applies to this incident');
    const proposedIds = proposal.proposed.map((p) => p.unitId);
    const ids = unitIds ?? proposedIds;
    const stranger = ids.find((id) => !proposedIds.includes(id));
    if (stranger)
      throw conflict(`unit ${stranger} is not in the plan's proposal`, { proposed: proposedIds });
    if (!ids.length) {
      throw conflict(
        proposal.missing.length
          ? 'the plan proposes no available unit'
          : 'the plan is already filled',
        {
          missing: proposal.missing,
          working: proposal.working,
        },
      );
    }
    const { assignments } = await this.dispatch.assign(incidentId, ids, undefined, by);
    return { plan: proposal, assignments };
  }
}
