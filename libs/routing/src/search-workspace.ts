import { BucketQueue } from './bucket-queue';
import type { EdgeCosts } from './edge-costs';
import type { RoadGraph } from './road-graph';
import { SweepBuckets, sweepSearch, sweepWidth } from './sweep-buckets';

/** 'forward': times from the seeds outwards; 'reverse': times from every node to the seeds. */
export type SearchDirection = 'forward' | 'reverse';

/**
 * Reusable Dijkstra state for one graph: typed arrays sized once, invalidated by a generation
 * stamp instead of being cleared, so a query touches only the nodes it reaches and allocates
 * nothing. Not re-entrant: one search at a time per workspace (JavaScript is single-threaded,
 * and every search here runs to completion synchronously).
 */
export interface SearchWorkspace {
  readonly nodeCount: number;
  /** Seconds to/from the seeds; valid where stamp[v] === gen. */
  readonly dist: Float64Array;
  /** Metres along the chosen path; valid where mStamp[v] === gen (see {@link metersTo}). */
  readonly distM: Float64Array;
  readonly mStamp: Uint32Array;
  /** Scratch stack for {@link metersTo}. */
  readonly chain: Int32Array;
  /** CSR edge index (forward or reverse arrays, per the search) that reached v; -1 for seeds. */
  readonly predEdge: Int32Array;
  readonly stamp: Uint32Array;
  readonly settled: Uint32Array;
  readonly want: Uint32Array;
  /** Settled nodes in settle order; the first `settledCount` are valid. */
  readonly order: Int32Array;
  gen: number;
  settledCount: number;
  heapKey: Float64Array;
  heapNode: Int32Array;
  heapSize: number;
  wantRemaining: number;
  direction: SearchDirection;
}

export function createSearchWorkspace(graph: RoadGraph): SearchWorkspace {
  const N = graph.nodeCount;
  const cap = Math.max(64, N + 16);
  return {
    nodeCount: N,
    dist: new Float64Array(N),
    distM: new Float64Array(N),
    mStamp: new Uint32Array(N),
    chain: new Int32Array(N),
    predEdge: new Int32Array(N),
    stamp: new Uint32Array(N),
    settled: new Uint32Array(N),
    want: new Uint32Array(N),
    order: new Int32Array(N),
    gen: 0,
    settledCount: 0,
    heapKey: new Float64Array(cap),
    heapNode: new Int32Array(cap),
    heapSize: 0,
    wantRemaining: 0,
    direction: 'forward',
  };
}

const shared = new WeakMap<RoadGraph, SearchWorkspace>();

/** The graph's shared workspace (created on first use). */
export function workspaceFor(graph: RoadGraph): SearchWorkspace {
  let ws = shared.get(graph);
  if (!ws) {
    ws = createSearchWorkspace(graph);
    shared.set(graph, ws);
  }
  return ws;
}

/** Starts a new search: O(1), old values become invalid through the generation stamp. */
export function beginSearch(ws: SearchWorkspace, direction: SearchDirection): void {
  ws.gen++;
  if (ws.gen >= 0xffffffff) {
    ws.stamp.fill(0);
    ws.settled.fill(0);
    ws.want.fill(0);
    ws.mStamp.fill(0);
    ws.gen = 1;
  }
  ws.heapSize = 0;
  ws.settledCount = 0;
  ws.wantRemaining = 0;
  ws.direction = direction;
}

/** Whether node v was reached in the current search. */
export function reached(ws: SearchWorkspace, v: number): boolean {
  return ws.stamp[v] === ws.gen;
}

/**
 * Final seconds to/from node v in the current search, Infinity unless settled (a node that is
 * only reached may still improve when a search stops early).
 */
export function nodeSec(ws: SearchWorkspace, v: number): number {
  return ws.settled[v] === ws.gen ? ws.dist[v] : Infinity;
}

/**
 * Metres along the search tree to/from settled node v. Computed on demand by walking the
 * predecessor chain (memoised per search) instead of on every relaxation: callers need metres
 * for a few hundred units, the search settles tens of thousands of nodes.
 */
export function metersTo(ws: SearchWorkspace, graph: RoadGraph, v: number): number {
  if (ws.settled[v] !== ws.gen) return Infinity;
  const { distM, mStamp, predEdge, chain } = ws;
  const gen = ws.gen;
  const forward = ws.direction === 'forward';
  const edgeSeg = forward ? graph.fwdEdgeSeg : graph.revEdgeSeg;
  let top = 0;
  let u = v;
  // Seeds (predEdge -1) hold their metres from seedNode; relaxations never write distM.
  while (predEdge[u] >= 0 && mStamp[u] !== gen) {
    chain[top++] = u;
    const code = edgeSeg[predEdge[u]];
    const seg = code >> 1;
    // The predecessor is the edge's tail in a forward search, its head in a reverse one.
    u = forward === ((code & 1) === 0) ? graph.segFrom[seg] : graph.segTo[seg];
  }
  while (top > 0) {
    const w = chain[--top];
    distM[w] = distM[u] + graph.segLengthM[edgeSeg[predEdge[w]] >> 1];
    mStamp[w] = gen;
    u = w;
  }
  return distM[v];
}

/** Asks the search to stop as soon as every wanted node is settled. */
export function wantNode(ws: SearchWorkspace, v: number): void {
  if (ws.want[v] !== ws.gen) {
    ws.want[v] = ws.gen;
    ws.wantRemaining++;
  }
}

function growHeap(ws: SearchWorkspace): void {
  const k = new Float64Array(ws.heapKey.length * 2);
  k.set(ws.heapKey);
  const n = new Int32Array(ws.heapNode.length * 2);
  n.set(ws.heapNode);
  ws.heapKey = k;
  ws.heapNode = n;
}

function heapPush(ws: SearchWorkspace, key: number, node: number): void {
  if (ws.heapSize === ws.heapKey.length) growHeap(ws);
  const keys = ws.heapKey;
  const nodes = ws.heapNode;
  let i = ws.heapSize++;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pk = keys[p];
    if (pk <= key) break;
    keys[i] = pk;
    nodes[i] = nodes[p]!;
    i = p;
  }
  keys[i] = key;
  nodes[i] = node;
}

/** Adds a start node at `sec` seconds / `m` metres (keeps the smaller if seeded twice). */
export function seedNode(ws: SearchWorkspace, v: number, sec: number, m: number): void {
  if (!(sec < Infinity)) return;
  if (ws.stamp[v] === ws.gen && ws.dist[v] <= sec) return;
  ws.stamp[v] = ws.gen;
  ws.dist[v] = sec;
  ws.distM[v] = m;
  ws.predEdge[v] = -1;
  heapPush(ws, sec, v);
}

/**
 * Runs the bounded Dijkstra (lazy-deletion binary heap on typed arrays) until the heap is
 * empty, the next node is beyond `maxSec`, or every wanted node is settled.
 * Returns the number of settled nodes.
 */
export function runSearch(
  ws: SearchWorkspace,
  graph: RoadGraph,
  costs: EdgeCosts,
  maxSec: number,
): number {
  const forward = ws.direction === 'forward';
  const offsets = forward ? graph.fwdOffsets : graph.revOffsets;
  const heads = forward ? graph.fwdTargets : graph.revSources;
  const cost = forward ? costs.fwdCost : costs.revCost;
  const { dist, predEdge, stamp, settled, want, order } = ws;
  const gen = ws.gen;
  const useWant = ws.wantRemaining > 0;
  // The heap lives in locals for the hot loop (binary, lazy deletion); it is written back to
  // the workspace when the loop ends.
  let keys = ws.heapKey;
  let nodes = ws.heapNode;
  let size = ws.heapSize;
  let count = ws.settledCount;
  while (size > 0) {
    // Pop the minimum.
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
    // Stale entry: a shorter distance was pushed later. Pushes happen only on strict
    // improvement, so exactly one entry per node has key === dist[v].
    if (d > dist[v]) continue;
    if (d > maxSec) break;
    settled[v] = gen;
    order[count++] = v;
    if (useWant && want[v] === gen && --ws.wantRemaining === 0) break;
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
      // Push.
      if (size === keys.length) {
        ws.heapSize = size;
        growHeap(ws);
        keys = ws.heapKey;
        nodes = ws.heapNode;
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

/** Bucket width of {@link runBucketSearch}: about one road segment's driving time or less. */
const BUCKET_SEC = 1;
/** Longer (or unbounded) searches use the heap: the bucket array would be too long. */
const MAX_BUCKET_SEARCH_SEC = 6 * 3600;

const bucketQueues = new WeakMap<SearchWorkspace, BucketQueue>();

/** The workspace's bucket queue, emptied, with at least `buckets` buckets. */
function bucketQueue(ws: SearchWorkspace, buckets: number): BucketQueue {
  let q = bucketQueues.get(ws);
  if (!q) {
    q = new BucketQueue(buckets, BUCKET_SEC, Math.max(1024, ws.nodeCount >> 2));
    bucketQueues.set(ws, q);
  }
  q.clear(buckets);
  return q;
}

/**
 * The same search as {@link runSearch} when every node within `maxSec` is wanted (coverage from
 * all units over the whole city): a bucket queue of {@link BUCKET_SEC}-second buckets instead of
 * the binary heap, so a push or pop costs O(1) instead of O(log n). Within a bucket nodes are
 * scanned in no particular order, and a node whose time improves after its scan is scanned again
 * (label-correcting), so the times are exactly Dijkstra's: the buckets only keep re-scans rare.
 * Seeds are the entries `seedNode` put on the heap. Distances (`dist`, `predEdge`) and the
 * `settled`/`order` bookkeeping are left as a completed {@link runSearch} leaves them; `want`
 * is ignored. Returns the number of nodes reached within `maxSec`. Bounds beyond
 * MAX_BUCKET_SEARCH_SEC (six hours, or none) run {@link runSearch} instead.
 */
export function runBucketSearch(
  ws: SearchWorkspace,
  graph: RoadGraph,
  costs: EdgeCosts,
  maxSec: number,
): number {
  if (!(maxSec <= MAX_BUCKET_SEARCH_SEC)) return runSearch(ws, graph, costs, maxSec);
  const forward = ws.direction === 'forward';
  const offsets = forward ? graph.fwdOffsets : graph.revOffsets;
  const heads = forward ? graph.fwdTargets : graph.revSources;
  const cost = forward ? costs.fwdCost : costs.revCost;
  const { dist, predEdge, stamp, settled, order } = ws;
  const gen = ws.gen;
  const nb = Math.floor(maxSec / BUCKET_SEC) + 2;
  const q = bucketQueue(ws, nb);
  for (let i = 0; i < ws.heapSize; i++) {
    const v = ws.heapNode[i];
    const d = ws.heapKey[i];
    if (d === dist[v] && d <= maxSec) q.push(v, 0, d);
  }
  ws.heapSize = 0;
  let count = ws.settledCount;
  for (let b = 0; b < nb; b++) {
    for (let e = q.pop(b); e >= 0; e = q.pop(b)) {
      const v = q.node[e];
      const d = q.key[e];
      // stale: the node was improved after this entry was made (its current entry comes later
      // in this bucket or sits in this one)
      if (d !== dist[v]) continue;
      if (settled[v] !== gen) {
        settled[v] = gen;
        order[count++] = v;
      }
      const end = offsets[v + 1];
      for (let k = offsets[v]; k < end; k++) {
        const w = heads[k];
        const nd = d + cost[k];
        if (nd > maxSec) continue;
        if (stamp[w] !== gen) stamp[w] = gen;
        else if (nd >= dist[w]) continue;
        dist[w] = nd;
        predEdge[w] = k;
        q.push(w, 0, nd);
      }
    }
  }
  q.drained();
  ws.settledCount = count;
  return count;
}

/** Per workspace: {@link runBucketTimes}'s queue, and a source per node it passes on (all 0). */
const sweeps = new WeakMap<SearchWorkspace, { sweep: SweepBuckets; source: Int32Array }>();

function sweepScratch(ws: SearchWorkspace): { sweep: SweepBuckets; source: Int32Array } {
  let s = sweeps.get(ws);
  if (!s) {
    s = { sweep: new SweepBuckets(ws.nodeCount), source: new Int32Array(ws.nodeCount) };
    sweeps.set(ws, s);
  }
  return s;
}

/** Per workspace: a time per node for {@link runBucketTimes}. */
const timeScratch = new WeakMap<SearchWorkspace, Float64Array>();

/** A Float64Array of one entry per node, kept with the workspace (overwritten by each use). */
export function nodeTimeScratch(ws: SearchWorkspace): Float64Array {
  let t = timeScratch.get(ws);
  if (!t) timeScratch.set(ws, (t = new Float64Array(ws.nodeCount)));
  return t;
}

/**
 * {@link runBucketSearch} for callers that want only the times (coverage from every unit): the
 * seeds `seedNode` put on the heap are searched into `out` (one entry per node, every entry
 * written: the time, or Infinity beyond `maxSec`) without the workspace's stamps, predecessors
 * or settle order, with {@link sweepSearch}: buckets of node bitmaps scanned in node order,
 * which reads the node and edge arrays nearly in order when most of the city is searched (the
 * hard 260k-node city from 2,000 units to 1,800 s: ~16 -> ~12 ms CPU against the bucket
 * queue's linked lists in push order). The
 * times are the same numbers: whatever order a label-correcting search scans in, each node
 * ends at the least, over its in-edges, of the tail's time plus the edge cost (Dijkstra's
 * fixed point, added up the same way). Returns the number of nodes within `maxSec`. The
 * workspace's own search state is left as it was seeded (nothing reached). Bounds beyond
 * MAX_BUCKET_SEARCH_SEC run {@link runSearch} and copy its times.
 */
export function runBucketTimes(
  ws: SearchWorkspace,
  graph: RoadGraph,
  costs: EdgeCosts,
  maxSec: number,
  out: Float64Array,
): number {
  out.fill(Infinity);
  if (!(maxSec <= MAX_BUCKET_SEARCH_SEC)) {
    const n = runSearch(ws, graph, costs, maxSec);
    for (let i = 0; i < n; i++) out[ws.order[i]] = ws.dist[ws.order[i]];
    return n;
  }
  const forward = ws.direction === 'forward';
  const offsets = forward ? graph.fwdOffsets : graph.revOffsets;
  const heads = forward ? graph.fwdTargets : graph.revSources;
  const cost = forward ? costs.fwdCost : costs.revCost;
  const { sweep, source } = sweepScratch(ws);
  sweep.begin(maxSec, sweepWidth(costs));
  for (let i = 0; i < ws.heapSize; i++) {
    const v = ws.heapNode[i];
    const d = ws.heapKey[i];
    if (!(d <= maxSec) || d >= out[v]) continue;
    out[v] = d;
    sweep.add(v, d);
  }
  ws.heapSize = 0;
  // the nodes in id order within a bucket (node ids follow a space-filling curve): the node
  // and edge arrays are read nearly in order; no source is wanted (`source` stays all 0)
  sweepSearch(sweep, offsets, heads, cost, maxSec, out, source, null);
  let count = 0;
  for (let v = 0; v < out.length; v++) if (out[v] <= maxSec) count++;
  return count;
}
