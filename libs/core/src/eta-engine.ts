import { Injectable } from '@nestjs/common';
import { haversineM, straightLineEtaSec, type UnitKind } from '@ringcad/domain';

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

/**
 * Travel time from units to a point. This is the one seam the road network plugs into: the
 * road engine answers with `method: "road"` where both ends snap to the network and falls back
 * to the straight-line estimate (labelled) where they do not.
 */
@Injectable()
export class EtaEngine {
  async etaTo(target: { lon: number; lat: number }, units: EtaUnit[], _at: Date): Promise<EtaResult[]> {
    return units.map((u) => {
      const distanceM = haversineM(u, target);
      return { id: u.id, etaSec: straightLineEtaSec(distanceM, u.kind), distanceM: Math.round(distanceM), method: 'straight' };
    });
  }
}
