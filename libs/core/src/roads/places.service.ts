import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import type { CreateJurisdictionRequest, CreatePlaceRequest } from '@ringcad/contracts';
import { findScheme } from '@ringcad/domain';
import { appendAudit, Clock, toWgs84, DatabaseService, DomainError, notFound, actorOf, type Principal } from '../platform';
import { RoadNetworkService } from './road-network.service';
import { InputBounds } from './input-bounds';

export type PlaceTableName = 'checkpoints' | 'standby_points';

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
      const check = await sql<{ valid: boolean; reason: string }>`
        SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason
        FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(${geojson}), 4326) AS g) s`.execute(tx);
      if (!check.rows[0].valid) {
        throw new DomainError('VALIDATION_FAILED', `boundary is not a valid polygon: ${check.rows[0].reason}`);
      }
      if (input.parentId) {
        const parent = await tx.selectFrom('jurisdictions').select('id').where('id', '=', input.parentId).executeTakeFirst();
        if (!parent) throw notFound('parent jurisdiction', input.parentId);
      }
      const row = await sql<{ id: string; created_at: Date }>`
        INSERT INTO jurisdictions (name, kind, parent_id, scheme_id, boundary)
        VALUES (${input.name}, ${input.kind}, ${input.parentId ?? null}, ${input.schemeId ?? null},
                ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${geojson}), 4326)))
        RETURNING id, created_at`.execute(tx);
      const id = row.rows[0].id;
      await appendAudit(tx, this.clock.now(), actorOf(by), 'create', 'jurisdiction', id, {
        name: input.name,
        kind: input.kind,
      });
      return { id, name: input.name, kind: input.kind, parentId: input.parentId ?? null, schemeId: input.schemeId ?? null };
    });
  }

  async listJurisdictions() {
    const rows = await sql<{
      id: string;
      name: string;
      kind: string;
      parent_id: string | null;
      scheme_id: string | null;
      geom: string;
    }>`SELECT id, name, kind, parent_id, scheme_id, ST_AsGeoJSON(boundary, 6) AS geom
       FROM jurisdictions ORDER BY kind, name`.execute(this.database.db);
    return {
      type: 'FeatureCollection' as const,
      features: rows.rows.map((r) => ({
        type: 'Feature' as const,
        id: r.id,
        geometry: JSON.parse(r.geom) as unknown,
        properties: { id: r.id, name: r.name, kind: r.kind, parentId: r.parent_id, schemeId: r.scheme_id },
      })),
    };
  }

  async createPlace(table: PlaceTableName, input: CreatePlaceRequest, by: Principal) {
    const p = toWgs84(input.location);
    this.bounds.assertInServiceArea([p], () => 'location');
    return this.database.transaction(async (tx) => {
      const row = await sql<{ id: string }>`
        INSERT INTO ${sql.table(table)} (name, location)
        VALUES (${input.name}, ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326))
        RETURNING id`.execute(tx);
      const id = row.rows[0].id;
      await appendAudit(tx, this.clock.now(), actorOf(by), 'create', table, id, { name: input.name });
      return { id, name: input.name, location: p };
    });
  }

  /** Address search: named places (standby points, checkpoints, jurisdictions) and streets. */
  async search(q: string, limit: number) {
    const like = `%${q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    const rows = await sql<{ label: string; lon: number; lat: number; kind: string }>`
      SELECT name AS label, ST_X(location) AS lon, ST_Y(location) AS lat, 'standby_point' AS kind FROM standby_points WHERE name ILIKE ${like}
      UNION ALL
      SELECT name, ST_X(location), ST_Y(location), 'checkpoint' FROM checkpoints WHERE name ILIKE ${like}
      UNION ALL
      SELECT name, ST_X(ST_PointOnSurface(boundary)), ST_Y(ST_PointOnSurface(boundary)), kind FROM jurisdictions WHERE name ILIKE ${like}
      LIMIT ${limit}`.execute(this.database.db);
    const places = rows.rows.map((r) => ({ label: r.label, lon: r.lon, lat: r.lat, kind: r.kind }));
    return { results: [...places, ...this.roads.searchStreets(q, limit)].slice(0, limit) };
  }

  async listPlaces(table: PlaceTableName) {
    const rows = await sql<{ id: string; name: string; lon: number; lat: number }>`
      SELECT id, name, ST_X(location) AS lon, ST_Y(location) AS lat FROM ${sql.table(table)} ORDER BY name`.execute(
      this.database.db,
    );
    return rows.rows.map((r) => ({ id: r.id, name: r.name, location: { lon: r.lon, lat: r.lat } }));
  }
}
