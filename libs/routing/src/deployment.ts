import type { RoutingQueryOptions } from './eta';
import { haversineM } from './geo-math';
import { reachSets } from './move-ups';
import type { RoadGraph } from './road-graph';
import type { LonLat, SnappedPoint } from './snap';

type Place = LonLat & { id: string; snap?: SnappedPoint | null };

export interface DeploymentOptions extends RoutingQueryOptions {
  /** The units to post (each gets at most one post). */
  units: readonly Place[];
  /** Standby points (岗亭 / 备勤点): each holds at most one unit. */
  standbyPoints: readonly Place[];
  /** A node is covered when a posted unit reaches it within tierSec by car. */
  tierSec: number;
  /** Weight per node (length nodeCount), e.g. {@link nodeDemandFromHexes}. */
  demand: Float32Array;
}

export interface DeploymentPost {
  unitId: string;
  standbyPointId: string;
  /** Order in which the greedy picked the post (0 first: gains most). */
  rank: number;
  /** Demand newly covered by this post after the earlier ones, % of total demand. */
  gainPct: number;
  /** Covered demand once this post is manned, % of total demand. */
  coveredPct: number;
  /** Straight-line distance from the unit to its post, metres. */
  distanceM: number;
}

export interface DeploymentPlanResult {
  posts: DeploymentPost[];
  /** Demand within tierSec of some post, % of total demand. */
  coveredPct: number;
  /** Road length within tierSec of some post, % of the network's road length. */
  roadKmPct: number;
  /** Marginal-gain evaluations the lazy greedy made (a plain greedy makes about k × points). */
  evaluations: number;
  /** Units left without a post (more units than useful points). */
  unpostedUnitIds: string[];
}

/**
 * Shift deployment (等级化部署): which standby point each unit should hold so that the demand
 * within `tierSec` of a manned point is maximal.
 *
 * Method: covered demand is a monotone submodular function of the set of manned points, so the
 * greedy that adds the point of largest marginal gain k times (k = units) reaches at least
 * (1 − 1/e) ≈ 63 % of the optimum. Lazy evaluation (Minoux): marginal gains only shrink as
 * points are added, so the stale gains kept in a max-heap are upper bounds; the top is
 * re-evaluated and taken when it still beats the next bound. Points that add nothing are not
 * manned. Units are then matched to the chosen points by repeatedly taking the closest
 * remaining (unit, point) pair in straight-line distance. Cover sets are one bounded forward
 * search per standby point (all units drive).
 */
export function planDeployment(graph: RoadGraph, opts: DeploymentOptions): DeploymentPlanResult {
  const { units, standbyPoints, tierSec, demand } = opts;
  if (!(tierSec >= 0 && tierSec < Infinity))
    throw new RangeError(`tierSec must be ≥ 0, got ${tierSec}`);
  const N = graph.nodeCount;
  if (demand.length !== N)
    throw new RangeError(`demand must have one weight per node (${N}), got ${demand.length}`);
  let total = 0;
  for (let v = 0; v < N; v++) total += demand[v];
  let roadTotal = 0;
  for (let s = 0; s < graph.segmentCount; s++) roadTotal += graph.segLengthM[s];

  const { pool, ranges } = reachSets(graph, standbyPoints, tierSec, opts);
  const nodes = pool.nodes;
  const covered = new Uint8Array(N);
  const gainOf = (p: number): number => {
    const r = ranges[p];
    if (!r) return 0;
    let g = 0;
    for (let k = r[0]; k < r[1]; k++) if (!covered[nodes[k]]) g += demand[nodes[k]];
    return g;
  };

  // max-heap of (bound, point) in two parallel arrays
  const heapP: number[] = [];
  const heapG: number[] = [];
  const swap = (i: number, j: number) => {
    [heapP[i], heapP[j]] = [heapP[j], heapP[i]];
    [heapG[i], heapG[j]] = [heapG[j], heapG[i]];
  };
  const better = (i: number, j: number) =>
    heapG[i] > heapG[j] || (heapG[i] === heapG[j] && heapP[i] < heapP[j]);
  const push = (p: number, g: number) => {
    heapP.push(p);
    heapG.push(g);
    for (let i = heapP.length - 1; i > 0;) {
      const up = (i - 1) >> 1;
      if (!better(i, up)) break;
      swap(i, up);
      i = up;
    }
  };
  const pop = (): [number, number] => {
    const top: [number, number] = [heapP[0], heapG[0]];
    const lastP = heapP.pop() as number;
    const lastG = heapG.pop() as number;
    if (heapP.length) {
      heapP[0] = lastP;
      heapG[0] = lastG;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heapP.length && better(l, m)) m = l;
        if (r < heapP.length && better(r, m)) m = r;
        if (m === i) break;
        swap(i, m);
        i = m;
      }
    }
    return top;
  };

  let evaluations = 0;
  standbyPoints.forEach((_, p) => {
    if (!ranges[p]) return;
    evaluations++;
    const g = gainOf(p);
    if (g > 0) push(p, g);
  });
  const chosen: { p: number; gain: number }[] = [];
  const fresh = new Int32Array(standbyPoints.length).fill(-1); // round its bound was computed in
  standbyPoints.forEach((_, p) => (fresh[p] = 0));
  while (chosen.length < units.length && heapP.length) {
    const [p, bound] = pop();
    if (fresh[p] === chosen.length) {
      if (!(bound > total * 1e-12)) break;
      chosen.push({ p, gain: bound });
      const r = ranges[p] as [number, number];
      for (let k = r[0]; k < r[1]; k++) covered[nodes[k]] = 1;
      continue;
    }
    evaluations++;
    const g = gainOf(p);
    fresh[p] = chosen.length;
    if (g > 0) push(p, g);
  }

  // match units to the chosen points, closest pairs first
  const pairs: { u: number; c: number; d: number }[] = [];
  units.forEach((u, ui) =>
    chosen.forEach((c, ci) => {
      const s = standbyPoints[c.p];
      pairs.push({ u: ui, c: ci, d: haversineM(u.lon, u.lat, s.lon, s.lat) });
    }),
  );
  pairs.sort((a, b) => a.d - b.d || a.c - b.c || a.u - b.u);
  const unitOf = new Int32Array(chosen.length).fill(-1);
  const usedUnit = new Uint8Array(units.length);
  const dist = new Float64Array(chosen.length);
  for (const { u, c, d } of pairs) {
    if (usedUnit[u] || unitOf[c] >= 0) continue;
    usedUnit[u] = 1;
    unitOf[c] = u;
    dist[c] = d;
  }

  let running = 0;
  const posts = chosen.map((c, rank): DeploymentPost => {
    running += c.gain;
    return {
      unitId: units[unitOf[rank]].id,
      standbyPointId: standbyPoints[c.p].id,
      rank,
      gainPct: total > 0 ? (100 * c.gain) / total : 0,
      coveredPct: total > 0 ? Math.min(100, (100 * running) / total) : 0,
      distanceM: dist[rank],
    };
  });
  let roadCovered = 0;
  for (let s = 0; s < graph.segmentCount; s++) {
    // a segment counts when both its ends are reached (its length within the tier)
    if (covered[graph.segFrom[s]] && covered[graph.segTo[s]]) roadCovered += graph.segLengthM[s];
  }
  return {
    posts,
    coveredPct: total > 0 ? Math.min(100, (100 * running) / total) : 0,
    roadKmPct: roadTotal > 0 ? (100 * roadCovered) / roadTotal : 0,
    evaluations,
    unpostedUnitIds: units.filter((_, u) => !usedUnit[u]).map((u) => u.id),
  };
}
