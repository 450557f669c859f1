import type { CopyIn, PGliteSession, ParserSet, SessionResult } from './pglite-session';
import type { SessionLock } from './session-lock';

/** Statements on the embedded database's one session. */
export type SessionStatements = Pick<PGliteSession, 'query' | 'exec' | 'copyIn'>;

/** The session held by one caller alone (a transaction, a migration) until `release`. */
export interface SessionLease {
  /** Statements run at once, in the order sent: nobody else's run in between. */
  session: SessionStatements;
  release: () => void;
}

/**
 * How callers take turns on PGlite's one PostgreSQL session, wherever it runs. A single statement
 * waits its turn by the caller's priority (`asBulk`) and runs alone; `hold` gives the session to one
 * caller for several statements (BEGIN … COMMIT), so no other caller's statement runs inside them.
 */
export interface SessionGate extends SessionStatements {
  hold(): Promise<SessionLease>;
}

/**
 * The gate of a session on this thread (PGlite on the event loop, tools): the turns are taken on
 * `lock`, and each statement's end hands the session to the next waiter.
 */
export function lockedGate(session: PGliteSession, lock: SessionLock): SessionGate {
  return {
    query<R>(sql: string, params?: readonly unknown[], parsers?: ParserSet) {
      return lock.run<SessionResult<R>>(() => session.query<R>(sql, params, parsers));
    },
    exec(sql: string, parsers?: ParserSet) {
      return lock.run(() => session.exec(sql, parsers));
    },
    copyIn(copy: CopyIn) {
      return lock.run(() => session.copyIn(copy));
    },
    async hold() {
      return { session, release: await lock.acquire() };
    },
  };
}
