import { BucketQueue } from './bucket-queue';
import type { EdgeCosts } from './edge-costs';
import { accessSec, nodeAtSnap } from './eta';
import { DIR_BACKWARD, DIR_FORWARD, type RoadGraph } from './road-graph';
import type { SnappedPoint } from './snap';
import { SweepBuckets, sweepSearch, sweepWidth } from './sweep-buckets';

/** Most buckets of the queue: one a second up to six hours, wider buckets beyond. */
const MAX_BUCKETS = 6 * 3600;

/**
 * The two nearest DISTINCT sources of every node within `maxSec` (forward travel from the
 * sources), from one multi-source search in which a node keeps up to two labels, each from a
 * different source. That is all a maximal-covering question needs to know of a node: whether no
 * source, exactly one (and which) or at least two reach it within the bound — what summing one
 * bounded search per source would give, at about twice the cost of ONE multi-source search
 * instead of the cost of all of them.
 *
 * Why two labels propagate correctly: if source w is among the two nearest of node v, it is
 * among the two nearest of every node x on its shortest path to v (two sources nearer to x
 * would be nearer to v through x). So labels spread along edges like Dijkstra's, and a source
 * removed or added later is repaired locally (see {@link removeSource}, {@link addSource}).
 *
 * Distances are Dijkstra's, added up edge by edge in the same order as a single-source search
 * from the same seeds (the queues are label-correcting within a bucket, so they are exact
 * whatever a bucket's width). Not re-entrant.
 */
export class TwoNearestSources {
  readonly graph: RoadGraph;
  readonly maxSec: number;
  readonly costs: EdgeCosts;
  readonly accessKmh: number;
  /**
   * Per node v: seconds from the nearest source and from the second nearest (Infinity: none
   * within maxSec), and their ids (-1: none). One array per part: the full searches read and
   * write them in node order (see {@link SweepBuckets}), the move-ups read the ids alone.
   */
  readonly nearestSecs: Float64Array;
  readonly secondSecs: Float64Array;
  readonly nearestIds: Int32Array;
  readonly secondIds: Int32Array;
  /** The repairs' queue: buckets of about one road segment's driving time or less. */
  private readonly queue: BucketQueue;
  /** The full searches' queue (node bitmaps per bucket). */
  private readonly sweep: SweepBuckets;
  /** Every source's seeds (a removal offers them again where its labels went). */
  private seedNode: number[] = [];
  private seedSrc: number[] = [];
  private seedSec: number[] = [];
  /** The largest source id seeded so far. */
  private maxSourceId = 0;
  /** Marks the nodes of a removal's region (generation numbers: no clearing between uses). */
  private readonly regionMark: Uint32Array;
  private regionGen = 0;
  /**
   * The nodes whose sources (which, not how far) changed since the last {@link takeChanges},
   * each once (marked with the log's generation); `allChanged` after a reset.
   */
  private changedLog: Int32Array;
  private changedCount = 0;
  private readonly changedMark: Uint32Array;
  private changedGen = 1;
  private allChanged = true;

  constructor(graph: RoadGraph, costs: EdgeCosts, maxSec: number, accessKmh = 15) {
    if (!(maxSec >= 0 && maxSec < Infinity))
      throw new RangeError(`maxSec must be ≥ 0, got ${maxSec}`);
    this.graph = graph;
    this.costs = costs;
    this.maxSec = maxSec;
    this.accessKmh = accessKmh;
    const N = graph.nodeCount;
    this.nearestSecs = new Float64Array(N).fill(Infinity);
    this.secondSecs = new Float64Array(N).fill(Infinity);
    this.nearestIds = new Int32Array(N).fill(-1);
    this.secondIds = new Int32Array(N).fill(-1);
    this.regionMark = new Uint32Array(N);
    this.changedMark = new Uint32Array(N);
    this.changedLog = new Int32Array(Math.min(N, 1 << 12));
    // label-correcting within a bucket keeps the times exact whatever its width
    const width = Math.max(1, maxSec / MAX_BUCKETS);
    this.queue = new BucketQueue(Math.floor(maxSec / width) + 2, width, 1 << 16);
    this.sweep = new SweepBuckets(N);
  }

  /** The nearest source of node v (-1: none within maxSec). */
  nearest(v: number): number {
    return this.nearestIds[v];
  }

  /** The second nearest source of node v, a different one (-1: none within maxSec). */
  secondNearest(v: number): number {
    return this.secondIds[v];
  }

  /** Seconds from the nearest source to v (Infinity: none within maxSec). */
  nearestSec(v: number): number {
    return this.nearestSecs[v];
  }

  /** Seconds from the second nearest source to v (Infinity: none within maxSec). */
  secondNearestSec(v: number): number {
    return this.secondSecs[v];
  }

  /**
   * The nodes whose nearest or second nearest source (which one, or whether there is one)
   * changed since the last call, each once; null when every node may have changed (after a
   * {@link reset}, and on the first call). Starts a new log. Valid until the next repair.
   */
  takeChanges(): Int32Array | null {
    const all = this.allChanged;
    const out = all ? null : this.changedLog.subarray(0, this.changedCount);
    this.allChanged = false;
    this.changedCount = 0;
    if (++this.changedGen >= 0xffffffff) {
      this.changedMark.fill(0);
      this.changedGen = 1;
    }
    return out;
  }

  /** Logs node v's sources as changed (see {@link takeChanges}). */
  private noteChanged(v: number): void {
    if (this.allChanged || this.changedMark[v] === this.changedGen) return;
    this.changedMark[v] = this.changedGen;
    if (this.changedCount === this.changedLog.length) {
      const grown = new Int32Array(Math.min(this.graph.nodeCount, 2 * this.changedLog.length));
      grown.set(this.changedLog);
      this.changedLog = grown;
    }
    this.changedLog[this.changedCount++] = v;
  }

  /**
   * Replaces every source: source i departs from snaps[i] (null: it reaches nothing). Two
   * single-label searches instead of one with two labels a node: the nearest source of every
   * node first, then the nearest OTHER source, d2(v) = the least over in-edges u → v of
   * d1(u) + c where u's nearest is another source than v's, else d2(u) + c (the second source
   * of v reaches it through u, where it is the nearest or, u being v's nearest's, the second),
   * and the other sources' own seeds at v. So the second search starts from the edges between
   * two nearest-source regions and runs only along edges inside one. Both scan their buckets
   * in node order ({@link SweepBuckets}).
   */
  reset(snaps: readonly (SnappedPoint | null)[]): void {
    this.resetWith(snaps, null);
  }

  /**
   * {@link reset} with every node's nearest source known already (from a search from the same
   * snaps with the same costs and any bound ≥ maxSec, e.g. {@link IncrementalCoverage}'s live
   * times): only the nearest-other search runs. `nearestSec[v]` is the time from v's nearest
   * source, `nearestSource[v]` its index into `snaps` (-1: none); ties may name either source.
   */
  resetFromNearest(
    snaps: readonly (SnappedPoint | null)[],
    nearestSec: ArrayLike<number>,
    nearestSource: ArrayLike<number>,
  ): void {
    this.resetWith(snaps, { sec: nearestSec, source: nearestSource });
  }

  private resetWith(
    snaps: readonly (SnappedPoint | null)[],
    nearest: { sec: ArrayLike<number>; source: ArrayLike<number> } | null,
  ): void {
    this.allChanged = true;
    this.seedNode = [];
    this.seedSrc = [];
    this.seedSec = [];
    for (let i = 0; i < snaps.length; i++) {
      const s = snaps[i];
      if (s) this.seed(s, i, false);
    }
    if (!nearest) this.nearestPass();
    else {
      // beyond maxSec a node has no nearest source here (its path runs beyond it too)
      const { nearestSecs: t1, nearestIds: s1, maxSec } = this;
      for (let v = 0; v < t1.length; v++) {
        const t = nearest.sec[v];
        const near = t <= maxSec && nearest.source[v] >= 0;
        t1[v] = near ? t : Infinity;
        s1[v] = near ? nearest.source[v] : -1;
      }
    }
    this.secondPass();
  }

  /** The nearest source of every node from the seeds. */
  private nearestPass(): void {
    const { nearestSecs: t1, nearestIds: s1, maxSec, sweep } = this;
    t1.fill(Infinity);
    s1.fill(-1);
    sweep.begin(maxSec, sweepWidth(this.costs));
    for (let k = 0; k < this.seedNode.length; k++) {
      const v = this.seedNode[k];
      const t = this.seedSec[k];
      if (!(t < t1[v])) continue;
      t1[v] = t;
      s1[v] = this.seedSrc[k];
      sweep.add(v, t);
    }
    this.sweepSearch(t1, s1, false);
  }

  /**
   * The nearest other source of every node, the nearest ones known: seeded from the other
   * sources' seeds and the edges between two nearest-source regions, searched along the edges
   * inside one (see {@link reset}).
   */
  private secondPass(): void {
    const { nearestSecs: t1, nearestIds: s1, secondSecs: t2, secondIds: s2 } = this;
    const { maxSec, sweep } = this;
    t2.fill(Infinity);
    s2.fill(-1);
    sweep.begin(maxSec, sweepWidth(this.costs));
    // the other sources' own seeds (within maxSec: seedAt keeps no others)
    for (let k = 0; k < this.seedNode.length; k++) {
      const v = this.seedNode[k];
      const s = this.seedSrc[k];
      const t = this.seedSec[k];
      if (s1[v] !== s && t < t2[v]) {
        t2[v] = t;
        s2[v] = s;
      }
    }
    // each node takes the best of its in-edges from another region before it is queued (a
    // node without a nearest source within maxSec has no second one either)
    const { revOffsets, revSources } = this.graph;
    const revCost = this.costs.revCost;
    const N = this.graph.nodeCount;
    for (let w = 0; w < N; w++) {
      const s0 = s1[w];
      if (s0 < 0) continue;
      let bt = t2[w];
      let bs = s2[w];
      for (let e = revOffsets[w], end = revOffsets[w + 1]; e < end; e++) {
        const u = revSources[e];
        const su = s1[u];
        if (su < 0 || su === s0) continue;
        const nt = t1[u] + revCost[e];
        if (nt < bt) {
          bt = nt;
          bs = su;
        }
      }
      if (!(bt <= maxSec)) continue;
      t2[w] = bt;
      s2[w] = bs;
      sweep.add(w, bt);
    }
    this.sweepSearch(t2, s2, true);
  }

  /**
   * The search of both passes, from the nodes queued in {@link sweep}: times T and sources S
   * (the nearest ones, or the second ones along edges inside one nearest-source region when
   * `inRegion`), each bucket scanned in node order until none of its nodes is set again.
   */
  private sweepSearch(T: Float64Array, S: Int32Array, inRegion: boolean): void {
    const { fwdOffsets, fwdTargets } = this.graph;
    sweepSearch(
      this.sweep,
      fwdOffsets,
      fwdTargets,
      this.costs.fwdCost,
      this.maxSec,
      T,
      S,
      inRegion ? this.nearestIds : null,
    );
  }

  /** Adds source `id` departing from `snap` (an id not in use), repairing what it changes. */
  addSource(id: number, snap: SnappedPoint): void {
    this.addSources([id], [snap]);
  }

  /** Adds several sources at once (ids[k] departs from snaps[k]; one repair). */
  addSources(ids: readonly number[], snaps: readonly SnappedPoint[]): void {
    for (let k = 0; k < ids.length; k++) this.seed(snaps[k], ids[k]);
    this.run();
  }

  /**
   * Takes source `id` away: its labels are dropped, the nodes that held one are offered their
   * in-neighbours' labels and the other sources' seeds there again, and the search runs on
   * from them.
   */
  removeSource(id: number): void {
    this.removeSources([id]);
  }

  /**
   * Takes several sources away at once (one repair). The nodes holding a label of theirs are
   * found from their seeds along forward edges, never by scanning the city: a label was offered
   * from a node holding the same source (or from its seed), and a node that loses that label
   * later has two strictly nearer sources, which then reach on and push the label out of the
   * nodes it was passed to; so a source's labels stay connected to its seeds through nodes
   * holding one.
   */
  removeSources(ids: readonly number[]): void {
    if (ids.length === 0) return;
    const { nearestSecs: t1, nearestIds: s1, secondSecs: t2, secondIds: s2 } = this;
    const gone = new Uint8Array(Math.max(this.maxSourceId, ...ids) + 1);
    for (const id of ids) if (id >= 0) gone[id] = 1;
    if (++this.regionGen >= 0xffffffff) {
      this.regionMark.fill(0);
      this.regionGen = 1;
    }
    const gen = this.regionGen;
    const mark = this.regionMark;
    const region: number[] = [];
    const holdsGone = (v: number): boolean => {
      const a = s1[v];
      const b = s2[v];
      return (a >= 0 && gone[a] === 1) || (b >= 0 && gone[b] === 1);
    };
    for (let k = 0; k < this.seedNode.length; k++) {
      const v = this.seedNode[k];
      if (gone[this.seedSrc[k]] !== 1 || mark[v] === gen || !holdsGone(v)) continue;
      mark[v] = gen;
      region.push(v);
    }
    const { fwdOffsets, fwdTargets } = this.graph;
    for (let r = 0; r < region.length; r++) {
      const v = region[r];
      for (let e = fwdOffsets[v], end = fwdOffsets[v + 1]; e < end; e++) {
        const w = fwdTargets[e];
        if (mark[w] === gen || !holdsGone(w)) continue;
        mark[w] = gen;
        region.push(w);
      }
    }
    for (const v of region) {
      const a = s1[v];
      const b = s2[v];
      const gone0 = a >= 0 && gone[a] === 1;
      const gone1 = b >= 0 && gone[b] === 1;
      if (gone0 && !gone1) {
        t1[v] = t2[v];
        s1[v] = b;
      } else if (gone0) {
        t1[v] = Infinity;
        s1[v] = -1;
      }
      t2[v] = Infinity;
      s2[v] = -1;
      this.noteChanged(v);
    }
    const inRegion = (v: number): boolean => mark[v] === gen;
    // a source's own seed is not reached through a neighbour: offer the others' seeds again
    let kept = 0;
    for (let k = 0; k < this.seedNode.length; k++) {
      const src = this.seedSrc[k];
      if (gone[src] === 1) continue;
      this.seedNode[kept] = this.seedNode[k];
      this.seedSrc[kept] = src;
      this.seedSec[kept++] = this.seedSec[k];
      if (inRegion(this.seedNode[k])) this.offer(this.seedNode[k], src, this.seedSec[k]);
    }
    this.seedNode.length = this.seedSrc.length = this.seedSec.length = kept;
    const { revOffsets, revSources } = this.graph;
    const cost = this.costs.revCost;
    const maxSec = this.maxSec;
    for (const v of region) {
      for (let e = revOffsets[v]; e < revOffsets[v + 1]; e++) {
        const x = revSources[e];
        const c = cost[e];
        if (s1[x] >= 0 && t1[x] + c <= maxSec) this.offer(v, s1[x], t1[x] + c);
        if (s2[x] >= 0 && t2[x] + c <= maxSec) this.offer(v, s2[x], t2[x] + c);
      }
    }
    this.run();
  }

  /**
   * A source's departures from its snapped point (as seedDeparture seeds a search), recorded
   * and, with `offer`, offered as labels.
   */
  private seed(p: SnappedPoint, id: number, offer = true): void {
    const extra = accessSec(p, this.accessKmh);
    const sec = this.costs.segSec[p.segment];
    const node = nodeAtSnap(p);
    if (node >= 0) this.seedAt(node, id, extra, offer);
    if (p.direction & DIR_FORWARD) this.seedAt(p.toNode, id, extra + (1 - p.fraction) * sec, offer);
    if (p.direction & DIR_BACKWARD) this.seedAt(p.fromNode, id, extra + p.fraction * sec, offer);
  }

  private seedAt(v: number, id: number, t: number, offer: boolean): void {
    if (id > this.maxSourceId) this.maxSourceId = id;
    if (!(t <= this.maxSec)) return;
    this.seedNode.push(v);
    this.seedSrc.push(id);
    this.seedSec.push(t);
    if (offer) this.offer(v, id, t);
  }

  /**
   * Keeps label (s, t) at v when it is one of v's two best distinct sources; queues it.
   */
  private offer(v: number, s: number, t: number): void {
    const { nearestSecs: t1, nearestIds: s1, secondSecs: t2, secondIds: s2 } = this;
    if (s === s1[v]) {
      if (!(t < t1[v])) return;
      t1[v] = t;
    } else if (s === s2[v]) {
      if (!(t < t2[v])) return;
      if (t < t1[v]) {
        t2[v] = t1[v];
        s2[v] = s1[v];
        t1[v] = t;
        s1[v] = s;
        this.noteChanged(v);
      } else t2[v] = t;
    } else if (t < t1[v]) {
      t2[v] = t1[v];
      s2[v] = s1[v];
      t1[v] = t;
      s1[v] = s;
      this.noteChanged(v);
    } else if (t < t2[v]) {
      t2[v] = t;
      s2[v] = s;
      this.noteChanged(v);
    } else return;
    this.queue.push(v, s, t);
  }

  /** Label-correcting sweep over the buckets, from the lowest one queued. */
  private run(): void {
    const { fwdOffsets, fwdTargets } = this.graph;
    const cost = this.costs.fwdCost;
    const { nearestSecs: t1, nearestIds: s1, secondSecs: t2, secondIds: s2 } = this;
    const q = this.queue;
    const maxSec = this.maxSec;
    const nb = q.head.length;
    for (let b = q.low; b < nb; b++) {
      for (let e = q.pop(b); e >= 0; e = q.pop(b)) {
        const v = q.node[e];
        const s = q.src[e];
        const t = q.key[e];
        // stale: the label was improved or pushed out since it was queued
        if (!((s1[v] === s && t1[v] === t) || (s2[v] === s && t2[v] === t))) continue;
        for (let k = fwdOffsets[v], end = fwdOffsets[v + 1]; k < end; k++) {
          const nt = t + cost[k];
          if (nt > maxSec) continue;
          this.offer(fwdTargets[k], s, nt);
        }
      }
    }
    q.drained();
  }
}
