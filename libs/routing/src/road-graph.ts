import { haversineM, localProjection, type LocalProjection } from './geo-math';
import { parseMaxspeedKmh, parseOneway, roadClassCode, ROAD_CLASSES } from './road-class';
import {
  RoadNetworkImportError,
  type RoadNetworkDraft,
  type RoadNetworkFormat,
} from './road-network-draft';
import { classSpeedsKmh, DEFAULT_SPEED_PROFILE } from './speed-profile';
import { hilbertRanks } from './spatial-order';
import { stronglyConnectedComponents } from './strongly-connected';

/** `segDirection` bits: travel allowed from segFrom to segTo, and from segTo to segFrom. */
export const DIR_FORWARD = 1;
export const DIR_BACKWARD = 2;

export interface RoadGraphStats {
  format: RoadNetworkFormat | 'unknown';
  /** Ways with a highway tag in the input. */
  highwayWays: number;
  /** Ways the car profile keeps. */
  drivableWays: number;
  /** Graph vertices: intersections and dead ends (shape points are not vertices). */
  nodes: number;
  /** Undirected road pieces between vertices (what osm2pgrouting calls edges). */
  segments: number;
  /** Directed, drivable edges in the forward adjacency. */
  directedEdges: number;
  oneWaySegments: number;
  shapePoints: number;
  totalLengthKm: number;
  missingRefs: number;
  /** Strongly connected components and their sizes. */
  components: number;
  largestComponentNodes: number;
  /** Nodes outside the largest component (unreachable islands / one-way pockets). */
  islandNodes: number;
  /** Sizes of the ten biggest components after the largest. */
  otherComponentSizes: number[];
}

/**
 * A road network as a compact, serialisable graph. Vertices are intersections and dead ends;
 * each segment keeps its full shape (geomLon/geomLat between segGeomStart[s] and
 * segGeomStart[s+1], endpoints included), so snapping follows curved roads and routes draw
 * along them. Adjacency is CSR in both directions; edge ids encode `segment * 2 + reversed`.
 */
export interface RoadGraph {
  readonly nodeCount: number;
  readonly segmentCount: number;
  readonly edgeCount: number;
  readonly nodeLon: Float64Array;
  readonly nodeLat: Float64Array;
  readonly segFrom: Int32Array;
  readonly segTo: Int32Array;
  readonly segLengthM: Float64Array;
  /** Class code: index into ROAD_CLASSES. */
  readonly segClass: Uint8Array;
  /** Tagged maxspeed in km/h, 0 when absent. */
  readonly segMaxspeedKmh: Float32Array;
  /** Free-flow speed under the default profile (class speed capped by maxspeed). */
  readonly segBaseSpeedKmh: Float32Array;
  /** DIR_FORWARD | DIR_BACKWARD bits. */
  readonly segDirection: Uint8Array;
  /** Index into `names`, -1 when unnamed. */
  readonly segName: Int32Array;
  readonly segGeomStart: Int32Array;
  readonly geomLon: Float64Array;
  readonly geomLat: Float64Array;
  readonly names: readonly string[];
  readonly fwdOffsets: Int32Array;
  readonly fwdTargets: Int32Array;
  readonly fwdEdgeSeg: Int32Array;
  readonly revOffsets: Int32Array;
  readonly revSources: Int32Array;
  readonly revEdgeSeg: Int32Array;
  /** Strongly connected component id per node. */
  readonly nodeComponent: Int32Array;
  readonly largestComponent: number;
  readonly projection: LocalProjection;
  readonly stats: RoadGraphStats;
}

export interface BuildRoadGraphOptions {
  /** Treat highway=track as drivable (default false). */
  includeTrack?: boolean;
  /**
   * Vertex numbering. `spatial` (default): Hilbert order of the vertices, segments by their
   * lower endpoint, so a search's working set stays in cache. `input`: first use in the
   * draft's way order, the numbering graphs had before; kept so tests can prove that the
   * renumbering changes no travel time.
   */
  vertexOrder?: 'spatial' | 'input';
}

class GrowF64 {
  a = new Float64Array(4096);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.n * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Float64Array {
    return this.a.slice(0, this.n);
  }
}

class GrowI32 {
  a = new Int32Array(4096);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.n * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Int32Array {
    return this.a.slice(0, this.n);
  }
}

/**
 * Applies the car profile to a draft network and builds the routing graph: keeps drivable
 * classes, splits ways at shared nodes, resolves one-way rules, builds forward and reverse
 * CSR adjacency and labels strongly connected components.
 *
 * @throws RoadNetworkImportError (`no-drivable-roads`) when nothing drivable remains.
 */
export function buildRoadGraph(
  draft: RoadNetworkDraft,
  options: BuildRoadGraphOptions = {},
): RoadGraph {
  const P = draft.pointCount;
  const use = new Uint8Array(P);
  const bump = (p: number, by: number): void => {
    use[p] = Math.min(255, use[p] + by);
  };
  const pieces: { way: number; refs: Int32Array; cls: number; dir: number; maxspeed: number }[] =
    [];
  draft.ways.forEach((w, wi) => {
    const cls = roadClassCode(w.highway, options);
    if (cls < 0) return;
    const oneway = parseOneway(w.oneway, w.highway, w.junction);
    const dir =
      oneway === 'forward'
        ? DIR_FORWARD
        : oneway === 'backward'
          ? DIR_BACKWARD
          : DIR_FORWARD | DIR_BACKWARD;
    const maxspeed = parseMaxspeedKmh(w.maxspeed) ?? 0;
    // Split at missing nodes (clipped extracts) rather than drawing a straight jump over them.
    let run: number[] = [];
    const flush = (): void => {
      if (run.length >= 2) pieces.push({ way: wi, refs: Int32Array.from(run), cls, dir, maxspeed });
      run = [];
    };
    for (const r of w.refs) {
      if (r < 0) flush();
      else if (run.length === 0 || run[run.length - 1] !== r) run.push(r);
    }
    flush();
  });
  const drivableWays = new Set(pieces.map((p) => p.way)).size;
  for (const p of pieces) {
    bump(p.refs[0], 2);
    bump(p.refs[p.refs.length - 1], 2);
    for (let i = 1; i < p.refs.length - 1; i++) bump(p.refs[i], 1);
  }

  const vertexOf = new Int32Array(P).fill(-1);
  const nodeLon = new GrowF64();
  const nodeLat = new GrowF64();
  const vertex = (p: number): number => {
    let v = vertexOf[p];
    if (v < 0) {
      v = vertexOf[p] = nodeLon.n;
      nodeLon.push(draft.pointLon[p]);
      nodeLat.push(draft.pointLat[p]);
    }
    return v;
  };

  const segFrom = new GrowI32();
  const segTo = new GrowI32();
  const segLen = new GrowF64();
  const segCls: number[] = [];
  const segDir: number[] = [];
  const segMax: number[] = [];
  const segName = new GrowI32();
  const geomStart = new GrowI32();
  const gLon = new GrowF64();
  const gLat = new GrowF64();
  const nameIdx = new Map<string, number>();
  const names: string[] = [];

  for (const p of pieces) {
    const w = draft.ways[p.way];
    let name = -1;
    if (w.name) {
      const known = nameIdx.get(w.name);
      if (known !== undefined) name = known;
      else {
        name = names.length;
        names.push(w.name);
        nameIdx.set(w.name, name);
      }
    }
    let start = 0;
    for (let i = 1; i < p.refs.length; i++) {
      const pt = p.refs[i];
      if (use[pt] < 2 && i < p.refs.length - 1) continue;
      const a = vertex(p.refs[start]);
      const b = vertex(pt);
      let len = 0;
      for (let k = start; k < i; k++) {
        const q0 = p.refs[k];
        const q1 = p.refs[k + 1];
        len += haversineM(
          draft.pointLon[q0],
          draft.pointLat[q0],
          draft.pointLon[q1],
          draft.pointLat[q1],
        );
      }
      if (a !== b || len > 0) {
        segFrom.push(a);
        segTo.push(b);
        segLen.push(len);
        segCls.push(p.cls);
        segDir.push(p.dir);
        segMax.push(p.maxspeed);
        segName.push(name);
        geomStart.push(gLon.n);
        for (let k = start; k <= i; k++) {
          gLon.push(draft.pointLon[p.refs[k]]);
          gLat.push(draft.pointLat[p.refs[k]]);
        }
      }
      start = i;
    }
  }
  const S = segFrom.n;
  if (S === 0) {
    throw new RoadNetworkImportError(
      'no-drivable-roads',
      `no drivable roads: ${draft.ways.length} highway ways, none a car may use`,
      draft.format,
    );
  }
  geomStart.push(gLon.n);

  const speeds = classSpeedsKmh(DEFAULT_SPEED_PROFILE);
  const segClass = Uint8Array.from(segCls);
  const segMaxspeedKmh = Float32Array.from(segMax);
  const segBaseSpeedKmh = new Float32Array(S);
  for (let s = 0; s < S; s++) {
    const cap = segMaxspeedKmh[s];
    const v = speeds[segClass[s]];
    segBaseSpeedKmh[s] = cap > 0 && cap < v ? cap : v;
  }

  const core: RoadGraphCore = {
    nodeLon: nodeLon.done(),
    nodeLat: nodeLat.done(),
    segFrom: segFrom.done(),
    segTo: segTo.done(),
    segLengthM: segLen.done(),
    segClass,
    segMaxspeedKmh,
    segBaseSpeedKmh,
    segDirection: Uint8Array.from(segDir),
    segName: segName.done(),
    segGeomStart: geomStart.done(),
    geomLon: gLon.done(),
    geomLat: gLat.done(),
    names,
    partialStats: {
      format: draft.format,
      highwayWays: draft.ways.length,
      drivableWays,
      missingRefs: draft.missingRefs,
    },
  };
  return assembleRoadGraph(options.vertexOrder === 'input' ? core : renumberSpatially(core));
}

/**
 * Same graph, vertices renumbered along a Hilbert curve and segments sorted by (lower new
 * endpoint, higher new endpoint, old id); each segment keeps its orientation and shape. Only
 * builds use it: stored graphs keep the numbering they were stored with, since other stored
 * data (matched patrol chunks) names their segment ids.
 */
function renumberSpatially(core: RoadGraphCore): RoadGraphCore {
  const N = core.nodeLon.length;
  const S = core.segFrom.length;
  const rank = hilbertRanks(core.nodeLon, core.nodeLat);
  const nodeLon = new Float64Array(N);
  const nodeLat = new Float64Array(N);
  for (let v = 0; v < N; v++) {
    nodeLon[rank[v]] = core.nodeLon[v];
    nodeLat[rank[v]] = core.nodeLat[v];
  }
  const lo = new Int32Array(S);
  const hi = new Int32Array(S);
  for (let s = 0; s < S; s++) {
    const a = rank[core.segFrom[s]];
    const b = rank[core.segTo[s]];
    lo[s] = a < b ? a : b;
    hi[s] = a < b ? b : a;
  }
  // counting sort on the lower endpoint (stable: old ids ascending), then each node's few
  // segments by the higher endpoint (insertion sort, stable)
  const start = new Int32Array(N + 1);
  for (let s = 0; s < S; s++) start[lo[s] + 1]++;
  for (let v = 0; v < N; v++) start[v + 1] += start[v];
  const order = new Int32Array(S);
  const fill = start.slice(0, N);
  for (let s = 0; s < S; s++) order[fill[lo[s]]++] = s;
  for (let v = 0; v < N; v++) {
    for (let i = start[v] + 1; i < start[v + 1]; i++) {
      const s = order[i];
      let j = i - 1;
      while (j >= start[v] && hi[order[j]] > hi[s]) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = s;
    }
  }

  const segFrom = new Int32Array(S);
  const segTo = new Int32Array(S);
  const segLengthM = new Float64Array(S);
  const segClass = new Uint8Array(S);
  const segMaxspeedKmh = new Float32Array(S);
  const segBaseSpeedKmh = new Float32Array(S);
  const segDirection = new Uint8Array(S);
  const segName = new Int32Array(S);
  const segGeomStart = new Int32Array(S + 1);
  const geomLon = new Float64Array(core.geomLon.length);
  const geomLat = new Float64Array(core.geomLat.length);
  let g = 0;
  for (let s = 0; s < S; s++) {
    const old = order[s];
    segFrom[s] = rank[core.segFrom[old]];
    segTo[s] = rank[core.segTo[old]];
    segLengthM[s] = core.segLengthM[old];
    segClass[s] = core.segClass[old];
    segMaxspeedKmh[s] = core.segMaxspeedKmh[old];
    segBaseSpeedKmh[s] = core.segBaseSpeedKmh[old];
    segDirection[s] = core.segDirection[old];
    segName[s] = core.segName[old];
    segGeomStart[s] = g;
    const g0 = core.segGeomStart[old];
    const g1 = core.segGeomStart[old + 1];
    geomLon.set(core.geomLon.subarray(g0, g1), g);
    geomLat.set(core.geomLat.subarray(g0, g1), g);
    g += g1 - g0;
  }
  segGeomStart[S] = g;
  return {
    ...core,
    nodeLon,
    nodeLat,
    segFrom,
    segTo,
    segLengthM,
    segClass,
    segMaxspeedKmh,
    segBaseSpeedKmh,
    segDirection,
    segName,
    segGeomStart,
    geomLon,
    geomLat,
  };
}

/** The stored part of a graph; adjacency, components and stats are derived from it. */
export interface RoadGraphCore {
  nodeLon: Float64Array;
  nodeLat: Float64Array;
  segFrom: Int32Array;
  segTo: Int32Array;
  segLengthM: Float64Array;
  segClass: Uint8Array;
  segMaxspeedKmh: Float32Array;
  segBaseSpeedKmh: Float32Array;
  segDirection: Uint8Array;
  segName: Int32Array;
  segGeomStart: Int32Array;
  geomLon: Float64Array;
  geomLat: Float64Array;
  names: string[];
  partialStats: Pick<RoadGraphStats, 'format' | 'highwayWays' | 'drivableWays' | 'missingRefs'>;
}

/** Builds CSR adjacency, components and stats from the stored arrays (import and deserialise). */
export function assembleRoadGraph(core: RoadGraphCore): RoadGraph {
  const N = core.nodeLon.length;
  const S = core.segFrom.length;
  const outDeg = new Int32Array(N + 1);
  const inDeg = new Int32Array(N + 1);
  let E = 0;
  let oneWay = 0;
  for (let s = 0; s < S; s++) {
    const a = core.segFrom[s];
    const b = core.segTo[s];
    const d = core.segDirection[s];
    if (d !== (DIR_FORWARD | DIR_BACKWARD)) oneWay++;
    // Self-loops never shorten a path; they stay as segments (snapping) but not as edges.
    if (a === b) continue;
    if (d & DIR_FORWARD) {
      outDeg[a + 1]++;
      inDeg[b + 1]++;
      E++;
    }
    if (d & DIR_BACKWARD) {
      outDeg[b + 1]++;
      inDeg[a + 1]++;
      E++;
    }
  }
  for (let v = 0; v < N; v++) {
    outDeg[v + 1] += outDeg[v];
    inDeg[v + 1] += inDeg[v];
  }
  const fwdOffsets = outDeg;
  const revOffsets = inDeg;
  const fwdTargets = new Int32Array(E);
  const fwdEdgeSeg = new Int32Array(E);
  const revSources = new Int32Array(E);
  const revEdgeSeg = new Int32Array(E);
  const fPos = fwdOffsets.slice(0, N);
  const rPos = revOffsets.slice(0, N);
  const add = (u: number, v: number, code: number): void => {
    const i = fPos[u]++;
    fwdTargets[i] = v;
    fwdEdgeSeg[i] = code;
    const j = rPos[v]++;
    revSources[j] = u;
    revEdgeSeg[j] = code;
  };
  for (let s = 0; s < S; s++) {
    const a = core.segFrom[s];
    const b = core.segTo[s];
    if (a === b) continue;
    const d = core.segDirection[s];
    if (d & DIR_FORWARD) add(a, b, s * 2);
    if (d & DIR_BACKWARD) add(b, a, s * 2 + 1);
  }

  const scc = stronglyConnectedComponents(N, fwdOffsets, fwdTargets);
  let minLon = Infinity;
  let maxLon = -Infinity;
  let minLat = Infinity;
  let maxLat = -Infinity;
  for (let v = 0; v < N; v++) {
    const lon = core.nodeLon[v];
    const lat = core.nodeLat[v];
    if (lon < minLon) minLon = lon;
    if (lon > maxLon) maxLon = lon;
    if (lat < minLat) minLat = lat;
    if (lat > maxLat) maxLat = lat;
  }
  let totalLen = 0;
  for (let s = 0; s < S; s++) totalLen += core.segLengthM[s];
  const largestNodes = scc.largest >= 0 ? scc.sizes[scc.largest] : 0;
  const others = Array.from(scc.sizes)
    .filter((_, c) => c !== scc.largest)
    .sort((a, b) => b - a);
  const stats: RoadGraphStats = {
    ...core.partialStats,
    nodes: N,
    segments: S,
    directedEdges: E,
    oneWaySegments: oneWay,
    shapePoints: core.geomLon.length,
    totalLengthKm: Math.round(totalLen) / 1000,
    components: scc.count,
    largestComponentNodes: largestNodes,
    islandNodes: N - largestNodes,
    otherComponentSizes: others.slice(0, 10),
  };
  return {
    nodeCount: N,
    segmentCount: S,
    edgeCount: E,
    nodeLon: core.nodeLon,
    nodeLat: core.nodeLat,
    segFrom: core.segFrom,
    segTo: core.segTo,
    segLengthM: core.segLengthM,
    segClass: core.segClass,
    segMaxspeedKmh: core.segMaxspeedKmh,
    segBaseSpeedKmh: core.segBaseSpeedKmh,
    segDirection: core.segDirection,
    segName: core.segName,
    segGeomStart: core.segGeomStart,
    geomLon: core.geomLon,
    geomLat: core.geomLat,
    names: core.names,
    fwdOffsets,
    fwdTargets,
    fwdEdgeSeg,
    revOffsets,
    revSources,
    revEdgeSeg,
    nodeComponent: scc.component,
    largestComponent: scc.largest,
    projection: localProjection((minLon + maxLon) / 2, (minLat + maxLat) / 2),
    stats,
  };
}

/** Class name of a segment (for display and tests). */
export function segmentClass(graph: RoadGraph, seg: number): (typeof ROAD_CLASSES)[number] {
  return ROAD_CLASSES[graph.segClass[seg]];
}
