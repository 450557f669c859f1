import { Injectable } from '@nestjs/common';
import type {
  CreateJurisdictionRequest,
  CreatePlaceRequest,
  UpdateJurisdictionRequest,
  UpdatePlaceRequest,
} from '@ringcad/contracts';
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
import type { DbOrTx } from '@ringcad/db';
import { RoadNetworkService } from './road-network.service';
import { InputBounds } from './input-bounds';
import {
  checkpointInUse,
  deleteJurisdictionRow,
  deletePlaceRow,
  jurisdictionReferences,
  jurisdictionRow,
  jurisdictionSubtree,
  updateJurisdictionRow,
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
import { RingSchemesService } from '../schemes';

const invalid = (path: string, message: string) =>
  new DomainError('VALIDATION_FAILED', message, [{ path, message }]);

async function assertValidArea(tx: DbOrTx, geojson: string) {
  const check = await geometryValidity(tx, geojson);
  if (!check.valid) throw invalid('boundary', `boundary is not a valid polygon: ${check.reason}`);
}

@Injectable()
export class PlacesService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly roads: RoadNetworkService,
    private readonly bounds: InputBounds,
    private readonly schemes: RingSchemesService,
  ) {}

  async createJurisdiction(input: CreateJurisdictionRequest, by: Principal) {
    if (input.schemeId != null) await this.schemes.require(input.schemeId, 'schemeId');
    this.bounds.assertAreaInServiceArea(input.boundary);
    const geojson = JSON.stringify(input.boundary);
    return this.database.transaction(async (tx) => {
      await assertValidArea(tx, geojson);
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

  /**
   * Rename, re-parent, reshape or re-scheme. Incidents filed afterwards land by the new shape
   * (create looks them up with ST_Covers); incidents filed before keep the area they were in.
   */
  async updateJurisdiction(id: string, input: UpdateJurisdictionRequest, by: Principal) {
    if (input.schemeId != null) await this.schemes.require(input.schemeId, 'schemeId');
    if (input.boundary) this.bounds.assertAreaInServiceArea(input.boundary);
    const geojson = input.boundary ? JSON.stringify(input.boundary) : undefined;
    return this.database.transaction(async (tx) => {
      const current = await jurisdictionRow(tx, id);
      if (!current) throw notFound('jurisdiction', id);
      if (geojson) await assertValidArea(tx, geojson);
      if (input.parentId) {
        const parent = await jurisdictionRow(tx, input.parentId);
        if (!parent) throw notFound('parent jurisdiction', input.parentId);
        const level = { district: 0, station: 1, grid: 2 } as const;
        const kindOf = (k: string) => level[k as keyof typeof level];
        if (kindOf(parent.kind) >= kindOf(current.kind))
          throw invalid('parentId', `a ${current.kind} cannot sit under a ${parent.kind}`);
        if ((await jurisdictionSubtree(tx, id)).includes(parent.id))
          throw invalid('parentId', 'a jurisdiction cannot sit under itself or its own children');
      }
      const row = await updateJurisdictionRow(tx, id, input, geojson);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'update', 'jurisdiction', id, {
        changed: Object.keys(input),
        name: row.name,
      });
      return {
        id: row.id,
        name: row.name,
        kind: row.kind,
        parentId: row.parent_id,
        schemeId: row.scheme_id,
      };
    });
  }

  /** Only an area nothing points at any more: no sub-areas, units, accounts, incidents, plans… */
  async deleteJurisdiction(id: string, by: Principal): Promise<void> {
    await this.database.transaction(async (tx) => {
      const current = await jurisdictionRow(tx, id);
      if (!current) throw notFound('jurisdiction', id);
      const refs = await jurisdictionReferences(tx, id);
      const used = Object.fromEntries(Object.entries(refs).filter(([, n]) => n > 0));
      if (Object.keys(used).length)
        throw new DomainError('IN_USE', `${current.name} is still referenced`, {
          references: used,
        });
      await deleteJurisdictionRow(tx, id);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'delete', 'jurisdiction', id, {
        name: current.name,
        kind: current.kind,
      });
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
