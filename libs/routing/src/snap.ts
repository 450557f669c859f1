import Flatbush from 'flatbush';
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

interface SnapIndex {
  index: Flatbush;
  /** Segment and first geometry point per indexed piece. */
  pieceSeg: Int32Array;
  piecePoint: Int32Array;
  /** Geometry points in local metres. */
  gx: Float64Array;
  gy: Float64Array;
}

const indexes = new WeakMap<RoadGraph, Map<string, SnapIndex>>();
const linked = new WeakMap<RoadGraph, { origin: Uint8Array; target: Uint8Array }>();

/**
 * Nodes that can drive into the largest component (`origin`) and nodes the largest component
 * can drive to (`target`): one breadth-first search each way from one of its nodes.
 */
function linkedToLargest(graph: RoadGraph): { origin: Uint8Array; target: Uint8Array } {
  const hit = linked.get(graph);
  if (hit) return hit;
  const bfs = (offsets: Int32Array, next: Int32Array): Uint8Array => {
    const seen = new Uint8Array(graph.nodeCount);
    const queue = new Int32Array(graph.nodeCount);
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
 * Builds (once per graph and component mode) a Flatbush index over every straight piece of
 * every segment's shape, in local metres so box distance ≈ ground distance.
 */
export function snapIndexFor(graph: RoadGraph, component: SnapMode = 'largest'): SnapIndex {
  let perGraph = indexes.get(graph);
  if (!perGraph) {
    perGraph = new Map();
    indexes.set(graph, perGraph);
  }
  const hit = perGraph.get(component);
  if (hit) return hit;
  const { kx, ky, lon0, lat0 } = graph.projection;
  const G = graph.geomLon.length;
  const gx = new Float64Array(G);
  const gy = new Float64Array(G);
  for (let i = 0; i < G; i++) {
    gx[i] = (graph.geomLon[i] - lon0) * kx;
    gy[i] = (graph.geomLat[i] - lat0) * ky;
  }
  const set =
    component === 'origin' || component === 'target' ? linkedToLargest(graph)[component] : null;
  const keep = (s: number): boolean =>
    component === 'any' ||
    (set
      ? set[graph.segFrom[s]] === 1 && set[graph.segTo[s]] === 1
      : graph.nodeComponent[graph.segFrom[s]] === graph.largestComponent &&
        graph.nodeComponent[graph.segTo[s]] === graph.largestComponent);
  let pieces = 0;
  for (let s = 0; s < graph.segmentCount; s++) {
    if (keep(s)) pieces += graph.segGeomStart[s + 1] - graph.segGeomStart[s] - 1;
  }
  const pieceSeg = new Int32Array(pieces);
  const piecePoint = new Int32Array(pieces);
  const index = new Flatbush(Math.max(1, pieces));
  let k = 0;
  for (let s = 0; s < graph.segmentCount; s++) {
    if (!keep(s)) continue;
    for (let i = graph.segGeomStart[s]; i < graph.segGeomStart[s + 1] - 1; i++) {
      pieceSeg[k] = s;
      piecePoint[k] = i;
      const x0 = gx[i];
      const y0 = gy[i];
      const x1 = gx[i + 1];
      const y1 = gy[i + 1];
      index.add(Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1));
      k++;
    }
  }
  if (pieces === 0) index.add(Infinity, Infinity, Infinity, Infinity);
  index.finish();
  const built: SnapIndex = { index, pieceSeg, piecePoint, gx, gy };
  perGraph.set(component, built);
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
  if (component === 'any' || !options.role) return nearestIn(graph, point, component, maxSnapM);
  const main = nearestIn(graph, point, 'largest', maxSnapM);
  const margin = options.smallComponentMarginM ?? SMALL_COMPONENT_MARGIN_M;
  // Only a linked piece more than `margin` closer can beat the main network.
  const near = nearestIn(
    graph,
    point,
    options.role,
    main ? Math.max(0, main.distanceM - margin) : maxSnapM,
  );
  if (!near) return main;
  if (!main || near.distanceM < main.distanceM - margin) return near;
  return main;
}

function nearestIn(
  graph: RoadGraph,
  point: LonLat,
  mode: SnapMode,
  maxSnapM: number,
): SnappedPoint | null {
  const si = snapIndexFor(graph, mode);
  const { kx, ky, lon0, lat0 } = graph.projection;
  const px = (point.lon - lon0) * kx;
  const py = (point.lat - lat0) * ky;
  if (!Number.isFinite(px) || !Number.isFinite(py)) return null;
  let bestD2 = Infinity;
  let bestPiece = -1;
  let bestT = 0;
  // Grow the search box until the best hit lies inside it: then no closer piece can exist.
  for (let r = Math.min(60, maxSnapM); ; r = Math.min(r * 4, maxSnapM)) {
    const hits = si.index.search(px - r, py - r, px + r, py + r);
    for (const h of hits) {
      const i = si.piecePoint[h];
      const x0 = si.gx[i];
      const y0 = si.gy[i];
      const dx = si.gx[i + 1] - x0;
      const dy = si.gy[i + 1] - y0;
      const l2 = dx * dx + dy * dy;
      let t = l2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / l2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = x0 + t * dx - px;
      const ey = y0 + t * dy - py;
      const d2 = ex * ex + ey * ey;
      // Ties go to the lower piece id so results do not depend on index internals.
      if (d2 < bestD2 || (d2 === bestD2 && h < bestPiece)) {
        bestD2 = d2;
        bestPiece = h;
        bestT = t;
      }
    }
    if (bestD2 <= r * r || r >= maxSnapM) break;
  }
  if (bestPiece < 0 || bestD2 > maxSnapM * maxSnapM) return null;
  return describeSnap(graph, si, bestPiece, bestT, Math.sqrt(bestD2), edgeCosts(graph));
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
