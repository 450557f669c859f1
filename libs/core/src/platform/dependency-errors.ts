import { DomainError } from './errors';

export type Dependency = 'database' | 'redis';

/** How long a client should wait before trying again while a dependency is down. */
export const DEPENDENCY_RETRY_AFTER_SEC = 2;

/**
 * Request-path bound on anything that waits for a dependency: past it the caller gets a 503
 * rather than a hanging request (the outage may last minutes; the client retries).
 */
export const DEPENDENCY_DEADLINE_MS = 1500;

export const dependencyDown = (dependency: Dependency, cause?: string) =>
  new DomainError(
    'DEPENDENCY_DOWN',
    `${dependency === 'database' ? 'the database' : 'Redis'} is unavailable; try again shortly`,
    {
      dependency,
      retryAfterSec: DEPENDENCY_RETRY_AFTER_SEC,
      ...(cause ? { cause } : {}),
    },
  );

// SQLSTATE classes/codes meaning "the server or the connection is gone", not "your query is wrong"
const PG_DOWN_CODES = new Set(['57P01', '57P02', '57P03', '53300', '58030']);
const PG_DOWN_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  // node-postgres: a new connection did not open within its connectionTimeoutMillis
  'timeout expired',
  'Client has encountered a connection error',
  'the database system is',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end',
];
const REDIS_DOWN_MESSAGES = [
  'Connection is closed',
  "Stream isn't writeable",
  'Reached the max retries per request limit',
  'Command timed out',
  'Redis connection lost',
  'Connection closed',
];
// only node-postgres surfaces raw socket errors on the request path: ioredis turns them into
// the retry/offline-queue errors above
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Which dependency an error says is down, or null when it is an ordinary error. The one place
 * that knows the drivers' failure shapes (node-postgres, pg-pool, ioredis, BullMQ).
 */
export function dependencyOf(err: unknown): Dependency | null {
  if (!err || typeof err !== 'object') return null;
  if (err instanceof DomainError) {
    const d =
      err.code === 'DEPENDENCY_DOWN'
        ? (err.details as { dependency?: Dependency } | undefined)?.dependency
        : undefined;
    return d ?? null;
  }
  const e = err as { name?: unknown; code?: unknown; message?: unknown; errors?: unknown };
  const message = typeof e.message === 'string' ? e.message : '';
  const code = typeof e.code === 'string' ? e.code : '';
  if (e.name === 'MaxRetriesPerRequestError' || e.name === 'ConnectionClosedError') return 'redis';
  if (REDIS_DOWN_MESSAGES.some((m) => message.includes(m))) return 'redis';
  if (PG_DOWN_CODES.has(code) || code.startsWith('08')) return 'database';
  if (SOCKET_CODES.has(code)) return 'database';
  if (PG_DOWN_MESSAGES.some((m) => message.includes(m))) return 'database';
  // AggregateError (a dual-stack connect refused on both ::1 and 127.0.0.1)
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const d = dependencyOf(inner);
      if (d) return d;
    }
  }
  return null;
}

/** The error as a DEPENDENCY_DOWN DomainError when a dependency is down, else unchanged. */
export function asDependencyError(err: unknown): unknown {
  if (err instanceof DomainError) return err;
  const d = dependencyOf(err);
  return d ? dependencyDown(d, (err as Error).message) : err;
}

/** Rejects with DEPENDENCY_DOWN when `work` takes longer than `ms` (the work itself goes on). */
export function withDeadline<T>(
  work: Promise<T>,
  dependency: Dependency,
  ms = DEPENDENCY_DEADLINE_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(dependencyDown(dependency, `no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  // the abandoned work may still reject later: observed here so it never becomes unhandled
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
