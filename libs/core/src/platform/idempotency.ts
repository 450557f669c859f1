import { createHash } from 'node:crypto';
import { DomainError } from './errors';
import type { Principal } from './principal';

/** How long a key is honoured: a client retries within seconds or minutes, never a day later. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
// visible ASCII, as HTTP header values and the IETF draft's examples (UUIDs, random strings) are
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

/** An `Idempotency-Key` as sent, checked (absent → undefined; malformed → 400). */
export function parseIdempotencyKey(header: unknown): string | undefined {
  if (header === undefined || header === null || header === '') return undefined;
  if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
    throw new DomainError(
      'VALIDATION_FAILED',
      'Idempotency-Key must be 1 to 200 visible ASCII characters (e.g. a UUID)',
    );
  }
  return header;
}

/** Who owns a key: the same key from two accounts is two different keys. */
export const keyOwner = (by: Principal) =>
  by.kind === 'user' ? `user:${by.id}` : `unit:${by.unitId}`;

/** The parsed request (canonical: zod's output keeps the schema's key order), hashed. */
export const requestHash = (input: unknown) =>
  createHash('sha256').update(JSON.stringify(input)).digest('hex');

export interface IdempotentCall {
  owner: string;
  key: string;
  hash: string;
}

export interface PriorCall {
  incidentId: string;
  hash: string;
  possibleDuplicates: unknown;
}

/** Did the statement fail because a twin call with the same key committed first? */
export function isKeyRace(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  if (e?.code !== '23505') return false;
  return (
    e.constraint === 'idempotency_keys_pkey' ||
    String((err as Error).message).includes('idempotency_keys_pkey')
  );
}

/** The same key with another request: refused, nothing written. */
export const keyReused = (incidentId: string) =>
  new DomainError(
    'IDEMPOTENCY_KEY_REUSED',
    'this Idempotency-Key was already used with a different request; use a new key for a new incident',
    { incidentId },
  );
