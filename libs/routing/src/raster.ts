import type { EdgeCosts } from './edge-costs';
import { DIR_BACKWARD, DIR_FORWARD, type RoadGraph } from './road-graph';
import type { SearchWorkspace } from './search-workspace';

/**
 * Shared raster machinery of {@link isochrones} and {@link computeCoverage}: reached road
 * pieces with their arrival times are burnt into a metric grid (local projection of the
 * graph), buffered with a min-filter and traced back into polygons.
 */

export type Position = [number, number];

/** A metric grid over the graph's local projection: cell (i, j) spans minX + i·cellM … */
export interface RasterGrid {
  minX: number;
  minY: number;
  cellM: number;
  W: number;
  H: number;
}

/**
 * Road pieces reached by a search: each starts at a fraction of a segment at a known time and
 * runs toward one of its ends (typed arrays, `count` valid entries).
 */
export interface ReachedPieces {
  count: number;
  seg: Int32Array;
  from: Float64Array;
  towardEnd: Uint8Array;
  t0: Float64Array;
}

export function createPieces(capacity = 1024): ReachedPieces {
  const n = Math.max(16, capacity);
  return {
    count: 0,
    seg: new Int32Array(n),
    from: new Float64Array(n),
    towardEnd: new Uint8Array(n),
    t0: new Float64Array(n),
  };
}

function growPieces(p: ReachedPieces): void {
  const n = p.seg.length * 2;
  const seg = new Int32Array(n);
  seg.set(p.seg);
  const from = new Float64Array(n);
  from.set(p.from);
  const towardEnd = new Uint8Array(n);
  towardEnd.set(p.towardEnd);
  const t0 = new Float64Array(n);
  t0.set(p.t0);
  Object.assign(p, { seg, from, towardEnd, t0 });
}

export function addPiece(
  p: ReachedPieces,
  seg: number,
  from: number,
  towardEnd: boolean,
  t0: number,
): void {
  if (p.count === p.seg.length) growPieces(p);
  const k = p.count++;
  p.seg[k] = seg;
  p.from[k] = from;
  p.towardEnd[k] = towardEnd ? 1 : 0;
  p.t0[k] = t0;
}

/** Projected bounding box [minX, minY, maxX, maxY] of the shapes of some segments. */
export function shapeBounds(
  graph: RoadGraph,
  segs: ArrayLike<number>,
  count: number,
  into: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity],
): [number, number, number, number] {
  const { kx, ky, lon0, lat0 } = graph.projection;
  for (let k = 0; k < count; k++) {
    const s = segs[k];
    for (let g = graph.segGeomStart[s]; g < graph.segGeomStart[s + 1]; g++) {
      const x = (graph.geomLon[g] - lon0) * kx;
      const y = (graph.geomLat[g] - lat0) * ky;
      if (x < into[0]) into[0] = x;
      if (x > into[2]) into[2] = x;
      if (y < into[1]) into[1] = y;
      if (y > into[3]) into[3] = y;
    }
  }
  return into;
}

const nodeBoxCache = new WeakMap<RoadGraph, Float64Array>();

/**
 * Per node at 4·v, the projected box of the shapes of every segment that starts or ends there
 * (computed once per graph): a search's reached roads all leave (or enter) a settled node, so
 * the boxes of the settled nodes hold them, at four reads per node instead of per road.
 */
function nodeBoxes(graph: RoadGraph): Float64Array {
  let box = nodeBoxCache.get(graph);
  if (box) return box;
  box = new Float64Array(4 * graph.nodeCount);
  for (let k = 0; k < box.length; k += 4) {
    box[k] = Infinity;
    box[k + 1] = Infinity;
    box[k + 2] = -Infinity;
    box[k + 3] = -Infinity;
  }
  const one = new Int32Array(1);
  for (let s = 0; s < graph.segmentCount; s++) {
    one[0] = s;
    const [sx0, sy0, sx1, sy1] = shapeBounds(graph, one, 1);
    for (let end = 0; end < 2; end++) {
      const i = 4 * (end === 0 ? graph.segFrom[s] : graph.segTo[s]);
      if (sx0 < box[i]) box[i] = sx0;
      if (sy0 < box[i + 1]) box[i + 1] = sy0;
      if (sx1 > box[i + 2]) box[i + 2] = sx1;
      if (sy1 > box[i + 3]) box[i + 3] = sy1;
    }
  }
  nodeBoxCache.set(graph, box);
  return box;
}

const loopCache = new WeakMap<RoadGraph, { start: Int32Array; seg: Int32Array }>();

/**
 * Per node, the loop roads that start and end there (segments start[v] … start[v + 1] of
 * `seg`; computed once per graph): no edge of the graph's (a loop never shortens a path), so a
 * search's edges never name them, yet a car at the node can drive them.
 */
function nodeLoops(graph: RoadGraph): { start: Int32Array; seg: Int32Array } {
  let loops = loopCache.get(graph);
  if (loops) return loops;
  const start = new Int32Array(graph.nodeCount + 1);
  const { segFrom, segTo } = graph;
  for (let s = 0; s < graph.segmentCount; s++) if (segFrom[s] === segTo[s]) start[segFrom[s] + 1]++;
  for (let v = 0; v < graph.nodeCount; v++) start[v + 1] += start[v];
  const seg = new Int32Array(start[graph.nodeCount]);
  const at = start.slice(0, graph.nodeCount);
  for (let s = 0; s < graph.segmentCount; s++)
    if (segFrom[s] === segTo[s]) seg[at[segFrom[s]]++] = s;
  loopCache.set(graph, (loops = { start, seg }));
  return loops;
}

/**
 * The roads a finished search reached from its settled nodes: per segment the time at its
 * start (`a`) and at its end (`b`) from which a car (forward search: leaving the seeds; reverse:
 * heading for them) drives along it, Infinity where no reached node gives one; the segments
 * with a time (`segs`, the first `count`, in the order their nodes were read) and the box of
 * their shapes (`bounds`, a slight overestimate: the settled nodes' boxes). Scratch kept per
 * graph: valid until the next {@link settledRoads} of the graph, and {@link burnSettledRoads}
 * hands it back.
 */
export interface SettledRoads {
  a: Float64Array;
  b: Float64Array;
  segs: Int32Array;
  count: number;
  bounds: [number, number, number, number];
}

const settledRoadsCache = new WeakMap<RoadGraph, SettledRoads>();

/**
 * {@link SettledRoads} of the search in `ws` (its first `settled` nodes, those before T), read
 * from the search's edges, and the loop roads at those nodes: every edge out of (forward)
 * or into (reverse) a settled node, starting at that node's end of its segment.
 */
export function settledRoads(
  graph: RoadGraph,
  ws: SearchWorkspace,
  settled: number,
  T: number,
): SettledRoads {
  let r = settledRoadsCache.get(graph);
  if (!r) {
    const S = graph.segmentCount;
    r = {
      a: new Float64Array(S).fill(Infinity),
      b: new Float64Array(S).fill(Infinity),
      segs: new Int32Array(S),
      count: 0,
      bounds: [Infinity, Infinity, -Infinity, -Infinity],
    };
    settledRoadsCache.set(graph, r);
  } else if (r.count > 0) clearSettledRoads(r);
  const { a, b, segs } = r;
  const forward = ws.direction === 'forward';
  const offsets = forward ? graph.fwdOffsets : graph.revOffsets;
  const edgeSeg = forward ? graph.fwdEdgeSeg : graph.revEdgeSeg;
  // a forward edge with code&1 = 0 runs segFrom→segTo, so it starts at the segment's start; a
  // reverse-CSR edge is stored under its head, so the drive along it starts at the other end
  const startBit = forward ? 0 : 1;
  // a loop is driven from its start the way it runs forward (reverse: arriving that way)
  const startDir = forward ? DIR_FORWARD : DIR_BACKWARD;
  const endDir = forward ? DIR_BACKWARD : DIR_FORWARD;
  const loops = nodeLoops(graph);
  const box = nodeBoxes(graph);
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  let n = 0;
  const take = (v: number): void => {
    const d = ws.dist[v];
    if (!(d < T)) return;
    const e1 = offsets[v + 1];
    const l1 = loops.start[v + 1];
    if (offsets[v] === e1 && loops.start[v] === l1) return;
    const k = 4 * v;
    if (box[k] < x0) x0 = box[k];
    if (box[k + 1] < y0) y0 = box[k + 1];
    if (box[k + 2] > x1) x1 = box[k + 2];
    if (box[k + 3] > y1) y1 = box[k + 3];
    for (let e = offsets[v]; e < e1; e++) {
      const code = edgeSeg[e];
      const s = code >> 1;
      if (a[s] === Infinity && b[s] === Infinity) segs[n++] = s;
      if ((code & 1) === startBit) {
        if (d < a[s]) a[s] = d;
      } else if (d < b[s]) b[s] = d;
    }
    for (let l = loops.start[v]; l < l1; l++) {
      const s = loops.seg[l];
      const dir = graph.segDirection[s];
      if (!(dir & (startDir | endDir))) continue;
      if (a[s] === Infinity && b[s] === Infinity) segs[n++] = s;
      // driven from its start (forward search: leaving by it; reverse: arriving by it)
      if (dir & startDir && d < a[s]) a[s] = d;
      if (dir & endDir && d < b[s]) b[s] = d;
    }
  };
  // many nodes settled (a long ring): all of the graph's in their order, which is spatial (the
  // nodes' boxes and edges read in turn, their roads near each other); few: the search's own
  if (settled * 8 > graph.nodeCount) {
    const { settled: stamp, gen } = ws;
    for (let v = 0; v < graph.nodeCount; v++) if (stamp[v] === gen) take(v);
  } else for (let q = 0; q < settled; q++) take(ws.order[q]);
  r.count = n;
  r.bounds = [x0, y0, x1, y1];
  return r;
}

function clearSettledRoads(r: SettledRoads): void {
  for (let q = 0; q < r.count; q++) {
    r.a[r.segs[q]] = Infinity;
    r.b[r.segs[q]] = Infinity;
  }
  r.count = 0;
}

/** A grid aligned on multiples of cellM that holds the bounds plus `marginCells` around. */
export function gridAround(
  [x0, y0, x1, y1]: readonly number[],
  cellM: number,
  marginCells: number,
): RasterGrid {
  const margin = marginCells * cellM;
  const minX = Math.floor((x0 - margin) / cellM) * cellM;
  const minY = Math.floor((y0 - margin) / cellM) * cellM;
  const W = Math.ceil((x1 + margin - minX) / cellM);
  const H = Math.ceil((y1 + margin - minY) / cellM);
  return { minX, minY, cellM, W, H };
}

const shapeLengths = new WeakMap<RoadGraph, Float64Array>();

/** Length of every segment's shape in projected metres (cached per graph). */
export function shapeLengthsM(graph: RoadGraph): Float64Array {
  let out = shapeLengths.get(graph);
  if (out) return out;
  const { kx, ky } = graph.projection;
  out = new Float64Array(graph.segmentCount);
  for (let s = 0; s < graph.segmentCount; s++) {
    let total = 0;
    for (let g = graph.segGeomStart[s]; g < graph.segGeomStart[s + 1] - 1; g++) {
      const dx = (graph.geomLon[g + 1] - graph.geomLon[g]) * kx;
      const dy = (graph.geomLat[g + 1] - graph.geomLat[g]) * ky;
      total += Math.sqrt(dx * dx + dy * dy);
    }
    out[s] = total;
  }
  shapeLengths.set(graph, out);
  return out;
}

/**
 * Burns one reached piece into `time` (min arrival time per cell): segment s's shape is walked
 * from fraction `from` toward its end (or start), sampled every cellM/3 metres, until its time
 * passes T or it reaches fraction `until` (NaN: the segment's end in that direction).
 */
export function burnPiece(
  graph: RoadGraph,
  segSec: Float64Array,
  grid: RasterGrid,
  time: Float32Array,
  T: number,
  s: number,
  from: number,
  towardEnd: boolean,
  t0: number,
  until: number,
  /** {@link shapeLengthsM} of the graph: callers burning many pieces look it up once. */
  lengths: Float64Array = shapeLengthsM(graph),
): void {
  const { kx, ky, lon0, lat0 } = graph.projection;
  const { minX, minY, cellM, W } = grid;
  const step = cellM / 3;
  const g0 = graph.segGeomStart[s];
  const g1 = graph.segGeomStart[s + 1];
  const total = lengths[s];
  const secPerM = total > 0 ? segSec[s] / total : 0;
  const startD = from * total;
  const limit = until === until ? Math.abs(until - from) * total : Infinity;
  // Walk the shape from the start fraction, sampling every `step` metres until time runs out.
  let along = 0;
  const first = towardEnd ? g0 : g1 - 1;
  const last = towardEnd ? g1 - 1 : g0;
  const inc = towardEnd ? 1 : -1;
  let pos = towardEnd ? 0 : total;
  for (let g = first; g !== last; g += inc) {
    const ax = (graph.geomLon[g] - lon0) * kx;
    const ay = (graph.geomLat[g] - lat0) * ky;
    const bx = (graph.geomLon[g + inc] - lon0) * kx;
    const by = (graph.geomLat[g + inc] - lat0) * ky;
    const len = Math.sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay));
    const next = towardEnd ? pos + len : pos - len;
    // Portion of this piece beyond the start fraction.
    const lo = towardEnd ? Math.max(pos, startD) : Math.min(pos, startD);
    const skip = Math.abs(lo - pos);
    if (len > 0 && skip < len) {
      const end = Math.min(len, skip + limit - along);
      for (let dd = skip; ; dd += step) {
        const ddc = dd > end ? end : dd;
        const tt = t0 + (along + ddc - skip) * secPerM;
        if (tt > T) break;
        const f = ddc / len;
        const cx = Math.floor((ax + f * (bx - ax) - minX) / cellM);
        const cy = Math.floor((ay + f * (by - ay) - minY) / cellM);
        const c = cy * W + cx;
        if (tt < time[c]) time[c] = tt;
        if (ddc === end) break;
      }
      along += len - skip;
    }
    pos = next;
    if (t0 + along * secPerM > T || along >= limit) break;
  }
}

/**
 * Burns every piece into `time`: {@link burnPiece}'s walk with no `until`, written out once for
 * all pieces (projection, grid and arrays read once, no call per piece), so every cell gets
 * exactly the time burnPiece gives it, in less time.
 */
export function rasterizePieces(
  graph: RoadGraph,
  costs: EdgeCosts,
  pieces: ReachedPieces,
  grid: RasterGrid,
  time: Float32Array,
  T: number,
): void {
  const lengths = shapeLengthsM(graph);
  const { kx, ky, lon0, lat0 } = graph.projection;
  const { minX, minY, cellM, W } = grid;
  const step = cellM / 3;
  const geomStart = graph.segGeomStart;
  const gLon = graph.geomLon;
  const gLat = graph.geomLat;
  for (let r = 0; r < pieces.count; r++) {
    const s = pieces.seg[r];
    const from = pieces.from[r];
    const towardEnd = pieces.towardEnd[r] === 1;
    const t0 = pieces.t0[r];
    const g0 = geomStart[s];
    const g1 = geomStart[s + 1];
    const total = lengths[s];
    const secPerM = total > 0 ? costs.segSec[s] / total : 0;
    const startD = from * total;
    let along = 0;
    const first = towardEnd ? g0 : g1 - 1;
    const last = towardEnd ? g1 - 1 : g0;
    const inc = towardEnd ? 1 : -1;
    let pos = towardEnd ? 0 : total;
    let ax = (gLon[first] - lon0) * kx;
    let ay = (gLat[first] - lat0) * ky;
    for (let g = first; g !== last; g += inc) {
      const bx = (gLon[g + inc] - lon0) * kx;
      const by = (gLat[g + inc] - lat0) * ky;
      const dx = bx - ax;
      const dy = by - ay;
      const len = Math.sqrt(dx * dx + dy * dy);
      const next = towardEnd ? pos + len : pos - len;
      const lo = towardEnd ? (pos > startD ? pos : startD) : pos < startD ? pos : startD;
      const skip = Math.abs(lo - pos);
      if (len > 0 && skip < len) {
        // burnPiece's end is min(len, skip + limit - along) with no limit: the whole stretch
        const end = len;
        for (let dd = skip; ; dd += step) {
          const ddc = dd > end ? end : dd;
          const tt = t0 + (along + ddc - skip) * secPerM;
          if (tt > T) break;
          const f = ddc / len;
          const cx = Math.floor((ax + f * dx - minX) / cellM);
          const cy = Math.floor((ay + f * dy - minY) / cellM);
          const c = cy * W + cx;
          if (tt < time[c]) time[c] = tt;
          if (ddc === end) break;
        }
        along += len - skip;
      }
      pos = next;
      if (t0 + along * secPerM > T) break;
      ax = bx;
      ay = by;
    }
  }
}

/**
 * The cells each segment's shape passes through, on the lattice of cellM squares every
 * {@link gridAround} grid is cut from (cell (i, j) spans i·cellM … (i + 1)·cellM east and
 * j·cellM … north in the graph's projection): every cell whose inside the shape crosses, each
 * shape piece traversed cell by cell across the grid lines it meets (no samples, so no cell it
 * clips at a corner is missed), in order along the shape, with the metres along it (projected,
 * summed as {@link shapeLengthsM} sums them) where it enters and leaves the cell. A shape that
 * comes back into a cell has an entry per visit; a segment of no length has none.
 */
export interface ShapeCells {
  cellM: number;
  /** Per segment, its entries are [start[s], start[s + 1]). */
  start: Int32Array;
  i: Int32Array;
  j: Int32Array;
  enter: Float32Array;
  exit: Float32Array;
}

const shapeCellsCache = new WeakMap<RoadGraph, ShapeCells[]>();

/** {@link ShapeCells} of the graph's segments for this cell size (the latest two kept). */
export function shapeCells(graph: RoadGraph, cellM: number): ShapeCells {
  let kept = shapeCellsCache.get(graph);
  if (!kept) shapeCellsCache.set(graph, (kept = []));
  const hit = kept.find((c) => c.cellM === cellM);
  if (hit) return hit;
  const S = graph.segmentCount;
  const { kx, ky, lon0, lat0 } = graph.projection;
  const { geomLon, geomLat, segGeomStart } = graph;
  const start = new Int32Array(S + 1);
  let ci = new Int32Array(1 << 16);
  let cj = new Int32Array(1 << 16);
  let enter = new Float32Array(1 << 16);
  let exit = new Float32Array(1 << 16);
  let n = 0;
  // a new entry at `along` metres, closing the segment's previous one there
  const open = (s: number, i: number, j: number, along: number): void => {
    if (n > start[s]) exit[n - 1] = along;
    if (n === ci.length) {
      const grow = <A extends Int32Array | Float32Array>(a: A, b: A): A => (b.set(a), b);
      ci = grow(ci, new Int32Array(2 * n));
      cj = grow(cj, new Int32Array(2 * n));
      enter = grow(enter, new Float32Array(2 * n));
      exit = grow(exit, new Float32Array(2 * n));
    }
    ci[n] = i;
    cj[n] = j;
    enter[n++] = along;
  };
  for (let s = 0; s < S; s++) {
    start[s] = n;
    let along = 0;
    let i = 0;
    let j = 0;
    for (let g = segGeomStart[s]; g < segGeomStart[s + 1] - 1; g++) {
      const dx = (geomLon[g + 1] - geomLon[g]) * kx;
      const dy = (geomLat[g + 1] - geomLat[g]) * ky;
      const len = Math.sqrt(dx * dx + dy * dy);
      if (!(len > 0)) continue;
      // the piece in cell units, from (u, v) by (du, dv)
      const u = ((geomLon[g] - lon0) * kx) / cellM;
      const v = ((geomLat[g] - lat0) * ky) / cellM;
      const du = ((geomLon[g + 1] - lon0) * kx) / cellM - u;
      const dv = ((geomLat[g + 1] - lat0) * ky) / cellM - v;
      const i0 = Math.floor(u);
      const j0 = Math.floor(v);
      if (n === start[s] || i0 !== i || j0 !== j) open(s, (i = i0), (j = j0), along);
      // where along the piece (0..1) it crosses the next grid line across and up or down
      const nextX = (): number => (du > 0 ? (i + 1 - u) / du : du < 0 ? (i - u) / du : Infinity);
      const nextY = (): number => (dv > 0 ? (j + 1 - v) / dv : dv < 0 ? (j - v) / dv : Infinity);
      let tx = nextX();
      let ty = nextY();
      for (;;) {
        const t = tx < ty ? tx : ty;
        if (!(t < 1)) break;
        // through a grid corner exactly: diagonally, the two cells it only touches skipped
        if (tx === t) {
          i += du > 0 ? 1 : -1;
          tx = nextX();
        }
        if (ty === t) {
          j += dv > 0 ? 1 : -1;
          ty = nextY();
        }
        open(s, i, j, along + t * len);
      }
      along += len;
    }
    if (n > start[s]) exit[n - 1] = along;
  }
  start[S] = n;
  const out: ShapeCells = {
    cellM,
    start,
    i: ci.slice(0, n),
    j: cj.slice(0, n),
    enter: enter.slice(0, n),
    exit: exit.slice(0, n),
  };
  // tens of MB on a large city: the latest two cell sizes
  kept.unshift(out);
  if (kept.length > 2) kept.length = 2;
  return out;
}

/**
 * Builds what drawing rings on `graph` reads from its per-graph caches (each node's box and
 * loops, shape lengths, the shape cells of each size), so the first ring drawn after a
 * network loads does not build them on its request (tenths of a second on a 250k-node city).
 */
export function warmRaster(graph: RoadGraph, cellSizes: readonly number[]): void {
  nodeBoxes(graph);
  nodeLoops(graph);
  shapeLengthsM(graph);
  for (const cellM of cellSizes) shapeCells(graph, cellM);
}

/**
 * {@link shapeCells} numbered on a grid: entry k's cell is (j[k] − oj)·W + i[k] − oi, where oi
 * and oj are the grid's first column and row on the lattice (gridAround aligns them on it).
 */
export interface GridCells {
  cells: ShapeCells;
  oi: number;
  oj: number;
  W: number;
}

export function gridCells(graph: RoadGraph, grid: RasterGrid): GridCells {
  return {
    cells: shapeCells(graph, grid.cellM),
    oi: Math.round(grid.minX / grid.cellM),
    oj: Math.round(grid.minY / grid.cellM),
    W: grid.W,
  };
}

/**
 * Burns segment s into `time` by its shape cells: each cell at the earliest time road inside
 * it is reached, from its start at ta or its end at tb (Infinity: not from that end), the
 * shape entering the cell from that end, if within T.
 */
export function burnSegmentCells(
  gc: GridCells,
  s: number,
  ta: number,
  tb: number,
  total: number,
  secPerM: number,
  T: number,
  time: Float32Array,
): void {
  const { start, i, j, enter, exit } = gc.cells;
  const { oi, oj, W } = gc;
  for (let k = start[s]; k < start[s + 1]; k++) {
    const back = total - exit[k];
    const tf = ta + enter[k] * secPerM;
    const tr = tb + (back > 0 ? back : 0) * secPerM;
    const tt = tf < tr ? tf : tr;
    if (!(tt <= T)) continue;
    const c = (j[k] - oj) * W + (i[k] - oi);
    const cur = time[c];
    // no branch on the comparison (it goes either way at random): the cell keeps its time
    // or takes tt, the same value a conditional store leaves
    time[c] = tt < cur ? tt : cur;
  }
}

/**
 * Burns the roads a search reached ({@link settledRoads}) into `time` (earliest arrival per
 * cell) by the cells each segment's shape passes through ({@link shapeCells}): each cell at the
 * earliest time road inside it is reached from an end with a time (the first point where the
 * shape enters it from that end), if within T. Exact where {@link rasterizePieces}' walk
 * samples (which stays for pieces that start partway along a road, as an origin's own). The
 * grid must hold the roads' shapes (as one laid out around their bounds does); `roads` is
 * handed back empty.
 */
export function burnSettledRoads(
  graph: RoadGraph,
  costs: EdgeCosts,
  roads: SettledRoads,
  grid: RasterGrid,
  time: Float32Array,
  T: number,
): void {
  const S = graph.segmentCount;
  const { a, b, segs, count } = roads;
  const gc = gridCells(graph, grid);
  const lengths = shapeLengthsM(graph);
  const segSec = costs.segSec;
  const burn = (s: number): void => {
    const total = lengths[s];
    burnSegmentCells(gc, s, a[s], b[s], total, total > 0 ? segSec[s] / total : 0, T, time);
    a[s] = Infinity;
    b[s] = Infinity;
  };
  // many segments reached (a long ring): all of them in their order, which is spatial, so the
  // cells burnt one after another lie near each other; few: only those, in the search's order
  if (count * 8 > S) {
    for (let s = 0; s < S; s++) if (a[s] !== Infinity || b[s] !== Infinity) burn(s);
  } else for (let q = 0; q < count; q++) burn(segs[q]);
  roads.count = 0;
}

export function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** Grid corner (i, j) → [lon, lat] rounded to 1e-6°. */
export function cornerToLonLat(graph: RoadGraph, grid: RasterGrid, i: number, j: number): Position {
  const { kx, ky, lon0, lat0 } = graph.projection;
  return [
    round6(lon0 + (grid.minX + i * grid.cellM) / kx),
    round6(lat0 + (grid.minY + j * grid.cellM) / ky),
  ];
}

/** Horizontal pass of {@link minFilter}: each cell's minimum over [x - r, x + r] of its row. */
function minRows(src: Float32Array, tmp: Float32Array, W: number, H: number, r: number): void {
  if (r === 1 && W > 1) {
    for (let row = 0; row < W * H; row += W) {
      let left = Infinity;
      let mid = src[row];
      for (let x = 0; x < W - 1; x++) {
        const right = src[row + x + 1];
        tmp[row + x] = Math.min(left, mid, right);
        left = mid;
        mid = right;
      }
      tmp[row + W - 1] = Math.min(left, mid);
    }
    return;
  }
  for (let y = 0; y < H; y++) {
    const row = y * W;
    for (let x = 0; x < W; x++) {
      const a = x > r ? x - r : 0;
      const b = x + r < W - 1 ? x + r : W - 1;
      let m = Infinity;
      for (let k = row + a; k <= row + b; k++) if (src[k] < m) m = src[k];
      tmp[row + x] = m;
    }
  }
}

/** Vertical pass of {@link minFilter}, row by row (read along memory instead of across it). */
function minColumns(tmp: Float32Array, out: Float32Array, W: number, H: number, r: number): void {
  if (r === 1 && H > 1) {
    for (let y = 0; y < H; y++) {
      const row = y * W;
      const up = y > 0 ? row - W : row;
      const down = y < H - 1 ? row + W : row;
      for (let x = 0; x < W; x++) out[row + x] = Math.min(tmp[up + x], tmp[row + x], tmp[down + x]);
    }
    return;
  }
  for (let y = 0; y < H; y++) {
    const row = y * W;
    const a = y > r ? y - r : 0;
    const b = y + r < H - 1 ? y + r : H - 1;
    const first = a * W;
    for (let x = 0; x < W; x++) out[row + x] = tmp[first + x];
    for (let k = a + 1; k <= b; k++) {
      const src2 = k * W;
      for (let x = 0; x < W; x++) if (tmp[src2 + x] < out[row + x]) out[row + x] = tmp[src2 + x];
    }
  }
}

/** Square min-filter of radius r (separable), i.e. the arrival-time buffer around roads. */
export function minFilter(
  src: Float32Array,
  W: number,
  H: number,
  r: number,
  /** Scratch grids of at least W·H cells to use instead of new ones (the result is `out`). */
  into?: { tmp: Float32Array; out: Float32Array },
): Float32Array {
  const tmp = into ? into.tmp : new Float32Array(W * H);
  const out = into ? into.out.subarray(0, W * H) : new Float32Array(W * H);
  minRows(src, tmp, W, H, r);
  minColumns(tmp, out, W, H, r);
  return out;
}

/**
 * Cells meeting only at a corner would give rings that touch themselves or each other at a
 * point, which GeoJSON consumers (and OGC validity) reject. Fill one of the two empty cells of
 * every such corner — the one reached sooner — until none is left; it adds at most one cell.
 * One pass over the grid: a cell filled can only make a saddle of the four 2×2 blocks around
 * it, so those are checked again (after the pass, as their own fills lead), not the whole grid.
 */
export function fillSaddles(mask: Uint8Array, W: number, H: number, time?: Float32Array): number {
  let filled = 0;
  // blocks to check again, by their bottom-left cell
  const again: number[] = [];
  // fills block bl's saddle if it is one (the two cells of each diagonal: bl, tr and br, tl)
  const fill = (bl: number): void => {
    const br = bl + 1;
    const tl = bl + W;
    const tr = tl + 1;
    let a: number;
    let b: number;
    if (mask[bl] && mask[tr] && !mask[br] && !mask[tl]) [a, b] = [br, tl];
    else if (mask[br] && mask[tl] && !mask[bl] && !mask[tr]) [a, b] = [bl, tr];
    else return;
    const c = time && time[b] < time[a] ? b : a;
    mask[c] = 1;
    filled++;
    const ci = c % W;
    const cj = (c - ci) / W;
    for (let j = cj - 1; j <= cj; j++)
      for (let i = ci - 1; i <= ci; i++)
        if (i >= 0 && j >= 0 && i < W - 1 && j < H - 1) again.push(j * W + i);
  };
  for (let j = 1; j < H; j++) {
    const row = (j - 1) * W;
    // the block's left column (bottom, top), carried from the block before
    let m0 = mask[row];
    let m2 = mask[row + W];
    for (let i = 1; i < W; i++) {
      const m1 = mask[row + i];
      const m3 = mask[row + W + i];
      // a saddle: the diagonals differ and each diagonal agrees
      if (m0 !== m1 && m0 === m3 && m1 === m2) {
        fill(row + i - 1);
        m0 = mask[row + i];
        m2 = mask[row + W + i];
      } else {
        m0 = m1;
        m2 = m3;
      }
    }
  }
  while (again.length > 0) fill(again.pop()!);
  return filled;
}

const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];

/**
 * Traces the boundary of the filled cells into polygons (outer ring counter-clockwise, holes
 * clockwise, in grid-corner coordinates). Diagonal-only contact keeps regions apart (turn
 * left at saddles), so rings never cross themselves.
 */
export function traceMask(mask: Uint8Array, W: number, H: number): [number, number][][][] {
  const VW = W + 1;
  const out = new Uint8Array(VW * (H + 1));
  for (let j = 0; j < H; j++) {
    const row = j * W;
    const v0 = j * VW;
    for (let i = 0; i < W; i++) {
      if (mask[row + i] !== 1) continue;
      // the four sides of the cell that border an empty (or off-grid) cell
      if (j === 0 || mask[row - W + i] !== 1) out[v0 + i] |= 1 << 0;
      if (i === W - 1 || mask[row + i + 1] !== 1) out[v0 + i + 1] |= 1 << 1;
      if (j === H - 1 || mask[row + W + i] !== 1) out[v0 + VW + i + 1] |= 1 << 2;
      if (i === 0 || mask[row + i - 1] !== 1) out[v0 + VW + i] |= 1 << 3;
    }
  }
  const rings: {
    pts: [number, number][];
    area: number;
    testX: number;
    testY: number;
    box: [number, number, number, number];
  }[] = [];
  for (let v = 0; v < out.length; v++) {
    const bits = out[v];
    // Start only at corners with one way out; every ring has such a corner (its extreme vertex).
    if (bits === 0 || (bits & (bits - 1)) !== 0) continue;
    let d = bits === 1 ? 0 : bits === 2 ? 1 : bits === 4 ? 2 : 3;
    let i = v % VW;
    let j = (v - i) / VW;
    const startV = v;
    const pts: [number, number][] = [];
    let area = 0;
    const testX = i + (d === 0 ? 0.5 : d === 1 ? -0.5 : d === 2 ? -0.5 : 0.5);
    const testY = j + (d === 0 ? 0.5 : d === 1 ? 0.5 : d === 2 ? -0.5 : -0.5);
    let prevDir = -1;
    const box: [number, number, number, number] = [i, j, i, j];
    for (;;) {
      const vi = j * VW + i;
      out[vi] &= ~(1 << d);
      if (d !== prevDir) {
        pts.push([i, j]);
        if (i < box[0]) box[0] = i;
        if (i > box[2]) box[2] = i;
        if (j < box[1]) box[1] = j;
        if (j > box[3]) box[3] = j;
      }
      const ni = i + DX[d];
      const nj = j + DY[d];
      area += i * nj - ni * j;
      i = ni;
      j = nj;
      prevDir = d;
      const nv = j * VW + i;
      if (nv === startV) break;
      const b = out[nv];
      const left = (d + 1) & 3;
      const right = (d + 3) & 3;
      if (b & (1 << left)) d = left;
      else if (b & (1 << d)) d = d;
      else if (b & (1 << right)) d = right;
      else throw new Error('traceMask: broken contour (internal error)');
    }
    // Drop the closing vertex's duplicate corner if the ring starts mid-straight (it cannot:
    // the start is a corner), then close the ring as GeoJSON wants.
    pts.push([pts[0][0], pts[0][1]]);
    rings.push({ pts, area: area / 2, testX, testY, box });
  }
  const outers = rings.filter((r) => r.area > 0).sort((a, b) => a.area - b.area);
  const holes = rings.filter((r) => r.area < 0);
  const polys = new Map<(typeof outers)[number], [number, number][][]>();
  for (const o of outers) polys.set(o, [o.pts]);
  const rowIndex = new Map<(typeof outers)[number], RowCrossings>();
  for (const h of holes) {
    // the smallest outer ring around the hole's test point (its box first: most are far away;
    // then the ring's vertical edges in the point's row)
    const owner = outers.find((o) => {
      if (h.testX < o.box[0] || h.testX > o.box[2] || h.testY < o.box[1] || h.testY > o.box[3])
        return false;
      let idx = rowIndex.get(o);
      if (!idx) rowIndex.set(o, (idx = rowCrossings(o.pts, o.box[1], o.box[3])));
      return insideByRows(idx, h.testX, h.testY);
    });
    if (owner) polys.get(owner)!.push(h.pts);
  }
  // Largest first: the main area, then islands.
  return [...outers].reverse().map((o) => polys.get(o)!);
}

/**
 * Marching squares on a traced ring: every unit edge of the cell staircase separates a cell
 * inside the area from one outside, and the contour crosses the line between their centres
 * where the value reaches `level` — linear interpolation, the crossing point of marching
 * squares. Each new vertex stays within the square of four cell centres around its edge, so a
 * ring that did not touch itself (or its neighbours) still does not. Where the outside value
 * is unknown (no road: Infinity, or off the grid) the vertex stays at the edge's middle, which
 * cuts the staircase's corners diagonally. Nearly collinear vertices are dropped.
 * In and out: the ring from {@link traceMask} (corners, closed), `valueAt(i, j)` of a cell.
 */
export function contourRing(
  ring: readonly [number, number][],
  valueAt: (i: number, j: number) => number,
  level: number,
): [number, number][] {
  const pts: [number, number][] = [];
  for (let k = 0; k + 1 < ring.length; k++) {
    const [ai, aj] = ring[k];
    const [bi, bj] = ring[k + 1];
    const sx = Math.sign(bi - ai);
    const sy = Math.sign(bj - aj);
    const steps = Math.abs(bi - ai) + Math.abs(bj - aj);
    for (let n = 0; n < steps; n++) {
      const x = ai + sx * n;
      const y = aj + sy * n;
      // the cell on the left of the step is inside (outer rings run counter-clockwise)
      const ci = sx === 1 ? x : sx === -1 ? x - 1 : sy === 1 ? x - 1 : x;
      const cj = sy === 1 ? y : sy === -1 ? y - 1 : sx === 1 ? y : y - 1;
      // the outside cell is across the step: to its right
      const oi = ci + sy;
      const oj = cj - sx;
      const vin = valueAt(ci, cj);
      const vout = valueAt(oi, oj);
      let f = (level - vin) / (vout - vin);
      if (!Number.isFinite(vin) || !Number.isFinite(vout) || vin <= level === vout <= level)
        f = 0.5;
      f = f < 0.1 ? 0.1 : f > 0.9 ? 0.9 : f;
      // centre of the inside cell + f × (centre of the outside cell − it)
      pts.push([ci + 0.5 + f * (oi - ci), cj + 0.5 + f * (oj - cj)]);
    }
  }
  const out: [number, number][] = [];
  const n = pts.length;
  for (let k = 0; k < n; k++) {
    const prev = out.length > 0 ? out[out.length - 1] : pts[n - 1];
    const cur = pts[k];
    const next = pts[(k + 1) % n];
    const cross =
      (cur[0] - prev[0]) * (next[1] - prev[1]) - (cur[1] - prev[1]) * (next[0] - prev[0]);
    const span = Math.hypot(next[0] - prev[0], next[1] - prev[1]);
    // keep turns of more than ~1/50 cell off the line through the neighbours
    if (Math.abs(cross) > 0.02 * span) out.push(cur);
  }
  const kept = out.length >= 3 ? out : pts;
  kept.push([kept[0][0], kept[0][1]]);
  return kept;
}

/** The x of every vertical edge of a rectilinear ring, grouped by the rows it spans. */
interface RowCrossings {
  y0: number;
  start: Int32Array;
  xs: Float64Array;
}

function rowCrossings(ring: readonly [number, number][], y0: number, y1: number): RowCrossings {
  const rows = y1 - y0;
  const start = new Int32Array(rows + 1);
  for (let k = 0; k + 1 < ring.length; k++) {
    const [xa, ya] = ring[k];
    const yb = ring[k + 1][1];
    if (ya === yb || xa !== ring[k + 1][0]) continue;
    for (let y = Math.min(ya, yb); y < Math.max(ya, yb); y++) start[y - y0 + 1]++;
  }
  for (let r = 0; r < rows; r++) start[r + 1] += start[r];
  const fill = start.slice(0, rows);
  const xs = new Float64Array(start[rows]);
  for (let k = 0; k + 1 < ring.length; k++) {
    const [xa, ya] = ring[k];
    const yb = ring[k + 1][1];
    if (ya === yb || xa !== ring[k + 1][0]) continue;
    for (let y = Math.min(ya, yb); y < Math.max(ya, yb); y++) xs[fill[y - y0]++] = xa;
  }
  return { y0, start, xs };
}

/**
 * Even-odd point in ring (a ray toward +x) for a traced ring (corners on integer coordinates,
 * edges horizontal or vertical) and a point on half-integers: horizontal edges never cross the
 * point's row and a vertical edge crosses it at its own x, so the answer is the parity of the
 * row's vertical edges right of the point, found without walking the whole ring.
 */
function insideByRows(idx: RowCrossings, x: number, y: number): boolean {
  const r = Math.floor(y) - idx.y0;
  if (r < 0 || r + 1 >= idx.start.length) return false;
  let inside = false;
  for (let k = idx.start[r]; k < idx.start[r + 1]; k++) if (x < idx.xs[k]) inside = !inside;
  return inside;
}

type Ring = readonly (readonly number[])[];

/** GeoJSON Polygon or MultiPolygon geometry in [lon, lat] (input side: any number arrays). */
export type AreaGeometry =
  | { type: 'Polygon'; coordinates: readonly Ring[] }
  | { type: 'MultiPolygon'; coordinates: readonly (readonly Ring[])[] };

/**
 * The cells whose centre lies inside a polygon (even-odd per polygon, so holes are left out;
 * the parts of a MultiPolygon are united), ascending. `scratch` is a zeroed grid-sized mask,
 * handed back zeroed.
 */
export function polygonCells(
  graph: RoadGraph,
  grid: RasterGrid,
  geometry: AreaGeometry,
  scratch: Uint8Array,
): Int32Array {
  const { kx, ky, lon0, lat0 } = graph.projection;
  const { minX, minY, cellM, W, H } = grid;
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const cells: number[] = [];
  for (const rings of polys) {
    const rows = new Map<number, number[]>();
    for (const ring of rings) {
      for (let k = 1; k < ring.length; k++) {
        const xa = (ring[k - 1][0] - lon0) * kx;
        const ya = (ring[k - 1][1] - lat0) * ky;
        const xb = (ring[k][0] - lon0) * kx;
        const yb = (ring[k][1] - lat0) * ky;
        if (ya === yb) continue;
        // Rows whose centre y lies in [min(ya, yb), max(ya, yb)).
        const j0 = Math.max(0, Math.ceil((Math.min(ya, yb) - minY) / cellM - 0.5));
        const j1 = Math.min(H, Math.ceil((Math.max(ya, yb) - minY) / cellM - 0.5));
        for (let j = j0; j < j1; j++) {
          const yc = minY + (j + 0.5) * cellM;
          const x = xa + ((yc - ya) * (xb - xa)) / (yb - ya);
          let row = rows.get(j);
          if (!row) rows.set(j, (row = []));
          row.push(x);
        }
      }
    }
    for (const [j, xs] of rows) {
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        // Cells whose centre x lies in [xs[k], xs[k+1]).
        const i0 = Math.max(0, Math.ceil((xs[k] - minX) / cellM - 0.5));
        const i1 = Math.min(W, Math.ceil((xs[k + 1] - minX) / cellM - 0.5));
        for (let i = i0; i < i1; i++) {
          const c = j * W + i;
          if (scratch[c] === 0) {
            scratch[c] = 1;
            cells.push(c);
          }
        }
      }
    }
  }
  for (const c of cells) scratch[c] = 0;
  return Int32Array.from(cells).sort();
}

/**
 * Clears every 4-connected region of the mask smaller than `minCells`; returns how many cells
 * were cleared.
 */
export function dropSpecks(mask: Uint8Array, W: number, H: number, minCells: number): number {
  if (minCells <= 1) return 0;
  const seen = new Uint8Array(W * H);
  const region = new Int32Array(W * H);
  let cleared = 0;
  for (let c0 = 0; c0 < W * H; c0++) {
    if (mask[c0] !== 1 || seen[c0]) continue;
    // Flood fill: region[0..n) doubles as the queue.
    let n = 0;
    region[n++] = c0;
    seen[c0] = 1;
    for (let q = 0; q < n; q++) {
      const c = region[q];
      const i = c % W;
      for (let d = 0; d < 4; d++) {
        const nb =
          d === 0
            ? i > 0
              ? c - 1
              : -1
            : d === 1
              ? i < W - 1
                ? c + 1
                : -1
              : d === 2
                ? c - W
                : c + W;
        if (nb >= 0 && nb < W * H && mask[nb] === 1 && !seen[nb]) {
          seen[nb] = 1;
          region[n++] = nb;
        }
      }
    }
    if (n < minCells) {
      for (let q = 0; q < n; q++) mask[region[q]] = 0;
      cleared += n;
    }
  }
  return cleared;
}

/** Signed area of a closed ring (shoelace), in the ring's units squared. */
export function ringArea(ring: readonly (readonly number[])[]): number {
  let a = 0;
  for (let i = 1; i < ring.length; i++)
    a += ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1];
  return a / 2;
}
