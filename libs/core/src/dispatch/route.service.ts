import { Injectable } from '@nestjs/common';
import { routeBetween } from '@ringcad/routing';
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
    const route = routeBetween(this.roads.requireGraph(), { lon: u.lon, lat: u.lat }, to, {
      at: this.clock.now(),
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
