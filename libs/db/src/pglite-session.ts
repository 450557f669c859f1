import type { PGlite } from '@electric-sql/pglite';

/**
 * How rows are parsed. `app`: PGlite's own parsers (int8 and numeric as numbers, timestamps as
 * Dates, json parsed). `bullmq`: int8 and numeric as text, node-postgres' default, which BullMQ's
 * PostgreSQL backend expects. Named rather than passed as functions, because a function cannot
 * cross to the database thread.
 */
export type ParserSet = 'app' | 'bullmq';

const INT8 = 20;
const NUMERIC = 1700;
const BYTEA = 17;

/**
 * bytea in and out as PGlite's text form (`\\x` and hex digits), converted in native code: its
 * own serializer and parser go through a JavaScript string or call per byte, ~18 s to store a
 * 250k-node city's road graph (tens of MB) and seconds to read it back.
 */
const byteaParser = (v: string): Uint8Array => {
  const b = Buffer.from(v.slice(2), 'hex');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};
const SERIALIZERS = {
  [BYTEA]: (v: unknown): string => {
    if (!(v instanceof Uint8Array)) throw new TypeError('a bytea parameter must be a Uint8Array');
    return `\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  },
};

const PARSERS: Record<ParserSet, Record<number, (v: string) => unknown>> = {
  app: { [BYTEA]: byteaParser },
  bullmq: { [INT8]: (v: string) => v, [NUMERIC]: (v: string) => v, [BYTEA]: byteaParser },
};

export interface CopyIn {
  before: string;
  copy: string;
  data: Uint8Array;
  after: string;
  /**
   * Run instead when `after` fails on a unique violation (23505; `after` is rolled back whole and
   * the copied rows are still there): e.g. a plain INSERT first, which is cheaper, and the same
   * with ON CONFLICT DO NOTHING only when a row was there already.
   */
  afterOnDuplicate?: string;
  /**
   * `before`, the copy and `after` in one transaction (BEGIN and COMMIT added here): any failure
   * rolls it back whole and is thrown (`afterOnDuplicate` is then not used); the caller may try
   * another way, nothing of this one is kept.
   */
  transaction?: boolean;
}

export interface SessionResult<R> {
  rows: R[];
  affectedRows?: number;
}

/**
 * The one PostgreSQL session of the embedded database, wherever PGlite runs (a thread of its own
 * in the product, this thread in tools). Callers take turns on it through its `SessionGate`.
 */
export interface PGliteSession {
  /** One statement over the extended protocol (parameters allowed). */
  query<R>(
    sql: string,
    params?: readonly unknown[],
    parsers?: ParserSet,
  ): Promise<SessionResult<R>>;
  /** A script of statements over the simple protocol (no parameters); one result per statement. */
  exec(sql: string, parsers?: ParserSet): Promise<SessionResult<unknown>[]>;
  /**
   * Rows in at C speed: `before` (a script), then `copy` (a `COPY … FROM '/dev/blob'` statement)
   * reading `data`, then `after` (a script), back to back; the results of `after`. PostgreSQL's
   * binary COPY format skips the text parsing of every value (a float8 is read as its 8 bytes).
   */
  copyIn(copy: CopyIn): Promise<SessionResult<unknown>[]>;
  /**
   * `SELECT 1` straight to the database, ahead of the callers waiting their turn: it
   * answers as soon as the statement running now ends (a health probe measures the database,
   * not the queue of work waiting for it). It may run between another caller's statements.
   */
  ping(): Promise<void>;
  /** NOTIFY payloads of channels this session LISTENs to. Returns the unsubscribe. */
  onNotification(callback: (channel: string, payload: string) => void): () => void;
  close(): Promise<void>;
}

/** The session over a PGlite in this thread. */
export function inProcessSession(pglite: PGlite): PGliteSession {
  const options = (parsers: ParserSet) => ({ parsers: PARSERS[parsers], serializers: SERIALIZERS });
  return {
    async query<R>(sql: string, params?: readonly unknown[], parsers: ParserSet = 'app') {
      const r = await pglite.query<R>(sql, params as unknown[] | undefined, options(parsers));
      return { rows: r.rows, affectedRows: r.affectedRows };
    },
    async exec(sql, parsers = 'app') {
      const results = await pglite.exec(sql, options(parsers));
      return results.map((r) => ({ rows: r.rows, affectedRows: r.affectedRows }));
    },
    async copyIn({ before, copy, data, after, afterOnDuplicate, transaction }) {
      const steps = async () => {
        await pglite.exec(before);
        await pglite.query(copy, [], { blob: new Blob([data]) });
        return pglite.exec(after).catch((err: { code?: string }) => {
          // inside a transaction a failed statement has aborted it: nothing more may run
          if (transaction || err?.code !== '23505' || afterOnDuplicate === undefined) throw err;
          return pglite.exec(afterOnDuplicate);
        });
      };
      let results: Awaited<ReturnType<typeof steps>>;
      if (transaction) {
        await pglite.exec('BEGIN');
        try {
          results = await steps();
          await pglite.exec('COMMIT');
        } catch (err) {
          // the one session must not stay in a failed transaction
          await pglite.exec('ROLLBACK').catch(() => undefined);
          throw err;
        }
      } else results = await steps();
      return results.map((r) => ({ rows: r.rows, affectedRows: r.affectedRows }));
    },
    async ping() {
      await pglite.query('SELECT 1');
    },
    onNotification(callback) {
      return pglite.onNotification(callback);
    },
    close() {
      return pglite.close();
    },
  };
}

/** An error as it crosses a thread: its message, name and every plain field (code, detail…). */
export type SerializedError = Record<string, string | number | boolean>;

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const out: SerializedError = { name: err.name, message: err.message };
  for (const [key, value] of Object.entries(err)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      out[key] = value;
  }
  if (err.stack) out.threadStack = err.stack;
  return out;
}

/** The error again on this side, with this side's stack (where the caller awaited it). */
export function reviveError(fields: SerializedError): Error {
  const err = new Error(String(fields.message));
  for (const [key, value] of Object.entries(fields)) {
    if (key !== 'message') (err as unknown as Record<string, unknown>)[key] = value;
  }
  return err;
}
