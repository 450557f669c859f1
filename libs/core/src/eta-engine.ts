import { Injectable } from '@nestjs/common';
import { etaToTarget } from '@ringcad/routing';
import { haversineM, straightLineEtaSec, STRAIGHT_LINE_SPEED_KMH, type UnitKind } from '@ringcad/domain';
import { RoadNetworkService } from './road-network.service';

export interface EtaUnit {
  id: string;
  kind: UnitKind;
  lon: number;
  lat: number;
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
}

export interface EtaAnswer {
  results: EtaResult[];
  /** Units the bounded search did not reach. */
  beyond: string[];
}

/** Kinds that move on foot: on the road network their ETA is path length at walking speed. */
const WALKING_KINDS: ReadonlySet<UnitKind> = new Set(['foot', 'kiosk']);
const DEFAULT_MAX_SEC = 3600;

/**
 * Travel time from units to a point, over the road network when one is loaded (one bounded
 * reverse Dijkstra for all units), else — and for points that do not snap to a road — the
 * labelled straight-line estimate.
 */
@Injectable()
export class EtaEngine {
  constructor(private readonly roads: RoadNetworkService) {}

  async etaTo(target: { lon: number; lat: number }, units: EtaUnit[], at: Date, query: EtaQuery = {}): Promise<EtaAnswer> {
    const maxSec = query.maxSec ?? DEFAULT_MAX_SEC;
    const graph = this.roads.graph;
    if (!graph) return straightAnswer(target, units, maxSec);
    const kinds = new Map(units.map((u) => [u.id, u.kind]));
    const response = etaToTarget(
      graph,
      target,
      units.map((u) => ({ id: u.id, lon: u.lon, lat: u.lat, kind: u.kind, snap: this.roads.snapFor(u.id, u.lon, u.lat) })),
      { maxSec, at },
    );
    const results = response.results.map((r): EtaResult => {
      const kind = kinds.get(r.id) as UnitKind;
      // a walking unit follows the same streets at walking pace (one-way rules aside)
      const etaSec =
        r.method === 'road' && WALKING_KINDS.has(kind)
          ? r.distanceM / (STRAIGHT_LINE_SPEED_KMH[kind] / 3.6)
          : r.method === 'straight'
            ? straightLineEtaSec(r.distanceM, kind)
            : r.etaSec;
      return { id: r.id, etaSec: Math.round(etaSec), distanceM: Math.round(r.distanceM), method: r.method };
    });
    // walking units can fall outside the bound once their pace is applied
    const beyond = [...response.unreachedIds, ...results.filter((r) => r.etaSec > maxSec).map((r) => r.id)];
    const kept = results.filter((r) => r.etaSec <= maxSec).sort((a, b) => a.etaSec - b.etaSec);
    return { results: kept, beyond };
  }
}

function straightAnswer(target: { lon: number; lat: number }, units: EtaUnit[], maxSec: number): EtaAnswer {
  const results: EtaResult[] = [];
  const beyond: string[] = [];
  for (const u of units) {
    const distanceM = haversineM(u, target);
    const etaSec = straightLineEtaSec(distanceM, u.kind);
    if (etaSec <= maxSec) results.push({ id: u.id, etaSec, distanceM: Math.round(distanceM), method: 'straight' });
    else beyond.push(u.id);
  }
  results.sort((a, b) => a.etaSec - b.etaSec);
  return { results, beyond };
}
