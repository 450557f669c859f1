import { Injectable } from '@nestjs/common';
import { sql, type RawBuilder } from 'kysely';
import type { AlertView } from '@ringcad/contracts';
import type { Db, Tx } from '@ringcad/db';
import { DatabaseService, DomainError, forbidden, type Principal } from '../platform';
import {
  alertWithJurisdiction,
  assignmentParties,
  deploymentPlanJurisdiction,
  incidentJurisdiction,
  incidentJurisdictions,
  jurisdictionTreeIds,
  exerciseJurisdiction,
  patrolPlanJurisdiction,
  unitHasTaskOn,
  unitStations,
  perimeterJurisdiction,
} from './scope.queries';

/**
 * Jurisdiction scope: what a principal may see and act on.
 *
 * - `city`: an account without a jurisdiction (the city 110 centre) — everything.
 * - `jurisdictions`: an account scoped to a district, station or grid — that jurisdiction and
 *   everything below it (district → station → grid), resolved from `jurisdictions.parent_id`.
 * - `unit`: a unit terminal — only its own unit and that unit's assignments.
 *
 * The policy, as a district sub-centre (分局指挥中心) works:
 * - an incident is in scope when its district, station or grid is;
 * - a unit is in scope when its home station is; a unit with no station is a city asset
 *   (SWAT, traffic, reserves) that only the city centre dispatches or sets on/off duty;
 *   a district dispatcher sends only the district's own units — help from another district
 *   goes through the city centre;
 * - a defense level may be set for a jurisdiction in scope; the city-wide level (`null`) only
 *   by a city-level commander;
 * - an alert is in scope when its incident is, or (alerts about an area) its district is.
 */
export type Scope =
  | { kind: 'city' }
  | { kind: 'jurisdictions'; root: string; ids: ReadonlySet<string> }
  | { kind: 'unit'; unitId: string };

export const CITY_SCOPE: Scope = { kind: 'city' };

export interface JurisdictionRef {
  districtId: string | null;
  stationId: string | null;
  gridId: string | null;
}

export const outOfScope = (message: string, details?: unknown) =>
  new DomainError('OUT_OF_SCOPE', message, details);

/** Whether an object that lies in `jurisdictionId` (null = belongs to the whole city) is in scope. */
export function coversJurisdiction(scope: Scope, jurisdictionId: string | null): boolean {
  if (scope.kind === 'city') return true;
  if (scope.kind === 'unit') return false;
  return jurisdictionId !== null && scope.ids.has(jurisdictionId);
}

/** Incidents outside every jurisdiction polygon belong to the city centre. */
export function incidentInScope(scope: Scope, j: JurisdictionRef | null): boolean {
  if (scope.kind === 'city') return true;
  if (scope.kind === 'unit' || !j) return false;
  return [j.districtId, j.stationId, j.gridId].some((id) => id !== null && scope.ids.has(id));
}

export function unitInScope(scope: Scope, unit: { id: string; stationId: string | null }): boolean {
  if (scope.kind === 'unit') return unit.id === scope.unitId;
  return coversJurisdiction(scope, unit.stationId);
}

export function assertIncidentInScope(
  scope: Scope,
  incident: { id: string; jurisdiction: JurisdictionRef | null },
) {
  if (scope.kind === 'unit' && !incidentInScope(scope, incident.jurisdiction)) {
    throw forbidden("a terminal sees an incident only through its own unit's task");
  }
  if (!incidentInScope(scope, incident.jurisdiction)) {
    throw outOfScope('incident is outside your jurisdiction', { incidentId: incident.id });
  }
}

export function assertUnitsInScope(
  scope: Scope,
  units: readonly { id: string; stationId: string | null }[],
) {
  const outside = units.filter((u) => !unitInScope(scope, u)).map((u) => u.id);
  if (!outside.length) return;
  // a terminal is bound to its unit, not to a jurisdiction: a plain 403, as before scopes
  if (scope.kind === 'unit')
    throw forbidden(`a terminal may act only for its own unit (got ${outside.join(', ')})`);
  throw outOfScope(
    'unit(s) outside your jurisdiction: units of another district (or city units) are dispatched by the city centre',
    {
      unitIds: outside,
    },
  );
}

export function assertJurisdictionInScope(scope: Scope, jurisdictionId: string | null) {
  if (!coversJurisdiction(scope, jurisdictionId)) {
    throw outOfScope(
      jurisdictionId
        ? 'that jurisdiction is outside yours'
        : 'only a city-level account may act for the whole city',
      {
        jurisdictionId,
      },
    );
  }
}

/** A city-wide action or city-wide data (configuration, system status): city-level accounts only. */
export function assertCityScope(scope: Scope) {
  if (scope.kind !== 'city') throw outOfScope('only a city-level account may do this');
}

/** `alert` with the jurisdiction of its incident (null when it has none or it is not incident-bound). */
export function alertInScope(
  scope: Scope,
  alert: Pick<AlertView, 'incidentId' | 'data'>,
  incident: JurisdictionRef | null,
): boolean {
  if (scope.kind === 'city') return true;
  if (alert.incidentId) return incidentInScope(scope, incident);
  const districtId = typeof alert.data.districtId === 'string' ? alert.data.districtId : null;
  return coversJurisdiction(scope, districtId);
}

/**
 * SQL condition "the incident row (with district_id/station_id/grid_id) is in scope", or null
 * when nothing needs filtering. Works on `incidents` and on the metric tables that copy those columns.
 */
export function incidentScopeSql(scope: Scope, alias: string): RawBuilder<boolean> | null {
  if (scope.kind === 'city') return null;
  if (scope.kind === 'unit') return sql<boolean>`FALSE`;
  const ids = [...scope.ids];
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  return sql<boolean>`(${col('district_id')} = ANY(${ids}::uuid[]) OR ${col('station_id')} = ANY(${ids}::uuid[])
    OR ${col('grid_id')} = ANY(${ids}::uuid[]))`;
}

/** How long a jurisdiction's set of descendants is reused (jurisdictions are added rarely). */
const DESCENDANTS_TTL_MS = 30_000;

/**
 * Resolves principals to scopes and objects to the jurisdictions they lie in. Every lookup here
 * uses the root connection: call it before a transaction opens, never inside one (PGlite would
 * deadlock).
 */
@Injectable()
export class ScopeService {
  private readonly descendants = new Map<string, { ids: ReadonlySet<string>; until: number }>();

  constructor(private readonly database: DatabaseService) {}

  async scopeOf(by: Principal): Promise<Scope> {
    if (by.kind === 'unit') return { kind: 'unit', unitId: by.unitId };
    if (!by.jurisdictionId) return CITY_SCOPE;
    return {
      kind: 'jurisdictions',
      root: by.jurisdictionId,
      ids: await this.descendantsOf(by.jurisdictionId),
    };
  }

  private async descendantsOf(root: string): Promise<ReadonlySet<string>> {
    const hit = this.descendants.get(root);
    if (hit && hit.until > Date.now()) return hit.ids;
    const ids = new Set([root, ...(await jurisdictionTreeIds(this.database.db, root))]);
    this.descendants.set(root, { ids, until: Date.now() + DESCENDANTS_TTL_MS });
    return ids;
  }

  /** Refuses unless the incident is in scope; an unknown incident passes (the handler answers 404). */
  async checkIncident(scope: Scope, incidentId: string, db: Db | Tx = this.database.db) {
    if (scope.kind === 'city') return;
    const r = await incidentJurisdiction(db, incidentId);
    if (!r) return;
    // a terminal sees an incident only through a task of its own unit
    if (scope.kind === 'unit' && (await unitHasTaskOn(db, incidentId, scope.unitId))) return;
    assertIncidentInScope(scope, {
      id: incidentId,
      jurisdiction: { districtId: r.district_id, stationId: r.station_id, gridId: r.grid_id },
    });
  }

  /** An assignment: a terminal's own unit's, else the incident it belongs to decides. */
  async checkAssignment(scope: Scope, assignmentId: string, db: Db | Tx = this.database.db) {
    if (scope.kind === 'city') return;
    const r = await assignmentParties(db, assignmentId);
    if (!r) return;
    if (scope.kind === 'unit') {
      if (r.unit_id !== scope.unitId)
        throw forbidden('only a dispatcher or the assigned unit may report on this assignment');
      return;
    }
    await this.checkIncident(scope, r.incident_id, db);
  }

  /** Units by id; unknown ids pass (the handler answers 404). */
  async checkUnits(scope: Scope, unitIds: readonly string[], db: Db | Tx = this.database.db) {
    if (scope.kind === 'city' || !unitIds.length) return;
    if (scope.kind === 'unit')
      return assertUnitsInScope(
        scope,
        unitIds.map((id) => ({ id, stationId: null })),
      );
    const rows = await unitStations(db, unitIds);
    assertUnitsInScope(
      scope,
      rows.map((r) => ({ id: r.id, stationId: r.station_id })),
    );
  }

  /** A patrol plan by its jurisdiction; an unknown plan passes (the handler answers 404). */
  /** An exercise (演练): its jurisdiction (null: city-wide, city accounts only) must be in scope. */
  async checkExercise(scope: Scope, id: string, db: Db | Tx = this.database.db) {
    if (scope.kind === 'city') return;
    const r = await exerciseJurisdiction(db, id);
    if (r && !coversJurisdiction(scope, r.jurisdiction_id))
      throw outOfScope('that exercise is outside your jurisdiction', { exerciseId: id });
  }

  async checkPatrolPlan(scope: Scope, planId: string, db: Db | Tx = this.database.db) {
    if (scope.kind === 'city') return;
    const j = await patrolPlanJurisdiction(db, planId);
    if (j !== undefined && !coversJurisdiction(scope, j))
      throw outOfScope('that patrol plan is outside your jurisdiction', { planId });
  }

  async checkAlert(scope: Scope, alertId: string, db: Db | Tx = this.database.db) {
    if (scope.kind === 'city') return;
    const r = await alertWithJurisdiction(db, alertId);
    if (!r) return;
    const incident = r.incident_id
      ? {
          districtId: r.district_id ?? null,
          stationId: r.station_id ?? null,
          gridId: r.grid_id ?? null,
        }
      : null;
    if (!alertInScope(scope, { incidentId: r.incident_id, data: r.data }, incident)) {
      throw outOfScope('alert is outside your jurisdiction', { alertId });
    }
  }

  /** A standing perimeter (or its activation): its jurisdiction (null: the city's) must be in scope. */
  async checkPerimeter(scope: Scope, id: string, of: 'perimeter' | 'activation') {
    if (scope.kind === 'city') return;
    const r = await perimeterJurisdiction(this.database.db, id, of);
    if (r && !coversJurisdiction(scope, r.jurisdiction_id))
      throw outOfScope('perimeter is outside your jurisdiction', { [`${of}Id`]: id });
  }

  /** A deployment plan: its jurisdiction decides (a city-wide plan: city accounts only). */
  async checkDeploymentPlan(scope: Scope, planId: string, db: Db | Tx = this.database.db) {
    if (scope.kind === 'city') return;
    const r = await deploymentPlanJurisdiction(db, planId);
    if (r && !coversJurisdiction(scope, r.jurisdiction_id))
      throw outOfScope('deployment plan is outside your jurisdiction', { planId });
  }

  /** Open alerts the scope may see (the incident-bound ones through their incident's jurisdiction). */
  async filterAlerts<A extends Pick<AlertView, 'incidentId' | 'data'>>(
    scope: Scope,
    alerts: A[],
  ): Promise<A[]> {
    if (scope.kind === 'city') return alerts;
    const incidentIds = [
      ...new Set(alerts.map((a) => a.incidentId).filter((id): id is string => !!id)),
    ];
    const rows = incidentIds.length
      ? await incidentJurisdictions(this.database.db, incidentIds)
      : [];
    const where = new Map(
      rows.map((r) => [
        r.id,
        { districtId: r.district_id, stationId: r.station_id, gridId: r.grid_id },
      ]),
    );
    return alerts.filter((a) =>
      alertInScope(scope, a, a.incidentId ? (where.get(a.incidentId) ?? null) : null),
    );
  }
}
