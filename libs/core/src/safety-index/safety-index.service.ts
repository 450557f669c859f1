import { Injectable } from '@nestjs/common';
import type { SafetyIndexView, SafetyIndexWeightsRequest } from '@ringcad/contracts';
import {
  computeSafetyIndex,
  DEFAULT_SAFETY_INDEX_WEIGHTS,
  SAFETY_INDEX_COMPONENTS,
  SAFETY_INDEX_RULES,
  type DistrictWeekFigures,
  type SafetyIndexComponent,
} from '@ringcad/domain';
import { coversJurisdiction, ScopeService } from '../auth';
import { actorOf, appendAudit, Clock, DatabaseService, type Principal } from '../platform';
import { CSV_BOM, csvCell } from '../reports';
import {
  coverageByDistrict,
  districts,
  readinessByDistrict,
  responseByDistrict,
  selectWeights,
  visibilityByDistrict,
} from './safety-index.queries';

const DAY_MS = 86_400_000;
/** China Standard Time, UTC+8 all year: weeks run Monday 00:00 to Monday 00:00 there. */
const CST_MS = 8 * 3_600_000;
/** The coverage part: road km within 3 min (tier 2 of 1-3-8) — the tier a vehicle response is held to. */
const COVERAGE_SCHEME = '1-3-8';
const COVERAGE_TIER = 2;

/**
 * Parts the system cannot measure, with why: listed with weight 0, never given a value. (None
 * now: 见警率 and perimeter readiness come from the sampler's hourly samples.)
 */
const NOT_AVAILABLE: Partial<Record<SafetyIndexComponent, string>> = {};

/** Where the sampled parts come from: a district-week without samples has no value for them. */
const SAMPLED_NOTES: Partial<Record<SafetyIndexComponent, string>> = {
  visibility:
    'mean of the hourly 见警率 samples (street-km share passed within the hour, from the map-matched tracks); a district without samples that week: no data, its weight goes to the other parts',
  perimeterReadiness:
    'mean of the hourly readiness samples (coverable checkpoint share of every tier of each standing perimeter touching the district); a district without samples that week: no data, its weight goes to the other parts',
};

type SampleCounts = Record<'visibility' | 'perimeterReadiness', number>;

interface Week {
  from: Date;
  to: Date;
  label: string;
}

/** The Monday-to-Monday week (China time) holding the CST day `day` (YYYY-MM-DD). */
export function weekOf(day: string): Week {
  const [y, m, d] = day.split('-').map(Number);
  const noonUtc = Date.UTC(y, m - 1, d);
  const sinceMonday = (new Date(noonUtc).getUTCDay() + 6) % 7;
  const from = new Date(noonUtc - sinceMonday * DAY_MS - CST_MS);
  const to = new Date(from.getTime() + 7 * DAY_MS);
  const cstDay = (t: number) => new Date(t + CST_MS).toISOString().slice(0, 10);
  return { from, to, label: `${cstDay(from.getTime())}/${cstDay(to.getTime() - DAY_MS)}` };
}

/**
 * 平安指数: per district and week, the parts (ring tiers met, arrival P90, coverage, 见警率 and
 * perimeter readiness, the last three means of their samples) scored and weighted, ranked, with the trend against the
 * week before. Reads the report pre-aggregate, so exercise incidents never count.
 */
@Injectable()
export class SafetyIndexService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly scopes: ScopeService,
  ) {}

  async index(q: { week?: string }, by: Principal): Promise<SafetyIndexView> {
    const day = q.week ?? new Date(this.clock.now().getTime() + CST_MS).toISOString().slice(0, 10);
    const week = weekOf(day);
    const previous = weekOf(
      new Date(week.from.getTime() - DAY_MS + CST_MS).toISOString().slice(0, 10),
    );
    const db = this.database.db;
    const list = await districts(db);
    const { weights, updatedAt, updatedBy } = await this.weights();
    const available = new Set(SAFETY_INDEX_COMPONENTS.filter((c) => !NOT_AVAILABLE[c]));
    const [now, before] = [await this.figures(list, week), await this.figures(list, previous)];
    const rows = computeSafetyIndex(now, before, weights, available);
    const samples = new Map(now.map((f) => [f.districtId, f.samples]));
    const scope = await this.scopes.scopeOf(by);
    const iso = (w: Week) => ({
      from: w.from.toISOString(),
      to: w.to.toISOString(),
      label: w.label,
    });
    return {
      week: iso(week),
      previousWeek: iso(previous),
      components: SAFETY_INDEX_COMPONENTS.map((component) => ({
        component,
        weight: weights[component],
        effectiveWeight: available.has(component) ? weights[component] : 0,
        available: available.has(component),
        note: NOT_AVAILABLE[component] ?? SAMPLED_NOTES[component] ?? null,
        rule: SAFETY_INDEX_RULES[component],
      })),
      // every district is ranked against the city; a district account sees its own rows
      districts: rows
        .filter((r) => coversJurisdiction(scope, r.districtId))
        .map((r) => {
          const counts = samples.get(r.districtId);
          return {
            ...r,
            parts: r.parts.map((p) =>
              p.component === 'visibility' || p.component === 'perimeterReadiness'
                ? { ...p, samples: counts?.[p.component] ?? 0 }
                : p,
            ),
          };
        }),
      weightsUpdatedAt: updatedAt,
      weightsUpdatedBy: updatedBy,
    };
  }

  async setWeights(input: SafetyIndexWeightsRequest, by: Principal) {
    const now = this.clock.now();
    const actor = actorOf(by);
    await this.database.transaction(async (tx) => {
      for (const [component, weight] of Object.entries(input)) {
        if (weight === undefined) continue;
        await tx
          .insertInto('safety_index_weights')
          .values({
            component,
            weight,
            updated_at: now,
            updated_by: actor.kind === 'user' ? actor.id : null,
            updated_by_name: actor.name,
          })
          .onConflict((oc) =>
            oc.column('component').doUpdateSet({
              weight,
              updated_at: now,
              updated_by: actor.kind === 'user' ? actor.id : null,
              updated_by_name: actor.name,
            }),
          )
          .execute();
      }
      await appendAudit(tx, now, actor, 'safety_index.weights.set', 'safety_index', null, input);
    });
    return this.index({}, by);
  }

  private async weights() {
    const rows = await selectWeights(this.database.db);
    const weights = { ...DEFAULT_SAFETY_INDEX_WEIGHTS };
    let latest: (typeof rows)[number] | undefined;
    for (const r of rows) {
      if ((SAFETY_INDEX_COMPONENTS as readonly string[]).includes(r.component))
        weights[r.component as SafetyIndexComponent] = Number(r.weight);
      if (!latest || new Date(r.updated_at) > new Date(latest.updated_at)) latest = r;
    }
    return {
      weights,
      updatedAt: latest ? new Date(latest.updated_at).toISOString() : null,
      updatedBy: latest?.updated_by_name ?? null,
    };
  }

  private async figures(
    list: { id: string; name: string }[],
    week: Week,
  ): Promise<(DistrictWeekFigures & { samples: SampleCounts })[]> {
    const db = this.database.db;
    const response = new Map(
      (await responseByDistrict(db, week.from, week.to)).map((r) => [r.district_id, r]),
    );
    const coverage = new Map(
      (await coverageByDistrict(db, COVERAGE_SCHEME, COVERAGE_TIER, week.from, week.to)).map(
        (r) => [r.district_id, r],
      ),
    );
    const visibility = new Map(
      (await visibilityByDistrict(db, week.from, week.to)).map((r) => [r.district_id, r]),
    );
    const readiness = new Map(
      (await readinessByDistrict(db, week.from, week.to)).map((r) => [r.district_id, r]),
    );
    return list.map((d) => {
      const r = response.get(d.id);
      const c = coverage.get(d.id);
      const v = visibility.get(d.id);
      const p = readiness.get(d.id);
      return {
        districtId: d.id,
        name: d.name,
        raw: {
          tiersMet: r && r.arrived > 0 ? (r.ring_met / r.arrived) * 100 : null,
          responseP90: r?.arrive_p90 ?? null,
          coverage: c?.pct ?? null,
          visibility: v?.pct ?? null,
          perimeterReadiness: p?.pct ?? null,
        },
        samples: { visibility: v?.samples ?? 0, perimeterReadiness: p?.samples ?? 0 },
      };
    });
  }
}

/** The index as CSV (UTF-8 with BOM, for Excel on Chinese Windows): one row per district. */
export function safetyIndexCsv(v: SafetyIndexView): string {
  const header = [
    'rank',
    'districtId',
    'district',
    'score',
    'previousRank',
    'previousScore',
    'trend',
    ...SAFETY_INDEX_COMPONENTS.flatMap((c) => [`${c}Raw`, `${c}Score`, `${c}Weight`]),
  ];
  const lines = [header.join(',')];
  for (const d of v.districts) {
    const parts = new Map(d.parts.map((p) => [p.component, p]));
    lines.push(
      [
        d.rank,
        d.districtId,
        d.name,
        d.score,
        d.previous.rank,
        d.previous.score,
        d.trend,
        ...SAFETY_INDEX_COMPONENTS.flatMap((c) => {
          const p = parts.get(c);
          return [p?.raw, p?.score, p?.weightUsed];
        }),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${CSV_BOM}${lines.join('\r\n')}\r\n`;
}
