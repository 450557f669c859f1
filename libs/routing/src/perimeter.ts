import { etaToTarget, type EtaMethod, type EtaOptions, type EtaUnit } from './eta';
import type { RoadGraph } from './road-graph';

/** A fixed checkpoint of a standing perimeter (环城封控圈), already snapped or not. */
export interface PerimeterCheckpoint extends EtaUnit {
  id: string;
}

export interface PerimeterPost {
  checkpointId: string;
  /** The unit that would man this checkpoint, each unit counted at one checkpoint only. */
  bestUnit: { unitId: string; etaSec: number; method: EtaMethod } | null;
  etaSec: number | null;
}

export interface PerimeterReadiness {
  /** One post per checkpoint: who would go where if the perimeter were activated now. */
  posts: PerimeterPost[];
  tiers: {
    sec: number;
    checkpoints: (PerimeterPost & { coverable: boolean })[];
    coverablePct: number;
  }[];
  /** Reverse searches run (one per checkpoint, more where its candidates were taken). */
  unitSearches: number;
  method: string;
}

export interface PerimeterOptions extends Omit<EtaOptions, 'maxSec' | 'maxResults'> {
  tiersSec: readonly number[];
  /** Units asked for per checkpoint in the first round (default 8). */
  candidates?: number;
}

/**
 * Readiness of a standing perimeter: which available unit would man each checkpoint, and how
 * many checkpoints are manned within each tier (10/20 minutes). A unit mans one checkpoint.
 *
 * Method: one bounded reverse search per checkpoint (top-K units by road ETA within the last
 * tier), then a greedy assignment over all (checkpoint, unit) pairs, fastest first — every
 * pair taken is the fastest one left between a free checkpoint and a free unit. A checkpoint
 * whose candidates were all taken searches again for more (K doubled, up to every unit).
 * Greedy is not the optimal bottleneck assignment, but it never sends a unit to two places and
 * gives each checkpoint the fastest unit nobody faster needed — what a dispatcher does by hand.
 */
export function perimeterReadiness(
  graph: RoadGraph,
  checkpoints: readonly PerimeterCheckpoint[],
  units: readonly EtaUnit[],
  opts: PerimeterOptions,
): PerimeterReadiness {
  const tiers = [...opts.tiersSec].sort((a, b) => a - b);
  const maxSec = tiers[tiers.length - 1] ?? 0;
  const { tiersSec: _t, candidates: _c, ...eta } = opts;
  let k = Math.max(1, opts.candidates ?? 8);
  const takenUnit = new Set<string>();
  const post = new Map<string, PerimeterPost['bestUnit']>();
  const exhausted = new Set<string>();
  let unitSearches = 0;
  let open = checkpoints.filter((c) => !post.has(c.id));
  while (open.length && takenUnit.size < units.length) {
    const pairs: { cp: string; unitId: string; etaSec: number; method: EtaMethod }[] = [];
    for (const cp of open) {
      unitSearches++;
      const free = units.filter((u) => !takenUnit.has(u.id));
      const r = etaToTarget(graph, cp, free, { ...eta, maxSec, maxResults: k });
      if (r.results.length < Math.min(k, free.length)) exhausted.add(cp.id);
      for (const res of r.results)
        pairs.push({ cp: cp.id, unitId: res.id, etaSec: res.etaSec, method: res.method });
    }
    pairs.sort(
      (a, b) =>
        a.etaSec - b.etaSec || (a.cp < b.cp ? -1 : a.cp > b.cp ? 1 : a.unitId < b.unitId ? -1 : 1),
    );
    for (const p of pairs) {
      if (post.has(p.cp) || takenUnit.has(p.unitId)) continue;
      post.set(p.cp, { unitId: p.unitId, etaSec: p.etaSec, method: p.method });
      takenUnit.add(p.unitId);
    }
    // checkpoints still open whose search found every unit it could: nobody else can come
    open = open.filter((c) => !post.has(c.id) && !exhausted.has(c.id));
    k *= 2;
  }
  const posts: PerimeterPost[] = checkpoints.map((c) => {
    const best = post.get(c.id) ?? null;
    return { checkpointId: c.id, bestUnit: best, etaSec: best ? best.etaSec : null };
  });
  return {
    posts,
    tiers: tiers.map((sec) => {
      const cps = posts.map((p) => ({ ...p, coverable: p.etaSec !== null && p.etaSec <= sec }));
      const n = cps.filter((c) => c.coverable).length;
      return {
        sec,
        checkpoints: cps,
        coverablePct: checkpoints.length ? Math.round((n / checkpoints.length) * 1000) / 10 : 0,
      };
    }),
    unitSearches,
    method:
      'one bounded reverse road search per checkpoint (top-K units within the last tier), greedy fastest-pair assignment, one unit per checkpoint',
  };
}
