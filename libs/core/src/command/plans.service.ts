import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import type {
  IncidentView,
  PlanProposal,
  RecommendationCandidate,
  ResponsePlanRequest,
  ResponsePlanView,
} from '@ringcad/contracts';
import { ACTIVE_ASSIGNMENT_STATUSES, findScheme, type Agency } from '@ringcad/domain';
import type { DbOrTx } from '@ringcad/db';
import { AgenciesService } from './agencies.service';
import { appendAudit, Clock, DatabaseService, DomainError, conflict, forbidden, notFound, actorOf, type Principal } from '../platform';
import { DispatchService, RecommendationService } from '../dispatch';
import { readIncident } from '../incident-log';
import { AfterCommit } from '../realtime';

interface PlanRow {
  id: string;
  name: string | null;
  category: string;
  priority: number;
  jurisdiction_id: string | null;
  scheme_id: string;
  units: { kind: string; count: number; tier: number }[];
  notify: string[];
  created_at: Date;
  updated_at: Date;
}

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
      proposed.push({ unitId: c.unitId, callsign: c.callsign, kind: c.kind, tier: need.tier, etaSec: c.etaSec });
      got++;
    }
    if (got < need.count) missing.push({ kind: need.kind, count: need.count - got, tier: need.tier });
  }
  return { planId: plan.id, scheme: plan.scheme, proposed, missing, working: counted };
}

/**
 * 预案 response plans: per category × priority (optionally per jurisdiction) the scheme, the
 * units required by kind and tier, and the agencies to notify. A new incident gets the plan's
 * proposal; the dispatcher confirms it in one action (assigned through DispatchService).
 */
@Injectable()
export class PlansService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly recommendations: RecommendationService,
    private readonly dispatch: DispatchService,
    private readonly agencies: AgenciesService,
  ) {}

  async list(): Promise<ResponsePlanView[]> {
    const rows = await sql<PlanRow>`SELECT * FROM response_plans ORDER BY category, priority, jurisdiction_id NULLS FIRST`.execute(
      this.database.db,
    );
    return rows.rows.map(toView);
  }

  async get(id: string): Promise<ResponsePlanView> {
    const rows = await sql<PlanRow>`SELECT * FROM response_plans WHERE id = ${id}`.execute(this.database.db);
    if (!rows.rows[0]) throw notFound('response plan', id);
    return toView(rows.rows[0]);
  }

  async create(input: ResponsePlanRequest, by: Principal): Promise<ResponsePlanView> {
    return this.save(null, input, by);
  }

  async update(id: string, input: ResponsePlanRequest, by: Principal): Promise<ResponsePlanView> {
    return this.save(id, input, by);
  }

  async remove(id: string, by: Principal): Promise<void> {
    await this.database.transaction(async (tx) => {
      const gone = await sql<{ id: string }>`DELETE FROM response_plans WHERE id = ${id} RETURNING id`.execute(tx);
      if (!gone.rows.length) throw notFound('response plan', id);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'response-plan.delete', 'response_plan', id);
    });
  }

  private async save(id: string | null, input: ResponsePlanRequest, by: Principal): Promise<ResponsePlanView> {
    const scheme = findScheme(input.scheme);
    if (!scheme) throw new DomainError('VALIDATION_FAILED', `unknown ring scheme ${input.scheme}`);
    const badTier = input.units.find((u) => u.tier >= scheme.tiers.length);
    if (badTier) throw new DomainError('VALIDATION_FAILED', `scheme ${scheme.id} has no tier ${badTier.tier}`);
    return this.database.transaction(async (tx) => {
      const jurisdictionId = input.jurisdictionId ?? null;
      if (jurisdictionId) {
        const j = await tx.selectFrom('jurisdictions').select('id').where('id', '=', jurisdictionId).executeTakeFirst();
        if (!j) throw notFound('jurisdiction', jurisdictionId);
      }
      const clash = await sql<{ id: string }>`
        SELECT id FROM response_plans WHERE category = ${input.category} AND priority = ${input.priority}
          AND jurisdiction_id IS NOT DISTINCT FROM ${jurisdictionId}::uuid AND id IS DISTINCT FROM ${id}::uuid`.execute(tx);
      if (clash.rows.length) {
        throw conflict('a plan for this category, priority and jurisdiction exists already', { planId: clash.rows[0].id });
      }
      const now = this.clock.now();
      const units = JSON.stringify(input.units);
      const rows = id
        ? await sql<PlanRow>`
            UPDATE response_plans SET name = ${input.name ?? null}, category = ${input.category}, priority = ${input.priority},
              jurisdiction_id = ${jurisdictionId}, scheme_id = ${input.scheme}, units = ${units}::jsonb,
              notify = ${input.notify}::text[], updated_at = ${now}
            WHERE id = ${id} RETURNING *`.execute(tx)
        : await sql<PlanRow>`
            INSERT INTO response_plans (name, category, priority, jurisdiction_id, scheme_id, units, notify, created_at, updated_at)
            VALUES (${input.name ?? null}, ${input.category}, ${input.priority}, ${jurisdictionId}, ${input.scheme},
              ${units}::jsonb, ${input.notify}::text[], ${now}, ${now})
            RETURNING *`.execute(tx);
      if (!rows.rows[0]) throw notFound('response plan', id ?? '');
      await appendAudit(tx, now, actorOf(by), id ? 'response-plan.update' : 'response-plan.create', 'response_plan', rows.rows[0].id, input);
      return toView(rows.rows[0]);
    });
  }

  /** The most specific plan for an incident: its grid, station, district, then city-wide. */
  async planFor(db: DbOrTx, incident: IncidentView): Promise<ResponsePlanView | null> {
    const j = incident.jurisdiction;
    const scopes = [j?.gridId, j?.stationId, j?.districtId].filter((x): x is string => !!x);
    const rows = await sql<PlanRow & { rank: number }>`
      SELECT *, CASE WHEN jurisdiction_id IS NULL THEN 99 ELSE array_position(${scopes}::uuid[], jurisdiction_id) END AS rank
      FROM response_plans
      WHERE category = ${incident.category} AND priority = ${incident.priority}
        AND (jurisdiction_id IS NULL OR jurisdiction_id = ANY(${scopes}::uuid[]))
      ORDER BY rank LIMIT 1`.execute(db);
    return rows.rows[0] ? toView(rows.rows[0]) : null;
  }

  /** The plan's proposal for an incident from the current recommendation (null without a plan). */
  async propose(incidentId: string, candidates?: readonly RecommendationCandidate[]): Promise<PlanProposal | null> {
    const incident = await readIncident(this.database.db, incidentId);
    const plan = await this.planFor(this.database.db, incident);
    if (!plan) return null;
    const scheme = findScheme(plan.scheme);
    const tiersSec = scheme?.tiers.map((t) => t.sec) ?? [];
    const list = candidates ?? (await this.recommendations.recommend(incidentId)).candidates;
    const working = await this.database.db
      .selectFrom('assignments as a')
      .innerJoin('units as u', 'u.id', 'a.unit_id')
      .select(['a.unit_id as unitId', 'u.kind as kind'])
      .where('a.incident_id', '=', incidentId)
      .where('a.role', '<>', 'checkpoint')
      .where('a.status', 'in', [...ACTIVE_ASSIGNMENT_STATUSES])
      .orderBy('a.assigned_at')
      .execute();
    return fillPlan(plan, tiersSec, list, working);
  }

  /**
   * Called right after an incident is created (its own transaction, after that commit): the
   * plan's agencies are notified (logged events, queued deliveries) and its proposal returned.
   */
  async onIncidentCreated(incident: IncidentView, candidates: readonly RecommendationCandidate[]): Promise<PlanProposal | null> {
    const plan = await this.planFor(this.database.db, incident);
    if (!plan) return null;
    if (plan.notify.length) {
      const after = new AfterCommit();
      await this.database.transaction(async (tx) => {
        await sql`SELECT id FROM incidents WHERE id = ${incident.id} FOR UPDATE`.execute(tx);
        await this.agencies.notifyFromPlan(tx, incident, plan.notify as Agency[], plan.id, after);
      });
      await after.run();
    }
    const scheme = findScheme(plan.scheme);
    return fillPlan(plan, scheme?.tiers.map((t) => t.sec) ?? [], candidates);
  }

  /** 一键确认: assigns the proposed units (or the given subset of them) in one 派警. */
  async confirm(incidentId: string, unitIds: string[] | undefined, by: Principal) {
    if (by.kind !== 'user' || !by.roles.includes('dispatcher')) throw forbidden('only a dispatcher may assign units');
    const proposal = await this.propose(incidentId);
    if (!proposal) throw conflict('no response plan applies to this incident');
    const proposedIds = proposal.proposed.map((p) => p.unitId);
    const ids = unitIds ?? proposedIds;
    const stranger = ids.find((id) => !proposedIds.includes(id));
    if (stranger) throw conflict(`unit ${stranger} is not in the plan's proposal`, { proposed: proposedIds });
    if (!ids.length) {
      throw conflict(proposal.missing.length ? 'the plan proposes no available unit' : 'the plan is already filled', {
        missing: proposal.missing,
        working: proposal.working,
      });
    }
    const { assignments } = await this.dispatch.assign(incidentId, ids, undefined, by);
    return { plan: proposal, assignments };
  }
}
