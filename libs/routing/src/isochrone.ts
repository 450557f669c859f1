import { edgeCosts } from './edge-costs';
import { seedArrival, seedDeparture, straightLineEta, type RoutingQueryOptions } from './eta';
import { M_PER_DEG } from './geo-math';
import { DIR_BACKWARD, DIR_FORWARD, type RoadGraph } from './road-graph';
import { beginSearch, runSearch, workspaceFor } from './search-workspace';
import { snapPoint, type LonLat } from './snap';

export interface IsochroneOptions extends RoutingQueryOptions {
  /** 'to': who can reach the origin within t (incident rings); 'from': where the origin can get. */
  direction?: 'to' | 'from';
  /** Raster cell size in metres (default 50). */
  cellM?: number;
  /** How far around a reached road the area extends, metres (default 50, rounded to cells). */
  bufferM?: number;
}

export type Position = [number, number];

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

/**
 * Road-honest isochrones: one bounded Dijkstra, every reached road piece (edges cut where the
 * time runs out) rasterised onto a metric grid with its arrival time, a min-filter as the
 * buffer, then the cell boundaries of each tier traced into polygons with holes. Unlike a
 * convex or concave hull of reached nodes, the area never spans a river between bridges;
 * unlike buffering and unioning every segment with Turf it takes milliseconds.
 * Tiers come back in ascending order; an origin that cannot be snapped gets labelled
 * straight-line circles.
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
  const snap = snapPoint(graph, origin, opts);
  if (!snap) return straightCircles(origin, tiers, direction, opts);
  const cellM = opts.cellM ?? 50;
  const radius = Math.max(0, Math.round((opts.bufferM ?? 50) / cellM));
  const T = (tiers[tiers.length - 1] ?? 0) * 60;
  const costs = edgeCosts(graph, opts.speedProfile, opts.at);
  const ws = opts.workspace ?? workspaceFor(graph);
  const accessKmh = opts.accessSpeedKmh ?? 15;
  const access = accessKmh > 0 ? snap.distanceM / (accessKmh / 3.6) : 0;
  const forward = direction === 'from';

  beginSearch(ws, forward ? 'forward' : 'reverse');
  // 'from' leaves the point the way the segment may be driven; 'to' arrives the way it may be.
  const towardEndFromPoint = forward ? DIR_FORWARD : DIR_BACKWARD;
  const towardStartFromPoint = forward ? DIR_BACKWARD : DIR_FORWARD;
  if (forward) seedDeparture(ws, snap, costs, access);
  else seedArrival(ws, snap, costs, access);
  const settled = runSearch(ws, graph, costs, T);

  // Reached road pieces: (segment, start fraction, direction along it, time at start).
  const recSeg: number[] = [];
  const recFrom: number[] = [];
  const recTowardEnd: boolean[] = [];
  const recT0: number[] = [];
  if (snap.direction & towardEndFromPoint) {
    recSeg.push(snap.segment);
    recFrom.push(snap.fraction);
    recTowardEnd.push(true);
    recT0.push(access);
  }
  if (snap.direction & towardStartFromPoint) {
    recSeg.push(snap.segment);
    recFrom.push(snap.fraction);
    recTowardEnd.push(false);
    recT0.push(access);
  }
  const offsets = forward ? graph.fwdOffsets : graph.revOffsets;
  const edgeSeg = forward ? graph.fwdEdgeSeg : graph.revEdgeSeg;
  for (let i = 0; i < settled; i++) {
    const v = ws.order[i];
    const d = ws.dist[v];
    if (d >= T) continue;
    for (let e = offsets[v]; e < offsets[v + 1]; e++) {
      const code = edgeSeg[e];
      // Forward edge with code&1=0 runs segFrom→segTo, so it starts at the segment start.
      // A reverse-CSR edge is stored under its head, so the walk starts at the other end.
      const startsAtSegStart = forward ? (code & 1) === 0 : (code & 1) === 1;
      recSeg.push(code >> 1);
      recFrom.push(startsAtSegStart ? 0 : 1);
      recTowardEnd.push(startsAtSegStart);
      recT0.push(d);
    }
  }

  // Grid bounds from the shapes of all touched segments (a slight overestimate is harmless).
  const { kx, ky, lon0, lat0 } = graph.projection;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const s of recSeg) {
    for (let g = graph.segGeomStart[s]; g < graph.segGeomStart[s + 1]; g++) {
      const x = (graph.geomLon[g] - lon0) * kx;
      const y = (graph.geomLat[g] - lat0) * ky;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  const margin = (radius + 2) * cellM;
  minX = Math.floor((minX - margin) / cellM) * cellM;
  minY = Math.floor((minY - margin) / cellM) * cellM;
  const W = Math.ceil((maxX + margin - minX) / cellM);
  const H = Math.ceil((maxY + margin - minY) / cellM);
  const time = new Float32Array(W * H).fill(Infinity);
  const step = cellM / 3;

  for (let r = 0; r < recSeg.length; r++) {
    const s = recSeg[r];
    const g0 = graph.segGeomStart[s];
    const g1 = graph.segGeomStart[s + 1];
    let total = 0;
    for (let g = g0; g < g1 - 1; g++) {
      total += Math.hypot(
        (graph.geomLon[g + 1] - graph.geomLon[g]) * kx,
        (graph.geomLat[g + 1] - graph.geomLat[g]) * ky,
      );
    }
    const secPerM = total > 0 ? costs.segSec[s] / total : 0;
    const t0 = recT0[r];
    const startD = recFrom[r] * total;
    const towardEnd = recTowardEnd[r];
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
      const len = Math.hypot(bx - ax, by - ay);
      const next = towardEnd ? pos + len : pos - len;
      // Portion of this piece beyond the start fraction.
      const lo = towardEnd ? Math.max(pos, startD) : Math.min(pos, startD);
      const skip = Math.abs(lo - pos);
      if (len > 0 && skip < len) {
        for (let dd = skip; ; dd += step) {
          const ddc = dd > len ? len : dd;
          const tt = t0 + (along + ddc - skip) * secPerM;
          if (tt > T) break;
          const f = ddc / len;
          const cx = Math.floor((ax + f * (bx - ax) - minX) / cellM);
          const cy = Math.floor((ay + f * (by - ay) - minY) / cellM);
          const c = cy * W + cx;
          if (tt < time[c]) time[c] = tt;
          if (ddc === len) break;
        }
        along += len - skip;
      }
      pos = next;
      if (t0 + along * secPerM > T) break;
    }
  }

  const buffered = radius > 0 ? minFilter(time, W, H, radius) : time;
  const toLonLat = (i: number, j: number): Position => [
    round6(lon0 + (minX + i * cellM) / kx),
    round6(lat0 + (minY + j * cellM) / ky),
  ];
  const mask = new Uint8Array(W * H);
  const features: IsochroneFeature[] = tiers.map((minutes) => {
    const limit = minutes * 60;
    for (let c = 0; c < W * H; c++) mask[c] = buffered[c] <= limit ? 1 : 0;
    fillSaddles(mask, W, H, buffered);
    const polys = traceMask(mask, W, H).map((poly) =>
      poly.map((ring) => ring.map(([i, j]) => toLonLat(i, j))),
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

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** Square min-filter of radius r (separable), i.e. the arrival-time buffer around roads. */
function minFilter(src: Float32Array, W: number, H: number, r: number): Float32Array {
  const tmp = new Float32Array(W * H);
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const row = y * W;
    for (let x = 0; x < W; x++) {
      let m = Infinity;
      const a = Math.max(0, x - r);
      const b = Math.min(W - 1, x + r);
      for (let k = a; k <= b; k++) if (src[row + k] < m) m = src[row + k]!;
      tmp[row + x] = m;
    }
  }
  for (let x = 0; x < W; x++) {
    for (let y = 0; y < H; y++) {
      let m = Infinity;
      const a = Math.max(0, y - r);
      const b = Math.min(H - 1, y + r);
      for (let k = a; k <= b; k++) if (tmp[k * W + x] < m) m = tmp[k * W + x]!;
      out[y * W + x] = m;
    }
  }
  return out;
}

/**
 * Cells meeting only at a corner would give rings that touch themselves or each other at a
 * point, which GeoJSON consumers (and OGC validity) reject. Fill one of the two empty cells of
 * every such corner — the one reached sooner — until none is left; it adds at most one cell.
 */
export function fillSaddles(mask: Uint8Array, W: number, H: number, time?: Float32Array): number {
  let filled = 0;
  for (let changed = true; changed;) {
    changed = false;
    for (let j = 1; j < H; j++) {
      for (let i = 1; i < W; i++) {
        const bl = (j - 1) * W + i - 1;
        const br = bl + 1;
        const tl = bl + W;
        const tr = tl + 1;
        let a = -1;
        let b = -1;
        if (mask[bl] && mask[tr] && !mask[br] && !mask[tl]) [a, b] = [br, tl];
        else if (mask[br] && mask[tl] && !mask[bl] && !mask[tr]) [a, b] = [bl, tr];
        else continue;
        mask[time && time[b] < time[a] ? b : a] = 1;
        filled++;
        changed = true;
      }
    }
  }
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
  const filled = (i: number, j: number): boolean =>
    i >= 0 && j >= 0 && i < W && j < H && mask[j * W + i] === 1;
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      if (mask[j * W + i] !== 1) continue;
      if (!filled(i, j - 1)) out[j * VW + i] |= 1 << 0;
      if (!filled(i + 1, j)) out[j * VW + i + 1] |= 1 << 1;
      if (!filled(i, j + 1)) out[(j + 1) * VW + i + 1] |= 1 << 2;
      if (!filled(i - 1, j)) out[(j + 1) * VW + i] |= 1 << 3;
    }
  }
  const rings: { pts: [number, number][]; area: number; testX: number; testY: number }[] = [];
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
    for (;;) {
      const vi = j * VW + i;
      out[vi] &= ~(1 << d);
      if (d !== prevDir) pts.push([i, j]);
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
      else throw new Error('isochrone: broken contour (internal error)');
    }
    // Drop the closing vertex's duplicate corner if the ring starts mid-straight (it cannot:
    // the start is a corner), then close the ring as GeoJSON wants.
    pts.push([pts[0][0], pts[0][1]]);
    rings.push({ pts, area: area / 2, testX, testY });
  }
  const outers = rings.filter((r) => r.area > 0).sort((a, b) => a.area - b.area);
  const holes = rings.filter((r) => r.area < 0);
  const polys = new Map<(typeof outers)[number], [number, number][][]>();
  for (const o of outers) polys.set(o, [o.pts]);
  for (const h of holes) {
    const owner = outers.find((o) => pointInRing(h.testX, h.testY, o.pts));
    if (owner) polys.get(owner)!.push(h.pts);
  }
  // Largest first: the main area, then islands.
  return [...outers].reverse().map((o) => polys.get(o)!);
}

function pointInRing(x: number, y: number, ring: [number, number][]): boolean {
  let inside = false;
  for (let a = 0, b = ring.length - 1; a < ring.length; b = a++) {
    const [xa, ya] = ring[a];
    const [xb, yb] = ring[b];
    if (ya > y !== yb > y && x < ((xb - xa) * (y - ya)) / (yb - ya) + xa) inside = !inside;
  }
  return inside;
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
