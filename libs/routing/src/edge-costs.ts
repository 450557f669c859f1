import type { RoadGraph } from './road-graph';
import {
  classSpeedsKmh,
  DEFAULT_SPEED_PROFILE,
  speedMultipliersAt,
  type SpeedProfile,
} from './speed-profile';

/** Travel times for one (profile, time-of-day) combination. */
export interface EdgeCosts {
  /** Seconds to drive each whole segment (either direction). */
  segSec: Float64Array;
  /** Seconds per forward-CSR edge, aligned with graph.fwdTargets. */
  fwdCost: Float32Array;
  /** Seconds per reverse-CSR edge, aligned with graph.revSources. */
  revCost: Float32Array;
  /** Metres per forward / reverse CSR edge (kept beside the costs for cache locality). */
  fwdLenM: Float32Array;
  revLenM: Float32Array;
  /** Speed actually used per segment, km/h. */
  segSpeedKmh: Float32Array;
}

const cache = new WeakMap<RoadGraph, Map<string, EdgeCosts>>();
const profileKeys = new WeakMap<SpeedProfile, string>();

function keyOf(profile: SpeedProfile, multipliers: Float64Array): string {
  let k = profileKeys.get(profile);
  if (k === undefined) {
    k = JSON.stringify(profile);
    profileKeys.set(profile, k);
  }
  return `${k}|${multipliers.join(',')}`;
}

/**
 * Edge travel times for a speed profile at an instant (peak factor applied). Cached per graph,
 * so a query at the same profile and time band allocates nothing: there are only a few distinct
 * bands per day.
 */
export function edgeCosts(
  graph: RoadGraph,
  profile: SpeedProfile = DEFAULT_SPEED_PROFILE,
  at?: Date,
): EdgeCosts {
  const multipliers = speedMultipliersAt(profile, at);
  const key = keyOf(profile, multipliers);
  let perGraph = cache.get(graph);
  if (!perGraph) {
    perGraph = new Map();
    cache.set(graph, perGraph);
  }
  const hit = perGraph.get(key);
  if (hit) return hit;

  const speeds = classSpeedsKmh(profile);
  const caps = profile.maxspeedCaps ?? true;
  const S = graph.segmentCount;
  const segSec = new Float64Array(S);
  const segSpeedKmh = new Float32Array(S);
  for (let s = 0; s < S; s++) {
    const cls = graph.segClass[s];
    let v = speeds[cls];
    const cap = graph.segMaxspeedKmh[s];
    if (caps && cap > 0 && cap < v) v = cap;
    v *= multipliers[cls];
    segSpeedKmh[s] = v;
    segSec[s] = graph.segLengthM[s] / (v / 3.6);
  }
  const E = graph.edgeCount;
  const fwdCost = new Float32Array(E);
  const revCost = new Float32Array(E);
  const fwdLenM = new Float32Array(E);
  const revLenM = new Float32Array(E);
  for (let e = 0; e < E; e++) {
    const fs = graph.fwdEdgeSeg[e] >> 1;
    const rs = graph.revEdgeSeg[e] >> 1;
    fwdCost[e] = segSec[fs]!;
    revCost[e] = segSec[rs]!;
    fwdLenM[e] = graph.segLengthM[fs]!;
    revLenM[e] = graph.segLengthM[rs]!;
  }
  const costs: EdgeCosts = { segSec, fwdCost, revCost, fwdLenM, revLenM, segSpeedKmh };
  // Bounded: a deployment uses a handful of profiles × peak bands.
  if (perGraph.size >= 16) perGraph.delete(perGraph.keys().next().value!);
  perGraph.set(key, costs);
  return costs;
}
