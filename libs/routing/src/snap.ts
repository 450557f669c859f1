import { edgeCosts, type EdgeCosts } from './edge-costs';
import { type RoadGraph } from './road-graph';

export interface LonLat {
  lon: number;
  lat: number;
}

/** A point projected onto the nearest drivable segment. */
export interface SnappedPoint {
  segment: number;
  /** segFrom / segTo of the segment. */
  fromNode: number;
  toNode: number;
  /** Position along the segment from fromNode, 0..1 (by length). */
  fraction: number;
  /** Metres from fromNode along the road to the projected point. */
  offsetM: number;
  /** Metres from the projected point along the road to toNode. */
  remainingM: number;
  /** The projected point on the road. */
  lon: number;
  lat: number;
  /** Straight-line metres from the input point to the road. */
  distanceM: number;
  /** DIR_FORWARD / DIR_BACKWARD bits of the segment. */
  direction: number;
  /**
   * Off-peak seconds (default profile) along the road between fromNode and the point, and
   * between the point and toNode, whatever the direction; `direction` says which way a car
   * may actually drive them.
   */
  secFromStart: number;
  secToEnd: number;
}

/**
 * Whether two snaps put a point at the same place on the same road (a snap that crossed a
 * thread boundary is a copy, not the same object).
 */
export function sameSnap(a: SnappedPoint | null, b: SnappedPoint | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.segment === b.segment &&
    a.fraction === b.fraction &&
    a.distanceM === b.distanceM &&
    a.direction === b.direction
  );
}

export interface SnapOptions {
  /** Points farther than this from every road do not snap (default 500 m). */
  maxSnapM?: number;
  /**
   * Snap only to roads inside the largest strongly connected component (default) or to any
   * road. A unit snapped into an island could never reach an incident on the main network.
   */
  component?: 'largest' | 'any';
  /**
   * What the point is to a route, with `component: 'largest'`: an `origin` (a unit leaving
   * it) may also snap to a piece outside the largest component that can still drive into it,
   * a `target` (an incident) to a piece the largest component can drive to — e.g. the two
   * halves of a dual carriageway cut by the extract's edge. Such a piece is taken only when it
   * is more than {@link SMALL_COMPONENT_MARGIN_M} closer than the nearest road of the largest
   * component, or no such road is within `maxSnapM` (OSRM's rule: the big component unless
   * the small one is much closer). Islands that cannot reach it (or be reached) are never
   * taken. Without a role: the largest component only.
   */
  role?: 'origin' | 'target';
  /** Override of {@link SMALL_COMPONENT_MARGIN_M}. */
  smallComponentMarginM?: number;
}

/**
 * A piece outside the largest component wins only when it is this much closer than the
 * nearest road inside it: a point 30 m from a cut-off carriageway and 60 m from the main
 * network still snaps to the main network.
 */
export const SMALL_COMPONENT_MARGIN_M = 50;

type SnapMode = 'largest' | 'any' | 'origin' | 'target';

/** {@link SnapIndex.pieceClass} bits. */
const PIECE_LARGEST = 1;
const PIECE_ORIGIN = 2;
const PIECE_TARGET = 4;

/**
 * A uniform grid over every straight piece of every segment's shape (CSR: the pieces whose
 * bounding box overlaps cell c are cellPieces[cellStart[c] .. cellStart[c + 1])), in local
 * metres. Built once per graph and shared by every component mode, which a lookup reads from
 * `pieceClass`; a lookup scans rings of cells around the point and allocates nothing.
 */
interface SnapIndex {
  /** Segment and first geometry point per indexed piece (pieces in segment order). */
  pieceSeg: Int32Array;
  piecePoint: Int32Array;
  /**
   * Per piece: PIECE_LARGEST when both ends of its segment lie in the largest component,
   * PIECE_ORIGIN when both can drive into it, PIECE_TARGET when it can drive to both (an
   * `origin` / `target` role may take such a piece outside the largest component).
   */
  pieceClass: Uint8Array;
  /** Geometry points in local metres. */
  gx: Float64Array;
  gy: Float64Array;
  minX: number;
  minY: number;
  cellM: number;
  W: number;
  H: number;
  cellStart: Int32Array;
  cellPieces: Int32Array;
}

/** At most this many grid cells per index (the cell grows on very large extracts). */
const MAX_GRID_CELLS = 4_000_000;
/** Preferred cell size: a few city blocks' worth of pieces per cell. */
const GRID_CELL_M = 32;

const indexes = new WeakMap<RoadGraph, SnapIndex>();
const linked = new WeakMap<RoadGraph, { origin: Uint8Array; target: Uint8Array }>();

/**
 * Nodes that can drive into the largest component (`origin`) and nodes the largest component
 * can drive to (`target`): one breadth-first search each way from one of its nodes.
 */
function linkedToLargest(graph: RoadGraph): { origin: Uint8Array; target: Uint8Array } {
  const hit = linked.get(graph);
  if (hit) return hit;
  const queue = new Int32Array(graph.nodeCount);
  const bfs = (offsets: Int32Array, next: Int32Array): Uint8Array => {
    const seen = new Uint8Array(graph.nodeCount);
    let head = 0;
    let tail = 0;
    const root = graph.nodeComponent.indexOf(graph.largestComponent);
    if (root < 0) return seen;
    seen[root] = 1;
    queue[tail++] = root;
    while (head < tail) {
      const v = queue[head++];
      for (let e = offsets[v]; e < offsets[v + 1]; e++) {
        const w = next[e];
        if (!seen[w]) {
          seen[w] = 1;
          queue[tail++] = w;
        }
      }
    }
    return seen;
  };
  const sets = {
    origin: bfs(graph.revOffsets, graph.revSources),
    target: bfs(graph.fwdOffsets, graph.fwdTargets),
  };
  linked.set(graph, sets);
  return sets;
}

/**
 * Builds the snapping index of a graph now (a lookup builds it on first use otherwise): a
 * process that routes calls it when it opens a road network, so no 110 call's recommendation
 * pays the build.
 */
export function warmSnapIndex(graph: RoadGraph): void {
  snapIndexFor(graph);
  defaultCosts(graph);
}

/**
 * Builds (once per graph) the grid index over every straight piece of every segment's shape,
 * in local metres so distances are ground distances. Typed arrays and plain loops only: on a
 * 250k-node city it indexes ~2 M pieces.
 */
export function snapIndexFor(graph: RoadGraph): SnapIndex {
  const hit = indexes.get(graph);
  if (hit) return hit;
  const { kx, ky, lon0, lat0 } = graph.projection;
  const { geomLon, geomLat, segGeomStart, segFrom, segTo, nodeComponent, largestComponent } = graph;
  const G = geomLon.length;
  const gx = new Float64Array(G);
  const gy = new Float64Array(G);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < G; i++) {
    const x = (gx[i] = (geomLon[i] - lon0) * kx);
    const y = (gy[i] = (geomLat[i] - lat0) * ky);
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const S = graph.segmentCount;
  const pieces = segGeomStart[S] - segGeomStart[0] - S;
  if (pieces <= 0) minX = minY = maxX = maxY = 0;
  let cellM = GRID_CELL_M;
  while (((maxX - minX) / cellM + 1) * ((maxY - minY) / cellM + 1) > MAX_GRID_CELLS) cellM *= 2;
  const W = Math.floor((maxX - minX) / cellM) + 1;
  const H = Math.floor((maxY - minY) / cellM) + 1;
  const { origin, target } = linkedToLargest(graph);
  const pieceSeg = new Int32Array(pieces);
  const piecePoint = new Int32Array(pieces);
  const pieceClass = new Uint8Array(pieces);
  const cellStart = new Int32Array(W * H + 1);
  const inv = 1 / cellM;
  for (let s = 0, k = 0; s < S; s++) {
    const a = segFrom[s];
    const b = segTo[s];
    const cls =
      (nodeComponent[a] === largestComponent && nodeComponent[b] === largestComponent
        ? PIECE_LARGEST
        : 0) |
      (origin[a] === 1 && origin[b] === 1 ? PIECE_ORIGIN : 0) |
      (target[a] === 1 && target[b] === 1 ? PIECE_TARGET : 0);
    for (let i = segGeomStart[s], end = segGeomStart[s + 1] - 1; i < end; i++, k++) {
      pieceSeg[k] = s;
      piecePoint[k] = i;
      pieceClass[k] = cls;
    }
  }
  // Two passes over the pieces' cell boxes: count per cell, then fill (CSR), pieces in id
  // order so each cell lists its pieces in ascending order. (Offsets from the minimum are
  // ≥ 0, so `| 0` is the floor.)
  const eachCell = (fill: Int32Array | null, into: Int32Array): void => {
    for (let p = 0; p < pieces; p++) {
      const i = piecePoint[p];
      const x0 = gx[i];
      const x1 = gx[i + 1];
      const y0 = gy[i];
      const y1 = gy[i + 1];
      const ci0 = (((x0 < x1 ? x0 : x1) - minX) * inv) | 0;
      const ci1 = (((x0 < x1 ? x1 : x0) - minX) * inv) | 0;
      const cj0 = (((y0 < y1 ? y0 : y1) - minY) * inv) | 0;
      const cj1 = (((y0 < y1 ? y1 : y0) - minY) * inv) | 0;
      for (let cj = cj0; cj <= cj1; cj++)
        for (let ci = ci0; ci <= ci1; ci++)
          if (fill) into[fill[cj * W + ci]++] = p;
          else into[cj * W + ci + 1]++;
    }
  };
  eachCell(null, cellStart);
  for (let c = 0; c < W * H; c++) cellStart[c + 1] += cellStart[c];
  const cellPieces = new Int32Array(cellStart[W * H]);
  eachCell(cellStart.slice(0, W * H), cellPieces);
  const built: SnapIndex = {
    pieceSeg,
    piecePoint,
    pieceClass,
    gx,
    gy,
    minX,
    minY,
    cellM,
    W,
    H,
    cellStart,
    cellPieces,
  };
  indexes.set(graph, built);
  return built;
}

/**
 * Snaps a point to the nearest drivable road piece: the segment, the projected point, the
 * distance to the road and the offsets (and off-peak seconds) to both segment ends.
 * With a `role`, a cut-off piece linked to the main network the right way may win (see
 * {@link SnapOptions.role}). Returns null when no road lies within `maxSnapM` — callers then
 * use {@link straightLineEta}.
 */
export function snapPoint(
  graph: RoadGraph,
  point: LonLat,
  options: SnapOptions = {},
): SnappedPoint | null {
  const maxSnapM = options.maxSnapM ?? 500;
  const component = options.component ?? 'largest';
  const mode: SnapMode = component === 'any' ? 'any' : (options.role ?? 'largest');
  const margin = options.smallComponentMarginM ?? SMALL_COMPONENT_MARGIN_M;
  const si = snapIndexFor(graph);
  const { kx, ky, lon0, lat0 } = graph.projection;
  const px = (point.lon - lon0) * kx;
  const py = (point.lat - lat0) * ky;
  if (!Number.isFinite(px) || !Number.isFinite(py)) return null;
  scanNearest(si, mode, px, py, maxSnapM, margin);
  // Only a linked piece more than `margin` closer can beat the main network.
  if (found.otherPiece >= 0) {
    const d = Math.sqrt(found.otherD2);
    if (d <= maxSnapM && (found.mainPiece < 0 || d < Math.sqrt(found.mainD2) - margin))
      return describeSnap(graph, si, found.otherPiece, found.otherT, d, defaultCosts(graph));
  }
  if (found.mainPiece < 0 || found.mainD2 > maxSnapM * maxSnapM) return null;
  return describeSnap(
    graph,
    si,
    found.mainPiece,
    found.mainT,
    Math.sqrt(found.mainD2),
    defaultCosts(graph),
  );
}

/** The last {@link scanNearest} answer (module scratch: a snap allocates only its result). */
const found = {
  mainPiece: -1,
  mainD2: Infinity,
  mainT: 0,
  otherPiece: -1,
  otherD2: Infinity,
  otherT: 0,
};

/**
 * The nearest piece of the mode's main network (the largest component; for `any`, every
 * road) and, for a role, the nearest piece outside it linked the right way that could still
 * beat it by `margin`; pieces the mode may not take are passed over. Scans square rings of
 * cells around the point: after ring r every piece with a point inside the scanned square has
 * been seen, so an unseen piece is at least `clear` away.
 */
function scanNearest(
  si: SnapIndex,
  mode: SnapMode,
  px: number,
  py: number,
  maxSnapM: number,
  margin: number,
) {
  let mainD2 = Infinity;
  let mainPiece = -1;
  let mainT = 0;
  let otherD2 = Infinity;
  let otherPiece = -1;
  let otherT = 0;
  const { gx, gy, piecePoint, pieceClass, cellStart, cellPieces, W, H, cellM } = si;
  // `any` takes every piece as main; a role also the pieces linked its way (0: none)
  const anyMode = mode === 'any';
  const otherBits = mode === 'origin' ? PIECE_ORIGIN : mode === 'target' ? PIECE_TARGET : 0;
  const scan = (c: number): void => {
    for (let q = cellStart[c], qe = cellStart[c + 1]; q < qe; q++) {
      const h = cellPieces[q];
      const cls = pieceClass[h];
      const main = anyMode || (cls & PIECE_LARGEST) !== 0;
      if (!main && (cls & otherBits) === 0) continue;
      const g = piecePoint[h];
      const x0 = gx[g];
      const y0 = gy[g];
      const dx = gx[g + 1] - x0;
      const dy = gy[g + 1] - y0;
      const l2 = dx * dx + dy * dy;
      let t = l2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / l2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = x0 + t * dx - px;
      const ey = y0 + t * dy - py;
      const d2 = ex * ex + ey * ey;
      // Ties go to the lower piece id so results do not depend on the scan order.
      if (main) {
        if (d2 < mainD2 || (d2 === mainD2 && h < mainPiece)) {
          mainD2 = d2;
          mainPiece = h;
          mainT = t;
        }
      } else if (d2 < otherD2 || (d2 === otherD2 && h < otherPiece)) {
        otherD2 = d2;
        otherPiece = h;
        otherT = t;
      }
    }
  };
  const fx = (px - si.minX) / cellM;
  const fy = (py - si.minY) / cellM;
  const ci = Math.floor(fx);
  const cj = Math.floor(fy);
  for (let r = 0; ; r++) {
    const i0 = ci - r;
    const i1 = ci + r;
    const j0 = cj - r;
    const j1 = cj + r;
    const ia = i0 < 0 ? 0 : i0;
    const ib = i1 >= W ? W - 1 : i1;
    if (j0 >= 0 && j0 < H) for (let i = ia; i <= ib; i++) scan(j0 * W + i);
    if (r > 0 && j1 >= 0 && j1 < H) for (let i = ia; i <= ib; i++) scan(j1 * W + i);
    const ja = j0 + 1 < 0 ? 0 : j0 + 1;
    const jb = j1 - 1 >= H ? H - 1 : j1 - 1;
    for (let j = ja; j <= jb; j++) {
      if (i0 >= 0 && i0 < W) scan(j * W + i0);
      if (r > 0 && i1 >= 0 && i1 < W) scan(j * W + i1);
    }
    const clear = cellM * Math.min(fx - i0, i1 + 1 - fx, fy - j0, j1 + 1 - fy);
    if (clear > maxSnapM) break;
    // The whole grid scanned: nothing is left.
    if (i0 <= 0 && j0 <= 0 && i1 >= W - 1 && j1 >= H - 1) break;
    if (mainD2 > clear * clear) continue;
    // an unseen linked piece is ≥ clear away: it can only win if that is < main − margin
    const otherBound = Math.sqrt(mainD2) - margin;
    if (otherD2 <= clear * clear || clear >= otherBound) break;
  }
  found.mainPiece = mainPiece;
  found.mainD2 = mainD2;
  found.mainT = mainT;
  found.otherPiece = otherPiece;
  found.otherD2 = otherD2;
  found.otherT = otherT;
}

const offPeak = new WeakMap<RoadGraph, EdgeCosts>();

/** The default profile's off-peak costs (edgeCosts keys its cache by a string per call). */
function defaultCosts(graph: RoadGraph): EdgeCosts {
  let c = offPeak.get(graph);
  if (!c) offPeak.set(graph, (c = edgeCosts(graph)));
  return c;
}

function describeSnap(
  graph: RoadGraph,
  si: SnapIndex,
  piece: number,
  t: number,
  distanceM: number,
  costs: EdgeCosts,
): SnappedPoint {
  const s = si.pieceSeg[piece];
  const at = si.piecePoint[piece];
  const g0 = graph.segGeomStart[s];
  const g1 = graph.segGeomStart[s + 1];
  let before = 0;
  let total = 0;
  for (let i = g0; i < g1 - 1; i++) {
    const l = Math.hypot(si.gx[i + 1] - si.gx[i], si.gy[i + 1] - si.gy[i]);
    if (i < at) before += l;
    else if (i === at) before += l * t;
    total += l;
  }
  const fraction = total > 0 ? before / total : 0;
  const len = graph.segLengthM[s];
  const dir = graph.segDirection[s];
  const sec = costs.segSec[s];
  return {
    segment: s,
    fromNode: graph.segFrom[s],
    toNode: graph.segTo[s],
    fraction,
    offsetM: fraction * len,
    remainingM: (1 - fraction) * len,
    lon: graph.geomLon[at] + t * (graph.geomLon[at + 1] - graph.geomLon[at]),
    lat: graph.geomLat[at] + t * (graph.geomLat[at + 1] - graph.geomLat[at]),
    distanceM,
    direction: dir,
    secFromStart: fraction * sec,
    secToEnd: (1 - fraction) * sec,
  };
}

/** Snaps many points at once (null for each point that is too far from any road). */
export function snapPoints(
  graph: RoadGraph,
  points: readonly LonLat[],
  options: SnapOptions = {},
): (SnappedPoint | null)[] {
  return points.map((p) => snapPoint(graph, p, options));
}

/** Numbers per snap in a packed array (`packSnaps` / `unpackSnap`). */
export const PACKED_SNAP_SIZE = 12;

/**
 * Snaps as one Float64Array (`PACKED_SNAP_SIZE` numbers each, segment NaN for no road near):
 * how a snapping thread hands thousands of them back without cloning an object per snap.
 */
export function packSnaps(snaps: readonly (SnappedPoint | null)[]): Float64Array {
  const out = new Float64Array(snaps.length * PACKED_SNAP_SIZE).fill(NaN);
  snaps.forEach((s, i) => {
    if (!s) return;
    out.set(
      [
        s.segment,
        s.fromNode,
        s.toNode,
        s.fraction,
        s.offsetM,
        s.remainingM,
        s.lon,
        s.lat,
        s.distanceM,
        s.direction,
        s.secFromStart,
        s.secToEnd,
      ],
      i * PACKED_SNAP_SIZE,
    );
  });
  return out;
}

/** The `i`-th snap of a `packSnaps` array (null where no road was near). */
export function unpackSnap(packed: Float64Array, i: number): SnappedPoint | null {
  const o = i * PACKED_SNAP_SIZE;
  if (Number.isNaN(packed[o])) return null;
  return {
    segment: packed[o],
    fromNode: packed[o + 1],
    toNode: packed[o + 2],
    fraction: packed[o + 3],
    offsetM: packed[o + 4],
    remainingM: packed[o + 5],
    lon: packed[o + 6],
    lat: packed[o + 7],
    distanceM: packed[o + 8],
    direction: packed[o + 9],
    secFromStart: packed[o + 10],
    secToEnd: packed[o + 11],
  };
}
