import { DEFAULT_DETOUR_FACTOR, STRAIGHT_LINE_SPEED_KMH } from '@ringcad/domain';
import { edgeCosts, type EdgeCosts } from './edge-costs';
import { haversineM } from './geo-math';
import { DIR_BACKWARD, DIR_FORWARD, type RoadGraph } from './road-graph';
import {
  addUnitEnd,
  beginRanked,
  isRanked,
  minSpeedMps,
  offerUnit,
  runRankedSearch,
  unitMeters,
} from './ranked-search';
import {
  beginSearch,
  metersTo,
  nodeSec,
  nodeTimeScratch,
  runBucketTimes,
  runSearch,
  seedNode,
  wantNode,
  workspaceFor,
  type SearchWorkspace,
} from './search-workspace';
import { snapPoint, type LonLat, type SnapOptions, type SnappedPoint } from './snap';
import type { SpeedProfile } from './speed-profile';

export type EtaMethod = 'road' | 'straight';

/** Straight-line fallback configuration. */
export interface StraightLineConfig {
  /** Road distance ≈ straight distance × detourFactor (default 1.3). */
  detourFactor?: number;
  /** Speed by unit kind in km/h; unknown kinds use `defaultSpeedKmh`. */
  speedsKmhByKind?: Record<string, number>;
  defaultSpeedKmh?: number;
}

/** The domain's speeds by unit kind (walking kinds at walking pace). */
export const DEFAULT_STRAIGHT_SPEEDS_KMH: Readonly<Record<string, number>> =
  STRAIGHT_LINE_SPEED_KMH;

/**
 * Labelled straight-line estimate for points that cannot be snapped to the road network:
 * distance × detour factor at the unit kind's speed (the domain's rule: {@link straightLineEtaSec}
 * is the same estimate rounded to whole seconds).
 */
export function straightLineEta(
  distanceM: number,
  kind?: string,
  config: StraightLineConfig = {},
): { etaSec: number; distanceM: number; method: 'straight' } {
  const detour = config.detourFactor ?? DEFAULT_DETOUR_FACTOR;
  const speeds = config.speedsKmhByKind ?? DEFAULT_STRAIGHT_SPEEDS_KMH;
  const kmh =
    (kind !== undefined ? speeds[kind] : undefined) ??
    config.defaultSpeedKmh ??
    STRAIGHT_LINE_SPEED_KMH.patrol_car;
  // the distance reported is the straight one (as the domain's estimate reports it); the
  // detour only lengthens the time
  return { etaSec: (distanceM * detour) / (kmh / 3.6), distanceM, method: 'straight' };
}

export interface RoutingQueryOptions extends SnapOptions {
  /** Departure instant, for the peak-hour factor (off-peak when absent). */
  at?: Date;
  speedProfile?: SpeedProfile;
  /**
   * Speed for the leg between a point and the road it snaps to (default 15 km/h, a car
   * leaving a compound); 0 ignores that leg.
   */
  accessSpeedKmh?: number;
  straightLine?: StraightLineConfig;
  /** Reuse a specific workspace (default: the graph's shared one). */
  workspace?: SearchWorkspace;
}

export interface EtaOptions extends RoutingQueryOptions {
  /** Search bound; units slower than this are listed in `unreachedIds`. */
  maxSec: number;
  /**
   * Top-K: return only the `maxResults` fastest units (within maxSec), with exactly the ETAs
   * the unlimited query would give them. The search stops as soon as the frontier proves them
   * (frontier key ≥ the K-th best tentative ETA), which saves most of it for a dispatcher's
   * short list. The other units go to `notRankedIds` — except those proven slower than maxSec
   * (only known when the search was not cut short), which stay in `unreachedIds`. Ties at the
   * K-th ETA are broken arbitrarily. Straight-line units compete on their estimate.
   */
  maxResults?: number;
  /**
   * `etaToTarget` only: unit kinds that move on foot (kind → km/h, e.g. `{ foot: 5, kiosk: 5 }`).
   * Their ETA is (road metres + both access legs) ÷ walking speed, where the road path is
   * the best the car search offers through either end of the unit's own road: one-way rules
   * are ignored on that road (and on the target's, for a walker on it), but the rest of the
   * path is the fastest CAR path, one-way streets included, not the shortest walk. An
   * approximation: good for ranking kiosks against cars, not a pedestrian router. Walkers are
   * found only through nodes the car search settles within maxSec. Units that cannot be
   * snapped keep the straight-line estimate ({@link StraightLineConfig}).
   */
  walkingKinds?: Readonly<Record<string, number>>;
  /**
   * Snaps computed earlier, asked per unit (with its index) when the unit carries none: a
   * caller's cache, without a copy of every unit to hang its snap on (undefined: snap here).
   */
  snapOf?: (unit: EtaUnit, index: number) => SnappedPoint | null | undefined;
}

export interface EtaUnit {
  id: string;
  lon: number;
  lat: number;
  kind?: string;
  /** A snap computed earlier (positions change every few seconds, queries more often). */
  snap?: SnappedPoint | null;
}

export interface EtaResult {
  id: string;
  etaSec: number;
  distanceM: number;
  method: EtaMethod;
  /** Metres from the unit to the road; null for straight-line results. */
  snapDistanceM: number | null;
}

export interface EtaResponse {
  /** Units within maxSec, fastest first (at most `maxResults` of them). */
  results: EtaResult[];
  /** Units slower than maxSec (or with no path), in input order. */
  unreachedIds: string[];
  /**
   * With `maxResults`: units not among the K fastest whose ETA was not computed or not
   * returned (they may be within maxSec), in input order. Always empty without it.
   */
  notRankedIds: string[];
  /** How far the target (or origin) lies from the road; null when it could not be snapped. */
  anchorSnapDistanceM: number | null;
  settledNodes: number;
  tookMs: number;
}

/** Seconds for the leg between a point and the road it snaps to (0 when kmh is 0). */
export function accessSec(snap: SnappedPoint, kmh: number): number {
  return kmh > 0 ? snap.distanceM / (kmh / 3.6) : 0;
}

const AT_NODE = 1e-9;

/**
 * The node a snapped point sits on (fraction 0 or 1), else -1. A point on an intersection may
 * leave or arrive by any of its roads, whatever the direction of the one it snapped to.
 */
export function nodeAtSnap(p: SnappedPoint): number {
  if (p.fraction <= AT_NODE) return p.fromNode;
  if (p.fraction >= 1 - AT_NODE) return p.toNode;
  return -1;
}

/** Seeds a forward search with the ways out of a departure point. */
export function seedDeparture(
  ws: SearchWorkspace,
  p: SnappedPoint,
  costs: EdgeCosts,
  extraSec: number,
): void {
  const sec = costs.segSec[p.segment];
  const node = nodeAtSnap(p);
  if (node >= 0) seedNode(ws, node, extraSec, 0);
  if (p.direction & DIR_FORWARD)
    seedNode(ws, p.toNode, extraSec + (1 - p.fraction) * sec, p.remainingM);
  if (p.direction & DIR_BACKWARD) seedNode(ws, p.fromNode, extraSec + p.fraction * sec, p.offsetM);
}

/** Seeds a reverse search with the ways into an arrival point. */
export function seedArrival(
  ws: SearchWorkspace,
  q: SnappedPoint,
  costs: EdgeCosts,
  extraSec: number,
): void {
  const sec = costs.segSec[q.segment];
  const node = nodeAtSnap(q);
  if (node >= 0) seedNode(ws, node, extraSec, 0);
  if (q.direction & DIR_FORWARD) seedNode(ws, q.fromNode, extraSec + q.fraction * sec, q.offsetM);
  if (q.direction & DIR_BACKWARD)
    seedNode(ws, q.toNode, extraSec + (1 - q.fraction) * sec, q.remainingM);
}

/** Metres of the last {@link sameSegment} / {@link throughSearch} answer (avoids a tuple per unit). */
let lastM = Infinity;

/** Best time from p to q along their shared segment, if they share one (metres in lastM). */
function sameSegment(p: SnappedPoint, q: SnappedPoint, costs: EdgeCosts): number {
  lastM = Infinity;
  if (p.segment !== q.segment) return Infinity;
  const sec = costs.segSec[p.segment];
  const df = q.fraction - p.fraction;
  if (df >= 0 && p.direction & DIR_FORWARD) {
    lastM = q.offsetM - p.offsetM;
    return df * sec;
  }
  if (df <= 0 && p.direction & DIR_BACKWARD) {
    lastM = p.offsetM - q.offsetM;
    return -df * sec;
  }
  return Infinity;
}

/**
 * Time from a departure point p through the finished reverse search (seeded at the arrival
 * point), or to an arrival point q through a finished forward search (metres in lastM).
 */
function throughSearch(
  graph: RoadGraph,
  ws: SearchWorkspace,
  p: SnappedPoint,
  costs: EdgeCosts,
  forwardSearch: boolean,
): number {
  const sec = costs.segSec[p.segment];
  let best = Infinity;
  let bestM = Infinity;
  const atNode = nodeAtSnap(p);
  if (atNode >= 0) {
    best = nodeSec(ws, atNode);
    bestM = metersTo(ws, graph, atNode);
  }
  // In a reverse search p departs: forward travel leaves by toNode. In a forward search p is
  // the arrival: forward travel enters by fromNode. Backward travel mirrors both.
  if (p.direction & DIR_FORWARD) {
    const node = forwardSearch ? p.fromNode : p.toNode;
    const along = forwardSearch ? p.fraction : 1 - p.fraction;
    const t = nodeSec(ws, node) + along * sec;
    if (t < best) {
      best = t;
      bestM = metersTo(ws, graph, node) + (forwardSearch ? p.offsetM : p.remainingM);
    }
  }
  if (p.direction & DIR_BACKWARD) {
    const node = forwardSearch ? p.toNode : p.fromNode;
    const along = forwardSearch ? 1 - p.fraction : p.fraction;
    const t = nodeSec(ws, node) + along * sec;
    if (t < best) {
      best = t;
      bestM = metersTo(ws, graph, node) + (forwardSearch ? p.remainingM : p.offsetM);
    }
  }
  lastM = bestM;
  return best;
}

function oneToMany(
  graph: RoadGraph,
  anchor: LonLat,
  units: readonly EtaUnit[],
  opts: EtaOptions,
  direction: 'to-anchor' | 'from-anchor',
): EtaResponse {
  const t0 = performance.now();
  const maxSec = opts.maxSec;
  if (!(maxSec >= 0)) throw new RangeError(`maxSec must be ≥ 0, got ${maxSec}`);
  const rank = opts.maxResults;
  if (rank !== undefined && !(Number.isInteger(rank) && rank >= 1))
    throw new RangeError(`maxResults must be a positive integer, got ${rank}`);
  const walking = direction === 'to-anchor' ? opts.walkingKinds : undefined;
  const ws = opts.workspace ?? workspaceFor(graph);
  const costs = edgeCosts(graph, opts.speedProfile, opts.at);
  const accessKmh = opts.accessSpeedKmh ?? 15;
  const forwardSearch = direction === 'from-anchor';
  const anchorSnap = snapPoint(graph, anchor, {
    ...opts,
    role: forwardSearch ? 'origin' : 'target',
  });
  const unitSnapOptions: SnapOptions = { ...opts, role: forwardSearch ? 'target' : 'origin' };
  const st = beginRanked(ws, units.length, rank ?? 0, maxSec);
  const snaps: (SnappedPoint | null)[] = new Array<SnappedPoint | null>(units.length);
  if (anchorSnap) beginSearch(ws, forwardSearch ? 'forward' : 'reverse');
  const anchorAccess = anchorSnap ? accessSec(anchorSnap, accessKmh) : 0;
  let fastestWalkSecPerM = Infinity;
  for (let i = 0; i < units.length; i++) {
    const u = units[i];
    const known = !anchorSnap ? null : u.snap !== undefined ? u.snap : opts.snapOf?.(u, i);
    const s = known !== undefined ? known : snapPoint(graph, u, unitSnapOptions);
    snaps[i] = s;
    if (!s || !anchorSnap) {
      const est = straightLineEta(
        haversineM(u.lon, u.lat, anchor.lon, anchor.lat),
        u.kind,
        opts.straightLine,
      );
      offerUnit(st, i, est.etaSec, -1, est.distanceM);
      continue;
    }
    const walkKmh = walking && u.kind !== undefined ? walking[u.kind] : undefined;
    if (walkKmh !== undefined) {
      if (!(walkKmh > 0)) throw new RangeError(`walking speed for ${u.kind} must be > 0`);
      // Walkers: ETA = road metres of the path (+ both access legs) at walking pace; their own
      // road may be walked either way, so both of its ends count whatever its one-way rule.
      const walk = 3.6 / walkKmh;
      st.walkSecPerM[i] = walk;
      st.hasWalkers = true;
      if (walk < fastestWalkSecPerM) fastestWalkSecPerM = walk;
      const accessS = (s.distanceM + anchorSnap.distanceM) * walk;
      if (s.segment === anchorSnap.segment) {
        const m = Math.abs(s.offsetM - anchorSnap.offsetM);
        offerUnit(st, i, m * walk + accessS, -1, m);
      }
      addUnitEnd(ws, st, s.fromNode, i, accessS, s.offsetM);
      addUnitEnd(ws, st, s.toNode, i, accessS, s.remainingM);
      continue;
    }
    const unitAccess = accessSec(s, accessKmh);
    const dSec = forwardSearch
      ? sameSegment(anchorSnap, s, costs)
      : sameSegment(s, anchorSnap, costs);
    if (dSec < Infinity) offerUnit(st, i, dSec + anchorAccess + unitAccess, -1, lastM);
    // The nodes through which the unit's road joins the search tree: in a reverse search the
    // unit departs (forward travel leaves by toNode), in a forward search it is the arrival
    // (forward travel enters by fromNode); backward travel mirrors both.
    const sec = costs.segSec[s.segment];
    const atNode = nodeAtSnap(s);
    if (atNode >= 0) addUnitEnd(ws, st, atNode, i, unitAccess, 0);
    if (s.direction & DIR_FORWARD) {
      const along = forwardSearch ? s.fraction : 1 - s.fraction;
      addUnitEnd(
        ws,
        st,
        forwardSearch ? s.fromNode : s.toNode,
        i,
        along * sec + unitAccess,
        forwardSearch ? s.offsetM : s.remainingM,
      );
    }
    if (s.direction & DIR_BACKWARD) {
      const along = forwardSearch ? 1 - s.fraction : s.fraction;
      addUnitEnd(
        ws,
        st,
        forwardSearch ? s.toNode : s.fromNode,
        i,
        along * sec + unitAccess,
        forwardSearch ? s.remainingM : s.offsetM,
      );
    }
  }
  let settledNodes = 0;
  if (anchorSnap && st.entryCount > 0) {
    if (st.hasWalkers) {
      // Road metres to a node with time t are ≥ (t − anchorAccess) × the slowest road speed,
      // so a walker's ETA through any end not yet settled at frontier d is at least this.
      const vMin = minSpeedMps(costs);
      st.walkLbA = vMin * fastestWalkSecPerM;
      st.walkLbB = (anchorSnap.distanceM - anchorAccess * vMin) * fastestWalkSecPerM;
    }
    if (forwardSearch) seedDeparture(ws, anchorSnap, costs, anchorAccess);
    else seedArrival(ws, anchorSnap, costs, anchorAccess);
    settledNodes = runRankedSearch(ws, graph, costs, maxSec, st);
  }
  const results: EtaResult[] = [];
  const unreachedIds: string[] = [];
  const notRankedIds: string[] = [];
  for (let i = 0; i < units.length; i++) {
    const sec = st.best[i];
    const s = snaps[i];
    if (rank === undefined ? sec <= maxSec : isRanked(st, i)) {
      results.push({
        id: units[i].id,
        etaSec: sec,
        distanceM: unitMeters(ws, graph, st, i),
        method: s ? 'road' : 'straight',
        snapDistanceM: s ? s.distanceM : null,
      });
    } else if (rank !== undefined && (st.stoppedByRank || sec <= maxSec)) {
      notRankedIds.push(units[i].id);
    } else unreachedIds.push(units[i].id);
  }
  results.sort((a, b) => a.etaSec - b.etaSec || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    results,
    unreachedIds,
    notRankedIds,
    anchorSnapDistanceM: anchorSnap ? anchorSnap.distanceM : null,
    settledNodes,
    tookMs: performance.now() - t0,
  };
}

/**
 * Many-to-one ETA: every unit's travel time to the target from ONE bounded Dijkstra over
 * reversed edges, started at the snapped target with partial edge costs. Units are snapped to
 * their road (one-way rules hold on their own segment too); units or targets farther than
 * maxSnapM from any road get a labelled straight-line estimate instead.
 */
export function etaToTarget(
  graph: RoadGraph,
  target: LonLat,
  units: readonly EtaUnit[],
  opts: EtaOptions,
): EtaResponse {
  return oneToMany(graph, target, units, opts, 'to-anchor');
}

/**
 * One-to-many forward: travel time from an origin (a unit) to each target, by one bounded
 * forward Dijkstra.
 */
export function travelTimesFrom(
  graph: RoadGraph,
  origin: LonLat,
  targets: readonly EtaUnit[],
  opts: EtaOptions,
): EtaResponse {
  return oneToMany(graph, origin, targets, opts, 'from-anchor');
}

export interface MultiSourceOptions extends RoutingQueryOptions {
  /** Reuse an output array (length nodeCount). */
  out?: Float32Array;
}

/**
 * Multi-source forward search: for every node, the minimum seconds from any source (e.g. all
 * available units) — Infinity beyond maxSec or where no source can drive. Sources that cannot
 * be snapped are skipped (they are reported by their index).
 */
export function multiSourceTimes(
  graph: RoadGraph,
  sources: readonly (LonLat & { snap?: SnappedPoint | null })[],
  maxSec: number,
  opts: MultiSourceOptions = {},
): { nodeSec: Float32Array; unsnappedSources: number[]; settledNodes: number } {
  const ws = opts.workspace ?? workspaceFor(graph);
  const costs = edgeCosts(graph, opts.speedProfile, opts.at);
  const accessKmh = opts.accessSpeedKmh ?? 15;
  const out = opts.out ?? new Float32Array(graph.nodeCount);
  const unsnappedSources: number[] = [];
  const sourceSnapOptions: SnapOptions = { ...opts, role: 'origin' };
  beginSearch(ws, 'forward');
  sources.forEach((src, i) => {
    const s = src.snap !== undefined ? src.snap : snapPoint(graph, src, sourceSnapOptions);
    if (!s) unsnappedSources.push(i);
    else seedDeparture(ws, s, costs, accessSec(s, accessKmh));
  });
  // every node is wanted: the bucket queue gives Dijkstra's times with O(1) queue operations
  const times = nodeTimeScratch(ws);
  const settledNodes = runBucketTimes(ws, graph, costs, maxSec, times);
  out.set(times);
  return { nodeSec: out, unsnappedSources, settledNodes };
}

export interface RouteResult {
  method: EtaMethod;
  etaSec: number;
  distanceM: number;
  /** LineString coordinates [lon, lat] from `from` to `to`, following road shapes. */
  coordinates: [number, number][];
}

/** Appends the part of a segment's shape between two fractions (either order). */
function appendSlice(
  graph: RoadGraph,
  seg: number,
  f0: number,
  f1: number,
  out: [number, number][],
): void {
  const g0 = graph.segGeomStart[seg];
  const g1 = graph.segGeomStart[seg + 1];
  const { kx, ky } = graph.projection;
  const n = g1 - g0;
  const cum = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    const a = g0 + i - 1;
    cum[i] =
      cum[i - 1] +
      Math.hypot(
        (graph.geomLon[a + 1] - graph.geomLon[a]) * kx,
        (graph.geomLat[a + 1] - graph.geomLat[a]) * ky,
      );
  }
  const total = cum[n - 1];
  const pointAt = (f: number): [number, number] => {
    const d = f * total;
    let i = 1;
    while (i < n - 1 && cum[i] < d) i++;
    const span = cum[i] - cum[i - 1];
    const t = span > 0 ? (d - cum[i - 1]) / span : 0;
    const a = g0 + i - 1;
    return [
      graph.geomLon[a] + t * (graph.geomLon[a + 1] - graph.geomLon[a]),
      graph.geomLat[a] + t * (graph.geomLat[a + 1] - graph.geomLat[a]),
    ];
  };
  const push = (c: [number, number]): void => {
    const last = out[out.length - 1];
    if (!last || last[0] !== c[0] || last[1] !== c[1]) out.push(c);
  };
  push(pointAt(f0));
  if (f1 >= f0) {
    for (let i = 1; i < n - 1; i++)
      if (cum[i] > f0 * total && cum[i] < f1 * total)
        push([graph.geomLon[g0 + i], graph.geomLat[g0 + i]]);
  } else {
    for (let i = n - 2; i >= 1; i--)
      if (cum[i] < f0 * total && cum[i] > f1 * total)
        push([graph.geomLon[g0 + i], graph.geomLat[g0 + i]]);
  }
  push(pointAt(f1));
}

/**
 * The fastest road route between two points, as drawable LineString coordinates along road
 * shapes with its ETA (a straight two-point line, labelled, when either end cannot be snapped).
 * `distanceM` is the length of the drawn line, access legs included. With `walkKmh` (a unit on
 * foot) the path is the same car path {@link etaToTarget} ranks walkers on, and its ETA is that
 * drawn length at walking pace.
 */
export function routeBetween(
  graph: RoadGraph,
  from: LonLat,
  to: LonLat,
  opts: RoutingQueryOptions & { maxSec?: number; kind?: string; walkKmh?: number } = {},
): RouteResult | null {
  if (opts.walkKmh !== undefined && !(opts.walkKmh > 0))
    throw new RangeError(`walkKmh must be > 0, got ${opts.walkKmh}`);
  const ws = opts.workspace ?? workspaceFor(graph);
  const costs = edgeCosts(graph, opts.speedProfile, opts.at);
  const accessKmh = opts.accessSpeedKmh ?? 15;
  const p = snapPoint(graph, from, { ...opts, role: 'origin' });
  const q = snapPoint(graph, to, { ...opts, role: 'target' });
  if (!p || !q) {
    const est = straightLineEta(
      haversineM(from.lon, from.lat, to.lon, to.lat),
      opts.kind,
      opts.straightLine,
    );
    return {
      ...est,
      coordinates: [
        [from.lon, from.lat],
        [to.lon, to.lat],
      ],
    };
  }
  const extra = accessSec(p, accessKmh) + accessSec(q, accessKmh);
  beginSearch(ws, 'forward');
  seedDeparture(ws, p, costs, 0);
  if (q.direction & DIR_FORWARD) wantNode(ws, q.fromNode);
  if (q.direction & DIR_BACKWARD) wantNode(ws, q.toNode);
  if (nodeAtSnap(q) >= 0) wantNode(ws, nodeAtSnap(q));
  runSearch(ws, graph, costs, opts.maxSec ?? Infinity);
  const direct = sameSegment(p, q, costs);
  const via = throughSearch(graph, ws, q, costs, true);
  if (!(Math.min(direct, via) < Infinity)) return null;
  const coords: [number, number][] = [];
  if (p.distanceM > 0.5) coords.push([from.lon, from.lat]);
  if (direct <= via) {
    appendSlice(graph, p.segment, p.fraction, q.fraction, coords);
  } else {
    // Which way did the best path enter q's segment (or q's node)?
    const secQ = costs.segSec[q.segment];
    const qNode = nodeAtSnap(q);
    const candidates: [number, number, number][] = [
      [qNode >= 0 ? nodeSec(ws, qNode) : Infinity, qNode, q.fraction],
      [
        q.direction & DIR_FORWARD ? nodeSec(ws, q.fromNode) + q.fraction * secQ : Infinity,
        q.fromNode,
        0,
      ],
      [
        q.direction & DIR_BACKWARD ? nodeSec(ws, q.toNode) + (1 - q.fraction) * secQ : Infinity,
        q.toNode,
        1,
      ],
    ];
    candidates.sort((a, b) => a[0] - b[0]);
    const [, entry, entryFraction] = candidates[0];
    const edges: number[] = [];
    let root = entry;
    while (ws.predEdge[root] >= 0) {
      const e = ws.predEdge[root];
      edges.push(e);
      const code = graph.fwdEdgeSeg[e];
      root = code & 1 ? graph.segTo[code >> 1] : graph.segFrom[code >> 1];
    }
    edges.reverse();
    // The root is a seed: p's own node, or the end of p's segment it drove to.
    const rootFraction =
      root === nodeAtSnap(p) ? p.fraction : root === p.toNode && p.direction & DIR_FORWARD ? 1 : 0;
    appendSlice(graph, p.segment, p.fraction, rootFraction, coords);
    for (const e of edges) {
      const code = graph.fwdEdgeSeg[e];
      appendSlice(graph, code >> 1, code & 1 ? 1 : 0, code & 1 ? 0 : 1, coords);
    }
    appendSlice(graph, q.segment, entryFraction, q.fraction, coords);
  }
  if (q.distanceM > 0.5) coords.push([to.lon, to.lat]);
  const best = Math.min(direct, via);
  const drawnM = lineLengthM(coords);
  return {
    method: 'road',
    etaSec: opts.walkKmh !== undefined ? drawnM / (opts.walkKmh / 3.6) : best + extra,
    distanceM: drawnM,
    coordinates: coords,
  };
}

function lineLengthM(coords: readonly [number, number][]): number {
  let m = 0;
  for (let i = 1; i < coords.length; i++)
    m += haversineM(coords[i - 1][0], coords[i - 1][1], coords[i][0], coords[i][1]);
  return m;
}
