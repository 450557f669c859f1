import { Injectable } from '@nestjs/common';
import { etaToTarget, type EtaOptions, type RoadGraph } from '@ringcad/routing';
import {
  haversineM,
  straightLineEtaSec,
  STRAIGHT_LINE_SPEED_KMH,
  WALKING_UNIT_KINDS,
  type UnitKind,
} from '@ringcad/domain';
import { RoadNetworkService } from '../roads';

export interface EtaUnit {
  id: string;
  kind: UnitKind;
  lon: number;
  lat: number;
  /** When the position was reported (ms): a snap made ahead for a moment earlier may serve. */
  atMs?: number;
}

export interface EtaResult {
  id: string;
  etaSec: number;
  distanceM: number;
  method: 'road' | 'straight';
}

export interface EtaQuery {
  /** Search bound in seconds; slower units come back in `beyond`. */
  maxSec?: number;
  /** Only the K fastest units are ranked; the search stops once they are proven. */
  topK?: number;
}

export interface EtaAnswer {
  results: EtaResult[];
  /** Units the bounded search proved slower than maxSec (or could not reach). */
  beyond: string[];
  /** Units left unranked because K faster ones were found first. */
  notRanked: string[];
}

/** Kinds that move on foot: on the road network they walk the streets at their own pace. */
const WALKING_KINDS: Readonly<Record<string, number>> = Object.fromEntries(
  WALKING_UNIT_KINDS.map((k) => [k, STRAIGHT_LINE_SPEED_KMH[k]]),
);
const DEFAULT_MAX_SEC = 3600;

/**
 * Travel time from units to a point, over the road network when one is loaded (one bounded
 * reverse Dijkstra for all units), else — and for points that do not snap to a road — the
 * labelled straight-line estimate.
 */
@Injectable()
export class EtaEngine {
  constructor(private readonly roads: RoadNetworkService) {
    roads.onNetworkLoaded((graph) => this.warm(graph));
  }

  async etaTo(
    target: { lon: number; lat: number },
    units: EtaUnit[],
    at: Date,
    query: EtaQuery = {},
  ): Promise<EtaAnswer> {
    const maxSec = query.maxSec ?? DEFAULT_MAX_SEC;
    const graph = this.roads.graph;
    if (!graph) return straightAnswer(target, units, maxSec);
    // the units as they are, their snaps (made ahead as positions arrived) asked for one by
    // one: no copy of 5,000 units per recommendation for the young generation to sweep
    const response = this.search(graph, target, units, at, { ...query, maxSec }, (u, i) =>
      this.roads.snapFor(u.id, u.lon, u.lat, units[i].atMs),
    );
    const results = response.results.map((r): EtaResult => ({
      id: r.id,
      etaSec: Math.round(r.etaSec),
      distanceM: Math.round(r.distanceM),
      method: r.method,
    }));
    return { results, beyond: response.unreachedIds, notRanked: response.notRankedIds };
  }

  private search(
    graph: RoadGraph,
    target: { lon: number; lat: number },
    units: Parameters<typeof etaToTarget>[2],
    at: Date,
    query: EtaQuery & { maxSec: number },
    snapOf?: EtaOptions['snapOf'],
  ) {
    return etaToTarget(graph, target, units, {
      maxSec: query.maxSec,
      at,
      walkingKinds: WALKING_KINDS,
      maxResults: query.topK,
      straightLine: { speedsKmhByKind: STRAIGHT_LINE_SPEED_KMH },
      snapOf,
    });
  }

  /**
   * One search as a recommendation makes it (64 points of the network's largest component, to
   * the middle one of them), made as a network is loaded: the first 110 call after a start no
   * longer pays for compiling the road search and the snapping on the event loop (~20 ms here).
   */
  private warm(graph: RoadGraph): void {
    const nodes: number[] = [];
    const stride = Math.max(1, Math.floor(graph.nodeCount / 64));
    for (let v = 0; v < graph.nodeCount && nodes.length < 64; v += stride)
      if (graph.nodeComponent[v] === graph.largestComponent) nodes.push(v);
    if (!nodes.length) return;
    const middle = nodes[nodes.length >> 1];
    this.search(
      graph,
      { lon: graph.nodeLon[middle], lat: graph.nodeLat[middle] },
      nodes.map((v, i) => ({
        id: `warm-${i}`,
        lon: graph.nodeLon[v],
        lat: graph.nodeLat[v],
        kind: 'patrol_car',
      })),
      new Date(),
      { maxSec: 1800, topK: 50 },
    );
  }
}

function straightAnswer(
  target: { lon: number; lat: number },
  units: EtaUnit[],
  maxSec: number,
): EtaAnswer {
  const results: EtaResult[] = [];
  const beyond: string[] = [];
  const notRanked: string[] = [];
  for (const u of units) {
    const distanceM = haversineM(u, target);
    const etaSec = straightLineEtaSec(distanceM, u.kind);
    if (etaSec <= maxSec)
      results.push({ id: u.id, etaSec, distanceM: Math.round(distanceM), method: 'straight' });
    else beyond.push(u.id);
  }
  results.sort((a, b) => a.etaSec - b.etaSec);
  return { results, beyond, notRanked };
}
