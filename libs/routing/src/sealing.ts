import { edgeCosts, type EdgeCosts } from './edge-costs';
import { accessSec, nodeAtSnap, seedArrival, seedDeparture, type RoutingQueryOptions } from './eta';
import { isochrones } from './isochrone';
import { ROAD_CLASSES, type RoadClass } from './road-class';
import { DIR_BACKWARD, DIR_FORWARD, type RoadGraph } from './road-graph';
import { addUnitEnd, beginRanked, offerUnit, runRankedSearch } from './ranked-search';
import type { Position } from './raster';
import {
  beginSearch,
  nodeSec,
  runSearch,
  workspaceFor,
  type SearchWorkspace,
} from './search-workspace';
import { snapPoint, type LonLat, type SnappedPoint } from './snap';
import { classSpeedsKmh, DEFAULT_SPEED_PROFILE, type SpeedProfile } from './speed-profile';

/** A checkpoint (卡点) that a unit may man. */
export interface SealingCheckpoint extends LonLat {
  id: string;
  snap?: SnappedPoint | null;
}

/** An available unit; every unit drives (the caller leaves out foot patrols and kiosks). */
export interface SealingUnit extends LonLat {
  id: string;
  snap?: SnappedPoint | null;
}

export interface SealingOptions extends RoutingQueryOptions {
  /** Tier times in seconds (any order; answered ascending). */
  tiersSec: readonly number[];
  checkpoints: readonly SealingCheckpoint[];
  units: readonly SealingUnit[];
  /**
   * The fleeing vehicle drives at free flow (no peak factor, posted limits ignored) at this
   * multiple of the class speeds of `speedProfile` (default 1.2). Units drive at the profile's
   * speeds at `at` (peak factor included): they are in traffic, the vehicle is not.
   */
  vehicleSpeedFactor?: number;
  /**
   * A checkpoint is on tier T's reach when the vehicle can pass it no earlier than
   * max(previous tier, nearFraction × T) and no later than T (default 0.5).
   */
  nearFraction?: number;
  /** Crossings closer than this to each other are one crossing (default 300 m). */
  crossingClusterM?: number;
  /** Crossings closer than this to a checkpoint listed in the tier are left out (default 300 m). */
  crossingCheckpointM?: number;
  /** Road classes whose boundary crossings are listed (default: tertiary and above, links). */
  crossingClasses?: readonly RoadClass[];
  /** Trace the reach polygons (default true). */
  boundary?: boolean;
  /** Raster cell of the reach polygons, metres (default 100). */
  cellM?: number;
  /**
   * Units are searched up to this multiple of the checkpoint's vehicle ETA when none can beat
   * the vehicle (default 2): the best one is still reported, marked not sealable.
   */
  unitSearchFactor?: number;
}

export interface SealingCheckpointResult {
  id: string;
  /** Seconds until the vehicle can pass the checkpoint's road point. */
  vehicleEtaSec: number;
  /** The unit chosen for it (each unit serves one checkpoint), null when none is in reach. */
  bestUnit: { id: string; etaSec: number } | null;
  /** The chosen unit gets there strictly before the vehicle can. */
  sealable: boolean;
}

export interface SealingCrossing {
  lon: number;
  lat: number;
  segment: number;
  roadClass: RoadClass;
  roadName: string | null;
}

export interface SealingTier {
  sec: number;
  /** Lower end of the tier's checkpoint window (see `nearFraction`). */
  fromSec: number;
  /** Where the vehicle can be within `sec` (null when not traced or the incident is off-road). */
  boundary:
    | { type: 'Polygon'; coordinates: Position[][] }
    | { type: 'MultiPolygon'; coordinates: Position[][][] }
    | null;
  /** Checkpoints on this tier's reach, by vehicle ETA. */
  checkpoints: SealingCheckpointResult[];
  /** Roads leaving the reach at `sec` with no checkpoint near, one per cluster. */
  crossings: SealingCrossing[];
}

export interface SealingResult {
  tiers: SealingTier[];
  /** Metres from the incident to the road; null when it could not be snapped (empty tiers). */
  incidentSnapDistanceM: number | null;
  vehicleSettledNodes: number;
  unitSearches: number;
  tookMs: number;
}

const DEFAULT_CROSSING_CLASSES: readonly RoadClass[] = [
  'motorway',
  'trunk',
  'primary',
  'secondary',
  'tertiary',
  'motorway_link',
  'trunk_link',
  'primary_link',
  'secondary_link',
  'tertiary_link',
];

const vehicleProfiles = new WeakMap<SpeedProfile, Map<number, SpeedProfile>>();

/**
 * The fleeing vehicle's profile: every class speed × factor stated explicitly, no peak windows,
 * no maxspeed caps (memoised so edge costs stay cached).
 */
export function fleeingVehicleProfile(base: SpeedProfile, factor: number): SpeedProfile {
  if (!(factor > 0)) throw new RangeError(`vehicleSpeedFactor must be > 0, got ${factor}`);
  let byFactor = vehicleProfiles.get(base);
  if (!byFactor) {
    byFactor = new Map();
    vehicleProfiles.set(base, byFactor);
  }
  let p = byFactor.get(factor);
  if (!p) {
    const speeds = classSpeedsKmh(base);
    const classSpeeds: Partial<Record<RoadClass, number>> = {};
    ROAD_CLASSES.forEach((c, i) => (classSpeeds[c] = speeds[i] * factor));
    p = { classSpeedsKmh: classSpeeds, maxspeedCaps: false, peakWindows: [] };
    byFactor.set(factor, p);
  }
  return p;
}

/** Arrival time at snapped point q through a finished forward search (Infinity if not reached). */
function arrivalThrough(ws: SearchWorkspace, q: SnappedPoint, costs: EdgeCosts): number {
  const sec = costs.segSec[q.segment];
  const atNode = nodeAtSnap(q);
  let best = atNode >= 0 ? nodeSec(ws, atNode) : Infinity;
  if (q.direction & DIR_FORWARD) best = Math.min(best, nodeSec(ws, q.fromNode) + q.fraction * sec);
  if (q.direction & DIR_BACKWARD)
    best = Math.min(best, nodeSec(ws, q.toNode) + (1 - q.fraction) * sec);
  return best;
}

/** Seconds from p to q along their shared segment, Infinity when they do not share one. */
function alongSameSegment(p: SnappedPoint, q: SnappedPoint, costs: EdgeCosts): number {
  if (p.segment !== q.segment) return Infinity;
  const df = q.fraction - p.fraction;
  const sec = costs.segSec[p.segment];
  if (df >= 0 && p.direction & DIR_FORWARD) return df * sec;
  if (df <= 0 && p.direction & DIR_BACKWARD) return -df * sec;
  return Infinity;
}

/** A point at a fraction of a segment's shape (by projected length). */
function pointAlong(graph: RoadGraph, seg: number, fraction: number): LonLat {
  const g0 = graph.segGeomStart[seg];
  const g1 = graph.segGeomStart[seg + 1];
  const { kx, ky } = graph.projection;
  let total = 0;
  for (let g = g0; g < g1 - 1; g++)
    total += Math.hypot(
      (graph.geomLon[g + 1] - graph.geomLon[g]) * kx,
      (graph.geomLat[g + 1] - graph.geomLat[g]) * ky,
    );
  let want = fraction * total;
  for (let g = g0; g < g1 - 1; g++) {
    const len = Math.hypot(
      (graph.geomLon[g + 1] - graph.geomLon[g]) * kx,
      (graph.geomLat[g + 1] - graph.geomLat[g]) * ky,
    );
    if (want <= len || g === g1 - 2) {
      const t = len > 0 ? Math.min(1, want / len) : 0;
      return {
        lon: graph.geomLon[g] + t * (graph.geomLon[g + 1] - graph.geomLon[g]),
        lat: graph.geomLat[g] + t * (graph.geomLat[g + 1] - graph.geomLat[g]),
      };
    }
    want -= len;
  }
  return { lon: graph.geomLon[g0], lat: graph.geomLat[g0] };
}

/** Candidate crossings of one tier, before clustering. */
interface RawCrossing {
  seg: number;
  fraction: number;
  cls: number;
  x: number;
  y: number;
}

/**
 * Forward edges that leave the reach at T: their tail is reached within T, the vehicle runs
 * out of time inside them, and their head is not reached within T by any other way.
 */
function frontierCrossings(
  graph: RoadGraph,
  ws: SearchWorkspace,
  settled: number,
  costs: EdgeCosts,
  T: number,
  classOk: Uint8Array,
): RawCrossing[] {
  const out: RawCrossing[] = [];
  const { kx, ky, lon0, lat0 } = graph.projection;
  for (let i = 0; i < settled; i++) {
    const v = ws.order[i];
    const d = ws.dist[v];
    if (d > T) break; // settle order is ascending
    for (let e = graph.fwdOffsets[v]; e < graph.fwdOffsets[v + 1]; e++) {
      const code = graph.fwdEdgeSeg[e];
      const seg = code >> 1;
      if (!classOk[graph.segClass[seg]]) continue;
      const c = costs.fwdCost[e];
      if (d + c <= T) continue;
      if (nodeSec(ws, graph.fwdTargets[e]) <= T) continue;
      const t = c > 0 ? (T - d) / c : 0;
      const fraction = code & 1 ? 1 - t : t;
      const p = pointAlong(graph, seg, fraction);
      out.push({
        seg,
        fraction,
        cls: graph.segClass[seg],
        x: (p.lon - lon0) * kx,
        y: (p.lat - lat0) * ky,
      });
    }
  }
  return out;
}

/** Raster cell size (and buffer) of the sealing reach polygons by default, metres. */
export const SEALING_CELL_M = 100;

/**
 * 封控 sealing: where a vehicle fleeing from an incident can be after each tier's time, which
 * checkpoints lie on that reach, and which unit can man each before the vehicle can pass it.
 *
 * Method.
 * 1. One forward Dijkstra from the incident at the fleeing vehicle's speed (free flow × factor)
 *    bounded by the last tier gives the vehicle's earliest time at every node; a checkpoint's
 *    vehicle ETA is its snapped road point's arrival time through that search.
 * 2. "On the reach" of tier T (sorted tiers T₁ < T₂ …): vehicle ETA in (max(Tₖ₋₁, f·Tₖ), Tₖ]
 *    (f = nearFraction; the first tier's window is closed below). The windows are disjoint,
 *    so a checkpoint belongs to at most one tier: the ring it closes. Checkpoints the vehicle
 *    passes sooner are behind the ring; later ones belong to no ring asked for.
 * 3. Units: checkpoints pick in order of vehicle ETA (the vehicle reaches the inner ones first,
 *    they have the least slack), each taking the fastest unit not yet taken. One reverse
 *    Dijkstra per checkpoint, from its road point over the units' car costs at `at`, stopped as
 *    soon as the fastest untaken unit is proven (top-1 over registered unit ends) and bounded
 *    by the vehicle ETA, so in a dense fleet each search settles a few hundred nodes. A
 *    checkpoint no untaken unit can reach before the vehicle gets a second search bounded by
 *    `unitSearchFactor` × vehicle ETA, after every sealable checkpoint has picked; its unit is
 *    reported, not sealable. Sealable ⇔ unit ETA < vehicle ETA (strictly).
 * 4. Crossings: forward edges of the crossing classes that leave the reach at T (see
 *    {@link frontierCrossings}), the crossing point at the time the vehicle runs out,
 *    clustered greedily (major classes first) within crossingClusterM, and left out within
 *    crossingCheckpointM of a checkpoint listed in the tier.
 * 5. Boundary: the vehicle's reach polygons ({@link isochrones} 'from' with the vehicle's
 *    profile — rasterised reached road pieces, never bridging a river).
 *
 * Units and checkpoints that cannot be snapped are ignored. An incident that cannot be snapped
 * gives empty tiers.
 */
export function computeSealing(
  graph: RoadGraph,
  incident: LonLat,
  opts: SealingOptions,
): SealingResult {
  const t0 = performance.now();
  const tiers = [...opts.tiersSec].sort((a, b) => a - b);
  for (const t of tiers)
    if (!(t > 0 && t < Infinity)) throw new RangeError(`tier ${t} must be > 0`);
  const factor = opts.vehicleSpeedFactor ?? 1.2;
  const nearFraction = opts.nearFraction ?? 0.5;
  if (!(nearFraction >= 0 && nearFraction <= 1))
    throw new RangeError(`nearFraction must be within 0..1, got ${nearFraction}`);
  const unitFactor = opts.unitSearchFactor ?? 2;
  const ws = opts.workspace ?? workspaceFor(graph);
  const baseProfile = opts.speedProfile ?? DEFAULT_SPEED_PROFILE;
  const vehicleProfile = fleeingVehicleProfile(baseProfile, factor);
  const vehicleCosts = edgeCosts(graph, vehicleProfile);
  const unitCosts = edgeCosts(graph, baseProfile, opts.at);
  const accessKmh = opts.accessSpeedKmh ?? 15;
  const T = tiers[tiers.length - 1] ?? 0;
  const empty = (): SealingResult => ({
    tiers: tiers.map((sec, k) => ({
      sec,
      fromSec: windowFrom(tiers, k, nearFraction),
      boundary: null,
      checkpoints: [],
      crossings: [],
    })),
    incidentSnapDistanceM: null,
    vehicleSettledNodes: 0,
    unitSearches: 0,
    tookMs: performance.now() - t0,
  });
  const origin = snapPoint(graph, incident, opts);
  if (!origin || tiers.length === 0) return empty();

  // Reach polygons first: isochrones runs its own search in the shared workspace.
  const polygons =
    opts.boundary === false
      ? null
      : isochrones(
          graph,
          incident,
          tiers.map((s) => s / 60),
          {
            direction: 'from',
            speedProfile: vehicleProfile,
            cellM: opts.cellM ?? SEALING_CELL_M,
            bufferM: opts.cellM ?? SEALING_CELL_M,
            accessSpeedKmh: accessKmh,
            workspace: ws,
            maxSnapM: opts.maxSnapM,
            component: opts.component,
          },
        ).features;

  // 1. The vehicle.
  const originAccess = accessSec(origin, accessKmh);
  beginSearch(ws, 'forward');
  seedDeparture(ws, origin, vehicleCosts, originAccess);
  const settled = runSearch(ws, graph, vehicleCosts, T);

  // 2. Checkpoints on each tier's reach.
  interface Listed {
    idx: number;
    tier: number;
    snap: SnappedPoint;
    vehicleEtaSec: number;
    unit: number;
    unitEtaSec: number;
  }
  const listed: Listed[] = [];
  opts.checkpoints.forEach((cp, idx) => {
    const snap = cp.snap !== undefined ? cp.snap : snapPoint(graph, cp, opts);
    if (!snap) return;
    const eta = Math.min(
      arrivalThrough(ws, snap, vehicleCosts),
      alongSameSegment(origin, snap, vehicleCosts) + originAccess,
    );
    if (!(eta <= T)) return;
    for (let k = 0; k < tiers.length; k++) {
      const lo = windowFrom(tiers, k, nearFraction);
      // Windows are closed above; open below except the first (k > 0 starts at the tier before).
      if (eta <= tiers[k] && (k === 0 ? eta >= lo : eta > lo)) {
        listed.push({ idx, tier: k, snap, vehicleEtaSec: eta, unit: -1, unitEtaSec: Infinity });
        break;
      }
    }
  });

  // 4. Crossings (from the vehicle search, before the workspace is reused).
  const classOk = new Uint8Array(ROAD_CLASSES.length);
  for (const c of opts.crossingClasses ?? DEFAULT_CROSSING_CLASSES)
    classOk[ROAD_CLASSES.indexOf(c)] = 1;
  const rawCrossings = tiers.map((sec) =>
    frontierCrossings(graph, ws, settled, vehicleCosts, sec, classOk),
  );

  // 3. Units, checkpoint by checkpoint.
  listed.sort(
    (a, b) =>
      a.vehicleEtaSec - b.vehicleEtaSec ||
      (opts.checkpoints[a.idx].id < opts.checkpoints[b.idx].id ? -1 : 1),
  );
  const unitSnaps = opts.units.map((u) =>
    u.snap !== undefined ? u.snap : snapPoint(graph, u, opts),
  );
  const taken = new Uint8Array(opts.units.length);
  let unitSearches = 0;
  const pick = (c: Listed, maxSec: number): void => {
    unitSearches++;
    const found = fastestFreeUnit(
      graph,
      ws,
      unitCosts,
      c.snap,
      unitSnaps,
      taken,
      maxSec,
      accessKmh,
    );
    if (found.unit >= 0) {
      c.unit = found.unit;
      c.unitEtaSec = found.etaSec;
      taken[found.unit] = 1;
    }
  };
  for (const c of listed) pick(c, c.vehicleEtaSec);
  for (const c of listed) {
    if (c.unit >= 0 && c.unitEtaSec < c.vehicleEtaSec) continue;
    if (c.unit >= 0) taken[c.unit] = 0; // equal to the vehicle: let the wider search decide
    c.unit = -1;
    pick(c, c.vehicleEtaSec * unitFactor);
  }

  // Assemble, clustering crossings per tier.
  const clusterM = opts.crossingClusterM ?? 300;
  const nearCpM = opts.crossingCheckpointM ?? 300;
  const { kx, ky, lon0, lat0 } = graph.projection;
  const out: SealingTier[] = tiers.map((sec, k) => {
    const mine = listed.filter((c) => c.tier === k);
    const cpXY = mine.map((c) => [(c.snap.lon - lon0) * kx, (c.snap.lat - lat0) * ky]);
    const candidates = rawCrossings[k].sort((a, b) => a.cls - b.cls || a.x - b.x || a.y - b.y);
    const kept: RawCrossing[] = [];
    for (const r of candidates) {
      if (cpXY.some(([x, y]) => Math.hypot(x - r.x, y - r.y) < nearCpM)) continue;
      if (kept.some((q) => Math.hypot(q.x - r.x, q.y - r.y) < clusterM)) continue;
      kept.push(r);
    }
    const feature = polygons?.[k];
    return {
      sec,
      fromSec: windowFrom(tiers, k, nearFraction),
      boundary: feature && feature.properties.method === 'road' ? feature.geometry : null,
      checkpoints: mine.map((c) => ({
        id: opts.checkpoints[c.idx].id,
        vehicleEtaSec: c.vehicleEtaSec,
        bestUnit: c.unit >= 0 ? { id: opts.units[c.unit].id, etaSec: c.unitEtaSec } : null,
        sealable: c.unit >= 0 && c.unitEtaSec < c.vehicleEtaSec,
      })),
      crossings: kept.map((r) => {
        const p = pointAlong(graph, r.seg, r.fraction);
        const name = graph.segName[r.seg];
        return {
          lon: Math.round(p.lon * 1e6) / 1e6,
          lat: Math.round(p.lat * 1e6) / 1e6,
          segment: r.seg,
          roadClass: ROAD_CLASSES[r.cls],
          roadName: name >= 0 ? graph.names[name] : null,
        };
      }),
    };
  });
  return {
    tiers: out,
    incidentSnapDistanceM: origin.distanceM,
    vehicleSettledNodes: settled,
    unitSearches,
    tookMs: performance.now() - t0,
  };
}

/** Lower end of tier k's checkpoint window. */
function windowFrom(tiers: readonly number[], k: number, nearFraction: number): number {
  return Math.max(k > 0 ? tiers[k - 1] : 0, nearFraction * tiers[k]);
}

/**
 * The fastest untaken unit to a checkpoint's road point within maxSec: one reverse Dijkstra
 * over the unit costs, stopped once the best unit is proven (top-1 ranked search).
 */
function fastestFreeUnit(
  graph: RoadGraph,
  ws: SearchWorkspace,
  costs: EdgeCosts,
  q: SnappedPoint,
  unitSnaps: readonly (SnappedPoint | null)[],
  taken: Uint8Array,
  maxSec: number,
  accessKmh: number,
): { unit: number; etaSec: number } {
  beginSearch(ws, 'reverse');
  const st = beginRanked(ws, unitSnaps.length, 1, maxSec);
  for (let i = 0; i < unitSnaps.length; i++) {
    const s = unitSnaps[i];
    if (!s || taken[i]) continue;
    const access = accessSec(s, accessKmh);
    const direct = alongSameSegment(s, q, costs);
    if (direct < Infinity) offerUnit(st, i, direct + access, -1, 0);
    const sec = costs.segSec[s.segment];
    const atNode = nodeAtSnap(s);
    if (atNode >= 0) addUnitEnd(ws, st, atNode, i, access, 0);
    if (s.direction & DIR_FORWARD)
      addUnitEnd(ws, st, s.toNode, i, (1 - s.fraction) * sec + access, s.remainingM);
    if (s.direction & DIR_BACKWARD)
      addUnitEnd(ws, st, s.fromNode, i, s.fraction * sec + access, s.offsetM);
  }
  if (st.entryCount > 0) {
    seedArrival(ws, q, costs, 0);
    runRankedSearch(ws, graph, costs, maxSec, st);
  }
  if (st.kSize === 0) return { unit: -1, etaSec: Infinity };
  const u = st.kHeap[0];
  return st.best[u] <= maxSec ? { unit: u, etaSec: st.best[u] } : { unit: -1, etaSec: Infinity };
}
