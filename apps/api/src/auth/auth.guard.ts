import {
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type OnModuleInit,
} from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuthService, DomainError, ScopeService, type Principal } from '@ringcad/core';
import { ACCESS_KEY, type AccessRule } from './access';
import { assertEveryRouteScoped, enforceRouteScope } from './route-scopes';

export type AuthedRequest = Request & { principal: Principal };

export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m ? m[1] : null;
}

/** Global guard: authenticates the bearer token and enforces each route's access rule. */
@Injectable()
export class AuthGuard implements CanActivate, OnModuleInit {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly scopes: ScopeService,
    private readonly modules: ModulesContainer,
  ) {}

  /** Jurisdiction scope: the app does not start while a route leaves its scope undeclared. */
  onModuleInit() {
    assertEveryRouteScoped(this.modules);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_KEY, [
      ctx.getHandler(),
      ctx.getClass(),
    ]) ?? { scope: 'city' };
    if (rule.public) return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const principal = await this.auth.authenticate(bearerToken(req.headers.authorization));
    if (!principal) throw new DomainError('UNAUTHENTICATED', 'a valid bearer token is required');
    if (principal.kind === 'unit') {
      if (!rule.terminal)
        throw new DomainError('FORBIDDEN', 'unit terminals may not use this route');
    } else if (rule.roles && !principal.roles.some((r) => rule.roles?.includes(r))) {
      throw new DomainError('FORBIDDEN', `requires role ${rule.roles.join(' or ')}`);
    }
    // jurisdiction scope, after the role check and before the handler (route-scopes.ts)
    await enforceRouteScope(this.scopes, rule, principal, req);
    req.principal = principal;
    return true;
  }
}
