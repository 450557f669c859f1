import { Inject, Injectable } from '@nestjs/common';
import type {
  CreateUnitRequest,
  PositionReport,
  UnitView,
  UpdateUnitRequest,
} from '@ringcad/contracts';
import { MANUAL_UNIT_STATUSES, type ManualUnitStatus } from '@ringcad/domain';
import {
  appendAudit,
  Clock,
  type AppConfig,
  DatabaseService,
  conflict,
  forbidden,
  notFound,
  actorOf,
  hasRole,
  type Principal,
  APP_CONFIG,
} from '../platform';
import { newToken, tokenHash, ScopeService, assertUnitsInScope, jurisdictionExists } from '../auth';
import { AfterCommit, RealtimePublisher, toUnitView } from '../realtime';
import { PositionsService } from './positions.service';
import { LiveFleetService, overlayLive } from './live-fleet.service';
import type { DbOrTx } from '@ringcad/db';
import {
  callsignTaken,
  callsignTakenByOther,
  updateUnitFields,
  insertUnit,
  listUnitRows,
  lockUnitStatus,
  setUnitStatus,
  unitRowById,
} from './units.queries';

@Injectable()
export class UnitsService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly realtime: RealtimePublisher,
    private readonly positions: PositionsService,
    private readonly live: LiveFleetService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scopes: ScopeService,
  ) {}

  async create(
    input: CreateUnitRequest,
    by: Principal,
  ): Promise<{ unit: UnitView; terminalToken: string }> {
    const token = newToken('t');
    const after = new AfterCommit();
    const unit = await this.database.transaction(async (tx) => {
      if (input.stationId) {
        if (!(await jurisdictionExists(tx, input.stationId)))
          throw notFound('station', input.stationId);
      }
      if (await callsignTaken(tx, input.callsign))
        throw conflict(`callsign ${input.callsign} is taken`);
      const now = this.clock.now();
      const id = await insertUnit(tx, {
        callsign: input.callsign,
        kind: input.kind,
        station_id: input.stationId ?? null,
        status: 'off_duty',
        terminal_token_hash: tokenHash(token),
        position_at: null,
        speed_kmh: null,
        heading_deg: null,
        status_changed_at: now,
      });
      await appendAudit(tx, now, actorOf(by), 'create', 'unit', id, {
        callsign: input.callsign,
        kind: input.kind,
      });
      const view = await this.get(tx, id);
      after.add(() =>
        this.realtime.toConsoles({ event: 'unit.updated', payload: view, everyone: true }),
      );
      return view;
    });
    await after.run();
    return { unit, terminalToken: token };
  }

  /** Renames a unit, changes its kind or station; every console sees the change. */
  async update(id: string, input: UpdateUnitRequest, by: Principal): Promise<UnitView> {
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      if (input.stationId && !(await jurisdictionExists(tx, input.stationId)))
        throw notFound('station', input.stationId);
      if (input.callsign && (await callsignTakenByOther(tx, input.callsign, id)))
        throw conflict(`callsign ${input.callsign} is taken`);
      const found = await updateUnitFields(tx, id, {
        ...(input.callsign ? { callsign: input.callsign } : {}),
        ...(input.kind ? { kind: input.kind } : {}),
        ...(input.stationId !== undefined ? { station_id: input.stationId } : {}),
      });
      if (!found) throw notFound('unit', id);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'update', 'unit', id, { ...input });
      const v = await this.get(tx, id);
      after.add(() =>
        this.realtime.toConsoles({ event: 'unit.updated', payload: v, everyone: true }),
      );
      return v;
    });
    await after.run();
    return view;
  }

  async list(db: DbOrTx = this.database.db): Promise<UnitView[]> {
    const rows = await listUnitRows(db);
    const now = this.clock.now();
    return overlayLive(rows, await this.live.get()).map((r) =>
      toUnitView(r, now, this.config.POSITION_STALE_SEC),
    );
  }

  async get(db: DbOrTx, id: string): Promise<UnitView> {
    const found = await unitRowById(db, id);
    if (!found) throw notFound('unit', id);
    const [row] = overlayLive([found], await this.live.get([id]));
    return toUnitView(row, this.clock.now(), this.config.POSITION_STALE_SEC);
  }

  /** Shift changes and breakdowns; a unit bound to an incident changes status through its assignment. */
  async setStatus(unitId: string, status: ManualUnitStatus, by: Principal): Promise<UnitView> {
    if (!(hasRole(by, 'dispatcher', 'admin') || (by.kind === 'unit' && by.unitId === unitId))) {
      throw forbidden('only a dispatcher, an admin or the unit itself may change its status');
    }
    const scope = await this.scopes.scopeOf(by);
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const unit = await lockUnitStatus(tx, unitId);
      if (!unit) throw notFound('unit', unitId);
      assertUnitsInScope(scope, [{ id: unit.id, stationId: unit.station_id }]);
      if (!(MANUAL_UNIT_STATUSES as readonly string[]).includes(unit.status)) {
        throw conflict(
          `unit is ${unit.status} on an incident; clear or cancel its assignment first`,
          {
            status: unit.status,
          },
        );
      }
      const now = this.clock.now();
      if (unit.status !== status) {
        await setUnitStatus(tx, unitId, status, now);
        await appendAudit(tx, now, actorOf(by), 'status', 'unit', unitId, {
          from: unit.status,
          to: status,
        });
      }
      const v = await this.get(tx, unitId);
      after.add(() =>
        this.realtime.toConsoles({ event: 'unit.updated', payload: v, everyone: true }),
      );
      return v;
    });
    await after.run();
    return view;
  }

  /** AVL positions: see PositionsService (durable acceptance, jump flags, batched broadcast). */
  ingestPositions(positions: PositionReport[], by: Principal) {
    return this.positions.accept(positions, by);
  }
}
