import { Injectable } from '@nestjs/common';
import { routeBetween } from '@ringcad/routing';
import { STRAIGHT_LINE_SPEED_KMH, isWalkingKind, type UnitKind } from '@ringcad/domain';
import { Clock, DatabaseService, DomainError, notFound } from '../platform';
import { RoadNetworkService } from '../roads';
import { LiveFleetService, overlayLive } from '../fleet';
import { selectUnitPosition } from './dispatch.queries';

/** The drawable route of a candidate unit to an incident. */
@Injectable()
export class RouteService {
  constructor(
    private readonly database: DatabaseService,
    private readonly roads: RoadNetworkService,
    private readonly clock: Clock,
    private readonly live: LiveFleetService,
  ) {}

  async unitToPoint(unitId: string, to: { lon: number; lat: number }) {
    const [u] = overlayLive(
      await selectUnitPosition(this.database.db, unitId),
      await this.live.get([unitId]),
    );
    if (!u) throw notFound('unit', unitId);
    if (u.lon === null || u.lat === null)
      throw new DomainError('CONFLICT', 'the unit has no position');
    // a unit on foot is drawn at walking pace, as its candidate ETA was ranked
    const route = routeBetween(this.roads.requireGraph(), { lon: u.lon, lat: u.lat }, to, {
      at: this.clock.now(),
      kind: u.kind,
      walkKmh: isWalkingKind(u.kind) ? STRAIGHT_LINE_SPEED_KMH[u.kind as UnitKind] : undefined,
      straightLine: { speedsKmhByKind: STRAIGHT_LINE_SPEED_KMH },
    });
    if (!route) throw new DomainError('NOT_FOUND', 'no route between the unit and the incident');
    return {
      unitId,
      method: route.method,
      etaSec: Math.round(route.etaSec),
      distanceM: Math.round(route.distanceM),
      geometry: { type: 'LineString' as const, coordinates: route.coordinates },
    };
  }
}
