import { Injectable } from '@nestjs/common';
import type { AreaGeometry, PremiseInput, PremiseLevel, PremiseView } from '@ringcad/contracts';
import {
  appendAudit,
  Clock,
  DatabaseService,
  notFound,
  actorOf,
  type Principal,
} from '../platform';
import {
  deletePremise,
  insertPremise,
  listPremiseRows,
  premiseById,
  updatePremise,
  type PremiseRow,
} from './premises.queries';

function toView(r: PremiseRow): PremiseView {
  const g = JSON.parse(r.geojson) as { type: string; coordinates: unknown };
  const point = g.type === 'Point' ? (g.coordinates as [number, number]) : null;
  return {
    id: r.id,
    name: r.name,
    level: r.level as PremiseLevel,
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

  async create(input: PremiseInput, by: Principal): Promise<PremiseView> {
    return this.database.transaction(async (tx) => {
      const row = await insertPremise(tx, input, this.clock.now(), actorOf(by).name);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'create', 'premise', row.id, {
        name: row.name,
      });
      return toView(row);
    });
  }

  async update(id: string, input: PremiseInput, by: Principal): Promise<PremiseView> {
    return this.database.transaction(async (tx) => {
      const row = await updatePremise(tx, id, input, this.clock.now());
      if (!row) throw notFound('premise', id);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'update', 'premise', id, {
        name: row.name,
      });
      return toView(row);
    });
  }

  async remove(id: string, by: Principal): Promise<void> {
    await this.database.transaction(async (tx) => {
      if (!(await deletePremise(tx, id))) throw notFound('premise', id);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'delete', 'premise', id);
    });
  }

  async get(id: string): Promise<PremiseView> {
    const row = await premiseById(this.database.db, id);
    if (!row) throw notFound('premise', id);
    return toView(row);
  }

  async list(): Promise<PremiseView[]> {
    return (await listPremiseRows(this.database.db)).map(toView);
  }
}
