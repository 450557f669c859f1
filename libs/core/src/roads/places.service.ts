import { Injectable } from '@nestjs/common';
import type {
  CreateJurisdictionRequest,
  CreatePlaceRequest,
  UpdatePlaceRequest,
} from '@ringcad/contracts';
import { findScheme } from '@ringcad/domain';
import {
  appendAudit,
  Clock,
  toWgs84,
  DatabaseService,
  DomainError,
  conflict,
  notFound,
  actorOf,
  type Principal,
} from '../platform';
import { RoadNetworkService } from './road-network.service';
import { InputBounds } from './input-bounds';
import {
  checkpointInUse,
  deletePlaceRow,
  geometryValidity,
  updatePlaceRow,
  insertJurisdiction,
  insertPlace,
  jurisdictionExists,
  listJurisdictionRows,
  listPlacePoints,
  searchPlaceNames,
  type PlaceTableName,
} from './places.queries';

@Injectable()
export class PlacesService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly roads: RoadNetworkService,
    private readonly bounds: InputBounds,
  ) {}

  async createJurisdiction(input: CreateJurisdictionRequest, by: Principal) {
    if (input.schemeId != null && !findScheme(input.schemeId)) {
      throw new DomainError('VALIDATION_FAILED', `unknown ring scheme ${input.schemeId}`);
    }
    this.bounds.assertAreaInServiceArea(input.boundary);
    const geojson = JSON.stringify(input.boundary);
    return this.database.transaction(async (tx) => {
      const check = await geometryValidity(tx, geojson);
      if (!check.valid) {
        throw new DomainError(
          'VALIDATION_FAILED',
          `boundary is not a valid polygon: ${check.reason}`,
        );
      }
      if (input.parentId && !(await jurisdictionExists(tx, input.parentId)))
        throw notFound('parent jurisdiction', input.parentId);
      const { id } = await insertJurisdiction(tx, input, geojson);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'create', 'jurisdiction', id, {
        name: input.name,
        kind: input.kind,
      });
      return {
        id,
        name: input.name,
        kind: input.kind,
        parentId: input.parentId ?? null,
        schemeId: input.schemeId ?? null,
      };
    });
  }

  async listJurisdictions() {
    const rows = await listJurisdictionRows(this.database.db);
    return {
      type: 'FeatureCollection' as const,
      features: rows.map((r) => ({
        type: 'Feature' as const,
        id: r.id,
        geometry: JSON.parse(r.geom) as unknown,
        properties: {
          id: r.id,
          name: r.name,
          kind: r.kind,
          parentId: r.parent_id,
          schemeId: r.scheme_id,
        },
      })),
    };
  }

  async createPlace(table: PlaceTableName, input: CreatePlaceRequest, by: Principal) {
    const p = toWgs84(input.location);
    this.bounds.assertInServiceArea([p], () => 'location');
    return this.database.transaction(async (tx) => {
      const id = await insertPlace(tx, table, input.name, p);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'create', table, id, {
        name: input.name,
      });
      return { id, name: input.name, location: p };
    });
  }

  async updatePlace(table: PlaceTableName, id: string, input: UpdatePlaceRequest, by: Principal) {
    const p = input.location ? toWgs84(input.location) : undefined;
    if (p) this.bounds.assertInServiceArea([p], () => 'location');
    return this.database.transaction(async (tx) => {
      const row = await updatePlaceRow(tx, table, id, { name: input.name, location: p });
      if (!row) throw notFound(table === 'checkpoints' ? 'checkpoint' : 'standby point', id);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'update', table, id, {
        name: row.name,
      });
      return { id: row.id, name: row.name, location: { lon: row.lon, lat: row.lat } };
    });
  }

  /** A checkpoint that a sealing assignment named stays (the record keeps pointing at it). */
  async deletePlace(table: PlaceTableName, id: string, by: Principal): Promise<void> {
    await this.database.transaction(async (tx) => {
      if (table === 'checkpoints' && (await checkpointInUse(tx, id)))
        throw conflict('this checkpoint was manned in a sealing; it stays in the record');
      if (!(await deletePlaceRow(tx, table, id)))
        throw notFound(table === 'checkpoints' ? 'checkpoint' : 'standby point', id);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'delete', table, id);
    });
  }

  /** Address search: named places (standby points, checkpoints, jurisdictions) and streets. */
  async search(q: string, limit: number) {
    const rows = await searchPlaceNames(this.database.db, q, limit);
    const places = rows.map((r) => ({ label: r.label, lon: r.lon, lat: r.lat, kind: r.kind }));
    return { results: [...places, ...this.roads.searchStreets(q, limit)].slice(0, limit) };
  }

  async listPlaces(table: PlaceTableName) {
    const rows = await listPlacePoints(this.database.db, table);
    return rows.map((r) => ({ id: r.id, name: r.name, location: { lon: r.lon, lat: r.lat } }));
  }
}
