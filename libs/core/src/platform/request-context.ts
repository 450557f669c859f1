import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The id of the request (or job) being served, carried through every await without passing it
 * along: the logger writes it into each line and the error filter into each error body, so a
 * complaint quoting an error's id finds its log lines.
 */
interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** What a caller may choose as its own id (a proxy's or a client's); anything else gets a fresh one. */
const CALLER_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/** The caller's `X-Request-Id` when it is a plain token, else a new UUID. */
export function requestIdFor(header: unknown): string {
  return typeof header === 'string' && CALLER_ID.test(header) ? header : randomUUID();
}

export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
