import { SetMetadata } from '@nestjs/common';
import type { Role } from '@ringcad/domain';

export const ACCESS_KEY = 'ringcad:access';

/**
 * What jurisdiction-owned object a route touches; the global AuthGuard checks it against the
 * caller's scope (libs/core/src/auth/scope.ts) before the handler runs, and refuses with 403
 * OUT_OF_SCOPE. Unknown or malformed ids pass through to the handler (404 / 400).
 *
 * - `none`: nothing jurisdiction-owned, or open to every scope on purpose: reference data
 *   (road network, places, ring schemes, plans), the shared fleet (every seat draws every unit,
 *   and coverage derives from it), one's own session, taking a 110 call wherever it happened.
 * - `city`: city-wide configuration or data: city-level accounts (no jurisdiction) only.
 * - `filtered`: a list or report the service filters to the caller's scope.
 * - `incident:param:id` / `assignment:param:id` / `unit:param:id` / `alert:param:id`: the object
 *   named by `:id` must be in scope (an assignment by its incident; a terminal: its own unit's).
 * - `jurisdiction:body`: `body.jurisdictionId` (missing or null = the whole city).
 * - `district:query`: `query.districtId`.
 * - `patrol-plan:param:id`: the patrol plan's jurisdiction.
 * - `jurisdiction:query`: `query.jurisdictionId` (missing = the whole city).
 * - `deployment-plan:param:id`: the plan's jurisdiction (null = city-wide).
 * - `exercise:param:id`: the exercise's jurisdiction (null = city-wide).
 * - `units:body`: every unit the body names (`unitIds[]`, `units[]`, `assignments[].unitId`, `positions[].unitId`).
 * - `message:body`: what a message's `to` names: its units, its jurisdiction, its incident.
 * - `perimeter:param:id` / `perimeter-activation:param:id`: the standing perimeter (or the
 *   activation's perimeter) must be in scope: its jurisdiction, or the city (city-level only).
 */
export type ScopeRule =
  | 'none'
  | 'city'
  | 'filtered'
  | 'incident:param:id'
  | 'assignment:param:id'
  | 'unit:param:id'
  | 'alert:param:id'
  | 'jurisdiction:body'
  | 'district:query'
  | 'jurisdiction:query'
  | 'patrol-plan:param:id'
  | 'deployment-plan:param:id'
  | 'units:body'
  | 'message:body'
  | 'perimeter:param:id'
  | 'perimeter-activation:param:id'
  | 'exercise:param:id';

export interface AccessRule {
  /** No token needed. */
  public?: boolean;
  /** User roles allowed (any console role when absent). */
  roles?: Role[];
  /** Unit terminals allowed too (limited to their own unit by the scope rule). */
  terminal?: boolean;
  /** Required: a route without one fails start-up (see route-scopes.ts). */
  scope: ScopeRule | readonly ScopeRule[];
}

/** Declares who may call a route and what scope it checks; every route must have one. */
export const Access = (rule: AccessRule) => SetMetadata(ACCESS_KEY, rule);
export const Public = () => Access({ public: true, scope: 'none' });
