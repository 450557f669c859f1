import { edgeCosts, type EdgeCosts } from './edge-costs';
import { accessSec, seedDeparture, type RoutingQueryOptions } from './eta';
import type { RoadGraph } from './road-graph';
import {
  beginSearch,
  runBucketSearch,
  runSearch,
  workspaceFor,
  type SearchWorkspace,
} from './search-workspace';
import { sameSnap, snapPoint, type LonLat, type SnappedPoint } from './snap';
import { TwoNearestSources } from './two-nearest';

export interface MoveUpOptions extends RoutingQueryOptions {
  /** Available units (a snap computed earlier may be passed along). */
  units: readonly (LonLat & { id: string; snap?: SnappedPoint | null })[];
  /** Standby points (治安岗亭 / 动中备勤点) a unit may be sent to. */
  standbyPoints: readonly (LonLat & { id: string; snap?: SnappedPoint | null })[];
  /** The tier to maximise: a node is covered when some unit reaches it within tierSec. */
  tierSec: number;
  /** Most moves to suggest (default 3). */
  maxMoves?: number;
  /**
   * Weight per node (length nodeCount), e.g. past incidents snapped to nodes. Default: the road
   * length attached to each node (half of each incident segment), i.e. "share of road km".
   */
  demand?: Float32Array;
  /** Moves gaining less than this share of total demand are not suggested (default: any gain > 0). */
  minGainPct?: number;
  /**
   * Every node's nearest unit, known already from a search from these very units and snaps, any
   * bound ≥ tierSec (the coverage thread's live node times, see
   * {@link LiveCoverage.nearestSources}): when most units moved since the last call, only the
   * search for each node's second nearest unit runs. `unit[v]` indexes `units` (-1: none).
   * Ignored unless `costs` and `accessKmh` (what the times were searched with) are this call's.
   */
  nearest?: {
    sec: ArrayLike<number>;
    unit: ArrayLike<number>;
    costs: EdgeCosts;
    accessKmh: number;
  };
}

export interface MoveUp {
  unitId: string;
  from: LonLat;
  to: { standbyPointId: string; lon: number; lat: number };
  /** Covered demand gained by this move (after the earlier moves), % of total demand. */
  gainPct: number;
  /** Covered demand after this move, % of total demand. */
  coveredPct: number;
}

/** Node lists of many bounded searches, stored back to back. */
export class CoverPool {
  nodes = new Int32Array(1 << 16);
  size = 0;
  add(src: Int32Array, n: number): [number, number] {
    if (this.size + n > this.nodes.length) {
      const grown = new Int32Array(Math.max(this.nodes.length * 2, this.size + n));
      grown.set(this.nodes.subarray(0, this.size));
      this.nodes = grown;
    }
    this.nodes.set(src.subarray(0, n), this.size);
    this.size += n;
    return [this.size - n, this.size];
  }
}

/**
 * The nodes each point reaches by car within `tierSec` (one bounded forward search per point),
 * back to back in `pool.nodes`; `ranges[i]` is point i's slice, null when it cannot be snapped.
 */
export function reachSets(
  graph: RoadGraph,
  points: readonly (LonLat & { snap?: SnappedPoint | null })[],
  tierSec: number,
  opts: RoutingQueryOptions,
): { pool: CoverPool; ranges: ([number, number] | null)[] } {
  const ws = opts.workspace ?? workspaceFor(graph);
  const costs = edgeCosts(graph, opts.speedProfile, opts.at);
  const accessKmh = opts.accessSpeedKmh ?? 15;
  const pool = new CoverPool();
  const ranges = points.map((p) => {
    const snap = p.snap !== undefined ? p.snap : snapPoint(graph, p, opts);
    if (!snap) return null;
    beginSearch(ws, 'forward');
    seedDeparture(ws, snap, costs, accessSec(snap, accessKmh));
    return pool.add(ws.order, runSearch(ws, graph, costs, tierSec));
  });
  return { pool, ranges };
}

/** Road length attached to each node: half of every segment incident to it. */
export function roadLengthDemand(graph: RoadGraph): Float32Array {
  const d = new Float32Array(graph.nodeCount);
  for (let s = 0; s < graph.segmentCount; s++) {
    const h = graph.segLengthM[s] / 2;
    d[graph.segFrom[s]] += h;
    d[graph.segTo[s]] += h;
  }
  return d;
}

/** Standby points' reach sets per edge costs (profile and peak band), bound and snap. */
const standbyCovers = new WeakMap<EdgeCosts, Map<string, Int32Array>>();
/** Reach sets kept per edge costs: a city's standby points several times over. */
const MAX_CACHED_COVERS = 20_000;

/**
 * The nodes a standby point reaches within tierSec, kept between calls: standby points are
 * fixed places, so their searches are run once per point, bound and speed band, not on every
 * move-up question (the units, which move, are searched afresh every time). Every node within
 * the bound is wanted: the bucket queue's search, in its scan order.
 */
function standbyCover(
  graph: RoadGraph,
  costs: EdgeCosts,
  snap: SnappedPoint,
  tierSec: number,
  accessKmh: number,
  ws: SearchWorkspace,
): Int32Array {
  let perCosts = standbyCovers.get(costs);
  if (!perCosts) standbyCovers.set(costs, (perCosts = new Map()));
  const key = `${tierSec}|${accessKmh}|${snap.segment}|${snap.fraction}|${snap.distanceM}|${snap.direction}`;
  let cover = perCosts.get(key);
  if (cover) return cover;
  beginSearch(ws, 'forward');
  seedDeparture(ws, snap, costs, accessSec(snap, accessKmh));
  cover = ws.order.slice(0, runBucketSearch(ws, graph, costs, tierSec));
  if (perCosts.size >= MAX_CACHED_COVERS) perCosts.delete(perCosts.keys().next().value!);
  perCosts.set(key, cover);
  return cover;
}

/** Refreshes that adjust the kept sums before they are added up afresh over every node. */
const MAX_FOLDS = 256;

/** A node's state for move-ups: no unit reaches it within the tier. */
const UNCOVERED = -1;
/** … two or more units reach it (else the state is the slot of the only one). */
const SHARED = -2;

/**
 * What each standby point's cover is worth against the units' current two-nearest labels, kept
 * between the rounds of a call and between calls: per point, the demand it would newly cover
 * (gain) and, per unit covering some of it alone, that demand (overlap). A point is looked at
 * again only when a node of its cover changed state (no unit / one unit, which / two or more):
 * after a move only the points around the unit's old and new place are.
 */
class StandbyScores {
  /** Per node: UNCOVERED, SHARED or the slot of the only unit within the tier. */
  private readonly state: Int32Array;
  /** The standby points whose cover holds each node (CSR over the nodes). */
  private readonly pointStart: Int32Array;
  private readonly pointOf: Int32Array;
  readonly gain: Float64Array;
  /** Per point: the slots covering some of its nodes alone (first met first) and that demand. */
  readonly touchedSlots: Int32Array[];
  readonly overlaps: Float64Array[];
  private readonly dirty: Uint8Array;
  /** Demand each slot covers alone (the loss if it left), as of the last {@link refresh}. */
  lossBySlot = new Float64Array(0);
  /** Nodes each slot covers alone: a slot left with none has a loss of exactly 0. */
  private aloneBySlot = new Int32Array(0);
  /** Demand covered by some unit, as of the last {@link refresh}. */
  covered = 0;
  private fresh = true;
  /** Refreshes since the sums were last added up over every node (see {@link refresh}). */
  private folds = 0;

  constructor(
    nodeCount: number,
    readonly covers: readonly (Int32Array | null)[],
    readonly demand: Float32Array,
  ) {
    // no node's state is unknown: the first refresh writes every one (all points are dirty)
    this.state = new Int32Array(nodeCount).fill(UNCOVERED - 1);
    const P = covers.length;
    const start = new Int32Array(nodeCount + 1);
    for (const c of covers) if (c) for (let k = 0; k < c.length; k++) start[c[k] + 1]++;
    for (let v = 0; v < nodeCount; v++) start[v + 1] += start[v];
    const fill = start.slice(0, nodeCount);
    const of = new Int32Array(start[nodeCount]);
    covers.forEach((c, s) => {
      if (c) for (let k = 0; k < c.length; k++) of[fill[c[k]]++] = s;
    });
    this.pointStart = start;
    this.pointOf = of;
    this.gain = new Float64Array(P);
    this.touchedSlots = Array.from({ length: P }, () => new Int32Array(0));
    this.overlaps = Array.from({ length: P }, () => new Float64Array(0));
    this.dirty = new Uint8Array(P).fill(1);
  }

  /** Whether these covers and weights are the ones laid out (compared object by object). */
  fits(covers: readonly (Int32Array | null)[], demand: Float32Array): boolean {
    return (
      demand === this.demand &&
      covers.length === this.covers.length &&
      covers.every((c, s) => c === this.covers[s])
    );
  }

  /**
   * Brings the node states to the labels (each node's nearest slot and second, -1 none),
   * marks the points whose cover holds a changed node, and keeps each slot's loss and the
   * covered demand. `changed`: every node whose labels' slots may have changed since the last
   * refresh (null: any node may have); only those are looked at, and the sums are adjusted by
   * what changed (after every {@link MAX_FOLDS} such refreshes, and whenever every node is
   * looked at, they are added up afresh, so rounding never piles up).
   */
  refresh(
    nearest: Int32Array,
    second: Int32Array,
    slotCount: number,
    changed: Int32Array | null,
  ): void {
    if (this.lossBySlot.length < slotCount) {
      const loss = new Float64Array(Math.max(slotCount, 2 * this.lossBySlot.length));
      loss.set(this.lossBySlot);
      this.lossBySlot = loss;
      const alone = new Int32Array(loss.length);
      alone.set(this.aloneBySlot);
      this.aloneBySlot = alone;
    }
    if (changed === null || this.fresh || ++this.folds > MAX_FOLDS)
      this.refreshAll(nearest, second);
    else this.refreshNodes(nearest, second, changed);
  }

  private refreshAll(nearest: Int32Array, second: Int32Array): void {
    const { state, demand, pointStart, pointOf, dirty, lossBySlot: loss } = this;
    const alone = this.aloneBySlot;
    loss.fill(0);
    alone.fill(0);
    const all = this.fresh;
    this.fresh = false;
    this.folds = 0;
    let covered = 0;
    for (let v = 0; v < state.length; v++) {
      const s0 = nearest[v];
      let st: number;
      if (s0 < 0) st = UNCOVERED;
      else {
        covered += demand[v];
        if (second[v] >= 0) st = SHARED;
        else {
          st = s0;
          loss[s0] += demand[v];
          alone[s0]++;
        }
      }
      if (st === state[v]) continue;
      state[v] = st;
      // every point is to be scored on the first refresh
      if (!all) for (let q = pointStart[v]; q < pointStart[v + 1]; q++) dirty[pointOf[q]] = 1;
    }
    this.covered = covered;
  }

  private refreshNodes(nearest: Int32Array, second: Int32Array, changed: Int32Array): void {
    const { state, demand, pointStart, pointOf, dirty, lossBySlot: loss } = this;
    const alone = this.aloneBySlot;
    let covered = this.covered;
    for (let k = 0; k < changed.length; k++) {
      const v = changed[k];
      const s0 = nearest[v];
      const st = s0 < 0 ? UNCOVERED : second[v] >= 0 ? SHARED : s0;
      const old = state[v];
      if (st === old) continue;
      state[v] = st;
      const d = demand[v];
      if (old === UNCOVERED) covered += d;
      else if (st === UNCOVERED) covered -= d;
      if (old >= 0 && --alone[old] === 0) loss[old] = 0;
      else if (old >= 0) loss[old] -= d;
      if (st >= 0) {
        loss[st] += d;
        alone[st]++;
      }
      for (let q = pointStart[v]; q < pointStart[v + 1]; q++) dirty[pointOf[q]] = 1;
    }
    this.covered = covered;
  }

  /** Point s's gain and overlaps, summed again if a node of its cover changed state. */
  score(s: number, overlapBySlot: Float64Array, seen: Uint8Array, list: number[]): void {
    if (!this.dirty[s]) return;
    this.dirty[s] = 0;
    const nodes = this.covers[s]!;
    const { state, demand } = this;
    let gain = 0;
    for (let k = 0; k < nodes.length; k++) {
      const v = nodes[k];
      const st = state[v];
      if (st === UNCOVERED) gain += demand[v];
      else if (st >= 0) {
        if (!seen[st]) {
          seen[st] = 1;
          list.push(st);
        }
        overlapBySlot[st] += demand[v];
      }
    }
    this.gain[s] = gain;
    const slots = Int32Array.from(list);
    const overlaps = new Float64Array(list.length);
    for (let k = 0; k < list.length; k++) {
      overlaps[k] = overlapBySlot[list[k]];
      overlapBySlot[list[k]] = 0;
      seen[list[k]] = 0;
    }
    list.length = 0;
    this.touchedSlots[s] = slots;
    this.overlaps[s] = overlaps;
  }
}

/**
 * The units' two-nearest state kept between calls, per graph (with its costs, bound and access
 * speed): a call folds in only the units whose snap changed, came or went (few between two
 * questions a few seconds apart), and searches afresh when most of them did.
 */
class LiveUnits {
  readonly near: TwoNearestSources;
  /** Source id (slot) of each unit id, and the snap it was searched from. */
  private readonly slotOf = new Map<string, number>();
  private readonly snapOf: (SnappedPoint | null)[] = [];
  private readonly freeSlots: number[] = [];
  /** The standby points' scores against these labels (kept while the points and weights are). */
  scores: StandbyScores | null = null;

  constructor(graph: RoadGraph, costs: EdgeCosts, tierSec: number, accessKmh: number) {
    this.near = new TwoNearestSources(graph, costs, tierSec, accessKmh);
  }

  /** One more than the largest slot in use. */
  get slotCount(): number {
    return this.snapOf.length;
  }

  /**
   * Brings the state to these units (with each node's nearest unit, when known, given as
   * {@link MoveUpOptions.nearest}); returns each unit's slot.
   */
  update(
    ids: readonly string[],
    snaps: readonly (SnappedPoint | null)[],
    nearest?: MoveUpOptions['nearest'],
  ): Int32Array {
    const slots = new Int32Array(ids.length);
    let changed = 0;
    const seen = new Set<string>();
    for (let u = 0; u < ids.length; u++) {
      seen.add(ids[u]);
      const slot = this.slotOf.get(ids[u]);
      if (slot === undefined || !sameSnap(this.snapOf[slot], snaps[u])) changed++;
    }
    for (const id of this.slotOf.keys()) if (!seen.has(id)) changed++;
    if (changed === 0 || changed * 8 < ids.length) {
      // few changes: take the moved and departed units away in one repair, then add the
      // moved and arrived ones
      const away: number[] = [];
      for (const [id, slot] of [...this.slotOf])
        if (!seen.has(id)) {
          if (this.snapOf[slot]) away.push(slot);
          this.snapOf[slot] = null;
          this.slotOf.delete(id);
          this.freeSlots.push(slot);
        }
      const arrive: number[] = [];
      for (let u = 0; u < ids.length; u++) {
        let slot = this.slotOf.get(ids[u]);
        if (slot === undefined) {
          slot = this.freeSlots.pop() ?? this.snapOf.length;
          if (slot === this.snapOf.length) this.snapOf.push(null);
          this.slotOf.set(ids[u], slot);
        } else if (sameSnap(this.snapOf[slot], snaps[u])) {
          slots[u] = slot;
          continue;
        }
        if (this.snapOf[slot]) away.push(slot);
        this.snapOf[slot] = snaps[u];
        if (snaps[u]) arrive.push(slot);
        slots[u] = slot;
      }
      this.near.removeSources(away);
      this.near.addSources(
        arrive,
        arrive.map((slot) => this.snapOf[slot]!),
      );
      return slots;
    }
    // most units moved: one search from all of them
    this.slotOf.clear();
    this.freeSlots.length = 0;
    this.snapOf.length = 0;
    for (let u = 0; u < ids.length; u++) {
      this.slotOf.set(ids[u], u);
      this.snapOf.push(snaps[u]);
      slots[u] = u;
    }
    // slots are the units' indices: the known nearest unit of a node is its nearest slot
    if (nearest) this.near.resetFromNearest(this.snapOf, nearest.sec, nearest.unit);
    else this.near.reset(this.snapOf);
    return slots;
  }

  /** Moves a slot's source to `snap` (null: away), repairing the labels. */
  move(slot: number, snap: SnappedPoint | null): void {
    if (this.snapOf[slot]) this.near.removeSource(slot);
    this.snapOf[slot] = snap;
    if (snap) this.near.addSource(slot, snap);
  }
}

const liveUnits = new WeakMap<RoadGraph, LiveUnits>();

function liveUnitsFor(
  graph: RoadGraph,
  costs: EdgeCosts,
  tierSec: number,
  accessKmh: number,
): LiveUnits {
  const hit = liveUnits.get(graph);
  if (
    hit &&
    hit.near.maxSec === tierSec &&
    hit.near.costs === costs &&
    hit.near.accessKmh === accessKmh
  )
    return hit;
  const fresh = new LiveUnits(graph, costs, tierSec, accessKmh);
  liveUnits.set(graph, fresh);
  return fresh;
}

/** Road length per node and its sum, per graph (never handed out: nobody can change them). */
const defaultDemand = new WeakMap<RoadGraph, { weights: Float32Array; total: number }>();

/** The default weights depend on the graph alone: worked out once per graph. */
function defaultDemandFor(graph: RoadGraph): { weights: Float32Array; total: number } {
  let d = defaultDemand.get(graph);
  if (!d) {
    const weights = roadLengthDemand(graph);
    let total = 0;
    for (let v = 0; v < graph.nodeCount; v++) total += weights[v];
    defaultDemand.set(graph, (d = { weights, total }));
  }
  return d;
}

/**
 * Move-up (动中备勤) suggestions: which available units to send to which standby points so
 * that more demand lies within `tierSec` of some unit.
 *
 * Method: greedy maximal covering. cover(x) = the nodes reachable from x within tierSec; a
 * node is covered by no unit, by exactly one (its owner) or by several. Moving unit u to
 * standby point s changes covered demand by (demand that s newly covers once u has left) −
 * (demand only u covered). Which units cover a node comes from ONE search that keeps the two
 * nearest distinct units of every node ({@link TwoNearestSources}: "none", "only u" and "two or
 * more" is all the rule needs), repaired locally after each move; each standby point's cover
 * comes from its own bounded search, kept between calls (the points do not move). Each round
 * evaluates every (unit, free standby point) pair exactly without enumerating them — for each
 * s, the units whose exclusive nodes s overlaps are collected from those nodes, and every
 * other unit's change is gain(s) − loss(u), so only the unit with the smallest loss matters —
 * then applies the best positive move, and repeats up to maxMoves. A unit is never moved twice
 * and a standby point never receives two units. Greedy, so not always optimal for several
 * moves together (each step is). Units or points that cannot be snapped are skipped; all
 * units drive (no walkers).
 */
export function suggestMoveUps(graph: RoadGraph, opts: MoveUpOptions): MoveUp[] {
  const { units, standbyPoints, tierSec } = opts;
  if (!(tierSec >= 0 && tierSec < Infinity))
    throw new RangeError(`tierSec must be ≥ 0, got ${tierSec}`);
  const maxMoves = opts.maxMoves ?? 3;
  if (!(Number.isInteger(maxMoves) && maxMoves >= 0))
    throw new RangeError(`maxMoves must be a non-negative integer, got ${maxMoves}`);
  const N = graph.nodeCount;
  if (opts.demand && opts.demand.length !== N)
    throw new RangeError(`demand must have one weight per node (${N}), got ${opts.demand.length}`);
  if (opts.nearest && (opts.nearest.sec.length !== N || opts.nearest.unit.length !== N))
    throw new RangeError(`nearest must have one time and one unit per node (${N})`);
  const defaults = opts.demand ? null : defaultDemandFor(graph);
  const demand = opts.demand ?? defaults!.weights;
  let total = defaults ? defaults.total : 0;
  if (!defaults) for (let v = 0; v < N; v++) total += demand[v];
  if (!(total > 0) || maxMoves === 0) return [];
  const threshold = Math.max(((opts.minGainPct ?? 0) / 100) * total, total * 1e-9);
  const ws = opts.workspace ?? workspaceFor(graph);
  const costs = edgeCosts(graph, opts.speedProfile, opts.at);
  const accessKmh = opts.accessSpeedKmh ?? 15;
  const U = units.length;
  const unitSnaps = units.map((u) => (u.snap !== undefined ? u.snap : snapPoint(graph, u, opts)));
  const covers = standbyPoints.map((p) => {
    const snap = p.snap !== undefined ? p.snap : snapPoint(graph, p, opts);
    return snap ? { snap, nodes: standbyCover(graph, costs, snap, tierSec, accessKmh, ws) } : null;
  });
  const ids = units.map((u) => u.id);
  // units named twice cannot be told apart between calls: searched afresh, not kept
  const live =
    new Set(ids).size === U
      ? liveUnitsFor(graph, costs, tierSec, accessKmh)
      : new LiveUnits(graph, costs, tierSec, accessKmh);
  const nearest =
    opts.nearest && opts.nearest.costs === costs && opts.nearest.accessKmh === accessKmh
      ? opts.nearest
      : undefined;
  const slots = live.update(ids, unitSnaps, nearest);
  const coverNodes = covers.map((c) => (c ? c.nodes : null));
  // the scores are kept between calls only for the default weights (a caller's may change)
  let scores = live.scores;
  if (!scores || !defaults || !scores.fits(coverNodes, demand)) {
    scores = new StandbyScores(N, coverNodes, demand);
    live.scores = defaults ? scores : null;
  }
  // per node: the nearest unit's slot and the second's (-1: none within tierSec)
  const { nearestIds, secondIds } = live.near;
  const slotCount = live.slotCount;
  const unitOfSlot = new Int32Array(slotCount).fill(-1);
  for (let u = 0; u < U; u++) unitOfSlot[slots[u]] = u;

  // the node states follow the labels' changes since the scores were last brought up to date
  scores.refresh(nearestIds, secondIds, slotCount, live.near.takeChanges());
  let covered = scores.covered;
  const movable = new Uint8Array(U);
  for (let u = 0; u < U; u++) movable[u] = unitSnaps[u] ? 1 : 0;
  const used = new Uint8Array(standbyPoints.length);
  const overlapBySlot = new Float64Array(slotCount);
  const seen = new Uint8Array(slotCount);
  const list: number[] = [];
  const touched = new Uint8Array(U);
  const moves: MoveUp[] = [];
  const movedUnits: number[] = [];

  for (let round = 0; round < maxMoves; round++) {
    // after a move, only the nodes whose labels the repair changed
    if (round > 0) scores.refresh(nearestIds, secondIds, slotCount, live.near.takeChanges());
    const lossBySlot = scores.lossBySlot;
    const loss = (u: number): number => lossBySlot[slots[u]];
    const byLoss = [...Array(U).keys()].filter((u) => movable[u]).sort((a, b) => loss(a) - loss(b));
    let bestDelta = threshold;
    let bestU = -1;
    let bestS = -1;
    for (let s = 0; s < covers.length; s++) {
      if (!covers[s] || used[s]) continue;
      scores.score(s, overlapBySlot, seen, list);
      const gain = scores.gain[s];
      const tSlots = scores.touchedSlots[s];
      const tOver = scores.overlaps[s];
      for (let k = 0; k < tSlots.length; k++) touched[unitOfSlot[tSlots[k]]] = 1;
      // Units sharing no exclusive node with s: gain − loss, best for the smallest loss.
      for (const u of byLoss) {
        if (touched[u]) continue;
        if (gain - loss(u) > bestDelta) {
          bestDelta = gain - loss(u);
          bestU = u;
          bestS = s;
        }
        break;
      }
      for (let k = 0; k < tSlots.length; k++) {
        const u = unitOfSlot[tSlots[k]];
        touched[u] = 0;
        const delta = gain - loss(u) + tOver[k];
        if (movable[u] && delta > bestDelta) {
          bestDelta = delta;
          bestU = u;
          bestS = s;
        }
      }
    }
    if (bestU < 0) break;
    live.move(slots[bestU], covers[bestS]!.snap);
    movedUnits.push(bestU);
    movable[bestU] = 0;
    used[bestS] = 1;
    covered += bestDelta;
    const u = units[bestU];
    const s = standbyPoints[bestS];
    moves.push({
      unitId: u.id,
      from: { lon: u.lon, lat: u.lat },
      to: { standbyPointId: s.id, lon: s.lon, lat: s.lat },
      gainPct: (100 * bestDelta) / total,
      coveredPct: Math.min(100, (100 * covered) / total),
    });
  }
  // the suggestions are not carried out here: the moved units go back for the next call
  live.near.removeSources(movedUnits.map((u) => slots[u]));
  live.near.addSources(
    movedUnits.map((u) => slots[u]),
    movedUnits.map((u) => unitSnaps[u]!),
  );
  return moves;
}
