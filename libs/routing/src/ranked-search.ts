import type { EdgeCosts } from './edge-costs';
import type { RoadGraph } from './road-graph';
import { metersTo, wantNode, type SearchWorkspace } from './search-workspace';

/**
 * Per-unit bookkeeping for a one-to-many search (see {@link runRankedSearch}): every unit has
 * up to three "ends" (graph nodes through which its road leaves or enters the search tree),
 * each with the extra seconds / metres from that node to the unit. As an end settles, the
 * unit's tentative ETA improves; with a rank limit K, an indexed max-heap keeps the K smallest
 * tentative ETAs so the search can stop once the frontier proves them final.
 *
 * Typed arrays are sized once per workspace (grown when a query brings more units or ends), so
 * a query allocates nothing here.
 */
export interface RankedState {
  /** First end entry per wanted node (valid where ws.want[v] === ws.gen), -1 for none. */
  wantHead: Int32Array;
  entryNext: Int32Array;
  entryUnit: Int32Array;
  entryNode: Int32Array;
  /**
   * Seconds added to the node time: drivers, partial edge + access leg; walkers (whose ETA is
   * metres × walkSecPerM), both access legs at walking pace.
   */
  entryAddSec: Float64Array;
  /** Road metres from the node along the unit's road to the unit. */
  entryAddM: Float64Array;
  entryCount: number;
  unitCount: number;
  /** Best tentative ETA per unit (seconds). */
  best: Float64Array;
  /**
   * Road metres of that path: metres to the node of entry `bestEntry[u]` plus its addM when
   * bestEntry ≥ 0 (resolved lazily by {@link unitMeters}), else `bestM[u]`.
   */
  bestM: Float64Array;
  bestEntry: Int32Array;
  /** Walkers: seconds per metre (1 / walking speed); 0 for units that drive. */
  walkSecPerM: Float64Array;
  /** Position in the K-heap, -1 when not in it. */
  heapPos: Int32Array;
  kHeap: Int32Array;
  kSize: number;
  /** Rank limit; 0 = no limit (every unit is ranked, the search never stops for rank). */
  k: number;
  /** Only ETAs ≤ this enter the K-heap (the query's maxSec). */
  maxSec: number;
  hasWalkers: boolean;
  /** Lower bound of any walker's ETA through a node not yet settled at frontier d: d·a + b. */
  walkLbA: number;
  walkLbB: number;
  /** Whether the last search stopped because the K nearest were proven. */
  stoppedByRank: boolean;
}

const states = new WeakMap<SearchWorkspace, RankedState>();

function grow<T extends Int32Array | Float64Array>(a: T, n: number): T {
  if (a.length >= n) return a;
  const b = new (a.constructor as new (len: number) => T)(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/** The workspace's ranked state, reset for a query over `unitCount` units. */
export function beginRanked(
  ws: SearchWorkspace,
  unitCount: number,
  k: number,
  maxSec: number,
): RankedState {
  let st = states.get(ws);
  if (!st) {
    st = {
      wantHead: new Int32Array(ws.nodeCount),
      entryNext: new Int32Array(64),
      entryUnit: new Int32Array(64),
      entryNode: new Int32Array(64),
      entryAddSec: new Float64Array(64),
      entryAddM: new Float64Array(64),
      entryCount: 0,
      unitCount: 0,
      best: new Float64Array(64),
      bestM: new Float64Array(64),
      bestEntry: new Int32Array(64),
      walkSecPerM: new Float64Array(64),
      heapPos: new Int32Array(64),
      kHeap: new Int32Array(64),
      kSize: 0,
      k: 0,
      maxSec: Infinity,
      hasWalkers: false,
      walkLbA: 0,
      walkLbB: 0,
      stoppedByRank: false,
    };
    states.set(ws, st);
  }
  if (st.best.length < unitCount) {
    st.best = grow(st.best, unitCount);
    st.bestM = grow(st.bestM, unitCount);
    st.bestEntry = grow(st.bestEntry, unitCount);
    st.walkSecPerM = grow(st.walkSecPerM, unitCount);
    st.heapPos = grow(st.heapPos, unitCount);
    st.kHeap = grow(st.kHeap, unitCount);
  }
  st.unitCount = unitCount;
  st.best.fill(Infinity, 0, unitCount);
  st.bestM.fill(Infinity, 0, unitCount);
  st.bestEntry.fill(-1, 0, unitCount);
  st.walkSecPerM.fill(0, 0, unitCount);
  st.heapPos.fill(-1, 0, unitCount);
  st.entryCount = 0;
  st.kSize = 0;
  st.k = k > 0 ? Math.min(k, unitCount) : 0;
  st.maxSec = maxSec;
  st.hasWalkers = false;
  st.walkLbA = 0;
  st.walkLbB = 0;
  st.stoppedByRank = false;
  return st;
}

/** Registers an end of unit u at node v (also asks the search to settle v). */
export function addUnitEnd(
  ws: SearchWorkspace,
  st: RankedState,
  v: number,
  u: number,
  addSec: number,
  addM: number,
): void {
  if (ws.want[v] !== ws.gen) {
    st.wantHead[v] = -1;
    wantNode(ws, v);
  }
  const i = st.entryCount++;
  if (i >= st.entryUnit.length) {
    st.entryNext = grow(st.entryNext, i + 1);
    st.entryUnit = grow(st.entryUnit, i + 1);
    st.entryNode = grow(st.entryNode, i + 1);
    st.entryAddSec = grow(st.entryAddSec, i + 1);
    st.entryAddM = grow(st.entryAddM, i + 1);
  }
  st.entryNext[i] = st.wantHead[v];
  st.entryUnit[i] = u;
  st.entryNode[i] = v;
  st.entryAddSec[i] = addSec;
  st.entryAddM[i] = addM;
  st.wantHead[v] = i;
}

/** The K-th smallest tentative ETA so far (Infinity while fewer than K units qualify). */
function kth(st: RankedState): number {
  return st.k > 0 && st.kSize === st.k ? st.best[st.kHeap[0]] : Infinity;
}

function siftDown(st: RankedState, i: number): void {
  const { kHeap, heapPos, best } = st;
  const n = st.kSize;
  const u = kHeap[i];
  const val = best[u];
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && best[kHeap[c + 1]] > best[kHeap[c]]) c++;
    const cu = kHeap[c];
    if (best[cu] <= val) break;
    kHeap[i] = cu;
    heapPos[cu] = i;
    i = c;
  }
  kHeap[i] = u;
  heapPos[u] = i;
}

function siftUp(st: RankedState, i: number): void {
  const { kHeap, heapPos, best } = st;
  const u = kHeap[i];
  const val = best[u];
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pu = kHeap[p];
    if (best[pu] >= val) break;
    kHeap[i] = pu;
    heapPos[pu] = i;
    i = p;
  }
  kHeap[i] = u;
  heapPos[u] = i;
}

/**
 * Offers a candidate ETA for unit u — seconds, and either the end entry it came through or
 * (entry -1) the road metres of its path; keeps the smaller one (the first one on ties) and,
 * with a rank limit, the K-heap of the K smallest.
 */
export function offerUnit(st: RankedState, u: number, sec: number, entry: number, m: number): void {
  if (!(sec < st.best[u])) return;
  st.best[u] = sec;
  st.bestEntry[u] = entry;
  st.bestM[u] = m;
  if (st.k === 0 || sec > st.maxSec) return;
  const pos = st.heapPos[u];
  if (pos >= 0) {
    siftDown(st, pos); // a max-heap: a smaller value moves towards the leaves
  } else if (st.kSize < st.k) {
    st.kHeap[st.kSize] = u;
    st.heapPos[u] = st.kSize++;
    siftUp(st, st.heapPos[u]);
  } else if (sec < st.best[st.kHeap[0]]) {
    st.heapPos[st.kHeap[0]] = -1;
    st.kHeap[0] = u;
    st.heapPos[u] = 0;
    siftDown(st, 0);
  }
}

/** Whether unit u is among the K nearest (always false without a rank limit). */
export function isRanked(st: RankedState, u: number): boolean {
  return st.heapPos[u] >= 0;
}

/** Road metres of unit u's best path (Infinity when it has none). */
export function unitMeters(ws: SearchWorkspace, graph: RoadGraph, st: RankedState, u: number) {
  const i = st.bestEntry[u];
  return i >= 0 ? metersTo(ws, graph, st.entryNode[i]) + st.entryAddM[i] : st.bestM[u];
}

/** Settles the ends registered at node v (node time d). */
function settleEnds(ws: SearchWorkspace, graph: RoadGraph, st: RankedState, v: number, d: number) {
  for (let i = st.wantHead[v]; i >= 0; i = st.entryNext[i]) {
    const u = st.entryUnit[i];
    const walk = st.walkSecPerM[u];
    if (walk > 0)
      offerUnit(st, u, (metersTo(ws, graph, v) + st.entryAddM[i]) * walk + st.entryAddSec[i], i, 0);
    else offerUnit(st, u, d + st.entryAddSec[i], i, 0);
  }
}

/**
 * Bounded Dijkstra (same heap and relaxation as {@link runSearch}) that resolves unit ends as
 * they settle. Stops when the heap is empty, the frontier passes `maxSec`, every end is
 * settled, or — with a rank limit K — the frontier key d is ≥ the K-th smallest tentative ETA:
 * every later end has node time ≥ d and only non-negative additions (partial edge, access
 * leg), so no unit can still beat the K found (walkers: see `walkLbA/B`).
 * Returns the number of settled nodes.
 */
export function runRankedSearch(
  ws: SearchWorkspace,
  graph: RoadGraph,
  costs: EdgeCosts,
  maxSec: number,
  st: RankedState,
): number {
  const forward = ws.direction === 'forward';
  const offsets = forward ? graph.fwdOffsets : graph.revOffsets;
  const heads = forward ? graph.fwdTargets : graph.revSources;
  const cost = forward ? costs.fwdCost : costs.revCost;
  const { dist, predEdge, stamp, settled, want, order } = ws;
  const gen = ws.gen;
  const useWant = ws.wantRemaining > 0;
  const hasWalkers = st.hasWalkers;
  const walkA = st.walkLbA;
  const walkB = st.walkLbB;
  let bound = kth(st);
  let keys = ws.heapKey;
  let nodes = ws.heapNode;
  let size = ws.heapSize;
  let count = ws.settledCount;
  while (size > 0) {
    const d = keys[0];
    const v = nodes[0];
    const n = --size;
    if (n > 0) {
      const key = keys[n];
      const node = nodes[n];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && keys[c + 1] < keys[c]) c++;
        const ck = keys[c];
        if (ck >= key) break;
        keys[i] = ck;
        nodes[i] = nodes[c]!;
        i = c;
      }
      keys[i] = key;
      nodes[i] = node;
    }
    if (d > dist[v]) continue;
    if (d > maxSec) break;
    if (d >= bound && (!hasWalkers || d * walkA + walkB >= bound)) {
      st.stoppedByRank = true;
      break;
    }
    settled[v] = gen;
    order[count++] = v;
    if (useWant && want[v] === gen) {
      settleEnds(ws, graph, st, v, d);
      bound = kth(st);
      if (--ws.wantRemaining === 0) break;
    }
    const end = offsets[v + 1];
    for (let e = offsets[v]; e < end; e++) {
      const w = heads[e];
      const nd = d + cost[e];
      if (nd > maxSec) continue;
      if (stamp[w] !== gen) {
        stamp[w] = gen;
      } else if (nd >= dist[w]) continue;
      dist[w] = nd;
      predEdge[w] = e;
      if (size === keys.length) {
        ws.heapSize = size;
        const k2 = new Float64Array(keys.length * 2);
        k2.set(keys);
        const n2 = new Int32Array(nodes.length * 2);
        n2.set(nodes);
        ws.heapKey = keys = k2;
        ws.heapNode = nodes = n2;
      }
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        const pk = keys[p];
        if (pk <= nd) break;
        keys[i] = pk;
        nodes[i] = nodes[p]!;
        i = p;
      }
      keys[i] = nd;
      nodes[i] = w;
    }
  }
  ws.heapSize = size;
  ws.settledCount = count;
  return count;
}

const minSpeeds = new WeakMap<EdgeCosts, number>();

/** The slowest segment speed of a cost set, m/s (cached per cost set). */
export function minSpeedMps(costs: EdgeCosts): number {
  let v = minSpeeds.get(costs);
  if (v === undefined) {
    let min = Infinity;
    const s = costs.segSpeedKmh;
    for (let i = 0; i < s.length; i++) if (s[i] < min) min = s[i];
    // Float32 speeds and Float32 edge costs round; shave a little so the bound stays a bound.
    v = min < Infinity ? (min / 3.6) * 0.999 : 0;
    minSpeeds.set(costs, v);
  }
  return v;
}
