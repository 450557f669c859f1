import type { Insertable } from 'kysely';
import type { DB, DbOrTx } from '@ringcad/db';

export function userByUsername(db: DbOrTx, username: string) {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export function userIdByUsername(db: DbOrTx, username: string) {
  return db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
}

export async function insertSession(
  db: DbOrTx,
  session: Insertable<DB['sessions']>,
): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

export function unitByTerminalTokenHash(db: DbOrTx, hash: string) {
  return db
    .selectFrom('units')
    .select(['id', 'callsign'])
    .where('terminal_token_hash', '=', hash)
    .executeTakeFirst();
}

/** The enabled user a session token hash belongs to, with the session's expiry. */
export function sessionUser(db: DbOrTx, hash: string) {
  return (
    db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'users.id',
        'users.username',
        'users.roles',
        'users.jurisdiction_id',
        'sessions.expires_at',
      ])
      .where('sessions.token_hash', '=', hash)
      // disabling deletes the sessions too; this covers a session created in the same instant
      .where('users.disabled_at', 'is', null)
      .executeTakeFirst()
  );
}

export async function deleteSession(db: DbOrTx, hash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', hash).execute();
}

export async function deleteUserSessions(db: DbOrTx, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export function listUsers(db: DbOrTx) {
  return db.selectFrom('users').selectAll().orderBy('username').execute();
}

export function setUserDisabledAt(db: DbOrTx, userId: string, disabledAt: Date | null) {
  return db
    .updateTable('users')
    .set({ disabled_at: disabledAt })
    .where('id', '=', userId)
    .returningAll()
    .executeTakeFirst();
}

export function insertUser(db: DbOrTx, user: Insertable<DB['users']>) {
  return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
}

/** Inserts the user unless the username exists (a concurrent starter made it first). */
export async function insertUserIfAbsent(db: DbOrTx, user: Insertable<DB['users']>): Promise<void> {
  await db
    .insertInto('users')
    .values(user)
    .onConflict((oc) => oc.column('username').doNothing())
    .execute();
}

export function updateUserRow(
  db: DbOrTx,
  userId: string,
  set: { roles?: string[]; jurisdiction_id?: string | null; password_hash?: string },
) {
  return db
    .updateTable('users')
    .set(set)
    .where('id', '=', userId)
    .returningAll()
    .executeTakeFirst();
}
