import { INCIDENT_CATEGORIES, type IncidentCategory, type Priority } from './categories';
import { computeIncidentMetrics, type MetricInput } from './metrics';
import { createRng, pick, type Rng } from './random';
import type { RingScheme } from './rings';

/** One incident an exercise files: when (seconds after the start), where, what. */
export interface ExerciseInject {
  atSec: number;
  location: { lon: number; lat: number };
  category: IncidentCategory;
  priority: Priority;
}

/**
 * Random injects for a window: `count` incidents at uniform times in `[0, windowMin)` minutes,
 * at the given points (drawn inside the area by the caller), categories uniform over the
 * categories, priorities 1:2:3 in proportion 1:3:6 (a city's 110 mix has few P1). Sorted by time;
 * the same seed gives the same exercise.
 */
export function randomInjects(
  seed: number,
  windowMin: number,
  points: readonly { lon: number; lat: number }[],
  // an officer in danger is the emergency flow, not a call to drill at random
  categories: readonly IncidentCategory[] = INCIDENT_CATEGORIES.filter(
    (c) => c !== 'officer_in_danger',
  ),
): ExerciseInject[] {
  const rng: Rng = createRng(seed);
  const priorities: Priority[] = [1, 2, 2, 2, 3, 3, 3, 3, 3, 3];
  return points
    .map((location) => ({
      atSec: Math.floor(rng.next() * windowMin * 60),
      location,
      category: pick(rng, categories),
      priority: pick(rng, priorities),
    }))
    .sort((a, b) => a.atSec - b.atSec);
}

/** percentile_cont: linear between the values at floor and ceil of p × (n − 1); null for none. */
export function percentileCont(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const f = p * (sorted.length - 1);
  const lo = Math.floor(f);
  const hi = Math.ceil(f);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (f - lo);
}

/** An exercise incident as the score reads it. */
export interface ScoredIncident extends MetricInput {
  districtId: string | null;
  scheme: RingScheme;
}

export interface DistrictScore {
  districtId: string | null;
  incidents: number;
  dispatched: number;
  /** Incidents a unit reached. */
  arrived: number;
  /** Of those, whose response met at least one tier of the incident's scheme. */
  ringMet: number;
  ringMetPct: number | null;
  /** Per scheme and tier: of the dispatched incidents held to that scheme, the share that met it. */
  tiers: { schemeId: string; tier: number; sec: number; met: number; of: number; pct: number }[];
  /** First dispatch → first arrival, seconds. */
  arriveP50Sec: number | null;
  arriveP90Sec: number | null;
}

const pct = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 10_000) / 100 : null);
const round1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

/**
 * An exercise's score: per district, the rings met (as the response-time report counts them:
 * ring met among the incidents reached, each tier among the dispatched) and P50/P90 from first
 * dispatch to first arrival (percentile_cont, as the reports).
 */
export function scoreExercise(incidents: readonly ScoredIncident[]): DistrictScore[] {
  const byDistrict = new Map<string | null, ScoredIncident[]>();
  for (const i of incidents) {
    const list = byDistrict.get(i.districtId) ?? [];
    list.push(i);
    byDistrict.set(i.districtId, list);
  }
  const out: DistrictScore[] = [];
  for (const [districtId, list] of byDistrict) {
    let dispatched = 0;
    let arrived = 0;
    let ringMet = 0;
    const arrivals: number[] = [];
    const tiers = new Map<string, DistrictScore['tiers'][number]>();
    for (const i of list) {
      const m = computeIncidentMetrics(i, i.scheme);
      if (m.dispatchSec === null) continue;
      dispatched++;
      i.scheme.tiers.forEach((t, k) => {
        const key = `${i.scheme.id}#${k}`;
        const row = tiers.get(key) ?? {
          schemeId: i.scheme.id,
          tier: k + 1,
          sec: t.sec,
          met: 0,
          of: 0,
          pct: 0,
        };
        row.of++;
        if (m.tiersMet[k]) row.met++;
        tiers.set(key, row);
      });
      if (m.firstArriveSec === null) continue;
      arrived++;
      arrivals.push(m.firstArriveSec);
      if (m.tiersMet.some(Boolean)) ringMet++;
    }
    out.push({
      districtId,
      incidents: list.length,
      dispatched,
      arrived,
      ringMet,
      ringMetPct: pct(ringMet, arrived),
      tiers: [...tiers.values()].map((t) => ({ ...t, pct: pct(t.met, t.of) as number })),
      arriveP50Sec: round1(percentileCont(arrivals, 0.5)),
      arriveP90Sec: round1(percentileCont(arrivals, 0.9)),
    });
  }
  return out.sort((a, b) => (a.districtId ?? '').localeCompare(b.districtId ?? ''));
}
