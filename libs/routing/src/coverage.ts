import { edgeCosts } from './edge-costs';
import { accessSec, multiSourceTimes, type EtaUnit, type RoutingQueryOptions } from './eta';
import {
  addPiece,
  contourRing,
  cornerToLonLat,
  createPieces,
  dropSpecks,
  fillSaddles,
  gridAround,
  minFilter,
  polygonCells,
  rasterizePieces,
  ringArea,
  shapeBounds,
  shapeLengthsM,
  traceMask,
  type AreaGeometry,
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
  /** Where {@link burnPiece} samples each whole segment, per grid (see {@link segmentSamples}). */
  samples: Map<string, SegmentSamples>;
  /** Scratch for the reached fraction of every segment per tier (reused: no garbage per run). */
  fracs: Float32Array;
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
    samples: new Map(),
    fracs: new Float32Array(0),
  };
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

/** Length of the union of [lo, hi] intervals given flat as [lo0, hi0, lo1, hi1, …]. */
function unionLength(iv: number[]): number {
  const n = iv.length / 2;
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => iv[2 * a] - iv[2 * b]);
  let total = 0;
  let curLo = -Infinity;
  let curHi = -Infinity;
  for (const k of order) {
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
  const nT = tiersSec.length;
  /** Fraction reached within t from a node at time tn (Infinity: not reached or not allowed). */
  const fromEnd = (tn: number, sec: number, t: number): number =>
    tn <= t ? (sec > 0 ? Math.min(1, (t - tn) / sec) : 1) : 0;
  const { segDirection, segFrom, segTo } = graph;
  // one pass over the segments for every tier: the node times are read once
  for (let s = 0; s < S; s++) {
    const dir = segDirection[s];
    const ta = dir & DIR_FORWARD ? nodeSec[segFrom[s]] : Infinity;
    const tb = dir & DIR_BACKWARD ? nodeSec[segTo[s]] : Infinity;
    const sec = segSec[s];
    for (let k = 0; k < nT; k++) {
      const t = tiersSec[k];
      // fromEnd written out: a call returning a double would box it, ~3 million times a run
      let f = 0;
      if (ta <= t) f += sec > 0 ? Math.min(1, (t - ta) / sec) : 1;
      if (tb <= t) f += sec > 0 ? Math.min(1, (t - tb) / sec) : 1;
      out[k * S + s] = f < 1 ? f : 1;
    }
  }
  for (let k = 0; k < nT; k++) {
    const t = tiersSec[k];
    const bySeg = new Map<number, number[]>();
    for (let p = 0; p < sourcePieces.count; p++) {
      const s = sourcePieces.seg[p];
      let iv = bySeg.get(s);
      if (!iv) {
        const dir = segDirection[s];
        const a = dir & DIR_FORWARD ? fromEnd(nodeSec[segFrom[s]], segSec[s], t) : 0;
        const b = dir & DIR_BACKWARD ? fromEnd(nodeSec[segTo[s]], segSec[s], t) : 0;
        bySeg.set(s, (iv = [0, a, 1 - b, 1]));
      }
      if (sourcePieces.t0[p] > t) continue;
      const sec = segSec[s];
      const f = sec > 0 ? (t - sourcePieces.t0[p]) / sec : 1;
      const from = sourcePieces.from[p];
      if (sourcePieces.towardEnd[p] === 1) iv.push(from, Math.min(1, from + f));
      else iv.push(Math.max(0, from - f), from);
    }
    for (const [s, iv] of bySeg) out[k * S + s] = Math.min(1, unionLength(iv));
  }
}

/**
 * The points {@link burnPiece} visits when it walks a whole segment from one end (t0 = 0, no
 * time or fraction limit), with their cells and their metres from that end, computed with the
 * same arithmetic, for both directions of every segment. A coverage run then only adds times.
 */
interface SegmentSamples {
  /** Per segment, its forward samples are [fwdStart[s], fwdStart[s + 1]). */
  fwdStart: Int32Array;
  fwdCell: Int32Array;
  fwdAlong: Float64Array;
  revStart: Int32Array;
  revCell: Int32Array;
  revAlong: Float64Array;
}

function segmentSamples(graph: RoadGraph, cache: GraphCache, grid: RasterGrid): SegmentSamples {
  const key = gridKey(grid);
  const hit = cache.samples.get(key);
  if (hit) return hit;
  const S = graph.segmentCount;
  const build = (towardEnd: boolean) => {
    const start = new Int32Array(S + 1);
    let cells = new Int32Array(1 << 16);
    let along = new Float64Array(1 << 16);
    let n = 0;
    for (let s = 0; s < S; s++) {
      start[s] = n;
      walkWholeSegment(graph, grid, s, towardEnd, (cell, a) => {
        if (n === cells.length) {
          const c2 = new Int32Array(n * 2);
          c2.set(cells);
          cells = c2;
          const a2 = new Float64Array(n * 2);
          a2.set(along);
          along = a2;
        }
        cells[n] = cell;
        along[n++] = a;
      });
    }
    start[S] = n;
    return { start, cells: cells.slice(0, n), along: along.slice(0, n) };
  };
  const f = build(true);
  const r = build(false);
  const out: SegmentSamples = {
    fwdStart: f.start,
    fwdCell: f.cells,
    fwdAlong: f.along,
    revStart: r.start,
    revCell: r.cells,
    revAlong: r.along,
  };
  // tens of MB per grid on a large city: keep only the latest grids (the areas rarely change)
  if (cache.samples.size >= 2) cache.samples.delete(cache.samples.keys().next().value!);
  cache.samples.set(key, out);
  return out;
}

/**
 * burnPiece's walk of a whole segment (from = 0 forward or 1 backward, no limits): every shape
 * piece sampled every cellM/3 metres and at its end. `visit` gets each sample's cell and its
 * metres from the starting end, as burnPiece computes them.
 */
function walkWholeSegment(
  graph: RoadGraph,
  grid: RasterGrid,
  s: number,
  towardEnd: boolean,
  visit: (cell: number, along: number) => void,
): void {
  const { kx, ky, lon0, lat0 } = graph.projection;
  const { minX, minY, cellM, W } = grid;
  const step = cellM / 3;
  const g0 = graph.segGeomStart[s];
  const g1 = graph.segGeomStart[s + 1];
  const first = towardEnd ? g0 : g1 - 1;
  const last = towardEnd ? g1 - 1 : g0;
  const inc = towardEnd ? 1 : -1;
  let along = 0;
  for (let g = first; g !== last; g += inc) {
    const ax = (graph.geomLon[g] - lon0) * kx;
    const ay = (graph.geomLat[g] - lat0) * ky;
    const bx = (graph.geomLon[g + inc] - lon0) * kx;
    const by = (graph.geomLat[g + inc] - lat0) * ky;
    const len = Math.sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay));
    if (len > 0) {
      for (let dd = 0; ; dd += step) {
        const ddc = dd > len ? len : dd;
        const f = ddc / len;
        const cx = Math.floor((ax + f * (bx - ax) - minX) / cellM);
        const cy = Math.floor((ay + f * (by - ay) - minY) / cellM);
        visit(cy * W + cx, along + ddc);
        if (ddc === len) break;
      }
      along += len;
    }
  }
}

/** The cell of the point `L` metres from the starting end (burnPiece's clamp at its limit). */
function cellAt(
  graph: RoadGraph,
  grid: RasterGrid,
  s: number,
  towardEnd: boolean,
  L: number,
): number {
  const { kx, ky, lon0, lat0 } = graph.projection;
  const { minX, minY, cellM, W } = grid;
  const g0 = graph.segGeomStart[s];
  const g1 = graph.segGeomStart[s + 1];
  const first = towardEnd ? g0 : g1 - 1;
  const last = towardEnd ? g1 - 1 : g0;
  const inc = towardEnd ? 1 : -1;
  let along = 0;
  let cell = -1;
  for (let g = first; g !== last; g += inc) {
    const ax = (graph.geomLon[g] - lon0) * kx;
    const ay = (graph.geomLat[g] - lat0) * ky;
    const bx = (graph.geomLon[g + inc] - lon0) * kx;
    const by = (graph.geomLat[g + inc] - lat0) * ky;
    const len = Math.sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay));
    if (len > 0) {
      const end = Math.min(len, L - along);
      const f = end / len;
      cell =
        Math.floor((ay + f * (by - ay) - minY) / cellM) * W +
        Math.floor((ax + f * (bx - ax) - minX) / cellM);
      along += len;
      if (along >= L) break;
    }
  }
  return cell;
}

/**
 * Burns the search tree's road pieces: per segment, from each end it may be driven from, up
 * to where the other end's piece arrives sooner (so each metre is walked once). It gives the
 * raster burnPiece would give walking every piece, from cached sample positions: the same cells
 * get the same times (the limit point where the two ends' pieces meet is the only position
 * computed per run).
 */
export function burnSegmentsSampled(
  graph: RoadGraph,
  segSec: Float64Array,
  nodeSec: Float32Array,
  grid: RasterGrid,
  time: Float32Array,
  T: number,
): void {
  const lengths = shapeLengthsM(graph);
  const smp = segmentSamples(graph, graphCache(graph), grid);
  const { segDirection, segFrom, segTo } = graph;
  for (let s = 0; s < graph.segmentCount; s++) {
    const dir = segDirection[s];
    const ta = dir & DIR_FORWARD ? nodeSec[segFrom[s]] : Infinity;
    const tb = dir & DIR_BACKWARD ? nodeSec[segTo[s]] : Infinity;
    const fromA = ta < T;
    const fromB = tb < T;
    if (!fromA && !fromB) continue;
    const sec = segSec[s];
    // where the two arrival-time lines cross: ta + m·sec = tb + (1 − m)·sec (NaN: one side only)
    const meet =
      fromA && fromB
        ? sec > 0
          ? Math.min(1, Math.max(0, (tb - ta + sec) / (2 * sec)))
          : 0.5
        : NaN;
    const total = lengths[s];
    const secPerM = total > 0 ? sec / total : 0;
    // each end it is driven from, up to the meeting point (written out, not a call per piece:
    // double arguments would be boxed)
    for (let side = 0; side < 2; side++) {
      const towardEnd = side === 0;
      if (towardEnd ? !fromA || meet === 0 : !fromB || meet === 1) continue;
      const t0 = towardEnd ? ta : tb;
      const L = meet === meet ? (towardEnd ? meet : 1 - meet) * total : Infinity;
      const start = towardEnd ? smp.fwdStart : smp.revStart;
      const cells = towardEnd ? smp.fwdCell : smp.revCell;
      const along = towardEnd ? smp.fwdAlong : smp.revAlong;
      for (let i = start[s], e = start[s + 1]; i < e; i++) {
        const a = along[i];
        if (a > L) {
          const tt = t0 + L * secPerM;
          if (tt <= T) {
            const c = cellAt(graph, grid, s, towardEnd, L);
            if (c >= 0 && tt < time[c]) time[c] = tt;
          }
          break;
        }
        const tt = t0 + a * secPerM;
        if (tt > T) break;
        const c = cells[i];
        if (tt < time[c]) time[c] = tt;
      }
    }
  }
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
 * - Area %: the reached road pieces are rasterised (cellM grid, earliest arrival per cell, as
 *   {@link isochrones} do), min-filtered by reachM; a cell is covered within t when its time
 *   is ≤ t. An area's share counts the cells whose centre lies inside its polygon; without
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
  if (tiersSec.length === 0) throw new RangeError('computeCoverage needs at least one tier');
  for (const t of tiersSec)
    if (!(t >= 0 && t < Infinity)) throw new RangeError(`tier seconds must be ≥ 0, got ${t}`);
  const blindIdx = opts.blindSpotTier ?? tiersSec.length - 1;
  if (!(Number.isInteger(blindIdx) && blindIdx >= 0 && blindIdx < tiersSec.length))
    throw new RangeError(`blindSpotTier must index tiersSec, got ${blindIdx}`);
  const cellM = opts.cellM ?? 100;
  if (!(cellM > 0)) throw new RangeError(`cellM must be > 0, got ${cellM}`);
  const radius = Math.max(0, Math.round((opts.reachM ?? 100) / cellM));
  const T = Math.max(...tiersSec);
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
  // The sources' own roads, from the snapped point each way it may be driven.
  const sourcePieces = createPieces(2 * snapped.length);
  for (const { snap } of snapped) {
    const s = snap!;
    const access = accessSec(s, accessKmh);
    if (s.direction & DIR_FORWARD) addPiece(sourcePieces, s.segment, s.fraction, true, access);
    if (s.direction & DIR_BACKWARD) addPiece(sourcePieces, s.segment, s.fraction, false, access);
  }

  // 2. Raster over the whole network and the areas.
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
  const time = new Float32Array(W * H).fill(Infinity);
  burnSegmentsSampled(graph, costs.segSec, nodeSec, grid, time, T);
  rasterizePieces(graph, costs, sourcePieces, grid, time, T);
  const covered = radius > 0 ? minFilter(time, W, H, radius) : time;

  // 3. Domains: each area's cells and segments (by shape midpoint), or the road band.
  const areas = opts.areas ?? [];
  const S = graph.segmentCount;
  const scratch = new Uint8Array(W * H);
  const areaDomains = areas.map((a) => areaDomain(graph, cache, grid, a.polygon, scratch));
  const areaCells = areaDomains.map((d) => d.cells);
  const areaSegs = areaDomains.map((d) => d.segs);
  let domain: Int32Array;
  if (areas.length === 0) domain = roadDomain(graph, cache, grid, radius);
  else if (areas.length === 1) domain = areaCells[0];
  else {
    let n = 0;
    for (const cells of areaCells)
      for (let k = 0; k < cells.length; k++)
        if (scratch[cells[k]] === 0) {
          scratch[cells[k]] = 1;
          n++;
        }
    domain = new Int32Array(n);
    for (let c = 0, k = 0; c < W * H; c++) if (scratch[c] === 1) domain[k++] = c;
  }

  // 4. Road km and area shares per tier.
  if (cache.fracs.length < tiersSec.length * S) cache.fracs = new Float32Array(tiersSec.length * S);
  const fracs = cache.fracs;
  reachedFractions(graph, costs.segSec, nodeSec, sourcePieces, tiersSec, fracs);
  let roadKmTotal = 0;
  for (let s = 0; s < S; s++) roadKmTotal += graph.segLengthM[s];
  roadKmTotal /= 1000;
  const areaRoadTotal = areaSegs.map((segs) => {
    let m = 0;
    for (let k = 0; k < segs.length; k++) m += graph.segLengthM[segs[k]];
    return m / 1000;
  });
  /** Cells covered within each tier, counted in one pass over the cells. */
  const countCovered = (cells: Int32Array): number[] => {
    const n = tiersSec.map(() => 0);
    for (let k = 0; k < cells.length; k++) {
      const tc = covered[cells[k]];
      if (tc === Infinity) continue;
      for (let i = 0; i < tiersSec.length; i++) if (tc <= tiersSec[i]) n[i]++;
    }
    return n;
  };
  const areaCounts = areaCells.map((cells) => countCovered(cells));
  const domainCounts = countCovered(domain);
  const areaTiers: CoverageTier[][] = areas.map(() => []);
  const tiers: CoverageTier[] = tiersSec.map((t, ti) => {
    const frac = fracs.subarray(ti * S, (ti + 1) * S);
    let m = 0;
    for (let s = 0; s < S; s++) m += frac[s] * graph.segLengthM[s];
    areaSegs.forEach((segs, a) => {
      let am = 0;
      for (let k = 0; k < segs.length; k++) am += frac[segs[k]] * graph.segLengthM[segs[k]];
      areaTiers[a].push({
        sec: t,
        roadKmPct: pct(am / 1000, areaRoadTotal[a]),
        areaPct: pct(areaCounts[a][ti], areaCells[a].length),
        roadKm: am / 1000,
        roadKmTotal: areaRoadTotal[a],
      });
    });
    return {
      sec: t,
      roadKmPct: pct(m / 1000, roadKmTotal),
      areaPct: pct(domainCounts[ti], domain.length),
      roadKm: m / 1000,
      roadKmTotal,
    };
  });

  // 5. Blind spots at the chosen tier.
  const blindSec = tiersSec[blindIdx];
  const minCells = opts.minBlindSpotCells ?? 2;
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

  return {
    tiers,
    areas: areas.map((a, k) => ({
      id: a.id,
      ...(a.name !== undefined ? { name: a.name } : {}),
      areaKm2: (areaCells[k].length * cellM * cellM) / 1e6,
      tiers: areaTiers[k],
    })),
    nodeSec,
    blindSpots: { type: 'FeatureCollection', features },
    unsnappedSourceIds,
    settledNodes,
    cellM,
    tookMs: performance.now() - t0,
  };
}
