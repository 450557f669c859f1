import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import type { CreateUnitRequest, PositionReport, UnitView } from '@ringcad/contracts';
import type { ManualUnitStatus } from '@ringcad/domain';
import { appendAudit } from './audit';
import { Clock } from './clock';
import type { AppConfig } from './config';
import { DatabaseService } from './database.service';
import { DomainError, conflict, forbidden, notFound } from './errors';
import { newToken, tokenHash } from './passwords';
import { actorOf, hasRole, type Principal } from './principal';
import { AfterCommit, RealtimePublisher } from './realtime';
import { APP_CONFIG } from './tokens';
import { UNIT_COLUMNS, toUnitView, type UnitRow } from './views';
import type { DbOrTx } from '@ringcad/db';

/** Largest clock skew accepted from a terminal reporting a position "in the future". */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

@Injectable()
export class UnitsService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly realtime: RealtimePublisher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(input: CreateUnitRequest, by: Principal): Promise<{ unit: UnitView; terminalToken: string }> {
    const token = newToken('t');
    const after = new AfterCommit();
    const unit = await this.database.transaction(async (tx) => {
      if (input.stationId) {
        const st = await tx.selectFrom('jurisdictions').select('id').where('id', '=', input.stationId).executeTakeFirst();
        if (!st) throw notFound('station', input.stationId);
      }
      const dup = await tx.selectFrom('units').select('id').where('callsign', '=', input.callsign).executeTakeFirst();
      if (dup) throw conflict(`callsign ${input.callsign} is taken`);
      const now = this.clock.now();
      const row = await tx
        .insertInto('units')
        .values({
          callsign: input.callsign,
          kind: input.kind,
          station_id: input.stationId ?? null,
          status: 'off_duty',
          terminal_token_hash: tokenHash(token),
          position_at: null,
          speed_kmh: null,
          heading_deg: null,
          status_changed_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await appendAudit(tx, now, actorOf(by), 'create', 'unit', row.id, { callsign: input.callsign, kind: input.kind });
      const view = await this.get(tx, row.id);
      after.add(() => this.realtime.toConsoles({ event: 'unit.updated', payload: view }));
      return view;
    });
    await after.run();
    return { unit, terminalToken: token };
  }

  async list(db: DbOrTx = this.database.db): Promise<UnitView[]> {
    const rows = await sql<UnitRow>`SELECT ${sql.raw(UNIT_COLUMNS)} FROM units u ORDER BY u.callsign`.execute(db);
    const now = this.clock.now();
    return rows.rows.map((r) => toUnitView(r, now, this.config.POSITION_STALE_SEC));
  }

  async get(db: DbOrTx, id: string): Promise<UnitView> {
    const rows = await sql<UnitRow>`SELECT ${sql.raw(UNIT_COLUMNS)} FROM units u WHERE u.id = ${id}`.execute(db);
    if (!rows.rows[0]) throw notFound('unit', id);
    return toUnitView(rows.rows[0], this.clock.now(), this.config.POSITION_STALE_SEC);
  }

  /** Shift changes and breakdowns; a unit bound to an incident changes status through its assignment. */
  async setStatus(unitId: string, status: ManualUnitStatus, by: Principal): Promise<UnitView> {
    if (!(hasRole(by, 'dispatcher', 'admin') || (by.kind === 'unit' && by.unitId === unitId))) {
      throw forbidden('only a dispatcher, an admin or the unit itself may change its status');
    }
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const unit = await tx.selectFrom('units').select(['id', 'status']).where('id', '=', unitId).forUpdate().executeTakeFirst();
      if (!unit) throw notFound('unit', unitId);
      if (!['off_duty', 'available', 'out_of_service'].includes(unit.status)) {
        throw conflict(`unit is ${unit.status} on an incident; clear or cancel its assignment first`, {
          status: unit.status,
        });
      }
      const now = this.clock.now();
      if (unit.status !== status) {
        await tx
          .updateTable('units')
          .set({ status, status_changed_at: now, version: sql`version + 1` })
          .where('id', '=', unitId)
          .execute();
        await appendAudit(tx, now, actorOf(by), 'status', 'unit', unitId, { from: unit.status, to: status });
      }
      const v = await this.get(tx, unitId);
      after.add(() => this.realtime.toConsoles({ event: 'unit.updated', payload: v }));
      return v;
    });
    await after.run();
    return view;
  }

  /**
   * Accepts a batch of AVL positions: all or nothing. Every report is kept in the track table; the
   * unit's live position moves only forward in time (late reports do not drag it back).
   */
  async ingestPositions(positions: PositionReport[], by: Principal): Promise<{ accepted: number }> {
    if (by.kind === 'unit') {
      const other = positions.find((p) => p.unitId !== by.unitId);
      if (other) throw forbidden(`a terminal may report only its own unit's position (got ${other.unitId})`);
    } else if (!hasRole(by, 'admin')) {
      throw forbidden('only an admin or a unit terminal may report positions');
    }
    const now = this.clock.now();
    const future = positions.find((p) => new Date(p.at).getTime() - now.getTime() > MAX_FUTURE_SKEW_MS);
    if (future) throw new DomainError('VALIDATION_FAILED', `position time ${future.at} is in the future`);
    const ids = [...new Set(positions.map((p) => p.unitId))];
    const latest = new Map<string, PositionReport>();
    for (const p of positions) {
      const cur = latest.get(p.unitId);
      if (!cur || new Date(p.at) > new Date(cur.at)) latest.set(p.unitId, p);
    }
    await this.database.transaction(async (tx) => {
      const known = await tx.selectFrom('units').select('id').where('id', 'in', ids).execute();
      if (known.length !== ids.length) {
        const knownSet = new Set(known.map((k) => k.id));
        throw notFound('unit', ids.find((i) => !knownSet.has(i)));
      }
      await sql`
        INSERT INTO unit_positions (unit_id, at, lon, lat, speed_kmh, heading_deg, received_at)
        SELECT u, a, x, y, s, h, ${now}::timestamptz
        FROM unnest(${positions.map((p) => p.unitId)}::uuid[], ${positions.map((p) => p.at)}::timestamptz[],
                    ${positions.map((p) => p.lon)}::float8[], ${positions.map((p) => p.lat)}::float8[],
                    ${positions.map((p) => p.speedKmh ?? null)}::real[], ${positions.map((p) => p.headingDeg ?? null)}::real[])
             AS t(u, a, x, y, s, h)`.execute(tx);
      const last = [...latest.values()];
      await sql`
        UPDATE units SET position = ST_SetSRID(ST_MakePoint(t.x, t.y), 4326), position_at = t.a,
          speed_kmh = t.s, heading_deg = t.h
        FROM unnest(${last.map((p) => p.unitId)}::uuid[], ${last.map((p) => p.at)}::timestamptz[],
                    ${last.map((p) => p.lon)}::float8[], ${last.map((p) => p.lat)}::float8[],
                    ${last.map((p) => p.speedKmh ?? null)}::real[], ${last.map((p) => p.headingDeg ?? null)}::real[])
             AS t(u, a, x, y, s, h)
        WHERE units.id = t.u AND (units.position_at IS NULL OR units.position_at < t.a)`.execute(tx);
    });
    this.realtime.toConsoles({
      event: 'units.positions',
      payload: [...latest.values()].map((p) => ({ unitId: p.unitId, lon: p.lon, lat: p.lat, at: p.at })),
    });
    return { accepted: positions.length };
  }
}
