import { edgeCosts } from './edge-costs';
import { accessSec, seedDeparture, type RoutingQueryOptions } from './eta';
import type { RoadGraph } from './road-graph';
import { beginSearch, runSearch, workspaceFor } from './search-workspace';
import { snapPoint, type LonLat, type SnappedPoint } from './snap';

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

/**
 * Move-up (动中备勤) suggestions: which available units to send to which standby points so
 * that more demand lies within `tierSec` of some unit.
 *
 * Method: greedy maximal covering. cover(x) = the nodes reachable from x within tierSec (one
 * bounded forward search per unit position and per standby point, each run once and kept);
 * every node holds how many units cover it. Moving unit u to standby point s changes covered
 * demand by (demand that s newly covers once u has left) − (demand only u covered). Each
 * round evaluates every (unit, free standby point) pair exactly without enumerating them —
 * for each s, the units whose exclusive nodes s overlaps are collected from those nodes, and
 * every other unit's change is gain(s) − loss(u), so only the unit with the smallest loss
 * matters — then applies the best positive move, and repeats up to maxMoves. A unit is never
 * moved twice and a standby point never receives two units. Greedy, so not always optimal for
 * several moves together (each step is). Units or points that cannot be snapped are skipped;
 * all units drive (no walkers).
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
  const demand = opts.demand ?? roadLengthDemand(graph);
  let total = 0;
  for (let v = 0; v < N; v++) total += demand[v];
  if (!(total > 0) || maxMoves === 0) return [];
  const threshold = Math.max(((opts.minGainPct ?? 0) / 100) * total, total * 1e-9);

  const U = units.length;
  const { pool, ranges } = reachSets(graph, [...units, ...standbyPoints], tierSec, opts);
  const unitCover = ranges.slice(0, U);
  const standbyCover = ranges.slice(U);

  const count = new Int32Array(N);
  /** Sum of the indices of the units covering a node: the owner where count is 1. */
  const ownerSum = new Int32Array(N);
  const apply = (range: [number, number], u: number, sign: 1 | -1): void => {
    const nodes = pool.nodes;
    for (let k = range[0]; k < range[1]; k++) {
      count[nodes[k]] += sign;
      ownerSum[nodes[k]] += sign * u;
    }
  };
  unitCover.forEach((r, u) => r && apply(r, u, 1));
  let covered = 0;
  for (let v = 0; v < N; v++) if (count[v] > 0) covered += demand[v];

  const loss = new Float64Array(U);
  const movable = new Uint8Array(U);
  unitCover.forEach((r, u) => (movable[u] = r ? 1 : 0));
  const used = new Uint8Array(standbyPoints.length);
  const overlap = new Float64Array(U);
  const touched = new Uint8Array(U);
  const touchedList: number[] = [];
  const moves: MoveUp[] = [];

  for (let round = 0; round < maxMoves; round++) {
    const nodes = pool.nodes;
    loss.fill(0);
    unitCover.forEach((r, u) => {
      if (!r) return;
      for (let k = r[0]; k < r[1]; k++) if (count[nodes[k]] === 1) loss[u] += demand[nodes[k]];
    });
    const byLoss = [...Array(U).keys()].filter((u) => movable[u]).sort((a, b) => loss[a] - loss[b]);
    let bestDelta = threshold;
    let bestU = -1;
    let bestS = -1;
    standbyCover.forEach((r, s) => {
      if (!r || used[s]) return;
      let gain = 0;
      for (let k = r[0]; k < r[1]; k++) {
        const v = nodes[k];
        const c = count[v];
        if (c === 0) gain += demand[v];
        else if (c === 1) {
          const o = ownerSum[v];
          if (!touched[o]) {
            touched[o] = 1;
            touchedList.push(o);
          }
          overlap[o] += demand[v];
        }
      }
      // Units sharing no exclusive node with s: gain − loss, best for the smallest loss.
      for (const u of byLoss) {
        if (touched[u]) continue;
        if (gain - loss[u] > bestDelta) {
          bestDelta = gain - loss[u];
          bestU = u;
          bestS = s;
        }
        break;
      }
      for (const u of touchedList) {
        const delta = gain - loss[u] + overlap[u];
        if (movable[u] && delta > bestDelta) {
          bestDelta = delta;
          bestU = u;
          bestS = s;
        }
        touched[u] = 0;
        overlap[u] = 0;
      }
      touchedList.length = 0;
    });
    if (bestU < 0) break;
    apply(unitCover[bestU]!, bestU, -1);
    apply(standbyCover[bestS]!, bestU, 1);
    unitCover[bestU] = standbyCover[bestS];
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
  return moves;
}
