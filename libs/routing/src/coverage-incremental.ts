import { edgeCosts, type EdgeCosts } from './edge-costs';
import { accessSec, nodeAtSnap, type RoutingQueryOptions } from './eta';
import { DIR_BACKWARD, DIR_FORWARD, type RoadGraph } from './road-graph';
import type { SnappedPoint } from './snap';
import { SweepBuckets, sweepSearch, sweepWidth } from './sweep-buckets';

/**
 * Live unit-centric node times that fold in one moved unit instead of searching the city
 * again: every node keeps its time from the nearest source (within `maxSec`) and WHICH source
 * that is (a Voronoi partition of the road graph by travel time).
 *
 * When a unit moves (or leaves, or arrives), only its own cell changes hands: its nodes are
 * cleared, re-seeded from their neighbours outside the cell (each with that neighbour's time
 * and owner) and from the unit's new position, and one Dijkstra repairs them — spreading
 * into other units' cells only where the new position is nearer. Work is proportional to the
 * unit's old and new cells, not to the city. The result is exactly the per-node minimum over
 * single-source searches (ties between sources may name either owner).
 *
 * Not re-entrant; one instance per graph, speed profile and bound.
 */
export class IncrementalCoverage {
  readonly graph: RoadGraph;
  readonly maxSec: number;
  /** Seconds from the nearest source to every node; Infinity beyond maxSec or unreachable. */
  readonly nodeSec: Float64Array;
  /** Source slot owning each node (-1: none). */
  readonly owner: Int32Array;
  private readonly costs: EdgeCosts;
  readonly accessKmh: number;
  private readonly slotOf = new Map<string, number>();
  private readonly snaps: (SnappedPoint | null)[] = [];
  private readonly freeSlots: number[] = [];
  /** The slots with a seed on each node ({@link seedNodes}), for {@link clearCell}'s re-seeding. */
  private readonly seedsAt = new Map<number, number[]>();
  /** Nodes touched by the last repair (for callers updating derived figures). */
  changed: Int32Array;
  changedCount = 0;
  private readonly mark: Uint32Array;
  private markGen = 0;
  private heapKey = new Float64Array(1024);
  private heapNode = new Int32Array(1024);
  private heapOwner = new Int32Array(1024);
  private heapSize = 0;
  /** The full search's queue ({@link reset}), made on first use. */
  private sweep: SweepBuckets | null = null;

  constructor(graph: RoadGraph, maxSec: number, opts: RoutingQueryOptions = {}) {
    if (!(maxSec >= 0 && maxSec < Infinity))
      throw new RangeError(`maxSec must be ≥ 0, got ${maxSec}`);
    this.graph = graph;
    this.maxSec = maxSec;
    this.costs = edgeCosts(graph, opts.speedProfile, opts.at);
    this.accessKmh = opts.accessSpeedKmh ?? 15;
    this.nodeSec = new Float64Array(graph.nodeCount).fill(Infinity);
    this.owner = new Int32Array(graph.nodeCount).fill(-1);
    this.changed = new Int32Array(1024);
    this.mark = new Uint32Array(graph.nodeCount);
  }

  /** Number of placed sources. */
  get size(): number {
    return this.slotOf.size;
  }

  /**
   * Replaces every source and searches from all of them at once (one multi-source search).
   * The search is {@link sweepSearch} (buckets scanned in node order, as {@link runBucketTimes}
   * searches, each node carrying its owner): a node whose label improves after its scan is
   * scanned again, so every node ends at the least, over its in-edges, of the tail's time plus
   * the edge cost — Dijkstra's times, added up the same way — and owned by a source reaching it
   * in that time. A node keeps the label of the scan that last improved it, made from its
   * tail's final label (a tail improved later is scanned again and improves it strictly), so
   * each source's nodes still hang from its seeds through its own nodes, as {@link move}
   * needs. {@link changed} lists every node reached.
   */
  reset(sources: readonly { id: string; snap: SnappedPoint | null }[]): void {
    this.nodeSec.fill(Infinity);
    this.owner.fill(-1);
    this.slotOf.clear();
    this.snaps.length = 0;
    this.freeSlots.length = 0;
    this.seedsAt.clear();
    this.beginRepair();
    const sweep = (this.sweep ??= new SweepBuckets(this.graph.nodeCount));
    sweep.begin(this.maxSec, sweepWidth(this.costs));
    for (const s of sources) {
      if (this.slotOf.has(s.id)) throw new RangeError(`duplicate source ${s.id}`);
      const slot = this.snaps.length;
      this.slotOf.set(s.id, slot);
      this.snaps.push(s.snap);
      this.indexSeeds(s.snap, slot, true);
      if (s.snap) this.seedInto(sweep, s.snap, slot);
    }
    const { fwdOffsets, fwdTargets } = this.graph;
    sweepSearch(
      sweep,
      fwdOffsets,
      fwdTargets,
      this.costs.fwdCost,
      this.maxSec,
      this.nodeSec,
      this.owner,
      null,
    );
    const { owner } = this;
    let n = 0;
    for (let v = 0; v < owner.length; v++) if (owner[v] >= 0) n++;
    if (this.changed.length < n) this.changed = new Int32Array(n);
    const changed = this.changed;
    n = 0;
    for (let v = 0; v < owner.length; v++) if (owner[v] >= 0) changed[n++] = v;
    this.changedCount = n;
  }

  /** {@link seed} onto the full search's queue. */
  private seedInto(sweep: SweepBuckets, p: SnappedPoint, slot: number): void {
    const extra = accessSec(p, this.accessKmh);
    const sec = this.costs.segSec[p.segment];
    const node = nodeAtSnap(p);
    if (node >= 0) this.label(sweep, extra, node, slot);
    if (p.direction & DIR_FORWARD)
      this.label(sweep, extra + (1 - p.fraction) * sec, p.toNode, slot);
    if (p.direction & DIR_BACKWARD) this.label(sweep, extra + p.fraction * sec, p.fromNode, slot);
  }

  /** {@link relax} onto the full search's queue (no change log: {@link reset} lists the nodes). */
  private label(sweep: SweepBuckets, t: number, v: number, slot: number): void {
    if (!(t <= this.maxSec && t < this.nodeSec[v])) return;
    this.nodeSec[v] = t;
    this.owner[v] = slot;
    sweep.add(v, t);
  }

  /**
   * Places, moves or (with `snap` null) removes source `id`, repairing only the nodes whose
   * nearest source changes. Returns the number of nodes whose time or owner was recomputed.
   */
  move(id: string, snap: SnappedPoint | null): number {
    let slot = this.slotOf.get(id);
    this.beginRepair();
    if (slot !== undefined) this.clearCell(slot);
    else {
      slot = this.freeSlots.pop() ?? this.snaps.length;
      this.slotOf.set(id, slot);
      if (slot === this.snaps.length) this.snaps.push(null);
    }
    this.indexSeeds(this.snaps[slot], slot, false);
    this.snaps[slot] = snap;
    this.indexSeeds(snap, slot, true);
    if (snap) this.seed(snap, slot);
    this.run();
    return this.changedCount;
  }

  /** Removes source `id` (its cell goes to its neighbours). */
  remove(id: string): number {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return 0;
    const n = this.move(id, null);
    this.slotOf.delete(id);
    this.freeSlots.push(slot);
    return n;
  }

  /** The slot of source `id` (the numbers {@link owner} holds), -1 when it is not placed. */
  slotOfId(id: string): number {
    return this.slotOf.get(id) ?? -1;
  }

  /** One more than the largest slot in use. */
  get slotCount(): number {
    return this.snaps.length;
  }

  /** The id of the source owning node v, or null. */
  ownerId(v: number): string | null {
    const slot = this.owner[v];
    if (slot < 0) return null;
    for (const [id, s] of this.slotOf) if (s === slot) return id;
    return null;
  }

  private beginRepair(): void {
    this.heapSize = 0;
    this.changedCount = 0;
    if (++this.markGen >= 0xffffffff) {
      this.mark.fill(0);
      this.markGen = 1;
    }
  }

  private noteChanged(v: number): void {
    if (this.mark[v] === this.markGen) return;
    this.mark[v] = this.markGen;
    if (this.changedCount === this.changed.length) {
      const grown = new Int32Array(this.changed.length * 2);
      grown.set(this.changed);
      this.changed = grown;
    }
    this.changed[this.changedCount++] = v;
  }

  /**
   * Clears the nodes `slot` owns and seeds them again from their neighbours' times. They are
   * found from its seed nodes along forward edges, never by scanning the city: every node a
   * source owns was labelled from a node it owns (or from its seed), and a node whose labelling
   * neighbour changes hands changes hands with it (its time strictly drops), so a source's
   * nodes stay connected to its seeds through its own nodes.
   */
  /** The nodes a source seeds: at its snap, and both ends of its segment. */
  private seedNodes(p: SnappedPoint): number[] {
    const at = nodeAtSnap(p);
    return [...new Set([at, p.toNode, p.fromNode])].filter((v) => v >= 0);
  }

  private indexSeeds(p: SnappedPoint | null, slot: number, add: boolean): void {
    if (!p) return;
    for (const v of this.seedNodes(p)) {
      const slots = this.seedsAt.get(v);
      if (add) {
        if (slots) slots.push(slot);
        else this.seedsAt.set(v, [slot]);
      } else if (slots) {
        const i = slots.indexOf(slot);
        if (i >= 0) slots.splice(i, 1);
        if (!slots.length) this.seedsAt.delete(v);
      }
    }
  }

  private clearCell(slot: number): void {
    const { owner, nodeSec } = this;
    const start = this.changedCount;
    const snap = this.snaps[slot];
    if (!snap) return;
    const take = (v: number): void => {
      if (v < 0 || owner[v] !== slot) return;
      owner[v] = -1;
      nodeSec[v] = Infinity;
      this.noteChanged(v);
    };
    take(nodeAtSnap(snap));
    take(snap.toNode);
    take(snap.fromNode);
    const { fwdOffsets, fwdTargets } = this.graph;
    for (let k = start; k < this.changedCount; k++) {
      const v = this.changed[k];
      for (let e = fwdOffsets[v]; e < fwdOffsets[v + 1]; e++) take(fwdTargets[e]);
    }
    const end = this.changedCount;
    const { revOffsets, revSources } = this.graph;
    const cost = this.costs.revCost;
    for (let k = start; k < end; k++) {
      const v = this.changed[k];
      for (let e = revOffsets[v]; e < revOffsets[v + 1]; e++) {
        const w = revSources[e];
        const o = owner[w];
        if (o < 0) continue;
        this.relax(nodeSec[w] + cost[e], v, o);
      }
    }
    // another source's own seed is not reached through a neighbour: where the cleared nodes
    // hold one, it is offered again (looked up by node: a walk over every source, 5,000 at the
    // peak, for each of ~1,000 moves a second was a tenth of the coverage process)
    let again: number[] | null = null;
    for (let k = start; k < this.changedCount; k++) {
      const slots = this.seedsAt.get(this.changed[k]);
      if (!slots) continue;
      for (const other of slots)
        if (other !== slot && this.snaps[other] && !(again ??= []).includes(other))
          again.push(other);
    }
    // in slot order, as a walk over the sources offered them (ties keep their owners)
    if (again)
      for (const other of again.sort((a, b) => a - b)) this.seed(this.snaps[other]!, other);
  }

  /** A source's departures from its snapped point (as {@link seedDeparture} seeds them). */
  private seed(p: SnappedPoint, slot: number): void {
    const extra = accessSec(p, this.accessKmh);
    const sec = this.costs.segSec[p.segment];
    const node = nodeAtSnap(p);
    if (node >= 0) this.relax(extra, node, slot);
    if (p.direction & DIR_FORWARD) this.relax(extra + (1 - p.fraction) * sec, p.toNode, slot);
    if (p.direction & DIR_BACKWARD) this.relax(extra + p.fraction * sec, p.fromNode, slot);
  }

  /** A tentative label: kept (and queued) only when it beats the node's time. */
  private relax(t: number, v: number, slot: number): void {
    if (!(t <= this.maxSec && t < this.nodeSec[v])) return;
    this.nodeSec[v] = t;
    this.owner[v] = slot;
    this.noteChanged(v);
    this.push(t, v, slot);
  }

  /** Dijkstra over the queued labels (lazy deletion). */
  private run(): void {
    const { fwdOffsets, fwdTargets } = this.graph;
    const cost = this.costs.fwdCost;
    const { nodeSec, owner } = this;
    const maxSec = this.maxSec;
    while (this.heapSize > 0) {
      const t = this.heapKey[0];
      const v = this.heapNode[0];
      const o = this.heapOwner[0];
      this.pop();
      // a stale entry: the node has been labelled sooner (or by another source) since
      if (t !== nodeSec[v] || o !== owner[v]) continue;
      for (let e = fwdOffsets[v]; e < fwdOffsets[v + 1]; e++) {
        const tw = t + cost[e];
        if (tw <= maxSec && tw < nodeSec[fwdTargets[e]]) this.relax(tw, fwdTargets[e], o);
      }
    }
  }

  private push(key: number, node: number, o: number): void {
    if (this.heapSize === this.heapKey.length) {
      const n = this.heapSize * 2;
      const k = new Float64Array(n);
      k.set(this.heapKey);
      const nd = new Int32Array(n);
      nd.set(this.heapNode);
      const ow = new Int32Array(n);
      ow.set(this.heapOwner);
      this.heapKey = k;
      this.heapNode = nd;
      this.heapOwner = ow;
    }
    let i = this.heapSize++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.heapKey[p] <= key) break;
      this.moveEntry(p, i);
      i = p;
    }
    this.setEntry(i, key, node, o);
  }

  private pop(): void {
    const keys = this.heapKey;
    const n = --this.heapSize;
    if (n === 0) return;
    const key = keys[n];
    const node = this.heapNode[n];
    const o = this.heapOwner[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && keys[c + 1] < keys[c]) c++;
      if (keys[c] >= key) break;
      this.moveEntry(c, i);
      i = c;
    }
    this.setEntry(i, key, node, o);
  }

  private moveEntry(from: number, to: number): void {
    this.heapKey[to] = this.heapKey[from];
    this.heapNode[to] = this.heapNode[from];
    this.heapOwner[to] = this.heapOwner[from];
  }

  private setEntry(i: number, key: number, node: number, o: number): void {
    this.heapKey[i] = key;
    this.heapNode[i] = node;
    this.heapOwner[i] = o;
  }
}
