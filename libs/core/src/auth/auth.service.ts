import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { DB } from '@ringcad/db';
import type {
  CreateUserRequest,
  LoginRequest,
  LoginResponse,
  UpdateUserRequest,
  UserView,
} from '@ringcad/contracts';
import type { Role } from '@ringcad/domain';
import {
  appendAudit,
  Clock,
  type AppConfig,
  DatabaseService,
  DomainError,
  conflict,
  notFound,
  actorOf,
  type Principal,
  APP_CONFIG,
} from '../platform';
import { hashPassword, newToken, timingDummyHash, tokenHash, verifyPassword } from './passwords';
import {
  deleteSession,
  deleteUserSessions,
  insertSession,
  insertUser,
  insertUserIfAbsent,
  listUsers,
  sessionUser,
  setUserDisabledAt,
  updateUserRow,
  unitByTerminalTokenHash,
  userByUsername,
  userIdByUsername,
} from './auth.queries';
import { jurisdictionExists } from './scope.queries';

const WRONG_CREDENTIALS = 'wrong username or password';

/**
 * Embedded mode (PGlite: one process, the only writer of its database) reuses a user session it
 * has resolved for up to this long (ms) instead of reading it for every request: each read was a
 * turn on PGlite's one session in front of the request's own, queued at the peak behind position
 * batches. Every change to accounts or sessions goes through this process and drops what it kept
 * at once (logout, disable, roles, scope, password, a user import), so the next request sees it.
 * With PostgreSQL several api instances share the database and each request reads its session:
 * a change made through one instance applies at the next request on every other.
 */
export const SESSION_REUSE_MS = 5000;
/** At most this many resolved sessions are kept (a centre has a few hundred seats). */
const MAX_KEPT_SESSIONS = 10_000;

interface ResolvedSession {
  principal: Extract<Principal, { kind: 'user' }>;
  expiresMs: number;
  /** performance.now() until which it is reused. */
  reuseUntil: number;
}

@Injectable()
export class AuthService implements OnModuleInit {
  private readonly logger = new Logger(AuthService.name);
  /** Resolved user sessions by token hash (reads under way included: concurrent requests share one). */
  private readonly sessions = new Map<string, Promise<ResolvedSession | null>>();
  /** Moved on by every change to users or sessions: a read begun before it is not kept. */
  private generation = 0;
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit() {
    // made at boot so the first unknown-username login does not pay for two hashes
    void timingDummyHash();
  }

  /**
   * Unknown usernames, wrong passwords and disabled accounts get the same 401 after the same
   * work (one scrypt verification), so neither the answer nor its timing tells them apart.
   */
  async login(input: LoginRequest): Promise<LoginResponse> {
    const user = await userByUsername(this.database.db, input.username);
    const ok = await verifyPassword(
      input.password,
      user?.password_hash ?? (await timingDummyHash()),
    );
    if (!user || !ok || user.disabled_at)
      throw new DomainError('UNAUTHENTICATED', WRONG_CREDENTIALS);
    const token = newToken('u');
    const now = this.clock.now();
    await insertSession(this.database.db, {
      token_hash: tokenHash(token),
      user_id: user.id,
      created_at: now,
      expires_at: new Date(now.getTime() + this.config.SESSION_TTL_HOURS * 3600_000),
    });
    return { accessToken: token, user: toUserView(user) };
  }

  /** Resolves a bearer token (user session or unit terminal) to its principal, or null. */
  async authenticate(token: string | undefined | null): Promise<Principal | null> {
    if (!token) return null;
    const hash = tokenHash(token);
    if (token.startsWith('t_')) {
      const unit = await unitByTerminalTokenHash(this.database.db, hash);
      return unit ? { kind: 'unit', unitId: unit.id, callsign: unit.callsign } : null;
    }
    if (this.database.raw.kind !== 'pglite')
      return toPrincipal(await sessionUser(this.database.db, hash), this.clock.now());
    let resolved = this.sessions.get(hash);
    const kept = resolved && (await resolved);
    // past its bound: read again (unless another request already is); an unknown token's shared
    // read answers null once, and is not read a second time
    if (kept && kept.reuseUntil <= performance.now()) {
      if (this.sessions.get(hash) === resolved) this.sessions.delete(hash);
      resolved = undefined;
    }
    const session = await (resolved ?? this.sessions.get(hash) ?? this.resolveSession(hash));
    if (!session || session.expiresMs <= this.clock.now().getTime()) return null;
    return { ...session.principal, roles: [...session.principal.roles] };
  }

  /** Reads a user session (kept for SESSION_REUSE_MS unless a change intervenes); null: none. */
  private resolveSession(hash: string): Promise<ResolvedSession | null> {
    const generation = this.generation;
    const read = sessionUser(this.database.db, hash).then(
      (row): ResolvedSession | null => {
        // unknown or revoked tokens are not kept: each is read again (nothing piles up)
        if (this.sessions.get(hash) === read && (!row || generation !== this.generation))
          this.sessions.delete(hash);
        if (!row) return null;
        return {
          principal: sessionPrincipal(row),
          expiresMs: new Date(row.expires_at).getTime(),
          reuseUntil: performance.now() + SESSION_REUSE_MS,
        };
      },
      (err: unknown) => {
        if (this.sessions.get(hash) === read) this.sessions.delete(hash);
        throw err;
      },
    );
    // expired and logged-out sessions are dropped only when met again: bound what is kept
    if (this.sessions.size >= MAX_KEPT_SESSIONS) this.sessions.clear();
    this.sessions.set(hash, read);
    return read;
  }

  /**
   * Forgets every resolved session: called after a change to users or sessions has committed
   * (the next request of each reads its session again).
   */
  forgetSessions(): void {
    this.generation++;
    this.sessions.clear();
  }

  /** Revokes one user session (logout); unknown or already revoked tokens are fine. */
  async logout(token: string): Promise<void> {
    await this.changing(() => deleteSession(this.database.db, tokenHash(token)));
  }

  /** Runs a change to users or sessions, then forgets the sessions resolved before it. */
  private async changing<T>(change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } finally {
      this.forgetSessions();
    }
  }

  async listUsers(): Promise<UserView[]> {
    const rows = await listUsers(this.database.db);
    return rows.map((u) => ({ ...toUserView(u), disabled: u.disabled_at !== null }));
  }

  /**
   * Disabling an account revokes every session of it at once (in the same transaction) and keeps
   * it from logging in; enabling lets it log in again (old sessions stay revoked).
   */
  async setDisabled(userId: string, disabled: boolean, by: Principal): Promise<UserView> {
    if (disabled && by.kind === 'user' && by.id === userId) {
      throw conflict('you cannot disable your own account');
    }
    return this.changing(() =>
      this.database.transaction(async (tx) => {
        const user = await setUserDisabledAt(tx, userId, disabled ? this.clock.now() : null);
        if (!user) throw notFound('user', userId);
        if (disabled) await deleteUserSessions(tx, userId);
        await appendAudit(
          tx,
          this.clock.now(),
          actorOf(by),
          disabled ? 'disable' : 'enable',
          'user',
          userId,
          {
            username: user.username,
          },
        );
        return { ...toUserView(user), disabled };
      }),
    );
  }

  /** New roles or jurisdiction scope; they apply from the account's next request. */
  async updateUser(userId: string, input: UpdateUserRequest, by: Principal): Promise<UserView> {
    if (by.kind === 'user' && by.id === userId && input.roles && !input.roles.includes('admin'))
      throw conflict('you cannot take the admin role from your own account');
    return this.changing(() =>
      this.database.transaction(async (tx) => {
        if (input.jurisdictionId && !(await jurisdictionExists(tx, input.jurisdictionId)))
          throw notFound('jurisdiction', input.jurisdictionId);
        const user = await updateUserRow(tx, userId, {
          ...(input.roles ? { roles: [...new Set(input.roles)] } : {}),
          ...(input.jurisdictionId !== undefined ? { jurisdiction_id: input.jurisdictionId } : {}),
        });
        if (!user) throw notFound('user', userId);
        await appendAudit(tx, this.clock.now(), actorOf(by), 'update', 'user', userId, {
          roles: user.roles,
          jurisdictionId: user.jurisdiction_id,
        });
        return { ...toUserView(user), disabled: user.disabled_at !== null };
      }),
    );
  }

  /** A new password set by the admin; every session of the account ends. */
  async resetPassword(userId: string, password: string, by: Principal): Promise<UserView> {
    const hash = await hashPassword(password);
    return this.changing(() =>
      this.database.transaction(async (tx) => {
        const user = await updateUserRow(tx, userId, { password_hash: hash });
        if (!user) throw notFound('user', userId);
        await deleteUserSessions(tx, userId);
        await appendAudit(tx, this.clock.now(), actorOf(by), 'reset-password', 'user', userId, {
          username: user.username,
        });
        return { ...toUserView(user), disabled: user.disabled_at !== null };
      }),
    );
  }

  async createUser(input: CreateUserRequest, by: Principal): Promise<UserView> {
    const passwordHash = await hashPassword(input.password);
    return this.database.transaction(async (tx) => {
      if (input.jurisdictionId) {
        if (!(await jurisdictionExists(tx, input.jurisdictionId)))
          throw notFound('jurisdiction', input.jurisdictionId);
      }
      const exists = await userIdByUsername(tx, input.username);
      if (exists) throw conflict(`username ${input.username} is taken`);
      const user = await insertUser(tx, {
        username: input.username,
        password_hash: passwordHash,
        roles: [...new Set(input.roles)],
        jurisdiction_id: input.jurisdictionId ?? null,
      });
      await appendAudit(tx, this.clock.now(), actorOf(by), 'create', 'user', user.id, {
        username: user.username,
        roles: user.roles,
      });
      return toUserView(user);
    });
  }

  /**
   * The built-in admin account exists from first start. Its password comes from ADMIN_PASSWORD or,
   * in embedded mode only, is generated and returned so the caller can print it once.
   */
  async ensureAdmin(password: string | undefined, allowGenerated: boolean): Promise<string | null> {
    const existing = await userIdByUsername(this.database.db, 'admin');
    if (existing) return null;
    let generated: string | null = null;
    if (!password) {
      if (!allowGenerated)
        throw new Error('ADMIN_PASSWORD must be set on first start in services mode');
      generated = randomBytes(9).toString('base64url');
    }
    const hash = await hashPassword(password ?? (generated as string));
    await insertUserIfAbsent(this.database.db, {
      username: 'admin',
      password_hash: hash,
      roles: ['admin'],
      jurisdiction_id: null,
    });
    this.logger.log('built-in admin account created');
    return generated;
  }
}

function toUserView(
  u: Pick<Selectable<DB['users']>, 'id' | 'username' | 'roles' | 'jurisdiction_id'>,
): UserView {
  return {
    id: u.id,
    username: u.username,
    roles: u.roles as Role[],
    jurisdictionId: u.jurisdiction_id,
  };
}

type SessionRow = NonNullable<Awaited<ReturnType<typeof sessionUser>>>;

function sessionPrincipal(row: SessionRow): Extract<Principal, { kind: 'user' }> {
  return {
    kind: 'user',
    id: row.id,
    username: row.username,
    roles: row.roles as Role[],
    jurisdictionId: row.jurisdiction_id,
  };
}

/** A session row as its principal, or null when there is none or it has expired. */
function toPrincipal(row: SessionRow | undefined, now: Date): Principal | null {
  if (!row || new Date(row.expires_at) <= now) return null;
  return sessionPrincipal(row);
}
