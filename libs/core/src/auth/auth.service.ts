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

@Injectable()
export class AuthService implements OnModuleInit {
  private readonly logger = new Logger(AuthService.name);
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
    const row = await sessionUser(this.database.db, hash);
    if (!row || new Date(row.expires_at) <= this.clock.now()) return null;
    return {
      kind: 'user',
      id: row.id,
      username: row.username,
      roles: row.roles as Role[],
      jurisdictionId: row.jurisdiction_id,
    };
  }

  /** Revokes one user session (logout); unknown or already revoked tokens are fine. */
  async logout(token: string): Promise<void> {
    await deleteSession(this.database.db, tokenHash(token));
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
    return this.database.transaction(async (tx) => {
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
    });
  }

  /** New roles or jurisdiction scope; they apply from the account's next request. */
  async updateUser(userId: string, input: UpdateUserRequest, by: Principal): Promise<UserView> {
    if (by.kind === 'user' && by.id === userId && input.roles && !input.roles.includes('admin'))
      throw conflict('you cannot take the admin role from your own account');
    return this.database.transaction(async (tx) => {
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
    });
  }

  /** A new password set by the admin; every session of the account ends. */
  async resetPassword(userId: string, password: string, by: Principal): Promise<UserView> {
    const hash = await hashPassword(password);
    return this.database.transaction(async (tx) => {
      const user = await updateUserRow(tx, userId, { password_hash: hash });
      if (!user) throw notFound('user', userId);
      await deleteUserSessions(tx, userId);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'reset-password', 'user', userId, {
        username: user.username,
      });
      return { ...toUserView(user), disabled: user.disabled_at !== null };
    });
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
