import { edgeCosts, type EdgeCosts } from './edge-costs';
import { seedArrival, seedDeparture, straightLineEta, type RoutingQueryOptions } from './eta';
import { M_PER_DEG } from './geo-math';
import { DIR_BACKWARD, DIR_FORWARD, type RoadGraph } from './road-graph';
import { beginSearch, runBucketSearch, workspaceFor } from './search-workspace';
import {
  addPiece,
  burnSettledRoads,
  contourRing,
  cornerToLonLat,
  createPieces,
  fillSaddles,
  gridAround,
  minFilter,
  rasterizePieces,
  round6,
  settledRoads,
  shapeBounds,
  traceMask,
  type Position,
  type RasterGrid,
} from './raster';
import { snapPoint, type LonLat, type SnappedPoint } from './snap';

export { fillSaddles, traceMask, type Position };

export interface IsochroneOptions extends RoutingQueryOptions {
  /** 'to': who can reach the origin within t (incident rings); 'from': where the origin can get. */
  direction?: 'to' | 'from';
  /** Raster cell size in metres (default 50). */
  cellM?: number;
  /** How far around a reached road the area extends, metres (default 50, rounded to cells). */
  bufferM?: number;
  /**
   * Cell-edge outlines (the 100 m staircases) instead of contours interpolated between cell
   * travel times — for comparison and benchmarks only.
   */
  staircase?: boolean;
}

export interface IsochroneFeature {
  type: 'Feature';
  properties: {
    minutes: number;
    sec: number;
    direction: 'to' | 'from';
    method: 'road' | 'straight';
  };
  geometry:
    | { type: 'Polygon'; coordinates: Position[][] }
    | { type: 'MultiPolygon'; coordinates: Position[][][] };
}

export interface IsochroneCollection {
  type: 'FeatureCollection';
  features: IsochroneFeature[];
}

/** Raster cell size of isochrones by default, metres. */
export const ISOCHRONE_CELL_M = 50;

const MAX_KEPT_CELLS = 4_000_000;

/** The three grids of a run kept per graph (no fresh megabytes, and no GC pause, per call). */
interface Grids {
  time: Float32Array;
  tmp: Float32Array;
  out: Float32Array;
  /** A tier's cells (window-sized), traced into its polygons. */
  mask: Uint8Array;
}
const gridCache = new WeakMap<RoadGraph, Grids>();

function gridsFor(graph: RoadGraph, cells: number): Grids {
  let g = gridCache.get(graph);
  if (!g || g.time.length < cells) {
    const n = Math.max(cells, 1 << 16);
    g = {
      time: new Float32Array(n),
      tmp: new Float32Array(n),
      out: new Float32Array(n),
      mask: new Uint8Array(n),
    };
    // an unusually large grid is not kept (52 MB at most stay per graph)
    if (n <= MAX_KEPT_CELLS) gridCache.set(graph, g);
  }
  return g;
}

/**
 * Road-honest isochrones: one bounded Dijkstra, every reached road piece (edges cut where the
 * time runs out) rasterised onto a metric grid with its arrival time, a min-filter as the
 * buffer, then the cell boundaries of each tier traced into polygons with holes. Unlike a
 * convex or concave hull of reached nodes, the area never spans a river between bridges;
 * unlike buffering and unioning every segment with Turf it takes milliseconds.
 * Tiers come back in ascending order; an origin that cannot be snapped gets labelled
 * straight-line circles. The last few sets per graph and speed band are kept, keyed by the
 * snapped origin and the options, and handed out again as they are: do not modify a result.
 */
export function isochrones(
  graph: RoadGraph,
  origin: LonLat,
  minutesList: readonly number[],
  opts: IsochroneOptions = {},
): IsochroneCollection {
  const direction = opts.direction ?? 'to';
  const tiers = [...minutesList].sort((a, b) => a - b);
  for (const m of tiers)
    if (!(m >= 0)) throw new RangeError(`isochrone minutes must be ≥ 0, got ${m}`);
  const snap = snapPoint(graph, origin, {
    ...opts,
    role: direction === 'to' ? 'target' : 'origin',
  });
  if (!snap) return straightCircles(origin, tiers, direction, opts);
  const cellM = opts.cellM ?? ISOCHRONE_CELL_M;
  const radius = Math.max(0, Math.round((opts.bufferM ?? 50) / cellM));
  const costs = edgeCosts(graph, opts.speedProfile, opts.at);
  const accessKmh = opts.accessSpeedKmh ?? 15;
  const access = accessKmh > 0 ? snap.distanceM / (accessKmh / 3.6) : 0;
  // Everything the answer depends on besides the graph and the costs (their own cache levels):
  // a second open of the same incident gets the set already drawn.
  const key = [
    direction,
    snap.segment,
    snap.fraction,
    snap.direction,
    access,
    cellM,
    radius,
    opts.staircase === true,
    tiers.join(','),
  ].join('|');
  const cached = recentFor(graph, costs);
  const hit = cached.get(key);
  if (hit) {
    cached.delete(key);
    cached.set(key, hit);
    return hit;
  }
  const result = roadIsochrones(graph, snap, tiers, direction, costs, access, cellM, radius, opts);
  if (cached.size >= RECENT_SETS) cached.delete(cached.keys().next().value!);
  cached.set(key, result);
  return result;
}

/** How many finished sets are kept per graph and speed-profile/time band (least recent out). */
const RECENT_SETS = 32;
const recent = new WeakMap<RoadGraph, WeakMap<EdgeCosts, Map<string, IsochroneCollection>>>();

function recentFor(graph: RoadGraph, costs: EdgeCosts): Map<string, IsochroneCollection> {
  let perGraph = recent.get(graph);
  if (!perGraph) recent.set(graph, (perGraph = new WeakMap()));
  let sets = perGraph.get(costs);
  if (!sets) perGraph.set(costs, (sets = new Map()));
  return sets;
}

/** The road isochrones of a snapped origin (see {@link isochrones}). */
function roadIsochrones(
  graph: RoadGraph,
  snap: SnappedPoint,
  tiers: number[],
  direction: 'to' | 'from',
  costs: EdgeCosts,
  access: number,
  cellM: number,
  radius: number,
  opts: IsochroneOptions,
): IsochroneCollection {
  const T = (tiers[tiers.length - 1] ?? 0) * 60;
  const ws = opts.workspace ?? workspaceFor(graph);
  const forward = direction === 'from';

  beginSearch(ws, forward ? 'forward' : 'reverse');
  // 'from' leaves the point the way the segment may be driven; 'to' arrives the way it may be.
  const towardEndFromPoint = forward ? DIR_FORWARD : DIR_BACKWARD;
  const towardStartFromPoint = forward ? DIR_BACKWARD : DIR_FORWARD;
  if (forward) seedDeparture(ws, snap, costs, access);
  else seedArrival(ws, snap, costs, access);
  // every node within T is wanted: the bucket queue gives Dijkstra's times at O(1) a push
  const settled = runBucketSearch(ws, graph, costs, T);

  // Reached roads: every edge out of (or into) a node settled before T, from that node's end,
  // and the origin's own road from the snapped point (walked: it starts partway along)
  const roads = settledRoads(graph, ws, settled, T);
  const own = createPieces(2);
  if (snap.direction & towardEndFromPoint) addPiece(own, snap.segment, snap.fraction, true, access);
  if (snap.direction & towardStartFromPoint)
    addPiece(own, snap.segment, snap.fraction, false, access);
  // a grid around every reached shape, the origin's own road's too (a slight overestimate is
  // harmless)
  const bounds = shapeBounds(graph, own.seg, own.count, [...roads.bounds]);
  const grid = gridAround(bounds, cellM, radius + 2);
  const { W, H } = grid;
  const scratch = gridsFor(graph, W * H);
  const time = scratch.time.subarray(0, W * H).fill(Infinity);
  burnSettledRoads(graph, costs, roads, grid, time, T);
  rasterizePieces(graph, costs, own, grid, time, T);

  const buffered = radius > 0 ? minFilter(time, W, H, radius, scratch) : time;
  // Only the window around a tier's cells (one cell of margin) is masked and traced: the
  // largest tier sets the grid, the smaller ones cover a fraction of it. A saddle filled lies
  // between filled cells, and tracing sees the same cells in the same order, so the polygons
  // are those of the whole grid, shifted back by the window's corner. The windows of all tiers
  // come from one pass over the grid.
  const limits = tiers.map((m) => m * 60);
  const boxes = tierBoxes(buffered, W, H, limits);
  // the min-filter's scratch is free again: it holds each tier's window of cell times
  const window = scratch.tmp === buffered ? scratch.out : scratch.tmp;
  const features: IsochroneFeature[] = tiers.map((minutes, k) => {
    const limit = limits[k];
    const i1 = boxes[4 * k + 2];
    const wi = i1 < 0 ? 0 : Math.max(0, boxes[4 * k] - 1);
    const wj = i1 < 0 ? 0 : Math.max(0, boxes[4 * k + 1] - 1);
    const ww = i1 < 0 ? 0 : Math.min(W, i1 + 2) - wi;
    const wh = i1 < 0 ? 0 : Math.min(H, boxes[4 * k + 3] + 2) - wj;
    const mask = scratch.mask.subarray(0, ww * wh);
    const win = window.subarray(0, ww * wh);
    maskWindow(buffered, W, wi, wj, ww, wh, limit, mask, win);
    fillSaddles(mask, ww, wh, win);
    const polys = traceMask(mask, ww, wh).map((poly) =>
      poly.map((ring) =>
        ringToLonLat(
          graph,
          grid,
          opts.staircase
            ? ring
            : contourRing(ring, cellValue(win, ww, wh, buffered, W, H, wi, wj), limit),
          wi,
          wj,
        ),
      ),
    );
    return {
      type: 'Feature',
      properties: { minutes, sec: limit, direction, method: 'road' },
      geometry:
        polys.length === 1
          ? { type: 'Polygon', coordinates: polys[0] }
          : { type: 'MultiPolygon', coordinates: polys },
    };
  });
  return { type: 'FeatureCollection', features };
}

/**
 * Each tier's bounding box of cells within its limit [i0, j0, i1, j1] (i1 = -1: no cell), from
 * one pass over the grid: a cell belongs to every tier from the first whose limit it meets.
 */
function tierBoxes(buffered: Float32Array, W: number, H: number, limits: number[]): Int32Array {
  const n = limits.length;
  const boxes = new Int32Array(4 * n);
  for (let k = 0; k < n; k++) boxes.set([W, H, -1, -1], 4 * k);
  const top = n > 0 ? limits[n - 1] : -Infinity;
  for (let j = 0; j < H; j++) {
    const row = j * W;
    for (let i = 0; i < W; i++) {
      const v = buffered[row + i];
      if (!(v <= top)) continue;
      let k = 0;
      while (!(v <= limits[k])) k++;
      const b = 4 * k;
      if (i < boxes[b]) boxes[b] = i;
      if (i > boxes[b + 2]) boxes[b + 2] = i;
      if (j < boxes[b + 1]) boxes[b + 1] = j;
      if (j > boxes[b + 3]) boxes[b + 3] = j;
    }
  }
  // the tiers are nested: each box holds the smaller tiers' boxes
  for (let k = 1; k < n; k++) {
    const a = 4 * (k - 1);
    const b = 4 * k;
    if (boxes[a + 2] < 0) continue;
    boxes[b] = Math.min(boxes[b], boxes[a]);
    boxes[b + 1] = Math.min(boxes[b + 1], boxes[a + 1]);
    boxes[b + 2] = Math.max(boxes[b + 2], boxes[a + 2]);
    boxes[b + 3] = Math.max(boxes[b + 3], boxes[a + 3]);
  }
  return boxes;
}

/** A window's cell times and its cells within `limit` (1) or not (0). */
function maskWindow(
  buffered: Float32Array,
  W: number,
  wi: number,
  wj: number,
  ww: number,
  wh: number,
  limit: number,
  mask: Uint8Array,
  win: Float32Array,
): void {
  for (let j = 0; j < wh; j++) {
    const src = (j + wj) * W + wi;
    const dst = j * ww;
    for (let i = 0; i < ww; i++) {
      const t = buffered[src + i];
      win[dst + i] = t;
      mask[dst + i] = t <= limit ? 1 : 0;
    }
  }
}

/** Cell (i, j) of a window → its time in the whole grid (Infinity off the grid). */
function cellValue(
  win: Float32Array,
  ww: number,
  wh: number,
  buffered: Float32Array,
  W: number,
  H: number,
  wi: number,
  wj: number,
): (i: number, j: number) => number {
  return (i, j) => {
    if (i >= 0 && j >= 0 && i < ww && j < wh) return win[j * ww + i];
    const gi = i + wi;
    const gj = j + wj;
    return gi >= 0 && gj >= 0 && gi < W && gj < H ? buffered[gj * W + gi] : Infinity;
  };
}

/** A ring in window cell corners → [lon, lat] positions (grid corner, 1e-6°). */
function ringToLonLat(
  graph: RoadGraph,
  grid: RasterGrid,
  ring: readonly [number, number][],
  wi: number,
  wj: number,
): Position[] {
  const out: Position[] = new Array<Position>(ring.length);
  for (let k = 0; k < ring.length; k++)
    out[k] = cornerToLonLat(graph, grid, ring[k][0] + wi, ring[k][1] + wj);
  return out;
}

function straightCircles(
  origin: LonLat,
  tiers: number[],
  direction: 'to' | 'from',
  opts: IsochroneOptions,
): IsochroneCollection {
  const perM = straightLineEta(1, undefined, opts.straightLine).etaSec;
  return {
    type: 'FeatureCollection',
    features: tiers.map((minutes) => {
      const rM = (minutes * 60) / perM;
      const ring: Position[] = [];
      for (let k = 0; k <= 64; k++) {
        const a = ((k % 64) / 64) * 2 * Math.PI;
        ring.push([
          round6(
            origin.lon + (rM * Math.cos(a)) / (M_PER_DEG * Math.cos((origin.lat * Math.PI) / 180)),
          ),
          round6(origin.lat + (rM * Math.sin(a)) / M_PER_DEG),
        ]);
      }
      return {
        type: 'Feature',
        properties: { minutes, sec: minutes * 60, direction, method: 'straight' },
        geometry: { type: 'Polygon', coordinates: [ring] },
      };
    }),
  };
}
