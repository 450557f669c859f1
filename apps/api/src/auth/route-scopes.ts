import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { ModulesContainer } from '@nestjs/core';
import type { Request } from 'express';
import {
  assertCityScope,
  assertJurisdictionInScope,
  type Principal,
  type Scope,
  type ScopeService,
} from '@ringcad/core';
import { ACCESS_KEY, type AccessRule, type ScopeRule } from './access';

export interface RouteScope {
  method: string;
  /** Express-style path, e.g. `/api/v1/incidents/:id`. */
  path: string;
  controller: string;
  handler: string;
  /** What the guard enforces: the handler's `@Access`, else its controller's; undefined = none declared. */
  rule: AccessRule | undefined;
}

const joinPath = (...parts: string[]) =>
  `/${parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/')}`;

const asList = (v: unknown): string[] =>
  Array.isArray(v) ? (v as string[]) : [typeof v === 'string' ? v : ''];

/** Every HTTP route of the app's controllers with its access rule, from Nest's own metadata. */
export function routeScopes(modules: ModulesContainer): RouteScope[] {
  const routes: RouteScope[] = [];
  for (const mod of modules.values()) {
    for (const wrapper of mod.controllers.values()) {
      const cls = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!cls) continue;
      const classRule = Reflect.getMetadata(ACCESS_KEY, cls) as AccessRule | undefined;
      const proto = cls.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
        if (paths === undefined) continue;
        const method =
          RequestMethod[
            (Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod) ?? RequestMethod.GET
          ];
        const rule =
          (Reflect.getMetadata(ACCESS_KEY, handler) as AccessRule | undefined) ?? classRule;
        for (const base of asList(Reflect.getMetadata(PATH_METADATA, cls))) {
          for (const p of asList(paths))
            routes.push({
              method,
              path: joinPath(base, p),
              controller: cls.name,
              handler: name,
              rule,
            });
        }
      }
    }
  }
  return routes;
}

/** Start-up check: a route that does not say what scope it checks must not be served. */
export function assertEveryRouteScoped(modules: ModulesContainer) {
  const missing = routeScopes(modules).filter(
    (r) => !r.rule?.scope || (Array.isArray(r.rule.scope) && !r.rule.scope.length),
  );
  if (missing.length) {
    throw new Error(
      `routes without a scope rule (declare @Access({ scope }) in apps/api/src/auth/access.ts terms): ${missing
        .map((r) => `${r.method} ${r.path} (${r.controller}.${r.handler})`)
        .join(', ')}`,
    );
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidOrNull = (v: unknown): string | null =>
  typeof v === 'string' && UUID.test(v) ? v : null;

/** Unit ids a body names, in the shapes our contracts use; malformed entries are the handler's 400. */
function unitIdsOf(body: unknown): string[] {
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) return [];
  const b = body as {
    unitIds?: unknown;
    units?: unknown;
    assignments?: unknown;
    positions?: unknown;
  };
  const ids: unknown[] = [];
  for (const list of [b.unitIds, b.units])
    if (Array.isArray(list)) ids.push(...(list as unknown[]));
  for (const list of [b.assignments, b.positions]) {
    if (Array.isArray(list))
      for (const x of list as unknown[]) ids.push((x as { unitId?: unknown } | null)?.unitId);
  }
  return [...new Set(ids.map(uuidOrNull).filter((id): id is string => id !== null))];
}

async function checkRule(
  scopes: ScopeService,
  scope: Scope,
  rule: ScopeRule,
  req: Request,
): Promise<void> {
  const id = uuidOrNull(req.params?.id);
  switch (rule) {
    case 'none':
    case 'filtered':
      return;
    case 'city':
      return assertCityScope(scope);
    case 'incident:param:id':
      return id ? scopes.checkIncident(scope, id) : undefined;
    case 'assignment:param:id':
      return id ? scopes.checkAssignment(scope, id) : undefined;
    case 'unit:param:id':
      return id ? scopes.checkUnits(scope, [id]) : undefined;
    case 'alert:param:id':
      return id ? scopes.checkAlert(scope, id) : undefined;
    case 'perimeter:param:id':
      return id ? scopes.checkPerimeter(scope, id, 'perimeter') : undefined;
    case 'perimeter-activation:param:id':
      return id ? scopes.checkPerimeter(scope, id, 'activation') : undefined;
    case 'exercise:param:id':
      return id ? scopes.checkExercise(scope, id) : undefined;
    case 'patrol-plan:param:id':
      return id ? scopes.checkPatrolPlan(scope, id) : undefined;
    case 'jurisdiction:body': {
      // strict: a body that does not name a jurisdiction acts for the whole city
      const raw = (req.body as { jurisdictionId?: unknown } | undefined)?.jurisdictionId;
      return assertJurisdictionInScope(scope, typeof raw === 'string' ? raw : null);
    }
    case 'district:query':
    case 'jurisdiction:query': {
      const q = req.query as { districtId?: unknown; jurisdictionId?: unknown } | undefined;
      const raw = rule === 'district:query' ? q?.districtId : q?.jurisdictionId;
      return assertJurisdictionInScope(scope, typeof raw === 'string' ? raw : null);
    }
    case 'deployment-plan:param:id':
      return id ? scopes.checkDeploymentPlan(scope, id) : undefined;
    case 'units:body':
      return scopes.checkUnits(scope, unitIdsOf(req.body));
    case 'message:body': {
      // a message's addressees; a missing part addresses nothing (the service needs at least one)
      const to = (
        req.body as
          { to?: { unitIds?: unknown; jurisdictionId?: unknown; incidentId?: unknown } } | undefined
      )?.to;
      if (!to || typeof to !== 'object') return;
      await scopes.checkUnits(scope, unitIdsOf({ unitIds: to.unitIds }));
      const j = uuidOrNull(to.jurisdictionId);
      if (j) assertJurisdictionInScope(scope, j);
      const i = uuidOrNull(to.incidentId);
      return i ? scopes.checkIncident(scope, i) : undefined;
    }
  }
}

/**
 * The one enforcement point of jurisdiction scope for HTTP: runs in the AuthGuard, before the
 * handler, for every authenticated request. City-level accounts pass without a lookup.
 */
export async function enforceRouteScope(
  scopes: ScopeService,
  rule: AccessRule,
  principal: Principal,
  req: Request,
): Promise<void> {
  const scope = await scopes.scopeOf(principal);
  if (scope.kind === 'city') return;
  const rules: readonly ScopeRule[] = typeof rule.scope === 'string' ? [rule.scope] : rule.scope;
  for (const r of rules) await checkRule(scopes, scope, r, req);
}
