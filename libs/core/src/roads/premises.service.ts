import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import type { AreaGeometry, PremiseFlag, PremiseInput, PremiseLevel, PremiseView } from '@ringcad/contracts';
import type { DbOrTx } from '@ringcad/db';
import { Clock, toWgs84, DatabaseService, notFound, actorOf, type Principal } from '../platform';

/** A point premise flags an incident within this distance of it (a building's entrance, a yard). */
export const PREMISE_RADIUS_M = 50;

interface PremiseRow {
  id: string;
  name: string;
  level: PremiseLevel;
  text: string;
  geojson: string;
  updated_at: Date | string;
}

const SEVERITY = sql`CASE p.level WHEN 'danger' THEN 0 WHEN 'caution' THEN 1 ELSE 2 END`;

/** The caution flags of the place at `point`, most severe first. */
export async function premiseFlagsNear(db: DbOrTx, point: { lon: number; lat: number }): Promise<PremiseFlag[]> {
  const pt = sql`ST_SetSRID(ST_MakePoint(${point.lon}, ${point.lat}), 4326)`;
  const rows = await sql<PremiseFlag>`
    SELECT p.id, p.name, p.level, p.text FROM premises p
    WHERE ST_DWithin(p.geom::geography, ${pt}::geography, ${PREMISE_RADIUS_M})
    ORDER BY ${SEVERITY}, ST_Distance(p.geom::geography, ${pt}::geography), p.name`.execute(db);
  return rows.rows;
}

function toView(r: PremiseRow): PremiseView {
  const g = JSON.parse(r.geojson) as { type: string; coordinates: unknown };
  const point = g.type === 'Point' ? (g.coordinates as [number, number]) : null;
  return {
    id: r.id,
    name: r.name,
    level: r.level,
    text: r.text,
    location: point ? { lon: point[0], lat: point[1] } : null,
    area: point ? null : (g as AreaGeometry),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** 重点场所: premise flags kept by admins and dispatchers. */
@Injectable()
export class PremisesService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
  ) {}

  private geometry(input: PremiseInput) {
    if (input.location) {
      const p = toWgs84(input.location);
      return sql`ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326)`;
    }
    return sql`ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(input.area)}), 4326))`;
  }

  async create(input: PremiseInput, by: Principal): Promise<PremiseView> {
    const now = this.clock.now();
    const r = await sql<PremiseRow>`
      INSERT INTO premises AS p (name, level, text, geom, created_at, updated_at, created_by)
      VALUES (${input.name}, ${input.level}, ${input.text}, ${this.geometry(input)}, ${now}, ${now}, ${actorOf(by).name})
      RETURNING p.id, p.name, p.level, p.text, ST_AsGeoJSON(p.geom) AS geojson, p.updated_at`.execute(this.database.db);
    return toView(r.rows[0]);
  }

  async update(id: string, input: PremiseInput): Promise<PremiseView> {
    const r = await sql<PremiseRow>`
      UPDATE premises AS p SET name = ${input.name}, level = ${input.level}, text = ${input.text},
        geom = ${this.geometry(input)}, updated_at = ${this.clock.now()}
      WHERE p.id = ${id}
      RETURNING p.id, p.name, p.level, p.text, ST_AsGeoJSON(p.geom) AS geojson, p.updated_at`.execute(this.database.db);
    if (!r.rows[0]) throw notFound('premise', id);
    return toView(r.rows[0]);
  }

  async remove(id: string): Promise<void> {
    const r = await this.database.db.deleteFrom('premises').where('id', '=', id).executeTakeFirst();
    if (!Number(r.numDeletedRows)) throw notFound('premise', id);
  }

  async get(id: string): Promise<PremiseView> {
    const r = await sql<PremiseRow>`
      SELECT p.id, p.name, p.level, p.text, ST_AsGeoJSON(p.geom) AS geojson, p.updated_at FROM premises p WHERE p.id = ${id}`.execute(
      this.database.db,
    );
    if (!r.rows[0]) throw notFound('premise', id);
    return toView(r.rows[0]);
  }

  async list(): Promise<PremiseView[]> {
    const r = await sql<PremiseRow>`
      SELECT p.id, p.name, p.level, p.text, ST_AsGeoJSON(p.geom) AS geojson, p.updated_at FROM premises p
      ORDER BY ${SEVERITY}, p.name LIMIT 10000`.execute(this.database.db);
    return r.rows.map(toView);
  }
}
