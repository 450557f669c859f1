import type { Role } from '@ringcad/domain';

export interface UserPrincipal {
  kind: 'user';
  id: string;
  username: string;
  roles: Role[];
  jurisdictionId: string | null;
}

export interface UnitPrincipal {
  kind: 'unit';
  unitId: string;
  callsign: string;
}

export type Principal = UserPrincipal | UnitPrincipal;

export const SYSTEM_ACTOR = { kind: 'system' as const, id: null, name: 'system' };

export interface Actor {
  kind: 'user' | 'unit' | 'system';
  id: string | null;
  name: string;
}

export function actorOf(p: Principal | null): Actor {
  if (!p) return SYSTEM_ACTOR;
  return p.kind === 'user'
    ? { kind: 'user', id: p.id, name: p.username }
    : { kind: 'unit', id: p.unitId, name: p.callsign };
}

export function hasRole(p: Principal, ...roles: Role[]): p is UserPrincipal {
  return p.kind === 'user' && p.roles.some((r) => roles.includes(r));
}
