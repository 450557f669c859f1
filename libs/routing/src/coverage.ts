import { edgeCosts, type EdgeCosts } from './edge-costs';
import { accessSec, multiSourceTimes, type EtaUnit, type RoutingQueryOptions } from './eta';
import {
  addPiece,
  burnPiece,
  contourRing,
  cornerToLonLat,
  createPieces,
  dropSpecks,
  fillSaddles,
  gridAround,
  burnSegmentCells,
  minFilter,
  polygonCells,
  rasterizePieces,
  ringArea,
  shapeBounds,
  gridCells,
  shapeLengthsM,
  traceMask,
  type AreaGeometry,
  type GridCells,
  type Position,
  type RasterGrid,
  type ReachedPieces,
} from './raster';
import { DIR_BACKWARD, DIR_FORWARD, type RoadGraph } from './road-graph';
import { workspaceFor } from './search-workspace';
import { snapPoint, type SnappedPoint } from './snap';

/** A coverage source: an available unit (its `kind` is ignored: every source drives). */
export type CoverageSource = EtaUnit;

/** A district, station area or grid to report coverage for. */
export interface CoverageArea {
  id: string;
  name?: string;
  polygon: AreaGeometry;
}

export interface CoverageOptions extends RoutingQueryOptions {
  areas?: readonly CoverageArea[];
  /** Raster cell size in metres (default 100). */
  cellM?: number;
  /**
   * How far from a reached road a cell still counts as covered, metres (default 100, rounded
   * to whole cells: a square neighbourhood of that many cells).
   */
  reachM?: number;
  /** Index into `tiersSec` of the tier whose uncovered cells are blind spots (default: last). */
  blindSpotTier?: number;
  /** Blind-spot regions with fewer cells are dropped as specks (default 2). */
  minBlindSpotCells?: number;
  /**
   * Node times from the same sources computed already (e.g. kept live by
   * {@link IncrementalCoverage} with a bound ≥ the largest tier): the search is skipped.
   */
  nodeSec?: ArrayLike<number>;
  /**
   * Every figure computed from scratch. By default the graph keeps the last results (per tiers,
   * areas, grid and speed band) and a call re-burns and re-counts only around the segments
   * whose end times or source pieces changed since (the same figures, exactly).
   */
  fromScratch?: boolean;
}

export interface CoverageTier {
  sec: number;
  /** Share of road length reached within `sec`, 0–100. */
  roadKmPct: number;
  /** Share of the domain's cells within reachM of a road piece reached within `sec`, 0–100. */
  areaPct: number;
  roadKm: number;
  roadKmTotal: number;
}

export interface AreaCoverage {
  id: string;
  name?: string;
  /** Raster cells whose centre lies inside the area, times the cell area. */
  areaKm2: number;
  tiers: CoverageTier[];
}

export interface BlindSpotFeature {
  type: 'Feature';
  properties: {
    tierSec: number;
    /** Area of the polygon (holes subtracted). */
    areaKm2: number;
    /** The area it lies in; null when no areas were given. */
    areaId: string | null;
  };
  geometry: { type: 'Polygon'; coordinates: Position[][] };
}

export interface CoverageResult {
  /** One entry per requested tier, in the order given. */
  tiers: CoverageTier[];
  /** One entry per area, in the order given. */
  areas: AreaCoverage[];
  /** Seconds from the nearest source to every node (Infinity beyond the largest tier). */
  nodeSec: Float32Array;
  /** Uncovered regions at the blind-spot tier, largest first. */
  blindSpots: { type: 'FeatureCollection'; features: BlindSpotFeature[] };
  /** Sources too far from any road (they cover nothing). */
  unsnappedSourceIds: string[];
  settledNodes: number;
  cellM: number;
  tookMs: number;
}

interface GraphCache {
  bounds: [number, number, number, number];
  /** Projected point halfway along each segment's shape. */
  midX: Float64Array;
  midY: Float64Array;
  /** Cells within reach of any road, per grid (only needed without areas). */
  roadDomain: Map<string, Int32Array>;
  /** Segments bucketed by the cell of their midpoint, per grid (CSR over cells). */
  segBuckets: Map<string, { cellStart: Int32Array; segs: Int32Array }>;
  /** Segments carrying a source piece, marked during {@link roadSumsFromTimes} (all 0 else). */
  pieceMark: Uint8Array;
  /** Scratch rasters (cell times, the min-filter's two passes, a cell mask), grown as needed. */
  time: Float32Array;
  filterTmp: Float32Array;
  filterOut: Float32Array;
  scratch: Uint8Array;
  /** The union of the last several areas' cells (recomputed when the areas change). */
  union: { parts: Int32Array[]; cells: Int32Array } | null;
  /** Every segment's whole length in micrometres ({@link reachedUm} at fraction 1). */
  fullUm: Float64Array;
  /** Total road length, metres (summed segment by segment, in order). */
  roadM: number;
  /** The areas holding each segment (CSR over the segments), for the last areas' segments. */
  segAreas: { parts: Int32Array[]; start: Int32Array; of: Int32Array } | null;
  /** The areas holding each cell (CSR over a grid of `size` cells), for the last areas' cells. */
  cellAreas: { parts: Int32Array[]; size: number; start: Int32Array; of: Int32Array } | null;
}

/** An area's cells and segments on one grid, kept while the caller keeps its geometry object. */
const areaCache = new WeakMap<
  AreaGeometry,
  { graph: RoadGraph; key: string; cells: Int32Array; segs: Int32Array }
>();

function gridKey(grid: RasterGrid): string {
  return `${grid.minX}|${grid.minY}|${grid.W}|${grid.H}|${grid.cellM}`;
}

function segBuckets(
  graph: RoadGraph,
  cache: GraphCache,
  grid: RasterGrid,
): { cellStart: Int32Array; segs: Int32Array } {
  const key = gridKey(grid);
  let b = cache.segBuckets.get(key);
  if (b) return b;
  const { W, H, cellM } = grid;
  const S = graph.segmentCount;
  const segCell = new Int32Array(S);
  const cellStart = new Int32Array(W * H + 1);
  for (let s = 0; s < S; s++) {
    const i = Math.floor((cache.midX[s] - grid.minX) / cellM);
    const j = Math.floor((cache.midY[s] - grid.minY) / cellM);
    segCell[s] = j * W + i;
    cellStart[j * W + i + 1]++;
  }
  for (let c = 0; c < W * H; c++) cellStart[c + 1] += cellStart[c];
  const fill = cellStart.slice(0, W * H);
  const segs = new Int32Array(S);
  for (let s = 0; s < S; s++) segs[fill[segCell[s]]++] = s;
  b = { cellStart, segs };
  if (cache.segBuckets.size >= 4) cache.segBuckets.delete(cache.segBuckets.keys().next().value!);
  cache.segBuckets.set(key, b);
  return b;
}

/** The cells of an area (centre inside) and the segments whose midpoint lies in them. */
function areaDomain(
  graph: RoadGraph,
  cache: GraphCache,
  grid: RasterGrid,
  polygon: AreaGeometry,
  scratch: Uint8Array,
): { cells: Int32Array; segs: Int32Array } {
  const key = gridKey(grid);
  const hit = areaCache.get(polygon);
  if (hit && hit.graph === graph && hit.key === key) return hit;
  const cells = polygonCells(graph, grid, polygon, scratch);
  const { cellStart, segs: bySeg } = segBuckets(graph, cache, grid);
  let n = 0;
  for (let k = 0; k < cells.length; k++) n += cellStart[cells[k] + 1] - cellStart[cells[k]];
  const segs = new Int32Array(n);
  n = 0;
  for (let k = 0; k < cells.length; k++)
    for (let q = cellStart[cells[k]]; q < cellStart[cells[k] + 1]; q++) segs[n++] = bySeg[q];
  const entry = { graph, key, cells, segs };
  areaCache.set(polygon, entry);
  return entry;
}

const graphCaches = new WeakMap<RoadGraph, GraphCache>();

function graphCache(graph: RoadGraph): GraphCache {
  let c = graphCaches.get(graph);
  if (c) return c;
  const S = graph.segmentCount;
  const all = new Int32Array(S);
  for (let s = 0; s < S; s++) all[s] = s;
  const { kx, ky, lon0, lat0 } = graph.projection;
  const midX = new Float64Array(S);
  const midY = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    const g0 = graph.segGeomStart[s];
    const g1 = graph.segGeomStart[s + 1];
    let total = 0;
    for (let g = g0; g < g1 - 1; g++)
      total += Math.hypot(
        (graph.geomLon[g + 1] - graph.geomLon[g]) * kx,
        (graph.geomLat[g + 1] - graph.geomLat[g]) * ky,
      );
    let left = total / 2;
    let g = g0;
    for (; g < g1 - 2; g++) {
      const len = Math.hypot(
        (graph.geomLon[g + 1] - graph.geomLon[g]) * kx,
        (graph.geomLat[g + 1] - graph.geomLat[g]) * ky,
      );
      if (left <= len) break;
      left -= len;
    }
    const ax = (graph.geomLon[g] - lon0) * kx;
    const ay = (graph.geomLat[g] - lat0) * ky;
    const bx = (graph.geomLon[g + 1] - lon0) * kx;
    const by = (graph.geomLat[g + 1] - lat0) * ky;
    const len = Math.hypot(bx - ax, by - ay);
    const f = len > 0 ? Math.min(1, left / len) : 0;
    midX[s] = ax + f * (bx - ax);
    midY[s] = ay + f * (by - ay);
  }
  c = {
    bounds: shapeBounds(graph, all, S),
    midX,
    midY,
    roadDomain: new Map(),
    segBuckets: new Map(),
    pieceMark: new Uint8Array(S),
    time: new Float32Array(0),
    filterTmp: new Float32Array(0),
    filterOut: new Float32Array(0),
    scratch: new Uint8Array(0),
    union: null,
    fullUm: new Float64Array(S),
    roadM: 0,
    segAreas: null,
    cellAreas: null,
  };
  for (let s = 0; s < S; s++) {
    c.fullUm[s] = reachedUm(1, graph.segLengthM[s]);
    c.roadM += graph.segLengthM[s];
  }
  graphCaches.set(graph, c);
  return c;
}

/** Cells within `radius` cells of any road (every segment burnt in, then min-filtered). */
function roadDomain(
  graph: RoadGraph,
  cache: GraphCache,
  grid: RasterGrid,
  radius: number,
): Int32Array {
  const key = `${gridKey(grid)}|${radius}`;
  const hit = cache.roadDomain.get(key);
  if (hit) return hit;
  const all = createPieces(graph.segmentCount);
  for (let s = 0; s < graph.segmentCount; s++) addPiece(all, s, 0, true, 0);
  const near = new Float32Array(grid.W * grid.H).fill(Infinity);
  rasterizePieces(graph, edgeCosts(graph), all, grid, near, Infinity);
  const buffered = radius > 0 ? minFilter(near, grid.W, grid.H, radius) : near;
  const cells: number[] = [];
  for (let c = 0; c < buffered.length; c++) if (buffered[c] < Infinity) cells.push(c);
  const out = Int32Array.from(cells);
  if (cache.roadDomain.size >= 4) cache.roadDomain.delete(cache.roadDomain.keys().next().value!);
  cache.roadDomain.set(key, out);
  return out;
}

/** The cells of any of the areas, ascending (kept while the areas' cell lists are the same). */
function areaUnion(cache: GraphCache, parts: Int32Array[], scratch: Uint8Array): Int32Array {
  const u = cache.union;
  if (u && u.parts.length === parts.length && u.parts.every((p, k) => p === parts[k]))
    return u.cells;
  const marked: number[] = [];
  for (const cells of parts)
    for (let k = 0; k < cells.length; k++)
      if (scratch[cells[k]] === 0) {
        scratch[cells[k]] = 1;
        marked.push(cells[k]);
      }
  for (const c of marked) scratch[c] = 0;
  const cells = Int32Array.from(marked).sort();
  cache.union = { parts, cells };
  return cells;
}

/** Scratch [lo, hi] pairs for {@link pieceFractions} (grown as needed, never shrunk). */
let intervals = new Float64Array(64);

/**
 * Length of the union of the first n [lo, hi] intervals of `iv` (flat: lo0, hi0, lo1, hi1, …),
 * which it sorts in place by lo (an insertion sort: a few per segment). Intervals of equal lo
 * may come in any order: the merged runs, and so their lengths added in order, are the same.
 */
function unionLength(iv: Float64Array, n: number): number {
  for (let k = 1; k < n; k++) {
    const lo = iv[2 * k];
    const hi = iv[2 * k + 1];
    let j = k - 1;
    for (; j >= 0 && iv[2 * j] > lo; j--) {
      iv[2 * j + 2] = iv[2 * j];
      iv[2 * j + 3] = iv[2 * j + 1];
    }
    iv[2 * j + 2] = lo;
    iv[2 * j + 3] = hi;
  }
  let total = 0;
  let curLo = -Infinity;
  let curHi = -Infinity;
  for (let k = 0; k < n; k++) {
    const lo = iv[2 * k];
    const hi = iv[2 * k + 1];
    if (hi <= lo) continue;
    if (lo > curHi) {
      if (curHi > curLo) total += curHi - curLo;
      curLo = lo;
      curHi = hi;
    } else if (hi > curHi) curHi = hi;
  }
  if (curHi > curLo) total += curHi - curLo;
  return total;
}

/**
 * Reached fraction of every segment within `t`: from its start node (time ta, if it may be
 * driven forward) a = (t − ta) / segSec, from its end node likewise b, and min(1, a + b)
 * covered. Segments that carry a source's own pieces (from the snapped point, both ways if
 * allowed) get the exact union of those intervals with [0, a] and [1 − b, 1].
 */
function reachedFractions(
  graph: RoadGraph,
  segSec: Float64Array,
  nodeSec: Float32Array,
  sourcePieces: ReachedPieces,
  tiersSec: readonly number[],
  out: Float32Array,
): void {
  const S = graph.segmentCount;
  // one pass over the segments for every tier: the node times are read once
  for (let s = 0; s < S; s++) segmentFractions(graph, segSec, nodeSec, tiersSec, out, s);
  for (const [s, list] of piecesBySegment(sourcePieces))
    pieceFractions(
      graph,
      segSec,
      nodeSec,
      sourcePieces,
      list,
      s,
      tiersSec,
      out,
      s * tiersSec.length,
    );
}

/** {@link reachedFractions} of one segment without source pieces, every tier. */
function segmentFractions(
  graph: RoadGraph,
  segSec: Float64Array,
  nodeSec: Float32Array,
  tiersSec: readonly number[],
  out: Float32Array,
  s: number,
): void {
  const dir = graph.segDirection[s];
  const ta = dir & DIR_FORWARD ? nodeSec[graph.segFrom[s]] : Infinity;
  const tb = dir & DIR_BACKWARD ? nodeSec[graph.segTo[s]] : Infinity;
  const sec = segSec[s];
  const nT = tiersSec.length;
  for (let k = 0; k < nT; k++) {
    const t = tiersSec[k];
    let f = 0;
    if (ta <= t) f += sec > 0 ? Math.min(1, (t - ta) / sec) : 1;
    if (tb <= t) f += sec > 0 ? Math.min(1, (t - tb) / sec) : 1;
    out[s * nT + k] = f < 1 ? f : 1;
  }
}

/** The pieces (indices, ascending) on each segment that carries any. */
function piecesBySegment(pieces: ReachedPieces): Map<number, number[]> {
  const bySeg = new Map<number, number[]>();
  for (let p = 0; p < pieces.count; p++) {
    const list = bySeg.get(pieces.seg[p]);
    if (list) list.push(p);
    else bySeg.set(pieces.seg[p], [p]);
  }
  return bySeg;
}

/**
 * Reached fraction per tier of a segment carrying source pieces: the exact union of its ends'
 * intervals [0, a] and [1 − b, 1] with the pieces' own, into out[o + tier].
 */
function pieceFractions(
  graph: RoadGraph,
  segSec: Float64Array,
  nodeSec: Float32Array,
  pieces: ReachedPieces,
  list: readonly number[],
  s: number,
  tiersSec: readonly number[],
  out: Float32Array,
  o: number,
): void {
  const fromEnd = (tn: number, sec: number, t: number): number =>
    tn <= t ? (sec > 0 ? Math.min(1, (t - tn) / sec) : 1) : 0;
  const dir = graph.segDirection[s];
  const sec = segSec[s];
  for (let k = 0; k < tiersSec.length; k++) {
    const t = tiersSec[k];
    const a = dir & DIR_FORWARD ? fromEnd(nodeSec[graph.segFrom[s]], sec, t) : 0;
    const b = dir & DIR_BACKWARD ? fromEnd(nodeSec[graph.segTo[s]], sec, t) : 0;
    if (intervals.length < 2 * (list.length + 2))
      intervals = new Float64Array(4 * (list.length + 2));
    const iv = intervals;
    iv[0] = 0;
    iv[1] = a;
    iv[2] = 1 - b;
    iv[3] = 1;
    let n = 2;
    for (const p of list) {
      if (pieces.t0[p] > t) continue;
      const f = sec > 0 ? (t - pieces.t0[p]) / sec : 1;
      const from = pieces.from[p];
      iv[2 * n] = pieces.towardEnd[p] === 1 ? from : Math.max(0, from - f);
      iv[2 * n + 1] = pieces.towardEnd[p] === 1 ? Math.min(1, from + f) : from;
      n++;
    }
    out[o + k] = Math.min(1, unionLength(iv, n));
  }
}

/**
 * Burns the search tree's road into `time` (node times cut at T, Infinity beyond): each cell a
 * reached segment's shape passes through gets the earliest time the road inside it is reached
 * from an end it may be driven from (where the shape enters the cell from that end), if within
 * T. With `bands` (the tiers ascending, the last one T), a segment reached wholly within one
 * band (its nearer end's time and that plus its whole run in the same band) burns that band's
 * limit into its cells instead of their times: the coverage raster is only ever compared with
 * the tiers, and a cell's band is the same either way.
 */
export function burnSegments(
  graph: RoadGraph,
  segSec: Float64Array,
  nodeSec: Float32Array,
  grid: RasterGrid,
  time: Float32Array,
  T: number,
  bands?: Float64Array,
): void {
  const lengths = shapeLengthsM(graph);
  const gc = gridCells(graph, grid);
  const b = bands ?? NO_BANDS;
  for (let s = 0; s < graph.segmentCount; s++)
    burnSegment(graph, segSec, lengths, gc, nodeSec, time, T, b, s);
}

const NO_BANDS = new Float64Array(0);

/** {@link burnSegments} for one segment (ints and arrays in: no boxed doubles). */
function burnSegment(
  graph: RoadGraph,
  segSec: Float64Array,
  lengths: Float64Array,
  gc: GridCells,
  nodeSec: Float32Array,
  time: Float32Array,
  T: number,
  bands: Float64Array,
  s: number,
): void {
  const dir = graph.segDirection[s];
  let ta = dir & DIR_FORWARD ? nodeSec[graph.segFrom[s]] : Infinity;
  let tb = dir & DIR_BACKWARD ? nodeSec[graph.segTo[s]] : Infinity;
  if (!(ta < T)) ta = Infinity;
  if (!(tb < T)) tb = Infinity;
  const near = ta < tb ? ta : tb;
  if (near === Infinity) return;
  const sec = segSec[s];
  // every point of it is reached between its nearer end's time and that plus its whole run
  const latest = near + sec;
  if (bands.length > 0 && latest <= T) {
    let r = 0;
    while (!(near <= bands[r])) r++;
    const v = bands[r];
    if (latest <= v) {
      const { start, i, j } = gc.cells;
      const { oi, oj, W } = gc;
      for (let k = start[s]; k < start[s + 1]; k++) {
        const c = (j[k] - oj) * W + (i[k] - oi);
        const cur = time[c];
        time[c] = v < cur ? v : cur;
      }
      return;
    }
  }
  const total = lengths[s];
  burnSegmentCells(gc, s, ta, tb, total, total > 0 ? sec / total : 0, T, time);
}

/** Given node times cut at `T` (Infinity beyond, as the bounded search leaves them). */
function boundedCopy(
  times: ArrayLike<number>,
  T: number,
): { nodeSec: Float32Array; settledNodes: number } {
  const nodeSec = new Float32Array(times.length);
  let settledNodes = 0;
  for (let v = 0; v < times.length; v++) {
    const t = times[v];
    if (t <= T) {
      nodeSec[v] = t;
      settledNodes++;
    } else nodeSec[v] = Infinity;
  }
  return { nodeSec, settledNodes };
}

function pct(part: number, whole: number): number {
  return whole > 0 ? Math.min(100, (100 * part) / whole) : 0;
}

/**
 * Unit-centric coverage (DESIGN §1, view 2): from all sources at once, which share of the
 * road network, of the domain's area and of each given area lies within each tier, and where
 * the blind spots (盲区) are.
 *
 * Method: ONE bounded multi-source forward Dijkstra ({@link multiSourceTimes}, maxSec = the
 * largest tier) from every snapped source — all sources at road (car) speed, whatever their
 * `kind`: walkers are out of scope here. Coverage is "a unit reaches the place", so the search
 * follows one-way streets from the units.
 * - Road km within t: each segment counts its reached fraction — from each end, by the end's
 *   time and the segment's traversal time in each allowed direction (min(1, a + b)), exactly
 *   united with the pieces a source drives from its own snapped point.
 * - Area %: the reached road is rasterised (cellM grid, earliest arrival per cell: every cell a
 *   reached road passes through, {@link burnSegments}; a source's own pieces sampled as
 *   {@link isochrones} sample them), min-filtered by reachM; a cell is covered within t when
 *   its time is ≤ t. An area's share counts the cells whose centre lies inside its polygon; without
 *   areas, the domain is every cell within reachM of any road.
 * - Per-area road km: each segment belongs to the area(s) containing the midpoint of its
 *   shape (looked up on the raster).
 * - Blind spots: uncovered domain cells at the blind-spot tier, per area, 4-connected regions
 *   smaller than minBlindSpotCells dropped, traced into polygons (a diagonal-only contact is
 *   closed by one cell so rings stay valid). Overlapping areas each get their own.
 *
 * Per graph it caches segment midpoints, the road band and, per area geometry OBJECT, its
 * cells and segments: pass the same (unmutated) area objects on every call to reuse them.
 */
export function computeCoverage(
  graph: RoadGraph,
  sources: readonly CoverageSource[],
  tiersSec: readonly number[],
  opts: CoverageOptions = {},
): CoverageResult {
  const t0 = performance.now();
  const frame = coverageFrame(graph, tiersSec, opts);
  const { grid, T, radius } = frame;
  const { W, H } = grid;
  const ws = opts.workspace ?? workspaceFor(graph);
  const costs = edgeCosts(graph, opts.speedProfile, opts.at);
  const accessKmh = opts.accessSpeedKmh ?? 15;

  // 1. One multi-source search; sources keep their snaps for their own road pieces.
  const snapped: { lon: number; lat: number; snap: SnappedPoint | null }[] = [];
  const unsnappedSourceIds: string[] = [];
  for (const src of sources) {
    const snap = src.snap !== undefined ? src.snap : snapPoint(graph, src, opts);
    if (snap) snapped.push({ lon: src.lon, lat: src.lat, snap });
    else unsnappedSourceIds.push(src.id);
  }
  const { nodeSec, settledNodes } = opts.nodeSec
    ? boundedCopy(opts.nodeSec, T)
    : multiSourceTimes(graph, snapped, T, { ...opts, workspace: ws, accessSpeedKmh: accessKmh });
  const sourcePieces = sourcePiecesOf(snapped, accessKmh);
  const kept = opts.fromScratch ? null : keptFigures(graph, frame, costs, accessKmh, opts);
  if (kept) {
    const r = kept.refresh(nodeSec, sourcePieces, unsnappedSourceIds);
    return { ...r, nodeSec, settledNodes, tookMs: performance.now() - t0 };
  }

  // 2. Raster over the whole network and the areas (scratch kept per graph: nothing returned
  // points into it).
  const cache = graphCache(graph);
  if (cache.time.length < W * H) {
    cache.time = new Float32Array(W * H);
    cache.filterTmp = new Float32Array(W * H);
    cache.filterOut = new Float32Array(W * H);
  }
  // 3. Road km per tier, each segment burnt as its reached road is summed (one pass over the
  // segments, their end times read once), then area shares per tier.
  const time = cache.time.subarray(0, W * H).fill(Infinity);
  const sums = emptySums(frame);
  roadSumsFromTimes(graph, frame, costs.segSec, nodeSec, sourcePieces, sums, time);
  rasterizePieces(graph, costs, sourcePieces, grid, time, T);
  const covered =
    radius > 0
      ? minFilter(time, W, H, radius, { tmp: cache.filterTmp, out: cache.filterOut })
      : time;
  countCoveredCells(graph, frame, covered, sums);

  return {
    ...coverageFigures(graph, frame, covered, sums),
    nodeSec,
    unsnappedSourceIds,
    settledNodes,
    cellM: frame.cellM,
    tookMs: performance.now() - t0,
  };
}

/** Figures kept per graph for the calls of {@link computeCoverage}: the latest few layouts. */
const keptCoverage = new WeakMap<RoadGraph, IncrementalCoverageFigures[]>();
/** Layouts kept per graph (a scheme's tiers with and without areas, say). */
const MAX_KEPT_LAYOUTS = 3;

/**
 * The graph's kept figures for this layout (tiers, blind-spot options, grid, areas, speed band
 * and access speed), laid out on first use; the least recently used layout makes room.
 */
function keptFigures(
  graph: RoadGraph,
  frame: CoverageFrame,
  costs: EdgeCosts,
  accessKmh: number,
  opts: CoverageOptions,
): IncrementalCoverageFigures {
  let list = keptCoverage.get(graph);
  if (!list) keptCoverage.set(graph, (list = []));
  const k = list.findIndex((f) => f.fits(frame, costs, accessKmh));
  const hit =
    k >= 0 ? list.splice(k, 1)[0] : new IncrementalCoverageFigures(graph, frame.tiersSec, opts);
  list.unshift(hit);
  if (list.length > MAX_KEPT_LAYOUTS) list.length = MAX_KEPT_LAYOUTS;
  return hit;
}

/** What a coverage computation needs besides the node times: tiers, grid and domains. */
interface CoverageFrame {
  tiersSec: readonly number[];
  /** The largest tier: the search's bound. */
  T: number;
  blindIdx: number;
  minCells: number;
  cellM: number;
  /** reachM in whole cells (the min-filter's radius). */
  radius: number;
  grid: RasterGrid;
  areas: readonly CoverageArea[];
  areaCells: Int32Array[];
  areaSegs: Int32Array[];
  /** Every area's cells, or without areas the road band. */
  domain: Int32Array;
  roadKmTotal: number;
  areaRoadKmTotal: number[];
}

/** Checks the options and lays out the grid and the domains (cached per graph and areas). */
function coverageFrame(
  graph: RoadGraph,
  tiersSec: readonly number[],
  opts: CoverageOptions,
): CoverageFrame {
  if (tiersSec.length === 0) throw new RangeError('computeCoverage needs at least one tier');
  for (const t of tiersSec)
    if (!(t >= 0 && t < Infinity)) throw new RangeError(`tier seconds must be ≥ 0, got ${t}`);
  const blindIdx = opts.blindSpotTier ?? tiersSec.length - 1;
  if (!(Number.isInteger(blindIdx) && blindIdx >= 0 && blindIdx < tiersSec.length))
    throw new RangeError(`blindSpotTier must index tiersSec, got ${blindIdx}`);
  const cellM = opts.cellM ?? 100;
  if (!(cellM > 0)) throw new RangeError(`cellM must be > 0, got ${cellM}`);
  const radius = Math.max(0, Math.round((opts.reachM ?? 100) / cellM));
  const cache = graphCache(graph);
  const bounds: [number, number, number, number] = [...cache.bounds];
  const { kx, ky, lon0, lat0 } = graph.projection;
  for (const a of opts.areas ?? []) {
    const polys = a.polygon.type === 'Polygon' ? [a.polygon.coordinates] : a.polygon.coordinates;
    for (const rings of polys)
      for (const ring of rings)
        for (const p of ring) {
          const x = (p[0] - lon0) * kx;
          const y = (p[1] - lat0) * ky;
          if (x < bounds[0]) bounds[0] = x;
          if (x > bounds[2]) bounds[2] = x;
          if (y < bounds[1]) bounds[1] = y;
          if (y > bounds[3]) bounds[3] = y;
        }
  }
  const grid = gridAround(bounds, cellM, radius + 2);
  const { W, H } = grid;
  if (W * H > 64e6)
    throw new RangeError(`coverage raster of ${W}×${H} cells is too large: raise cellM`);
  // Domains: each area's cells and segments (by shape midpoint), or the road band.
  if (cache.scratch.length < W * H) cache.scratch = new Uint8Array(W * H);
  // all zero between uses (polygonCells clears what it marks; so does areaUnion)
  const scratch = cache.scratch.subarray(0, W * H);
  const areas = opts.areas ?? [];
  const areaDomains = areas.map((a) => areaDomain(graph, cache, grid, a.polygon, scratch));
  const areaCells = areaDomains.map((d) => d.cells);
  const areaSegs = areaDomains.map((d) => d.segs);
  let domain: Int32Array;
  if (areas.length === 0) domain = roadDomain(graph, cache, grid, radius);
  else if (areas.length === 1) domain = areaCells[0];
  else domain = areaUnion(cache, areaCells, scratch);
  const segLengthM = graph.segLengthM;
  const roadM = cache.roadM;
  return {
    tiersSec,
    T: Math.max(...tiersSec),
    blindIdx,
    minCells: opts.minBlindSpotCells ?? 2,
    cellM,
    radius,
    grid,
    areas,
    areaCells,
    areaSegs,
    domain,
    roadKmTotal: roadM / 1000,
    areaRoadKmTotal: areaSegs.map((segs) => segsKm(segs, segLengthM)),
  };
}

/** Road km of an area's segments, per segment list (kept while the area's cache keeps it). */
const segsKmCache = new WeakMap<Int32Array, number>();

/** The length of these segments in km, summed in their order (kept per list). */
function segsKm(segs: Int32Array, segLengthM: Float64Array): number {
  let km = segsKmCache.get(segs);
  if (km === undefined) {
    let m = 0;
    for (let k = 0; k < segs.length; k++) m += segLengthM[segs[k]];
    segsKmCache.set(segs, (km = m / 1000));
  }
  return km;
}

/** The pieces each source drives from its own snapped point, each way it may be driven. */
function sourcePiecesOf(
  snapped: readonly { snap: SnappedPoint | null }[],
  accessKmh: number,
): ReachedPieces {
  const pieces = createPieces(2 * snapped.length);
  for (const { snap } of snapped) {
    if (!snap) continue;
    const access = accessSec(snap, accessKmh);
    if (snap.direction & DIR_FORWARD) addPiece(pieces, snap.segment, snap.fraction, true, access);
    if (snap.direction & DIR_BACKWARD) addPiece(pieces, snap.segment, snap.fraction, false, access);
  }
  return pieces;
}

/**
 * Reached road and covered cells per tier, city-wide and per area ([a · nT + tier]). Road
 * lengths are whole micrometres (see {@link reachedUm}).
 */
interface CoverageSums {
  roadUm: Float64Array;
  areaRoadUm: Float64Array;
  domainCells: Float64Array;
  areaCells: Float64Array;
}

function emptySums(frame: CoverageFrame): CoverageSums {
  const nT = frame.tiersSec.length;
  const nA = frame.areas.length;
  return {
    roadUm: new Float64Array(nT),
    areaRoadUm: new Float64Array(nA * nT),
    domainCells: new Float64Array(nT),
    areaCells: new Float64Array(nA * nT),
  };
}

/** Road metres and covered cells per tier from the fractions and the covered raster. */
function coverageSums(
  graph: RoadGraph,
  frame: CoverageFrame,
  fracs: Float32Array,
  covered: Float32Array,
): CoverageSums {
  const sums = emptySums(frame);
  roadSums(graph, frame, fracs, sums);
  countCoveredCells(graph, frame, covered, sums);
  return sums;
}

/**
 * Covered cells per tier, of the domain and of each area, in one pass over the domain (every
 * area's cells lie in it: the domain is their union), each cell's areas looked up. A cell is
 * counted once, at the least tier covering it; the counts are carried up to the larger tiers
 * at the end (whole numbers: the same counts as testing every cell at every tier).
 */
function countCoveredCells(
  graph: RoadGraph,
  frame: CoverageFrame,
  covered: Float32Array,
  sums: CoverageSums,
): void {
  const tiers = frame.tiersSec;
  const nT = tiers.length;
  const cells = frame.domain;
  const { W, H } = frame.grid;
  const cache = graphCache(graph);
  let areas = cache.cellAreas;
  const parts = frame.areaCells;
  if (
    !areas ||
    areas.size !== W * H ||
    areas.parts.length !== parts.length ||
    !areas.parts.every((p, k) => p === parts[k])
  )
    cache.cellAreas = areas = { parts, size: W * H, ...invert(parts, W * H) };
  const { start, of } = areas;
  const { order, sorted } = tierRanks(tiers);
  const nA = frame.areas.length;
  // covered cells by the rank of the first (least) tier covering them, carried up at the end
  const first = new Float64Array(nT);
  const areaFirst = new Float64Array(nA * nT);
  for (let k = 0; k < cells.length; k++) {
    const c = cells[k];
    const tc = covered[c];
    if (!(tc <= sorted[nT - 1])) continue;
    let r = 0;
    while (!(tc <= sorted[r])) r++;
    first[r]++;
    for (let q = start[c]; q < start[c + 1]; q++) areaFirst[of[q] * nT + r]++;
  }
  for (let r = 0, n = 0; r < nT; r++) sums.domainCells[order[r]] += n += first[r];
  for (let a = 0; a < nA; a++)
    for (let r = 0, n = 0; r < nT; r++)
      sums.areaCells[a * nT + order[r]] += n += areaFirst[a * nT + r];
}

/** The tiers ascending: rank r is tier order[r], of sorted[r] seconds. */
function tierRanks(tiers: readonly number[]): { order: number[]; sorted: Float64Array } {
  const order = tiers.map((_, k) => k).sort((x, y) => tiers[x] - tiers[y]);
  return { order, sorted: Float64Array.from(order, (k) => tiers[k]) };
}

/**
 * A segment's reached length at one tier in whole micrometres. Sums of whole numbers below
 * 2^53 (nine million km) are exact in any order, so road km kept by adding and taking away
 * the segments that changed ({@link IncrementalCoverageFigures}) equal a full sum exactly; the
 * rounding moves a city's total by less than half a micrometre per segment.
 */
function reachedUm(frac: number, lengthM: number): number {
  return Math.round(frac * lengthM * 1e6);
}

/** The areas holding each segment, for these areas' segment lists (kept while they are). */
function segmentAreas(
  graph: RoadGraph,
  parts: Int32Array[],
): { start: Int32Array; of: Int32Array } {
  const cache = graphCache(graph);
  const hit = cache.segAreas;
  if (hit && hit.parts.length === parts.length && hit.parts.every((p, k) => p === parts[k]))
    return hit;
  const inv = invert(parts, graph.segmentCount);
  cache.segAreas = { parts, ...inv };
  return inv;
}

/**
 * Reached road per tier, city-wide and per area, into zeroed `sums`: one pass over the
 * segments, each segment's reached micrometres worked out once per tier and added to the city
 * and to the areas holding it (whole numbers: the same sums in any order). A segment reached
 * whole (most of them) or not at all needs no rounding: its length in micrometres is kept.
 */
function roadSums(
  graph: RoadGraph,
  frame: CoverageFrame,
  fracs: Float32Array,
  sums: CoverageSums,
): void {
  const S = graph.segmentCount;
  const nT = frame.tiersSec.length;
  // a local, not a property load in the hot loops (the graph's shape differs when shared)
  const segLengthM = graph.segLengthM;
  const fullUm = graphCache(graph).fullUm;
  const road = sums.roadUm;
  const areaRoad = sums.areaRoadUm;
  const { start, of } =
    frame.areaSegs.length > 0
      ? segmentAreas(graph, frame.areaSegs)
      : { start: new Int32Array(S + 1), of: new Int32Array(0) };
  for (let s = 0, o = 0; s < S; s++, o += nT) {
    const a0 = start[s];
    const a1 = start[s + 1];
    for (let ti = 0; ti < nT; ti++) {
      const f = fracs[o + ti];
      if (f === 0) continue;
      const um = f === 1 ? fullUm[s] : reachedUm(f, segLengthM[s]);
      road[ti] += um;
      for (let q = a0; q < a1; q++) areaRoad[of[q] * nT + ti] += um;
    }
  }
}

/**
 * Reached road per tier, city-wide and per area, into zeroed `sums`, straight from the node
 * times: what {@link reachedFractions} then {@link roadSums} give (each fraction rounded to
 * float32 as their fractions' array holds it, the same whole micrometres added: exact in any
 * order), in one pass over the segments without a fraction per segment and tier written and
 * read back (a from-scratch call keeps none). Most segments are reached whole from one end at
 * every tier from some tier on (t − ta ≥ sec: the fraction is exactly 1 there, no division);
 * such a segment adds its whole length once, to that tier's running total, and the totals are
 * carried up to the larger tiers at the end. Each segment is burnt into the raster
 * ({@link burnSegment}, as {@link burnSegments} burns it, by the tiers' bands) in the same pass, its end times
 * read once for both.
 */
function roadSumsFromTimes(
  graph: RoadGraph,
  frame: CoverageFrame,
  segSec: Float64Array,
  nodeSec: Float32Array,
  pieces: ReachedPieces,
  sums: CoverageSums,
  /** A raster on the frame's grid to burn every segment into on the way (burnSegments). */
  burnInto: Float32Array,
): void {
  const S = graph.segmentCount;
  const tiers = frame.tiersSec;
  const nT = tiers.length;
  const nA = frame.areas.length;
  const { order, sorted } = tierRanks(tiers);
  const { grid } = frame;
  const lengths = shapeLengthsM(graph);
  const cache = graphCache(graph);
  const gc = gridCells(graph, grid);
  const T = sorted[nT - 1];
  // locals, not property loads in the hot loop (the graph's shape differs when shared)
  const segFrom = graph.segFrom;
  const segTo = graph.segTo;
  const segDirection = graph.segDirection;
  const segLengthM = graph.segLengthM;
  const fullUm = cache.fullUm;
  const mark = cache.pieceMark;
  const road = sums.roadUm;
  const areaRoad = sums.areaRoadUm;
  const { start, of } =
    frame.areaSegs.length > 0
      ? segmentAreas(graph, frame.areaSegs)
      : { start: new Int32Array(S + 1), of: new Int32Array(0) };
  // whole segments by the rank of the first tier reaching them whole, city-wide and per area
  const whole = new Float64Array(nT);
  const areaWhole = new Float64Array(nA * nT);
  for (let p = 0; p < pieces.count; p++) mark[pieces.seg[p]] = 1;
  for (let s = 0; s < S; s++) {
    burnSegment(graph, segSec, lengths, gc, nodeSec, burnInto, T, sorted, s);
    if (mark[s] === 1) continue;
    const dir = segDirection[s];
    const ta = dir & DIR_FORWARD ? nodeSec[segFrom[s]] : Infinity;
    const tb = dir & DIR_BACKWARD ? nodeSec[segTo[s]] : Infinity;
    const m = ta < tb ? ta : tb;
    // reached from neither end within the largest tier: nothing at any tier
    if (!(m <= T)) continue;
    const sec = segSec[s];
    const a0 = start[s];
    const a1 = start[s + 1];
    let k = 0;
    for (; k < nT; k++) {
      const t = sorted[k];
      if (t - m >= sec) break;
      if (t < m) continue;
      const um = partialUm(ta, tb, sec, t, fullUm[s], segLengthM[s]);
      if (um === 0) continue;
      const ti = order[k];
      road[ti] += um;
      for (let q = a0; q < a1; q++) areaRoad[of[q] * nT + ti] += um;
    }
    if (k === nT) continue;
    const um = fullUm[s];
    whole[k] += um;
    for (let q = a0; q < a1; q++) areaWhole[of[q] * nT + k] += um;
  }
  for (let k = 0, acc = 0; k < nT; k++) road[order[k]] += acc += whole[k];
  for (let a = 0; a < nA; a++)
    for (let k = 0, acc = 0; k < nT; k++)
      areaRoad[a * nT + order[k]] += acc += areaWhole[a * nT + k];
  const one = new Float32Array(nT);
  for (const [s, list] of piecesBySegment(pieces)) {
    mark[s] = 0;
    pieceFractions(graph, segSec, nodeSec, pieces, list, s, tiers, one, 0);
    for (let ti = 0; ti < nT; ti++) {
      if (one[ti] === 0) continue;
      const um = one[ti] === 1 ? fullUm[s] : reachedUm(one[ti], segLengthM[s]);
      road[ti] += um;
      for (let q = start[s]; q < start[s + 1]; q++) areaRoad[of[q] * nT + ti] += um;
    }
  }
}

/**
 * A segment's reached micrometres at tier t, not reached whole from one end: its fraction as
 * {@link segmentFractions} works it out and stores it (float32), with no division for an end
 * that reaches it whole.
 */
function partialUm(
  ta: number,
  tb: number,
  sec: number,
  t: number,
  fullUm: number,
  lengthM: number,
): number {
  let f = 0;
  // (t − ta) / sec ≥ 1 exactly when t − ta ≥ sec (the quotient is monotone, sec / sec = 1)
  if (ta <= t) f = sec > 0 && t - ta < sec ? (t - ta) / sec : 1;
  // once one end gives 1, min(1, 1 + b) is 1 whatever b is
  if (tb <= t && f < 1) f += sec > 0 && t - tb < sec ? (t - tb) / sec : 1;
  if (f >= 1) return fullUm;
  return f === 0 ? 0 : reachedUm(Math.fround(f), lengthM);
}

/** Tiers, areas and blind spots from the covered raster and the sums. */
function coverageFigures(
  graph: RoadGraph,
  frame: CoverageFrame,
  covered: Float32Array,
  sums: CoverageSums,
): Pick<CoverageResult, 'tiers' | 'areas' | 'blindSpots'> {
  const { tiersSec, areas, areaCells, domain, cellM, roadKmTotal, areaRoadKmTotal } = frame;
  const nT = tiersSec.length;
  const tiers: CoverageTier[] = tiersSec.map((t, ti) => ({
    sec: t,
    roadKmPct: pct(sums.roadUm[ti] / 1e9, roadKmTotal),
    areaPct: pct(sums.domainCells[ti], domain.length),
    roadKm: sums.roadUm[ti] / 1e9,
    roadKmTotal,
  }));
  return {
    tiers,
    areas: areas.map((a, k) => ({
      id: a.id,
      ...(a.name !== undefined ? { name: a.name } : {}),
      areaKm2: (areaCells[k].length * cellM * cellM) / 1e6,
      tiers: tiersSec.map((t, ti) => ({
        sec: t,
        roadKmPct: pct(sums.areaRoadUm[k * nT + ti] / 1e9, areaRoadKmTotal[k]),
        areaPct: pct(sums.areaCells[k * nT + ti], areaCells[k].length),
        roadKm: sums.areaRoadUm[k * nT + ti] / 1e9,
        roadKmTotal: areaRoadKmTotal[k],
      })),
    })),
    blindSpots: { type: 'FeatureCollection', features: blindSpots(graph, frame, covered) },
  };
}

/** Uncovered regions at the blind-spot tier, per area (or the domain), largest first. */
function blindSpots(
  graph: RoadGraph,
  frame: CoverageFrame,
  covered: Float32Array,
): BlindSpotFeature[] {
  const { grid, areas, areaCells, domain, cellM, minCells } = frame;
  const { W, H } = grid;
  const blindSec = frame.tiersSec[frame.blindIdx];
  const features: BlindSpotFeature[] = [];
  const regions: [Int32Array, string | null][] =
    areas.length > 0 ? areas.map((a, k) => [areaCells[k], a.id]) : [[domain, null]];
  for (const [cells, areaId] of regions) {
    let i0 = W;
    let j0 = H;
    let i1 = -1;
    let j1 = -1;
    for (let k = 0; k < cells.length; k++) {
      const c = cells[k];
      if (covered[c] <= blindSec) continue;
      const i = c % W;
      const j = (c - i) / W;
      if (i < i0) i0 = i;
      if (i > i1) i1 = i;
      if (j < j0) j0 = j;
      if (j > j1) j1 = j;
    }
    if (i1 < 0) continue;
    // Trace on the cropped window (one cell of margin), not the whole city.
    i0 = Math.max(0, i0 - 1);
    j0 = Math.max(0, j0 - 1);
    const sw = Math.min(W, i1 + 2) - i0;
    const sh = Math.min(H, j1 + 2) - j0;
    const mask = new Uint8Array(sw * sh);
    for (let k = 0; k < cells.length; k++) {
      const c = cells[k];
      if (covered[c] <= blindSec) continue;
      const i = c % W;
      const j = (c - i) / W;
      mask[(j - j0) * sw + (i - i0)] = 1;
    }
    dropSpecks(mask, sw, sh, minCells);
    const wi0 = i0;
    const wj0 = j0;
    const valueAt = (i: number, j: number): number => {
      const gi = i + wi0;
      const gj = j + wj0;
      return gi >= 0 && gj >= 0 && gi < W && gj < H ? covered[gj * W + gi] : NaN;
    };
    fillSaddles(mask, sw, sh);
    for (const poly of traceMask(mask, sw, sh)) {
      const cellsInPoly = poly.reduce((sum, ring) => sum + ringArea(ring), 0);
      features.push({
        type: 'Feature',
        properties: {
          tierSec: blindSec,
          areaKm2: (cellsInPoly * cellM * cellM) / 1e6,
          areaId,
        },
        geometry: {
          type: 'Polygon',
          // contoured between the cells' times, not their 100 m staircase
          coordinates: poly.map((ring) =>
            contourRing(ring, valueAt, blindSec).map(([i, j]) =>
              cornerToLonLat(graph, grid, i + i0, j + j0),
            ),
          ),
        },
      });
    }
  }
  features.sort((a, b) => b.properties.areaKm2 - a.properties.areaKm2);
  return features;
}

/** Per graph and grid: each segment's cell box, and the segments whose box holds each cell. */
interface SegmentBoxes {
  /** [4s] i0, [4s + 1] j0, [4s + 2] i1, [4s + 3] j1 (cells, inclusive). */
  box: Int32Array;
  cellStart: Int32Array;
  segs: Int32Array;
}

const segmentBoxCache = new WeakMap<RoadGraph, Map<string, SegmentBoxes>>();

/**
 * Every cell any burn of segment s can touch (a cell its shape passes through, a source's
 * piece on it) lies in the cell box of its shape: a shape piece crosses only the cells between
 * its end points' (a micrometre of slack for rounding).
 */
function segmentBoxes(graph: RoadGraph, grid: RasterGrid): SegmentBoxes {
  let perGraph = segmentBoxCache.get(graph);
  if (!perGraph) segmentBoxCache.set(graph, (perGraph = new Map()));
  const key = gridKey(grid);
  const hit = perGraph.get(key);
  if (hit) return hit;
  const S = graph.segmentCount;
  const { kx, ky, lon0, lat0 } = graph.projection;
  const { minX, minY, cellM, W, H } = grid;
  const box = new Int32Array(4 * S);
  const cellStart = new Int32Array(W * H + 1);
  const eps = 1e-6;
  for (let s = 0; s < S; s++) {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let g = graph.segGeomStart[s]; g < graph.segGeomStart[s + 1]; g++) {
      const x = (graph.geomLon[g] - lon0) * kx;
      const y = (graph.geomLat[g] - lat0) * ky;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    const i0 = Math.max(0, Math.floor((x0 - eps - minX) / cellM));
    const j0 = Math.max(0, Math.floor((y0 - eps - minY) / cellM));
    const i1 = Math.min(W - 1, Math.floor((x1 + eps - minX) / cellM));
    const j1 = Math.min(H - 1, Math.floor((y1 + eps - minY) / cellM));
    box[4 * s] = i0;
    box[4 * s + 1] = j0;
    box[4 * s + 2] = i1;
    box[4 * s + 3] = j1;
    for (let j = j0; j <= j1; j++) for (let i = i0; i <= i1; i++) cellStart[j * W + i + 1]++;
  }
  for (let c = 0; c < W * H; c++) cellStart[c + 1] += cellStart[c];
  const fill = cellStart.slice(0, W * H);
  const segs = new Int32Array(cellStart[W * H]);
  for (let s = 0; s < S; s++)
    for (let j = box[4 * s + 1]; j <= box[4 * s + 3]; j++)
      for (let i = box[4 * s]; i <= box[4 * s + 2]; i++) segs[fill[j * W + i]++] = s;
  const out = { box, cellStart, segs };
  if (perGraph.size >= 2) perGraph.delete(perGraph.keys().next().value!);
  perGraph.set(key, out);
  return out;
}

/** Entries [start[k], start[k + 1]) of `lists` flattened as one CSR over `count` keys. */
function invert(
  lists: readonly Int32Array[],
  count: number,
): { start: Int32Array; of: Int32Array } {
  const start = new Int32Array(count + 1);
  for (const l of lists) for (let k = 0; k < l.length; k++) start[l[k] + 1]++;
  for (let c = 0; c < count; c++) start[c + 1] += start[c];
  const fill = start.slice(0, count);
  const of = new Int32Array(start[count]);
  lists.forEach((l, a) => {
    for (let k = 0; k < l.length; k++) of[fill[l[k]]++] = a;
  });
  return { start, of };
}

/**
 * The figures of {@link computeCoverage} kept live for node times that change a little at a
 * time (a few units moved, kept by {@link IncrementalCoverage}): instead of burning the whole
 * city again, each update re-burns only around the segments whose end times or source pieces
 * changed, re-filters the cells near them and adjusts the reached road and covered-cell counts
 * by the difference (whole micrometres and cells: exact in any order), so every figure equals
 * a full computation's exactly. The blind spots are traced again from the kept raster (a
 * millisecond or two). When most of the city changed (every unit moved) an update computes
 * everything again instead.
 *
 * How the re-burn stays exact: every burn of a segment (the cells its shape passes through, a
 * source's own piece) lands in the cell box of its shape. The cells of the
 * changed segments' boxes are cleared and every segment whose box holds one of them is burnt
 * again (with the source pieces): a cell outside those boxes only ever held times from
 * segments that did not change.
 */
export class IncrementalCoverageFigures {
  private readonly frame: CoverageFrame;
  private readonly costs: EdgeCosts;
  private readonly accessKmh: number;
  private readonly boxes: SegmentBoxes;
  private readonly nodeSec: Float32Array;
  private settled = 0;
  private readonly time: Float32Array;
  private readonly covered: Float32Array;
  private readonly fracs: Float32Array;
  private sums: CoverageSums;
  private pieces: ReachedPieces = createPieces(16);
  private pieceKeys = new Map<number, string>();
  private unsnapped: string[] = [];
  private readonly inDomain: Uint8Array;
  private readonly cellAreas: { start: Int32Array; of: Int32Array };
  private readonly segAreas: { start: Int32Array; of: Int32Array };
  private readonly cellMark: Uint32Array;
  private readonly segMark: Uint32Array;
  /** Segments from a node back to itself, per node (they have no edges to find them by). */
  private readonly loops = new Map<number, number[]>();
  private gen = 0;
  private ready = false;

  constructor(
    readonly graph: RoadGraph,
    readonly tiersSec: readonly number[],
    opts: Omit<CoverageOptions, 'nodeSec' | 'workspace'> = {},
  ) {
    this.frame = coverageFrame(graph, tiersSec, opts);
    this.costs = edgeCosts(graph, opts.speedProfile, opts.at);
    this.accessKmh = opts.accessSpeedKmh ?? 15;
    const { W, H } = this.frame.grid;
    this.boxes = segmentBoxes(graph, this.frame.grid);
    this.nodeSec = new Float32Array(graph.nodeCount).fill(Infinity);
    this.time = new Float32Array(W * H).fill(Infinity);
    this.covered = new Float32Array(W * H).fill(Infinity);
    this.fracs = new Float32Array(tiersSec.length * graph.segmentCount);
    this.sums = emptySums(this.frame);
    this.inDomain = new Uint8Array(W * H);
    for (let k = 0; k < this.frame.domain.length; k++) this.inDomain[this.frame.domain[k]] = 1;
    this.cellAreas = invert(this.frame.areaCells, W * H);
    this.segAreas = invert(this.frame.areaSegs, graph.segmentCount);
    this.cellMark = new Uint32Array(W * H);
    this.segMark = new Uint32Array(graph.segmentCount);
    for (let s = 0; s < graph.segmentCount; s++)
      if (graph.segFrom[s] === graph.segTo[s]) {
        const l = this.loops.get(graph.segFrom[s]);
        if (l) l.push(s);
        else this.loops.set(graph.segFrom[s], [s]);
      }
  }

  /** The areas the figures are laid out for (the same objects as given). */
  get areas(): readonly CoverageArea[] {
    return this.frame.areas;
  }

  /** The edge costs the figures were laid out with (a new speed band needs a new instance). */
  get edgeCosts(): EdgeCosts {
    return this.costs;
  }

  /** Whether these figures are laid out as `frame` lays them out, for these costs. */
  fits(frame: CoverageFrame, costs: EdgeCosts, accessKmh: number): boolean {
    const f = this.frame;
    return (
      costs === this.costs &&
      accessKmh === this.accessKmh &&
      f.tiersSec.length === frame.tiersSec.length &&
      f.tiersSec.every((t, k) => t === frame.tiersSec[k]) &&
      f.blindIdx === frame.blindIdx &&
      f.minCells === frame.minCells &&
      f.cellM === frame.cellM &&
      f.radius === frame.radius &&
      gridKey(f.grid) === gridKey(frame.grid) &&
      f.areas.length === frame.areas.length &&
      f.areas.every((a, k) => a === frame.areas[k])
    );
  }

  /**
   * Brings the figures to these node times (from the nearest source, any bound ≥ the largest
   * tier) and sources; the first call computes everything.
   */
  update(
    nodeSec: ArrayLike<number>,
    sources: readonly { id: string; snap: SnappedPoint | null }[],
    /**
     * Every node whose time may have changed since the last update (repeats allowed), e.g.
     * {@link IncrementalCoverage.changed} after each move; without it all nodes are compared.
     */
    changedNodes?: ArrayLike<number>,
  ): Omit<CoverageResult, 'nodeSec'> {
    const t0 = performance.now();
    const unsnapped = sources.filter((s) => !s.snap).map((s) => s.id);
    const r = this.refresh(
      nodeSec,
      sourcePiecesOf(sources, this.accessKmh),
      unsnapped,
      changedNodes,
    );
    return { ...r, tookMs: performance.now() - t0 };
  }

  /** {@link update} with the sources' own pieces worked out already. */
  refresh(
    nodeSec: ArrayLike<number>,
    pieces: ReachedPieces,
    unsnappedSourceIds: string[],
    changedNodes?: ArrayLike<number>,
  ): Omit<CoverageResult, 'nodeSec' | 'tookMs'> {
    const { graph, frame } = this;
    this.unsnapped = unsnappedSourceIds;
    if (!this.ready) this.full(nodeSec, pieces);
    else this.fold(nodeSec, pieces, changedNodes);
    this.ready = true;
    return {
      ...coverageFigures(graph, frame, this.covered, this.sums),
      unsnappedSourceIds: this.unsnapped,
      settledNodes: this.settled,
      cellM: frame.cellM,
    };
  }

  private full(nodeSecIn: ArrayLike<number>, pieces: ReachedPieces): void {
    const { graph, frame, costs, time, nodeSec } = this;
    const { T, grid, radius } = frame;
    const { W, H } = grid;
    this.settled = 0;
    for (let v = 0; v < nodeSec.length; v++) {
      const t = nodeSecIn[v];
      nodeSec[v] = t <= T ? t : Infinity;
      if (t <= T) this.settled++;
    }
    time.fill(Infinity);
    burnSegments(graph, costs.segSec, nodeSec, grid, time, T, tierRanks(frame.tiersSec).sorted);
    rasterizePieces(graph, costs, pieces, grid, time, T);
    if (radius > 0) {
      // the min-filter's row pass goes through the graph's scratch grid, not a new one
      const cache = graphCache(graph);
      if (cache.filterTmp.length < W * H) cache.filterTmp = new Float32Array(W * H);
      minFilter(time, W, H, radius, { tmp: cache.filterTmp, out: this.covered });
    } else this.covered.set(time);
    reachedFractions(graph, costs.segSec, nodeSec, pieces, frame.tiersSec, this.fracs);
    this.sums = coverageSums(graph, frame, this.fracs, this.covered);
    this.pieces = pieces;
    this.pieceKeys = pieceKeysOf(pieces);
  }

  /** Adds (sign 1) or takes away (−1) segment s's reached road at its current fractions. */
  private addSegment(s: number, sign: number, sums: CoverageSums): void {
    const nT = this.frame.tiersSec.length;
    const len = this.graph.segLengthM[s];
    const { start, of } = this.segAreas;
    for (let ti = 0; ti < nT; ti++) {
      const um = sign * reachedUm(this.fracs[s * nT + ti], len);
      if (um === 0) continue;
      sums.roadUm[ti] += um;
      for (let q = start[s]; q < start[s + 1]; q++) sums.areaRoadUm[of[q] * nT + ti] += um;
    }
  }

  private fold(
    nodeSecIn: ArrayLike<number>,
    pieces: ReachedPieces,
    changedNodes: ArrayLike<number> | undefined,
  ): void {
    const { graph, frame, costs, time, covered, nodeSec, boxes } = this;
    const { T, grid, radius, tiersSec } = frame;
    const { W, H } = grid;
    const nT = tiersSec.length;
    if (this.gen > 0xfffffff0) {
      this.cellMark.fill(0);
      this.segMark.fill(0);
      this.gen = 0;
    }
    const gen = ++this.gen;
    const reburnGen = ++this.gen;
    const nearGen = ++this.gen;
    const { cellMark, segMark } = this;
    // 1. Changed segments: an end's time changed, or the source pieces on it.
    const dirtySegs: number[] = [];
    const markSeg = (s: number) => {
      if (segMark[s] === gen) return;
      segMark[s] = gen;
      dirtySegs.push(s);
    };
    const { fwdOffsets, fwdEdgeSeg, revOffsets, revEdgeSeg } = graph;
    const nodeChanged = (v: number): void => {
      const t = nodeSecIn[v];
      const nv = Math.fround(t <= T ? t : Infinity);
      if (nv === nodeSec[v]) return;
      if (nodeSec[v] <= T) this.settled--;
      if (nv <= T) this.settled++;
      nodeSec[v] = nv;
      for (let e = fwdOffsets[v]; e < fwdOffsets[v + 1]; e++) markSeg(fwdEdgeSeg[e] >> 1);
      for (let e = revOffsets[v]; e < revOffsets[v + 1]; e++) markSeg(revEdgeSeg[e] >> 1);
      const loops = this.loops.get(v);
      if (loops) for (const s of loops) markSeg(s);
    };
    if (changedNodes) for (let k = 0; k < changedNodes.length; k++) nodeChanged(changedNodes[k]);
    else {
      // every node compared: when most changed (every unit moved), all is computed again
      let n = 0;
      for (let v = 0; v < nodeSec.length; v++)
        if (Math.fround(nodeSecIn[v] <= T ? nodeSecIn[v] : Infinity) !== nodeSec[v]) n++;
      if (n > nodeSec.length * MAX_FOLDED_SHARE) {
        this.full(nodeSecIn, pieces);
        return;
      }
      for (let v = 0; v < nodeSec.length; v++) nodeChanged(v);
    }
    const keys = pieceKeysOf(pieces);
    for (const [s, k] of keys) if (this.pieceKeys.get(s) !== k) markSeg(s);
    for (const s of this.pieceKeys.keys()) if (!keys.has(s)) markSeg(s);
    this.pieceKeys = keys;
    this.pieces = pieces;
    // most of the city changed (every unit moved): burning it all again costs less than
    // clearing and re-burning box by box
    if (dirtySegs.length > graph.segmentCount * MAX_FOLDED_SHARE) {
      this.full(nodeSecIn, pieces);
      return;
    }
    // 2. Road of the changed segments, out at the old fractions, in at the new.
    const bySeg = piecesBySegment(pieces);
    for (const s of dirtySegs) {
      this.addSegment(s, -1, this.sums);
      const list = bySeg.get(s);
      if (list)
        pieceFractions(graph, costs.segSec, nodeSec, pieces, list, s, tiersSec, this.fracs, s * nT);
      else segmentFractions(graph, costs.segSec, nodeSec, tiersSec, this.fracs, s);
      this.addSegment(s, 1, this.sums);
    }
    // 3. The cells those segments can touch are cleared; every segment able to reach one of
    // them is burnt again (segments and pieces only lower cells: outside, nothing changes).
    const cells: number[] = [];
    const { box, cellStart, segs } = boxes;
    for (const s of dirtySegs)
      for (let j = box[4 * s + 1]; j <= box[4 * s + 3]; j++)
        for (let i = box[4 * s]; i <= box[4 * s + 2]; i++) {
          const c = j * W + i;
          if (cellMark[c] === gen) continue;
          cellMark[c] = gen;
          cells.push(c);
          time[c] = Infinity;
        }
    const lengths = shapeLengthsM(graph);
    const gc = gridCells(graph, grid);
    const bands = tierRanks(tiersSec).sorted;
    for (const c of cells)
      for (let q = cellStart[c]; q < cellStart[c + 1]; q++) {
        const s = segs[q];
        if (segMark[s] === reburnGen) continue;
        segMark[s] = reburnGen;
        burnSegment(graph, costs.segSec, lengths, gc, nodeSec, time, T, bands, s);
      }
    // a piece only burns inside its segment's box: pieces on segments not burnt again only
    // touch cells that were not cleared
    for (let p = 0; p < pieces.count; p++)
      if (segMark[pieces.seg[p]] === reburnGen)
        burnPiece(
          graph,
          costs.segSec,
          grid,
          time,
          T,
          pieces.seg[p],
          pieces.from[p],
          pieces.towardEnd[p] === 1,
          pieces.t0[p],
          NaN,
          lengths,
        );
    // 4. Cells within the filter's radius of a cleared cell: filtered again, counts adjusted.
    const near: number[] = [];
    for (const c of cells) {
      const ci = c % W;
      const cj = (c - ci) / W;
      for (let j = Math.max(0, cj - radius); j <= Math.min(H - 1, cj + radius); j++)
        for (let i = Math.max(0, ci - radius); i <= Math.min(W - 1, ci + radius); i++) {
          const y = j * W + i;
          if (cellMark[y] === nearGen) continue;
          cellMark[y] = nearGen;
          near.push(y);
        }
    }
    const { start: aStart, of: aOf } = this.cellAreas;
    for (const y of near) {
      const yi = y % W;
      const yj = (y - yi) / W;
      let m = Infinity;
      for (let j = Math.max(0, yj - radius); j <= Math.min(H - 1, yj + radius); j++)
        for (let i = Math.max(0, yi - radius); i <= Math.min(W - 1, yi + radius); i++)
          if (time[j * W + i] < m) m = time[j * W + i];
      const old = covered[y];
      if (m === old) continue;
      covered[y] = m;
      for (let ti = 0; ti < nT; ti++) {
        const d = (m <= tiersSec[ti] ? 1 : 0) - (old <= tiersSec[ti] ? 1 : 0);
        if (d === 0) continue;
        if (this.inDomain[y]) this.sums.domainCells[ti] += d;
        for (let q = aStart[y]; q < aStart[y + 1]; q++) this.sums.areaCells[aOf[q] * nT + ti] += d;
      }
    }
  }
}

/**
 * Beyond this share of the nodes or segments changed, an update computes every figure again
 * instead of folding the changes in.
 */
const MAX_FOLDED_SHARE = 0.25;

/** What decides a segment's source pieces, per segment that carries any. */
function pieceKeysOf(pieces: ReachedPieces): Map<number, string> {
  const keys = new Map<number, string>();
  for (let p = 0; p < pieces.count; p++) {
    const k = `${pieces.from[p]},${pieces.towardEnd[p]},${pieces.t0[p]};`;
    const s = pieces.seg[p];
    keys.set(s, (keys.get(s) ?? '') + k);
  }
  return keys;
}
