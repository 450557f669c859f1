/**
 * 平安指数: a district's week as one figure out of 100, from parts each scored 0–100 and weighted
 * (weights editable by an admin). A part the system cannot measure is listed with weight 0 and
 * said to be unavailable — never given a value.
 */
export const SAFETY_INDEX_COMPONENTS = [
  'tiersMet',
  'responseP90',
  'visibility',
  'coverage',
  'perimeterReadiness',
] as const;
export type SafetyIndexComponent = (typeof SAFETY_INDEX_COMPONENTS)[number];

export const DEFAULT_SAFETY_INDEX_WEIGHTS: Record<SafetyIndexComponent, number> = {
  tiersMet: 35,
  responseP90: 25,
  visibility: 15,
  coverage: 15,
  perimeterReadiness: 10,
};

/** A response P90 this long or longer scores 0; an instant one 100, linear between. */
export const RESPONSE_P90_ZERO_SEC = 900;

/** How each part's raw figure becomes a score out of 100 (the board prints these). */
export const SAFETY_INDEX_RULES: Record<SafetyIndexComponent, { zh: string; en: string }> = {
  tiersMet: {
    zh: '处置圈达标率(%):到场警情中达到其等级处置圈任一圈层的比例',
    en: 'Ring tiers met (%): of incidents reached, the share meeting a tier of their scheme',
  },
  responseP90: {
    zh: `到场时间P90:0秒=100分,≥${RESPONSE_P90_ZERO_SEC}秒=0分,线性`,
    en: `Arrival P90: 0 s = 100, ≥ ${RESPONSE_P90_ZERO_SEC} s = 0, linear`,
  },
  visibility: {
    zh: '见警率(%):一周每小时采样中街面里程被巡逻经过比例的均值',
    en: 'Police visibility (%): mean over the week’s hourly samples of the share of street km a unit passed',
  },
  coverage: {
    zh: '覆盖率(%):一周采样中3分钟可达道路里程占比的均值',
    en: 'Coverage (%): mean share of road km within 3 min over the week’s samples',
  },
  perimeterReadiness: {
    zh: '封控圈就绪率(%):一周每小时采样中涉及本区的封控圈各圈层可按时到达卡点比例的均值',
    en: 'Perimeter readiness (%): mean over the week’s hourly samples of the share of checkpoints coverable in time, every tier of each perimeter touching the district',
  },
};

const clamp100 = (v: number) => Math.max(0, Math.min(100, v));

/** A part's raw figure as a score out of 100. */
export function componentScore(c: SafetyIndexComponent, raw: number): number {
  if (c === 'responseP90') return clamp100(100 * (1 - raw / RESPONSE_P90_ZERO_SEC));
  return clamp100(raw);
}

/** One district's raw figures for a week; null: no data that week (nothing to measure). */
export interface DistrictWeekFigures {
  districtId: string;
  name: string;
  raw: Partial<Record<SafetyIndexComponent, number | null>>;
}

export interface SafetyIndexRow {
  districtId: string;
  name: string;
  rank: number | null;
  score: number | null;
  parts: {
    component: SafetyIndexComponent;
    raw: number | null;
    score: number | null;
    /** The weight this part had in this district's score (0 when unavailable or without data). */
    weightUsed: number;
  }[];
  previous: { rank: number | null; score: number | null };
  /** score − previous score (points), null when either is missing. */
  trend: number | null;
}

const round1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

function scoreWeek(
  figures: readonly DistrictWeekFigures[],
  weights: Record<SafetyIndexComponent, number>,
  available: ReadonlySet<SafetyIndexComponent>,
) {
  const scored = figures.map((f) => {
    let sum = 0;
    let weight = 0;
    const parts = SAFETY_INDEX_COMPONENTS.map((component) => {
      const raw = available.has(component) ? (f.raw[component] ?? null) : null;
      const score = raw === null ? null : componentScore(component, raw);
      const weightUsed = score === null ? 0 : weights[component];
      if (score !== null) {
        sum += score * weightUsed;
        weight += weightUsed;
      }
      return { component, raw: round1(raw), score: round1(score), weightUsed };
    });
    return { f, parts, score: weight > 0 ? round1(sum / weight) : null };
  });
  // rank by score (highest first); equal scores share a rank; no score, no rank
  const ranked = scored
    .filter((s) => s.score !== null)
    .sort((a, b) => (b.score as number) - (a.score as number));
  const rankOf = new Map<string, number>();
  ranked.forEach((s, i) => {
    const prev = ranked[i - 1];
    rankOf.set(
      s.f.districtId,
      prev && prev.score === s.score ? (rankOf.get(prev.f.districtId) as number) : i + 1,
    );
  });
  return scored.map((s) => ({ ...s, rank: rankOf.get(s.f.districtId) ?? null }));
}

/**
 * Ranks the districts' week: each part scored (componentScore), weighted by `weights` among the
 * parts that are `available` and have data for that district, the trend against the week before.
 */
export function computeSafetyIndex(
  current: readonly DistrictWeekFigures[],
  previous: readonly DistrictWeekFigures[],
  weights: Record<SafetyIndexComponent, number>,
  available: ReadonlySet<SafetyIndexComponent>,
): SafetyIndexRow[] {
  const now = scoreWeek(current, weights, available);
  const before = new Map(
    scoreWeek(previous, weights, available).map((s) => [s.f.districtId, s] as const),
  );
  return now
    .map((s): SafetyIndexRow => {
      const p = before.get(s.f.districtId);
      const prevScore = p?.score ?? null;
      return {
        districtId: s.f.districtId,
        name: s.f.name,
        rank: s.rank,
        score: s.score,
        parts: s.parts,
        previous: { rank: p?.rank ?? null, score: prevScore },
        trend: s.score !== null && prevScore !== null ? round1(s.score - prevScore) : null,
      };
    })
    .sort(
      (a, b) =>
        (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) ||
        a.name.localeCompare(b.name),
    );
}
