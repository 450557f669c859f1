import Flatbush from 'flatbush';
import { edgeCosts } from './edge-costs';
import { etaToTarget, type EtaMethod, type EtaOptions, type EtaResult, type EtaUnit } from './eta';
import { M_PER_DEG } from './geo-math';
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
  /**
   * false: every free unit is asked in every search (the oracle the pruned search is checked
   * against); default true: only the straight-line nearest that could still be faster.
   */
  prune?: boolean;
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
 *
 * Each search asks only the units nearest the checkpoint in a straight line, widening the ring
 * until the next unit's straight-line distance at the network's top speed cannot beat the K-th
 * ETA found (a road ETA is never shorter than that), so the answer is exactly what a search
 * over every unit gives, at a fraction of the cost when the fleet is large.
 */
export function perimeterReadiness(
  graph: RoadGraph,
  checkpoints: readonly PerimeterCheckpoint[],
  units: readonly EtaUnit[],
  opts: PerimeterOptions,
): PerimeterReadiness {
  const tiers = [...opts.tiersSec].sort((a, b) => a - b);
  const maxSec = tiers[tiers.length - 1] ?? 0;
  const { tiersSec: _t, candidates: _c, prune: _p, ...eta } = opts;
  let k = Math.max(1, opts.candidates ?? 8);
  const takenUnit = new Set<string>();
  const post = new Map<string, PerimeterPost['bestUnit']>();
  const exhausted = new Set<string>();
  let unitSearches = 0;
  const nearest = nearestUnits(graph, units, opts);
  let open = checkpoints.filter((c) => !post.has(c.id));
  while (open.length && takenUnit.size < units.length) {
    const pairs: { cp: string; unitId: string; etaSec: number; method: EtaMethod }[] = [];
    for (const cp of open) {
      const r = nearest(cp, k, maxSec, takenUnit, eta);
      unitSearches += r.searches;
      if (r.exhausted) exhausted.add(cp.id);
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

/**
 * The K fastest free units to a checkpoint, exactly, searching only the straight-line nearest:
 * a unit d metres away cannot arrive in less than d ÷ (the network's top speed), so once the
 * K-th ETA found is no later than that bound for the nearest unit not asked, no unit left out
 * could be faster. Units without a road snap are always asked (their estimate is not bounded so).
 */
function nearestUnits(graph: RoadGraph, units: readonly EtaUnit[], opts: PerimeterOptions) {
  const costs = edgeCosts(graph, opts.speedProfile, opts.at);
  let topMps = 0;
  for (let s = 0; s < graph.segmentCount; s++) {
    const v = graph.segLengthM[s] / costs.segSec[s];
    if (v > topMps) topMps = v;
  }
  const lat0 = units.length ? units[0].lat : 0;
  const kx = Math.cos((lat0 * Math.PI) / 180);
  const index = new Flatbush(Math.max(1, units.length));
  for (const u of units) index.add(u.lon * kx, u.lat);
  if (!units.length) index.add(0, 0);
  index.finish();
  const unbounded = units.filter((u) => u.snap === null);
  // equirectangular metres are within a fraction of a percent at city scale: keep 2 % margin
  const boundSec = (u: EtaUnit, at: EtaUnit) =>
    (0.98 * Math.hypot((u.lon - at.lon) * kx, u.lat - at.lat) * M_PER_DEG) / (topMps || 1);
  return (
    cp: PerimeterCheckpoint,
    k: number,
    maxSec: number,
    taken: ReadonlySet<string>,
    eta: Omit<EtaOptions, 'maxSec' | 'maxResults'>,
  ): { results: EtaResult[]; searches: number; exhausted: boolean } => {
    if (opts.prune === false) {
      const all = units.filter((u) => !taken.has(u.id));
      const r = etaToTarget(graph, cp, all, { ...eta, maxSec, maxResults: k });
      return { results: r.results, searches: 1, exhausted: r.results.length < k };
    }
    const free = (i: number) => !taken.has(units[i].id) && units[i].snap !== null;
    let m = Math.max(4 * k, 32);
    for (let searches = 1; ; searches++) {
      const ids = index.neighbors(cp.lon * kx, cp.lat, m + 1, Infinity, free);
      const asked = ids.slice(0, m).map((i) => units[i]);
      for (const u of unbounded) if (!taken.has(u.id)) asked.push(u);
      const r = etaToTarget(graph, cp, asked, { ...eta, maxSec, maxResults: k });
      const kth = r.results.length >= k ? r.results[k - 1].etaSec : maxSec;
      const next = ids.length > m ? units[ids[m]] : null;
      if (!next || boundSec(next, cp) > kth)
        return {
          results: r.results,
          searches,
          // nobody left out could come: all free units were asked, or the bound rules them out
          exhausted: r.results.length < k,
        };
      m *= 4;
    }
  };
}
