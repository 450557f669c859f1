import { type RoadGraph } from './road-graph';
import { snapIndexFor, type LonLat } from './snap';
import { type AreaGeometry } from './raster';

/**
 * 见警率 and patrol compliance from unit tracks.
 *
 * Map matching (no HMM): each track point is projected on the road pieces within
 * {@link MATCH_RADIUS_M}; the candidate with the lowest score wins, where the score is the
 * distance to the road plus a penalty when the piece is not on the unit's previous segment or
 * one touching it (continuity) and a penalty when the reported heading crosses the road by more
 * than 45° (heading). Between two consecutive matches of a unit less than {@link MAX_GAP_MS}
 * apart, the stretch driven is filled in: along one segment, or from the first point to the
 * shared node and on to the second point, or through one connecting segment when they share
 * none. Every segment is cut into {@link BINS} equal bins; a pass marks bins, so a unit that
 * drove a third of a long street passes a third of its length. A point within 10 m of the
 * previous segment, between its ends and along it, stays on it without a search (most reports).
 */
export const BINS = 8;
export const MATCH_RADIUS_M = 40;
const CONTINUITY_PENALTY_M = 15;
const HEADING_PENALTY_M = 20;
const MAX_GAP_MS = 120_000;

/**
 * Tracks are matched in clock-aligned chunks (epoch multiples of this), each chunk with a unit's
 * points from {@link MATCH_LEAD_MS} before it (fresh matcher state at the first of them) and only
 * the passes at or after its start kept: what one chunk yields depends on that chunk's points
 * alone, so a store of matched chunks (re-matched when a late point lands in one) answers exactly
 * what matching the tracks at request time answers.
 */
export const MATCH_CHUNK_MS = 5 * 60_000;
export const MATCH_LEAD_MS = 60_000;
export const MINUTE_MS = 60_000;
/** Minutes per chunk. */
export const CHUNK_MIN = MATCH_CHUNK_MS / MINUTE_MS;
/** Passes and visits count by the minute they fall in (its start). */
export const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
export const chunkOf = (ms: number) => Math.floor(ms / MATCH_CHUNK_MS) * MATCH_CHUNK_MS;

export interface TrackPoint {
  lon: number;
  lat: number;
  ms: number;
  headingDeg?: number | null;
}

/** One unit's track, points in time order. */
export interface UnitTrack {
  unitId: string;
  points: readonly TrackPoint[];
}

/** Bins [binFrom, binTo] of a segment passed at `ms`. */
export interface Pass {
  segment: number;
  binFrom: number;
  binTo: number;
  ms: number;
}

interface Match {
  segment: number;
  fraction: number;
  ms: number;
}

function bearingDeg(dx: number, dy: number): number {
  return ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
}

function angleDiff(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

function touches(graph: RoadGraph, a: number, b: number): boolean {
  return (
    graph.segFrom[a] === graph.segFrom[b] ||
    graph.segFrom[a] === graph.segTo[b] ||
    graph.segTo[a] === graph.segFrom[b] ||
    graph.segTo[a] === graph.segTo[b]
  );
}

/** Fraction along the segment of geometry point `i` plus `t` of its piece (by length). */
function fractionAt(
  graph: RoadGraph,
  gx: Float64Array,
  gy: Float64Array,
  s: number,
  at: number,
  t: number,
): number {
  const g0 = graph.segGeomStart[s];
  const g1 = graph.segGeomStart[s + 1];
  let before = 0;
  let total = 0;
  for (let i = g0; i < g1 - 1; i++) {
    const l = Math.hypot(gx[i + 1] - gx[i], gy[i + 1] - gy[i]);
    if (i < at) before += l;
    else if (i === at) before += l * t;
    total += l;
  }
  return total > 0 ? before / total : 0;
}

/** Projection of (px, py) on shape piece `i` (local metres): the clamped `t` and the distance. */
function project(gx: Float64Array, gy: Float64Array, i: number, px: number, py: number) {
  const dx = gx[i + 1] - gx[i];
  const dy = gy[i + 1] - gy[i];
  const l2 = dx * dx + dy * dy;
  let t = l2 > 0 ? ((px - gx[i]) * dx + (py - gy[i]) * dy) / l2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return { t, d: Math.hypot(gx[i] + t * dx - px, gy[i] + t * dy - py), dx, dy, l2 };
}

/** Road pieces whose grid cell lies within `r` of (px, py), each once. */
function piecesNear(si: ReturnType<typeof snapIndexFor>, px: number, py: number, r: number) {
  const out = new Set<number>();
  const x0 = Math.max(0, Math.floor((px - r - si.minX) / si.cellM));
  const x1 = Math.min(si.W - 1, Math.floor((px + r - si.minX) / si.cellM));
  const y0 = Math.max(0, Math.floor((py - r - si.minY) / si.cellM));
  const y1 = Math.min(si.H - 1, Math.floor((py + r - si.minY) / si.cellM));
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) {
      const c = y * si.W + x;
      for (let q = si.cellStart[c]; q < si.cellStart[c + 1]; q++) out.add(si.cellPieces[q]);
    }
  return out;
}

/** Within this of the previous segment, inside it and along it, a point stays on it. */
const STAY_M = 10;

/**
 * The fraction along segment `s` where (px, py) projects, when the point lies within
 * {@link STAY_M} of it, strictly between its ends, and (with a heading) along it; else 0.
 */
function onSegment(
  graph: RoadGraph,
  si: ReturnType<typeof snapIndexFor>,
  s: number,
  px: number,
  py: number,
  p: TrackPoint,
): number {
  const g0 = graph.segGeomStart[s];
  const g1 = graph.segGeomStart[s + 1];
  let best = Infinity;
  let at = -1;
  let bt = 0;
  for (let i = g0; i < g1 - 1; i++) {
    const { t, d } = project(si.gx, si.gy, i, px, py);
    if (d < best) {
      best = d;
      at = i;
      bt = t;
    }
  }
  if (best > STAY_M || at < 0) return 0;
  if ((at === g0 && bt === 0) || (at === g1 - 2 && bt === 1)) return 0;
  if (p.headingDeg !== null && p.headingDeg !== undefined) {
    const b = bearingDeg(si.gx[at + 1] - si.gx[at], si.gy[at + 1] - si.gy[at]);
    if (Math.min(angleDiff(p.headingDeg, b), angleDiff(p.headingDeg, (b + 180) % 360)) > 45)
      return 0;
  }
  const f = fractionAt(graph, si.gx, si.gy, s, at, bt);
  return f > 0 && f < 1 ? f : 0;
}

/** Map-matches one unit's track (see the module comment); null where no road is near. */
export function matchTrack(graph: RoadGraph, points: readonly TrackPoint[]): (Match | null)[] {
  const si = snapIndexFor(graph);
  const { kx, ky, lon0, lat0 } = graph.projection;
  const out: (Match | null)[] = [];
  let prev: Match | null = null;
  for (const p of points) {
    const px = (p.lon - lon0) * kx;
    const py = (p.lat - lat0) * ky;
    if (!Number.isFinite(px) || !Number.isFinite(py)) {
      out.push(null);
      continue;
    }
    // fast path: still well inside the previous segment (no index search)
    const stay: number = prev === null ? 0 : onSegment(graph, si, prev.segment, px, py, p);
    if (prev !== null && stay > 0) {
      const kept: Match = { segment: prev.segment, fraction: stay, ms: p.ms };
      out.push(kept);
      prev = kept;
      continue;
    }
    let best: Match | null = null;
    let bestScore = Infinity;
    for (const h of piecesNear(si, px, py, MATCH_RADIUS_M)) {
      const i = si.piecePoint[h];
      const s = si.pieceSeg[h];
      const { t, d, dx, dy, l2 } = project(si.gx, si.gy, i, px, py);
      if (d > MATCH_RADIUS_M) continue;
      let score = d;
      if (prev && prev.segment !== s && !touches(graph, prev.segment, s))
        score += CONTINUITY_PENALTY_M;
      if (p.headingDeg !== null && p.headingDeg !== undefined && l2 > 0) {
        const b = bearingDeg(dx, dy);
        // a street is driven both ways here: only a heading across it is suspicious
        if (Math.min(angleDiff(p.headingDeg, b), angleDiff(p.headingDeg, (b + 180) % 360)) > 45)
          score += HEADING_PENALTY_M;
      }
      if (score < bestScore || (score === bestScore && best && s < best.segment)) {
        bestScore = score;
        best = { segment: s, fraction: fractionAt(graph, si.gx, si.gy, s, i, t), ms: p.ms };
      }
    }
    out.push(best);
    if (best) prev = best;
  }
  return out;
}

const binOf = (f: number) => Math.min(BINS - 1, Math.max(0, Math.floor(f * BINS)));

/** The fraction of segment `s` at node `v` (0 at segFrom, 1 at segTo). */
const endFraction = (graph: RoadGraph, s: number, v: number) => (graph.segFrom[s] === v ? 0 : 1);

function sharedNode(graph: RoadGraph, a: number, b: number): number {
  for (const v of [graph.segFrom[a], graph.segTo[a]])
    if (v === graph.segFrom[b] || v === graph.segTo[b]) return v;
  return -1;
}

/** A segment joining an end of `a` to an end of `b`, or -1. */
function connector(graph: RoadGraph, a: number, b: number): number {
  const ends = new Set([graph.segFrom[b], graph.segTo[b]]);
  for (const v of [graph.segFrom[a], graph.segTo[a]]) {
    for (const [off, next, seg] of [
      [graph.fwdOffsets, graph.fwdTargets, graph.fwdEdgeSeg],
      [graph.revOffsets, graph.revSources, graph.revEdgeSeg],
    ] as const) {
      // edge codes are segment × 2 + direction
      for (let e = off[v]; e < off[v + 1]; e++) if (ends.has(next[e])) return seg[e] >> 1;
    }
  }
  return -1;
}

function span(segment: number, f0: number, f1: number, ms: number): Pass {
  const a = binOf(Math.min(f0, f1));
  const b = binOf(Math.max(f0, f1));
  return { segment, binFrom: a, binTo: b, ms };
}

/** The bins a unit passed, in track order (matches filled in between consecutive points). */
export function trackPasses(graph: RoadGraph, points: readonly TrackPoint[]): Pass[] {
  const matches = matchTrack(graph, points);
  const passes: Pass[] = [];
  let prev: Match | null = null;
  for (const m of matches) {
    if (!m) continue;
    if (!prev || m.ms - prev.ms > MAX_GAP_MS) {
      passes.push(span(m.segment, m.fraction, m.fraction, m.ms));
    } else if (prev.segment === m.segment) {
      passes.push(span(m.segment, prev.fraction, m.fraction, m.ms));
    } else {
      const v = sharedNode(graph, prev.segment, m.segment);
      if (v >= 0) {
        passes.push(span(prev.segment, prev.fraction, endFraction(graph, prev.segment, v), m.ms));
        passes.push(span(m.segment, endFraction(graph, m.segment, v), m.fraction, m.ms));
      } else {
        const c = connector(graph, prev.segment, m.segment);
        if (c >= 0) {
          const va = sharedNode(graph, prev.segment, c);
          const vb = sharedNode(graph, c, m.segment);
          passes.push(
            span(prev.segment, prev.fraction, endFraction(graph, prev.segment, va), m.ms),
          );
          passes.push(span(c, 0, 1, m.ms));
          passes.push(span(m.segment, endFraction(graph, m.segment, vb), m.fraction, m.ms));
        } else passes.push(span(m.segment, m.fraction, m.fraction, m.ms));
      }
    }
    prev = m;
  }
  return passes;
}

/**
 * The chunks of a track (points in time order): each chunk's start and the index range of its
 * points including the lead-in, `[lead, start)` lead-in and `[start, end)` its own points.
 */
export function* trackChunks(
  points: readonly TrackPoint[],
): Generator<{ chunkMs: number; lead: number; start: number; end: number }> {
  let start = 0;
  let lead = 0;
  while (start < points.length) {
    const chunkMs = chunkOf(points[start].ms);
    let end = start;
    while (end < points.length && points[end].ms < chunkMs + MATCH_CHUNK_MS) end++;
    while (lead < start && points[lead].ms < chunkMs - MATCH_LEAD_MS) lead++;
    yield { chunkMs, lead, start, end };
    start = end;
  }
}

/** The passes of a track matched chunk by chunk (see {@link MATCH_CHUNK_MS}), in track order. */
export function chunkedPasses(graph: RoadGraph, points: readonly TrackPoint[]): Pass[] {
  const out: Pass[] = [];
  for (const c of trackChunks(points))
    for (const p of trackPasses(graph, points.slice(c.lead, c.end)))
      if (p.ms >= c.chunkMs) out.push(p);
  return out;
}

// ---- areas ------------------------------------------------------------------------------------

function inRing(ring: readonly (readonly number[])[], lon: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Even-odd point in (Multi)Polygon: holes left out. */
export function inArea(area: AreaGeometry, lon: number, lat: number): boolean {
  const polys = area.type === 'Polygon' ? [area.coordinates] : area.coordinates;
  for (const rings of polys) {
    let inside = false;
    for (const ring of rings) if (inRing(ring, lon, lat)) inside = !inside;
    if (inside) return true;
  }
  return false;
}

/** Midpoint (lon, lat) of bin `b` of segment `s`, along its shape. */
function binMidpoint(graph: RoadGraph, s: number, b: number): LonLat {
  const g0 = graph.segGeomStart[s];
  const g1 = graph.segGeomStart[s + 1];
  const { kx, ky } = graph.projection;
  const lens: number[] = [];
  let total = 0;
  for (let i = g0; i < g1 - 1; i++) {
    const l = Math.hypot(
      (graph.geomLon[i + 1] - graph.geomLon[i]) * kx,
      (graph.geomLat[i + 1] - graph.geomLat[i]) * ky,
    );
    lens.push(l);
    total += l;
  }
  let want = ((b + 0.5) / BINS) * total;
  for (let i = g0; i < g1 - 1; i++) {
    const l = lens[i - g0];
    if (want <= l || i === g1 - 2) {
      const t = l > 0 ? Math.min(1, want / l) : 0;
      return {
        lon: graph.geomLon[i] + t * (graph.geomLon[i + 1] - graph.geomLon[i]),
        lat: graph.geomLat[i] + t * (graph.geomLat[i + 1] - graph.geomLat[i]),
      };
    }
    want -= l;
  }
  return { lon: graph.nodeLon[graph.segFrom[s]], lat: graph.nodeLat[graph.segFrom[s]] };
}

/**
 * Street bins of each area: a bin belongs to the first area that holds its midpoint. Returns
 * the area index per global bin (segment × BINS + bin), -1 outside every area; segments whose
 * box misses every area's box are skipped without a test.
 */
export function binAreas(graph: RoadGraph, areas: readonly AreaGeometry[]): Int32Array {
  const S = graph.segmentCount;
  const out = new Int32Array(S * BINS).fill(-1);
  const boxes = areas.map((a) => {
    let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
    const polys = a.type === 'Polygon' ? [a.coordinates] : a.coordinates;
    for (const rings of polys)
      for (const [x, y] of rings[0] ?? []) {
        w = Math.min(w, x);
        e = Math.max(e, x);
        s = Math.min(s, y);
        n = Math.max(n, y);
      }
    return [w, s, e, n];
  });
  for (let seg = 0; seg < S; seg++) {
    const a = graph.segFrom[seg];
    const b = graph.segTo[seg];
    const lo = Math.min(graph.nodeLon[a], graph.nodeLon[b]);
    const hi = Math.max(graph.nodeLon[a], graph.nodeLon[b]);
    const la = Math.min(graph.nodeLat[a], graph.nodeLat[b]);
    const ha = Math.max(graph.nodeLat[a], graph.nodeLat[b]);
    const cand = boxes
      .map((x, i) =>
        hi >= x[0] - 0.01 && lo <= x[2] + 0.01 && ha >= x[1] - 0.01 && la <= x[3] + 0.01 ? i : -1,
      )
      .filter((i) => i >= 0);
    if (!cand.length) continue;
    for (let k = 0; k < BINS; k++) {
      const m = binMidpoint(graph, seg, k);
      for (const i of cand)
        if (inArea(areas[i], m.lon, m.lat)) {
          out[seg * BINS + k] = i;
          break;
        }
    }
  }
  return out;
}

// ---- visibility -------------------------------------------------------------------------------

export interface PatrolPoint extends LonLat {
  id: string;
  /** Index into the areas. */
  area: number;
}

export interface VisibilityOptions {
  /** Grid (or district) shapes; results are per area index. */
  areas: readonly AreaGeometry[];
  /** Precomputed {@link binAreas} for these areas (reuse across calls). */
  binArea?: Int32Array;
  points: readonly PatrolPoint[];
  fromMs: number;
  toMs: number;
  slotMs: number;
  /**
   * A street or point counts for a slot when passed within this long before the slot's end: the
   * minute of the pass (its start) lies in [end − windowMs, end).
   */
  windowMs: number;
  /** A patrol point is visited when a track point lies this close (default 50 m). */
  pointRadiusM?: number;
}

export interface AreaShare {
  area: number;
  streetKm: number;
  streetKmSeen: number;
  streetKmPct: number;
  points: number;
  pointsVisited: number;
  pointsVisitedPct: number;
}

export interface VisibilitySlot {
  fromMs: number;
  toMs: number;
  streetKmPct: number;
  pointsVisitedPct: number;
  byArea: AreaShare[];
}

const pct = (part: number, whole: number) =>
  whole > 0 ? Math.round((1000 * part) / whole) / 10 : 0;

/** Slots [kFirst, kLast] whose window (end − windowMs, end] holds `ms`. */
function slotRange(o: VisibilityOptions, K: number, ms: number): [number, number] {
  const a = Math.max(0, Math.floor((ms - o.fromMs) / o.slotMs));
  const b = Math.min(K - 1, Math.floor((ms - o.fromMs + o.windowMs) / o.slotMs) - 1);
  return [a, b];
}

/** Patrol points near a position: a hash of cells the size of the radius. */
function pointLookup(points: readonly PatrolPoint[], graph: RoadGraph, radiusM: number) {
  const { kx, ky, lon0, lat0 } = graph.projection;
  const cells = new Map<string, number[]>();
  const xy = points.map((p) => [(p.lon - lon0) * kx, (p.lat - lat0) * ky]);
  xy.forEach(([x, y], i) => {
    const key = `${Math.floor(x / radiusM)},${Math.floor(y / radiusM)}`;
    let l = cells.get(key);
    if (!l) cells.set(key, (l = []));
    l.push(i);
  });
  return (lon: number, lat: number, hit: (i: number) => void) => {
    const x = (lon - lon0) * kx;
    const y = (lat - lat0) * ky;
    const cx = Math.floor(x / radiusM);
    const cy = Math.floor(y / radiusM);
    for (let i = -1; i <= 1; i++)
      for (let j = -1; j <= 1; j++)
        for (const p of cells.get(`${cx + i},${cy + j}`) ?? [])
          if (Math.hypot(xy[p][0] - x, xy[p][1] - y) <= radiusM) hit(p);
  };
}

const localBinCache = new WeakMap<
  Int32Array,
  { graph: RoadGraph; A: number; bins: ReturnType<typeof computeLocalBins> }
>();

/** The bins of the areas, compactly (cached per `binArea`: callers reuse it across requests). */
function localBins(graph: RoadGraph, binArea: Int32Array, A: number) {
  const hit = localBinCache.get(binArea);
  if (hit && hit.graph === graph && hit.A === A) return hit.bins;
  const bins = computeLocalBins(graph, binArea, A);
  localBinCache.set(binArea, { graph, A, bins });
  return bins;
}

/** The bins of the areas, compactly: seen bits per slot are kept only for those. */
function computeLocalBins(graph: RoadGraph, binArea: Int32Array, A: number) {
  const local = new Int32Array(binArea.length).fill(-1);
  const binLenM: number[] = [];
  const localArea: number[] = [];
  const areaKm = new Float64Array(A);
  for (let g = 0; g < binArea.length; g++) {
    if (binArea[g] < 0) continue;
    local[g] = binLenM.length;
    const len = graph.segLengthM[Math.floor(g / BINS)] / BINS;
    binLenM.push(len);
    localArea.push(binArea[g]);
    areaKm[binArea[g]] += len / 1000;
  }
  return { local, binLenM, localArea, areaKm };
}

/**
 * 见警率 per slot and area: the share of each area's street-km (bins, see {@link BINS}) and of
 * its patrol points that some unit passed within `windowMs` before the slot's end.
 */
export function patrolVisibility(
  graph: RoadGraph,
  tracks: readonly UnitTrack[],
  o: VisibilityOptions,
): VisibilitySlot[] {
  const K = Math.max(0, Math.ceil((o.toMs - o.fromMs) / o.slotMs));
  const binArea = o.binArea ?? binAreas(graph, o.areas);
  const A = o.areas.length;
  const { local, binLenM, localArea, areaKm } = localBins(graph, binArea, A);
  const seen = Array.from({ length: K }, () => new Uint8Array(binLenM.length));
  const visited = Array.from({ length: K }, () => new Uint8Array(o.points.length));
  const near = pointLookup(o.points, graph, o.pointRadiusM ?? 50);
  for (const t of tracks) {
    for (const p of chunkedPasses(graph, t.points)) {
      const [k0, k1] = slotRange(o, K, minuteOf(p.ms));
      if (k0 > k1) continue;
      for (let b = p.binFrom; b <= p.binTo; b++) {
        const l = local[p.segment * BINS + b];
        if (l < 0) continue;
        for (let k = k0; k <= k1; k++) seen[k][l] = 1;
      }
    }
    for (const p of t.points) {
      const [k0, k1] = slotRange(o, K, minuteOf(p.ms));
      if (k0 > k1) continue;
      near(p.lon, p.lat, (i) => {
        for (let k = k0; k <= k1; k++) visited[k][i] = 1;
      });
    }
  }
  const pointsPerArea = new Int32Array(A);
  for (const p of o.points) pointsPerArea[p.area]++;
  const slots: VisibilitySlot[] = [];
  for (let k = 0; k < K; k++) {
    const kmSeen = new Float64Array(A);
    for (let l = 0; l < binLenM.length; l++)
      if (seen[k][l]) kmSeen[localArea[l]] += binLenM[l] / 1000;
    const ptsSeen = new Int32Array(A);
    o.points.forEach((p, i) => {
      if (visited[k][i]) ptsSeen[p.area]++;
    });
    slots.push(slotShares(o, k, areaKm, kmSeen, pointsPerArea, ptsSeen));
  }
  return slots;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

/**
 * The latest pass of any unit per segment inside the areas (NaN: not passed): what the live
 * heat layer colours.
 */
export function lastPassBySegment(
  graph: RoadGraph,
  tracks: readonly UnitTrack[],
  binArea: Int32Array,
): Map<number, number> {
  const last = new Map<number, number>();
  for (const t of tracks)
    for (const p of chunkedPasses(graph, t.points)) {
      let inside = false;
      for (let b = p.binFrom; b <= p.binTo && !inside; b++)
        inside = binArea[p.segment * BINS + b] >= 0;
      if (inside && !(p.ms <= (last.get(p.segment) ?? -Infinity))) last.set(p.segment, p.ms);
    }
  return last;
}

// ---- plan compliance --------------------------------------------------------------------------

export interface PlanPoint extends LonLat {
  visitsPerShift: number;
}

export interface PlanShape {
  points: readonly PlanPoint[];
  /** Streets to drive, as polylines [[lon, lat], …]. */
  lines: readonly (readonly (readonly number[])[])[];
  areas: readonly AreaGeometry[];
  pointRadiusM?: number;
}

export interface PlanCompliance {
  points: { visits: number; required: number; met: boolean }[];
  pointsMetPct: number;
  lineKm: number;
  lineKmDriven: number;
  lineDrivenPct: number;
  areaKm: number;
  areaKmSwept: number;
  areaSweptPct: number;
}

/** A new visit needs the unit to have left the radius, or this long out of reports. */
const VISIT_GAP_MS = 10 * 60_000;

/**
 * Road bins a polyline runs along: the line sampled every 5 m and matched like a track driven
 * along it (its heading keeps crossing streets out).
 */
export function lineBins(graph: RoadGraph, line: readonly (readonly number[])[]): Set<number> {
  const { kx, ky } = graph.projection;
  const samples: TrackPoint[] = [];
  for (let i = 0; i + 1 < line.length; i++) {
    const dx = (line[i + 1][0] - line[i][0]) * kx;
    const dy = (line[i + 1][1] - line[i][1]) * ky;
    const n = Math.max(1, Math.ceil(Math.hypot(dx, dy) / 5));
    const headingDeg = bearingDeg(dx, dy);
    for (let k = 0; k <= n; k++)
      samples.push({
        lon: line[i][0] + ((line[i + 1][0] - line[i][0]) * k) / n,
        lat: line[i][1] + ((line[i + 1][1] - line[i][1]) * k) / n,
        ms: samples.length,
        headingDeg,
      });
  }
  const bins = new Set<number>();
  for (const p of trackPasses(graph, samples))
    for (let b = p.binFrom; b <= p.binTo; b++) bins.add(p.segment * BINS + b);
  return bins;
}

/** Compliance of tracks (one unit or all together) with a plan over their time span. */
export function planCompliance(
  graph: RoadGraph,
  tracks: readonly UnitTrack[],
  plan: PlanShape,
  prepared: { lineBins: Set<number>; areaBins: Set<number> } = preparePlan(graph, plan),
): PlanCompliance {
  const radius = plan.pointRadiusM ?? 50;
  const { kx, ky } = graph.projection;
  const visits = plan.points.map(() => 0);
  for (const t of tracks) {
    plan.points.forEach((pp, i) => {
      let inside = false;
      let lastMs = -Infinity;
      for (const p of t.points) {
        const d = Math.hypot((p.lon - pp.lon) * kx, (p.lat - pp.lat) * ky);
        if (d <= radius) {
          if (!inside || p.ms - lastMs > VISIT_GAP_MS) visits[i]++;
          inside = true;
          lastMs = p.ms;
        } else inside = false;
      }
    });
  }
  const passed = new Set<number>();
  for (const t of tracks)
    for (const p of chunkedPasses(graph, t.points))
      for (let b = p.binFrom; b <= p.binTo; b++) passed.add(p.segment * BINS + b);
  const km = (bins: Set<number>, only?: Set<number>) => {
    let m = 0;
    for (const b of bins)
      if (!only || only.has(b)) m += graph.segLengthM[Math.floor(b / BINS)] / BINS;
    return m / 1000;
  };
  const lineKm = km(prepared.lineBins);
  const lineKmDriven = km(prepared.lineBins, passed);
  const areaKm = km(prepared.areaBins);
  const areaKmSwept = km(prepared.areaBins, passed);
  const points = plan.points.map((p, i) => ({
    visits: visits[i],
    required: p.visitsPerShift,
    met: visits[i] >= p.visitsPerShift,
  }));
  return {
    points,
    pointsMetPct: pct(points.filter((p) => p.met).length, points.length),
    lineKm: round3(lineKm),
    lineKmDriven: round3(lineKmDriven),
    lineDrivenPct: pct(lineKmDriven, lineKm),
    areaKm: round3(areaKm),
    areaKmSwept: round3(areaKmSwept),
    areaSweptPct: pct(areaKmSwept, areaKm),
  };
}

/** The road bins of a plan's lines and areas (computed once per plan). */
export function preparePlan(graph: RoadGraph, plan: PlanShape) {
  const line = new Set<number>();
  for (const l of plan.lines) for (const b of lineBins(graph, l)) line.add(b);
  const area = new Set<number>();
  if (plan.areas.length) {
    const ba = binAreas(graph, plan.areas);
    for (let g = 0; g < ba.length; g++) if (ba[g] >= 0) area.add(g);
  }
  return { lineBins: line, areaBins: area };
}

// ---- the matched store (见警率 at request time without matching) -------------------------------

/**
 * Matched chunks are stored by tile: 0.02° cells (about 2 km) holding a segment (by the midpoint
 * of its end nodes), a track point or a patrol point, so a district reads only its own tiles.
 */
export const TILE_DEG = 0.02;
export const tileOf = (lon: number, lat: number) =>
  (Math.floor(lon / TILE_DEG) + 9000) * 10_000 + (Math.floor(lat / TILE_DEG) + 4500);

const segTileCache = new WeakMap<RoadGraph, Int32Array>();

/** The tile of every segment (cached per graph). */
export function segmentTiles(graph: RoadGraph): Int32Array {
  let t = segTileCache.get(graph);
  if (!t) {
    t = new Int32Array(graph.segmentCount);
    for (let s = 0; s < graph.segmentCount; s++) {
      const a = graph.segFrom[s];
      const b = graph.segTo[s];
      t[s] = tileOf(
        (graph.nodeLon[a] + graph.nodeLon[b]) / 2,
        (graph.nodeLat[a] + graph.nodeLat[b]) / 2,
      );
    }
    segTileCache.set(graph, t);
  }
  return t;
}

/** A patrol point's identity in the store: its place (plans change, places stay). */
export const patrolPointKey = (lon: number, lat: number) => `${lon.toFixed(7)},${lat.toFixed(7)}`;

/** What one chunk left in one tile. */
export interface ChunkTile {
  tile: number;
  /** Segment → a bin mask per minute of the chunk. */
  segments: Map<number, Uint8Array>;
  /** Patrol point key → a mask of the chunk's minutes with a track point within the radius. */
  points: Record<string, number>;
  unitIds: Set<string>;
  trackPoints: number;
}

/**
 * Matches one chunk (see {@link MATCH_CHUNK_MS}): `tracks` hold each unit's points of
 * [chunkMs − MATCH_LEAD_MS, chunkMs + MATCH_CHUNK_MS) in time order; the answer is per tile.
 */
export function matchChunk(
  graph: RoadGraph,
  tracks: readonly UnitTrack[],
  chunkMs: number,
  patrolPoints: readonly { key: string; lon: number; lat: number }[],
  pointRadiusM = 50,
): Map<number, ChunkTile> {
  const tiles = new Map<number, ChunkTile>();
  const tileFor = (tile: number) => {
    let t = tiles.get(tile);
    if (!t)
      tiles.set(
        tile,
        (t = { tile, segments: new Map(), points: {}, unitIds: new Set(), trackPoints: 0 }),
      );
    return t;
  };
  const segTile = segmentTiles(graph);
  const pts = patrolPoints.map((p, i) => ({ id: p.key, lon: p.lon, lat: p.lat, area: i }));
  const near = pointLookup(pts, graph, pointRadiusM);
  const endMs = chunkMs + MATCH_CHUNK_MS;
  const minuteIn = (ms: number) => Math.floor((ms - chunkMs) / MINUTE_MS);
  for (const t of tracks) {
    for (const p of trackPasses(graph, t.points)) {
      if (p.ms < chunkMs || p.ms >= endMs) continue;
      const ct = tileFor(segTile[p.segment]);
      let masks = ct.segments.get(p.segment);
      if (!masks) ct.segments.set(p.segment, (masks = new Uint8Array(CHUNK_MIN)));
      const m = minuteIn(p.ms);
      for (let b = p.binFrom; b <= p.binTo; b++) masks[m] |= 1 << b;
    }
    for (const p of t.points) {
      if (p.ms < chunkMs || p.ms >= endMs) continue;
      const ct = tileFor(tileOf(p.lon, p.lat));
      ct.trackPoints++;
      ct.unitIds.add(t.unitId);
      const bit = 1 << minuteIn(p.ms);
      near(p.lon, p.lat, (i) => {
        const pp = patrolPoints[i];
        const pt = tileFor(tileOf(pp.lon, pp.lat));
        pt.points[pp.key] = (pt.points[pp.key] ?? 0) | bit;
      });
    }
  }
  return tiles;
}

/** What both stored paths fill: the slots' seen bins and visited points, flat (slot × index). */
function storedAnswer(graph: RoadGraph, o: VisibilityOptions & { binArea: Int32Array }) {
  const K = Math.max(0, Math.ceil((o.toMs - o.fromMs) / o.slotMs));
  const bins = localBins(graph, o.binArea, o.areas.length);
  const L = bins.binLenM.length;
  // seen bits: per slot a row of L bits in words of 32 (bin l of slot k: word k·W + l >>> 5)
  const W = Math.ceil(L / 32);
  return {
    K,
    W,
    local: bins.local,
    bins,
    seen: new Uint32Array(K * W),
    visited: new Uint8Array(K * o.points.length),
    pointIndex: pointsByKey(o.points),
  };
}

/** The patrol points' indices by their key in the store. */
function pointsByKey(points: readonly PatrolPoint[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  points.forEach((p, i) => {
    const key = patrolPointKey(p.lon, p.lat);
    const l = index.get(key);
    if (l) l.push(i);
    else index.set(key, [i]);
  });
  return index;
}

/** Slots from seen bits (slot rows of local bins, see storedAnswer) and visited bits (slot × point). */
function flatSlots(
  o: VisibilityOptions,
  K: number,
  bins: Pick<ReturnType<typeof localBins>, 'binLenM' | 'localArea' | 'areaKm'>,
  seen: Uint32Array,
  visited: Uint8Array,
): VisibilitySlot[] {
  const A = o.areas.length;
  const W = Math.ceil(bins.binLenM.length / 32);
  const pointsPerArea = new Int32Array(A);
  for (const p of o.points) pointsPerArea[p.area]++;
  const slots: VisibilitySlot[] = [];
  for (let k = 0; k < K; k++) {
    const kmSeen = new Float64Array(A);
    // the bins seen in ascending order (the sums of patrolVisibility, to the last bit)
    for (let x = 0; x < W; x++) {
      let word = seen[k * W + x];
      while (word) {
        const low = word & -word;
        const l = x * 32 + 31 - Math.clz32(low);
        kmSeen[bins.localArea[l]] += bins.binLenM[l] / 1000;
        word ^= low;
      }
    }
    const ptsSeen = new Int32Array(A);
    o.points.forEach((p, i) => {
      if (visited[k * o.points.length + i]) ptsSeen[p.area]++;
    });
    slots.push(slotShares(o, k, bins.areaKm, kmSeen, pointsPerArea, ptsSeen));
  }
  return slots;
}

/** A chunk tile's segments as bytes: per segment its index (u32 LE) and one bin mask per minute. */
export function encodeChunkSegments(segments: Map<number, Uint8Array>): Uint8Array {
  const rec = 4 + CHUNK_MIN;
  const out = new Uint8Array(segments.size * rec);
  const view = new DataView(out.buffer);
  let o = 0;
  for (const [s, masks] of [...segments].sort((a, b) => a[0] - b[0])) {
    view.setUint32(o, s, true);
    out.set(masks, o + 4);
    o += rec;
  }
  return out;
}

/** Calls `each(segment, minute, binMask)` for every minute a stored chunk tile has a pass in. */
export function decodeChunkSegments(
  bytes: Uint8Array,
  each: (segment: number, minute: number, mask: number) => void,
): void {
  const rec = 4 + CHUNK_MIN;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let o = 0; o + rec <= bytes.byteLength; o += rec) {
    const s = view.getUint32(o, true);
    for (let m = 0; m < CHUNK_MIN; m++) if (bytes[o + 4 + m]) each(s, m, bytes[o + 4 + m]);
  }
}

/** One stored chunk tile as read back. */
export interface StoredChunkTile {
  chunkMs: number;
  segments: Uint8Array;
  points: Record<string, number>;
}

/**
 * 见警率 from stored chunks: the same answer as {@link patrolVisibility} on the tracks the chunks
 * were matched from (the points are `o.points` by {@link patrolPointKey}), without matching.
 */
export function visibilityFromChunks(
  graph: RoadGraph,
  stored: Iterable<StoredChunkTile>,
  o: VisibilityOptions & { binArea: Int32Array },
): VisibilitySlot[] {
  const { K, W, local, bins, seen, visited, pointIndex } = storedAnswer(graph, o);
  for (const c of stored) {
    decodeChunkSegments(c.segments, (s, m, mask) => {
      const [k0, k1] = slotRange(o, K, c.chunkMs + m * MINUTE_MS);
      if (k0 > k1) return;
      for (let b = 0; b < BINS; b++) {
        if (!(mask & (1 << b))) continue;
        const l = local[s * BINS + b];
        if (l < 0) continue;
        for (let k = k0; k <= k1; k++) seen[k * W + (l >>> 5)] |= 1 << (l & 31);
      }
    });
    for (const [key, mask] of Object.entries(c.points)) {
      const idx = pointIndex.get(key);
      if (!idx) continue;
      for (let m = 0; m < CHUNK_MIN; m++) {
        if (!(mask & (1 << m))) continue;
        const [k0, k1] = slotRange(o, K, c.chunkMs + m * MINUTE_MS);
        for (let k = k0; k <= k1; k++) for (const i of idx) visited[k * o.points.length + i] = 1;
      }
    }
  }
  return flatSlots(o, K, bins, seen, visited);
}

/** One slot's shares per area and in all. */
function slotShares(
  o: VisibilityOptions,
  k: number,
  areaKm: Float64Array,
  kmSeen: Float64Array,
  pointsPerArea: Int32Array,
  ptsSeen: Int32Array,
): VisibilitySlot {
  const byArea: AreaShare[] = Array.from({ length: o.areas.length }, (_, a) => ({
    area: a,
    streetKm: round3(areaKm[a]),
    streetKmSeen: round3(kmSeen[a]),
    streetKmPct: pct(kmSeen[a], areaKm[a]),
    points: pointsPerArea[a],
    pointsVisited: ptsSeen[a],
    pointsVisitedPct: pct(ptsSeen[a], pointsPerArea[a]),
  }));
  const sum = (f: (x: AreaShare) => number) => byArea.reduce((s, x) => s + f(x), 0);
  return {
    fromMs: o.fromMs + k * o.slotMs,
    toMs: Math.min(o.toMs, o.fromMs + (k + 1) * o.slotMs),
    streetKmPct: pct(
      sum((x) => x.streetKmSeen),
      sum((x) => x.streetKm),
    ),
    pointsVisitedPct: pct(
      sum((x) => x.pointsVisited),
      sum((x) => x.points),
    ),
    byArea,
  };
}

// ---- hour roll-ups: look-backs of an hour or more without the minutes ---------------------

export const HOUR_MS = 3600_000;
/** A bin (or point) not passed in the hour. */
const NONE = 255;

/**
 * An hour of one tile: per segment, per bin the first and the last minute (0–59) of the hour
 * it was passed in; per patrol point the same. A look-back of an hour or more meets every hour
 * whole, from its start or up to its end, so first and last answer it exactly.
 */
export interface HourRollup {
  segments: Map<number, Uint8Array>;
  points: Record<string, [number, number]>;
}

/** Adds a stored chunk tile (its minute masks) to an hour's roll-up. */
export function addChunkToHour(
  hour: HourRollup,
  hourMs: number,
  chunkMs: number,
  segments: Uint8Array,
  points: Record<string, number>,
): void {
  const base = (chunkMs - hourMs) / MINUTE_MS;
  decodeChunkSegments(segments, (s, m, mask) => {
    let fl = hour.segments.get(s);
    if (!fl) hour.segments.set(s, (fl = new Uint8Array(2 * BINS).fill(NONE)));
    const minute = base + m;
    for (let b = 0; b < BINS; b++) {
      if (!(mask & (1 << b))) continue;
      if (fl[2 * b] === NONE || minute < fl[2 * b]) fl[2 * b] = minute;
      if (fl[2 * b + 1] === NONE || minute > fl[2 * b + 1]) fl[2 * b + 1] = minute;
    }
  });
  for (const [key, mask] of Object.entries(points))
    for (let m = 0; m < CHUNK_MIN; m++) {
      if (!(mask & (1 << m))) continue;
      const minute = base + m;
      const fl = hour.points[key];
      if (!fl) hour.points[key] = [minute, minute];
      else {
        fl[0] = Math.min(fl[0], minute);
        fl[1] = Math.max(fl[1], minute);
      }
    }
}

/** Record flag: every bin passed with the same first and last minute (a street driven end to end). */
const UNIFORM = 0; // never a mask: a stored segment has a bin passed

/**
 * An hour's segments as bytes: per segment its index (u32 LE) and a flag byte; the flag
 * {@link UNIFORM} is followed by one first and last minute for all bins, any other flag is the
 * mask of the bins passed, each followed by its first and last minute.
 */
export function encodeHourSegments(segments: Map<number, Uint8Array>): Uint8Array {
  const parts: number[] = [];
  const sorted = [...segments].sort((a, b) => a[0] - b[0]);
  for (const [s, fl] of sorted) {
    parts.push(s & 0xff, (s >>> 8) & 0xff, (s >>> 16) & 0xff, (s >>> 24) & 0xff);
    let uniform = true;
    for (let b = 1; b < BINS && uniform; b++)
      uniform = fl[2 * b] === fl[0] && fl[2 * b + 1] === fl[1] && fl[0] !== NONE;
    if (uniform && fl[0] !== NONE) {
      parts.push(UNIFORM, fl[0], fl[1]);
      continue;
    }
    let mask = 0;
    for (let b = 0; b < BINS; b++) if (fl[2 * b] !== NONE) mask |= 1 << b;
    parts.push(mask);
    for (let b = 0; b < BINS; b++) if (fl[2 * b] !== NONE) parts.push(fl[2 * b], fl[2 * b + 1]);
  }
  return Uint8Array.from(parts);
}

/** One stored hour tile as read back. */
export interface StoredHourTile {
  hourMs: number;
  segments: Uint8Array;
  points: Record<string, [number, number]>;
}

/**
 * The slots whose window meets an hour, each as a test on the hour's first and last minute of a
 * pass: the window [a, b) covers the hour whole, from its start (a ≤ hour: it meets a pass whose
 * first minute lies before b) or up to its end (it meets a pass whose last minute lies at or
 * after a); a look-back of at least an hour never falls inside one. Minute m of the hour is
 * hourMs + m·MINUTE_MS, so the bounds are whole minutes: first < firstBelow and last ≥ lastFrom.
 */
interface HourWindows {
  /** The first word of the slot's seen bits. */
  seenAt: number[];
  /** Slot index × points (the offset of the slot's visited bits). */
  visitedAt: number[];
  firstBelow: number[];
  lastFrom: number[];
}

function hourWindows(o: VisibilityOptions, K: number, W: number, hourMs: number): HourWindows {
  const w: HourWindows = { seenAt: [], visitedAt: [], firstBelow: [], lastFrom: [] };
  for (let k = 0; k < K; k++) {
    const b = o.fromMs + (k + 1) * o.slotMs;
    const a = b - o.windowMs;
    if (!(a < hourMs + HOUR_MS && b > hourMs)) continue;
    w.seenAt.push(k * W);
    w.visitedAt.push(k * o.points.length);
    if (a <= hourMs && b >= hourMs + HOUR_MS) {
      w.firstBelow.push(Infinity);
      w.lastFrom.push(-Infinity);
    } else if (a <= hourMs) {
      w.firstBelow.push(Math.ceil((b - hourMs) / MINUTE_MS));
      w.lastFrom.push(-Infinity);
    } else {
      w.firstBelow.push(Infinity);
      w.lastFrom.push(Math.ceil((a - hourMs) / MINUTE_MS));
    }
  }
  return w;
}

/**
 * Marks the seen bits of one encoded hour (see {@link encodeHourSegments}) in place: no record
 * objects, a segment outside the areas costs its lookups only.
 */
function markHourSegments(
  bytes: Uint8Array,
  local: Int32Array,
  w: HourWindows,
  seen: Uint32Array,
): void {
  const J = w.seenAt.length;
  const n = bytes.byteLength;
  let o = 0;
  while (o + 5 <= n) {
    const base =
      (bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24)) * BINS;
    const flag = bytes[o + 4];
    o += 5;
    if (flag === UNIFORM) {
      const first = bytes[o];
      const last = bytes[o + 1];
      o += 2;
      for (let j = 0; j < J; j++) {
        if (!(first < w.firstBelow[j] && last >= w.lastFrom[j])) continue;
        const at = w.seenAt[j];
        for (let b = 0; b < BINS; b++) {
          const l = local[base + b];
          if (l >= 0) seen[at + (l >>> 5)] |= 1 << (l & 31);
        }
      }
      continue;
    }
    for (let b = 0; b < BINS; b++) {
      if (!(flag & (1 << b))) continue;
      const first = bytes[o];
      const last = bytes[o + 1];
      o += 2;
      const l = local[base + b];
      if (l < 0) continue;
      for (let j = 0; j < J; j++)
        if (first < w.firstBelow[j] && last >= w.lastFrom[j])
          seen[w.seenAt[j] + (l >>> 5)] |= 1 << (l & 31);
    }
  }
}

/**
 * 见警率 from stored hour roll-ups: the same answer as {@link visibilityFromChunks} for a
 * look-back (`windowMs`) of an hour or more.
 */
export function visibilityFromHours(
  graph: RoadGraph,
  stored: Iterable<StoredHourTile>,
  o: VisibilityOptions & { binArea: Int32Array },
): VisibilitySlot[] {
  if (o.windowMs < HOUR_MS) throw new Error('hour roll-ups answer look-backs of an hour or more');
  const { K, W, local, bins, seen, visited, pointIndex } = storedAnswer(graph, o);
  const windowsOf = new Map<number, HourWindows>();
  for (const h of stored) {
    let w = windowsOf.get(h.hourMs);
    if (!w) windowsOf.set(h.hourMs, (w = hourWindows(o, K, W, h.hourMs)));
    if (!w.seenAt.length) continue;
    markHourSegments(h.segments, local, w, seen);
    for (const key of Object.keys(h.points)) {
      const idx = pointIndex.get(key);
      if (!idx) continue;
      const [first, last] = h.points[key];
      for (let j = 0; j < w.seenAt.length; j++)
        if (first < w.firstBelow[j] && last >= w.lastFrom[j])
          for (const i of idx) visited[w.visitedAt[j] + i] = 1;
    }
  }
  return flatSlots(o, K, bins, seen, visited);
}
