import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { DbOrTx } from '@ringcad/db';
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
    throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 200 visible ASCII characters (e.g. a UUID)');
  }
  return header;
}

/** Who owns a key: the same key from two accounts is two different keys. */
export const keyOwner = (by: Principal) => (by.kind === 'user' ? `user:${by.id}` : `unit:${by.unitId}`);

/** The parsed request (canonical: zod's output keeps the schema's key order), hashed. */
export const requestHash = (input: unknown) => createHash('sha256').update(JSON.stringify(input)).digest('hex');

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

let lastPurge = 0;

/** The call a live key recorded, if any; expired keys are deleted on the way (at most once a minute). */
export async function findPriorCall(db: DbOrTx, call: IdempotentCall, now: Date): Promise<PriorCall | null> {
  const cutoff = new Date(now.getTime() - IDEMPOTENCY_TTL_MS);
  if (now.getTime() - lastPurge > 60_000) {
    lastPurge = now.getTime();
    await sql`DELETE FROM idempotency_keys WHERE created_at < ${cutoff}`.execute(db);
  }
  // an expired key may be used again: its old row goes in the same statement, so the new one
  // can be inserted (the SELECT sees the rows as they were, hence its own cutoff)
  const r = await sql<{ incident_id: string; request_hash: string; possible_duplicates: unknown }>`
    WITH expired AS (
      DELETE FROM idempotency_keys WHERE principal = ${call.owner} AND key = ${call.key} AND created_at < ${cutoff})
    SELECT incident_id, request_hash, possible_duplicates FROM idempotency_keys
    WHERE principal = ${call.owner} AND key = ${call.key} AND created_at >= ${cutoff}`.execute(db);
  const row = r.rows[0];
  if (!row) return null;
  return { incidentId: row.incident_id, hash: row.request_hash, possibleDuplicates: row.possible_duplicates };
}

/**
 * The key's row, written by the incident's own INSERT statement (a CTE over `ins` and `dups`), so
 * the key is committed exactly when the incident is. A concurrent twin hits the primary key and
 * its whole statement (incident included) fails (isKeyRace); it then answers as a replay.
 */
export function recordCallCte(call: IdempotentCall | undefined, now: Date): RawBuilder<unknown> {
  if (!call) return sql``;
  return sql`,
      idem AS (
        INSERT INTO idempotency_keys (principal, key, request_hash, incident_id, possible_duplicates, created_at)
        SELECT ${call.owner}, ${call.key}, ${call.hash}, ins.id, (SELECT list FROM dups)::jsonb, ${now} FROM ins)`;
}

/** Did the statement fail because a twin call with the same key committed first? */
export function isKeyRace(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  if (e?.code !== '23505') return false;
  return e.constraint === 'idempotency_keys_pkey' || String((err as Error).message).includes('idempotency_keys_pkey');
}

/** The same key with another request: refused, nothing written. */
export const keyReused = (incidentId: string) =>
  new DomainError(
    'IDEMPOTENCY_KEY_REUSED',
    'this Idempotency-Key was already used with a different request; use a new key for a new incident',
    { incidentId },
  );
