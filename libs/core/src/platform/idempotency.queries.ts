import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { DB, DbOrTx } from '@ringcad/db';
import { IDEMPOTENCY_TTL_MS, type IdempotentCall, type PriorCall } from './idempotency';

type KeyRow = Pick<
  Selectable<DB['idempotency_keys']>,
  'incident_id' | 'request_hash' | 'possible_duplicates'
>;

let lastPurge = 0;

/** The call a live key recorded, if any; expired keys are deleted on the way (at most once a minute). */
export async function findPriorCall(
  db: DbOrTx,
  call: IdempotentCall,
  now: Date,
): Promise<PriorCall | null> {
  const cutoff = new Date(now.getTime() - IDEMPOTENCY_TTL_MS);
  if (now.getTime() - lastPurge > 60_000) {
    lastPurge = now.getTime();
    await sql`DELETE FROM idempotency_keys WHERE created_at < ${cutoff}`.execute(db);
  }
  // an expired key may be used again: its old row goes in the same statement, so the new one
  // can be inserted (the SELECT sees the rows as they were, hence its own cutoff)
  const r = await sql<KeyRow>`
    WITH expired AS (
      DELETE FROM idempotency_keys WHERE principal = ${call.owner} AND key = ${call.key} AND created_at < ${cutoff})
    SELECT incident_id, request_hash, possible_duplicates FROM idempotency_keys
    WHERE principal = ${call.owner} AND key = ${call.key} AND created_at >= ${cutoff}`.execute(db);
  const row = r.rows[0];
  if (!row) return null;
  return {
    incidentId: row.incident_id,
    hash: row.request_hash,
    possibleDuplicates: row.possible_duplicates,
  };
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
