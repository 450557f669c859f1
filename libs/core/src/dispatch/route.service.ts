import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { routeBetween } from '@ringcad/routing';
import { Clock, DatabaseService, DomainError, notFound } from '../platform';
import { RoadNetworkService } from '../roads';
import { LiveFleetService, overlayLive } from '../fleet';

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
    const rows = await sql<{ id: string; lon: number | null; lat: number | null; position_at: Date | null }>`
      SELECT id, ST_X(position) AS lon, ST_Y(position) AS lat, position_at FROM units WHERE id = ${unitId}`.execute(this.database.db);
    const [u] = overlayLive(rows.rows, await this.live.get([unitId]));
    if (!u) throw notFound('unit', unitId);
    if (u.lon === null || u.lat === null) throw new DomainError('CONFLICT', 'the unit has no position');
    const route = routeBetween(this.roads.requireGraph(), { lon: u.lon, lat: u.lat }, to, { at: this.clock.now() });
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
