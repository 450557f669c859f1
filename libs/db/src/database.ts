import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { types as pgTypes } from 'pg';
import { PGliteDialect } from './pglite-dialect';
import { PGlitePoolAdapter } from './bullmq-pglite-pool';
import { PGliteThread } from './pglite-thread';
import type { StatementTiming } from './pglite-thread.messages';
import {
  inProcessSession,
  type CopyIn,
  type PGliteSession,
  type SessionResult,
} from './pglite-session';
import { lockedGate, type SessionGate } from './session-gate';
import { SessionLock } from './session-lock';
import { claimDataDir, openPGliteWithPostgis } from './data-dir';
import { GuardedPool } from './pg-pool';
import type { DB } from './schema';

// Arbitrary constant: the advisory lock that serialises migrations across processes.
const MIGRATION_LOCK_KEY = 7110110;
const LEDGER_DDL =
  'CREATE TABLE IF NOT EXISTS public.schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())';

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
export type DbOrTx = Db | Tx;

/** One handle over either driver. Only this file knows which one is behind `db`. */
export interface DatabaseHandle {
  kind: 'pglite' | 'postgres';
  /**
   * PGlite runs on this thread's event loop (`pgliteThread: false`): its statements block it, so
   * bulk writes go in small parts. False for PGlite in its own thread and for PostgreSQL.
   */
  onEventLoop: boolean;
  db: Db;
  /**
   * The database answers (health probes): PostgreSQL through the pool; PGlite straight to its
   * thread, not behind the callers queued for its one session (a busy queue is not an outage).
   */
  ping(): Promise<void>;
  /**
   * PGlite only (undefined on PostgreSQL): rows in through binary COPY (`PGliteSession.copyIn`),
   * taking its turn like a statement (at the caller's priority). Returns the results of `after`.
   */
  copyIn?: (copy: CopyIn) => Promise<SessionResult<unknown>[]>;
  /**
   * PGlite in its thread only: each statement's wait for its turn and run time there (the
   * metrics' database histograms), as they finish.
   */
  onStatementTiming?: (listener: (t: StatementTiming) => void) => void;
  /**
   * PostgreSQL only: each query's or transaction's wait for a connection of the pool (ms), as it
   * gets one (the metrics' pool histogram).
   */
  onPoolWait?: (listener: (waitMs: number) => void) => void;
  /** Run a multi-statement SQL script (migrations); Kysely cannot on PGlite. */
  execScript(sql: string): Promise<void>;
  /**
   * Apply one migration file atomically with its ledger row, unless already applied. Concurrent
   * starters (two api instances) wait on an advisory lock. Returns whether it ran.
   */
  applyMigration(name: string, body: string): Promise<boolean>;
  /** pg.Pool-shaped connection for BullMQ's PostgreSQL backend (embedded mode only). */
  bullmqPool(): PGlitePoolAdapter;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; when absent the embedded PGlite in `dataDir` is used. */
  url?: string;
  /** PGlite data directory; `memory://` for a throwaway in-memory database. */
  dataDir?: string;
  poolSize?: number;
  /**
   * Embedded only: run PGlite in a worker thread of its own (default), so its statements never
   * block the event loop; `false` runs it in this thread (tools, comparisons).
   */
  pgliteThread?: boolean;
}

// Both drivers return the same JS types: int8 and numeric as numbers (counts, sums), as PGlite does.
pgTypes.setTypeParser(20, (v) => Number(v));
pgTypes.setTypeParser(1700, (v) => Number(v));

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) return openPostgres(options.url, options.poolSize ?? 10);
  return openPGlite(options.dataDir ?? './.data', options.pgliteThread ?? true);
}

async function openPostgres(url: string, max: number): Promise<DatabaseHandle> {
  const pool = new GuardedPool(url, max);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    onEventLoop: false,
    db,
    onPoolWait(listener) {
      pool.onWait(listener);
    },
    async ping() {
      await sql`SELECT 1`.execute(db);
    },
    async execScript(sql) {
      const client = await pool.connect();
      try {
        await client.query(sql);
      } finally {
        client.release();
      }
    },
    async applyMigration(name, body) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        await client.query(LEDGER_DDL);
        const done = await client.query('SELECT 1 FROM public.schema_migrations WHERE name = $1', [
          name,
        ]);
        if (done.rowCount) {
          await client.query('COMMIT');
          return false;
        }
        await client.query(`SET LOCAL search_path TO public;\n${body}`);
        await client.query('INSERT INTO public.schema_migrations (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
        return true;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    bullmqPool() {
      throw new Error('BullMQ runs on Redis when PostgreSQL is used');
    },
    async close() {
      await db.destroy();
    },
  };
}

async function openPGlite(dataDir: string, thread: boolean): Promise<DatabaseHandle> {
  let release = () => {};
  if (!dataDir.startsWith('memory://')) {
    mkdirSync(dataDir, { recursive: true });
    // two processes on one PGlite directory would corrupt it: refuse a directory in use
    release = claimDataDir(dataDir);
  }
  let session: PGliteSession;
  try {
    session = thread
      ? await PGliteThread.open(dataDir)
      : inProcessSession(await openPGliteWithPostgis(dataDir));
  } catch (err) {
    release();
    throw err;
  }
  const gate: SessionGate =
    session instanceof PGliteThread ? session : lockedGate(session, new SessionLock());
  const db = new Kysely<DB>({ dialect: new PGliteDialect(gate) });
  let pool: PGlitePoolAdapter | undefined;
  return {
    kind: 'pglite',
    onEventLoop: !thread,
    db,
    ping: () => session.ping(),
    copyIn: (copy) => gate.copyIn(copy),
    ...(session instanceof PGliteThread
      ? { onStatementTiming: (listener) => void session.onTiming(listener) }
      : {}),
    async execScript(sql) {
      await gate.exec(sql);
    },
    async applyMigration(name, body) {
      const { session: held, release: letGo } = await gate.hold();
      try {
        await held.exec('BEGIN');
        try {
          await held.exec(LEDGER_DDL);
          const done = await held.query('SELECT 1 FROM public.schema_migrations WHERE name = $1', [
            name,
          ]);
          if (done.rows.length) {
            await held.exec('COMMIT');
            return false;
          }
          await held.exec(`SET LOCAL search_path TO public;\n${body}`);
          await held.query('INSERT INTO public.schema_migrations (name) VALUES ($1)', [name]);
          await held.exec('COMMIT');
          return true;
        } catch (err) {
          await held.exec('ROLLBACK').catch(() => undefined);
          throw err;
        }
      } finally {
        letGo();
      }
    },
    bullmqPool() {
      pool ??= new PGlitePoolAdapter(session, gate);
      return pool;
    },
    async close() {
      await pool?.end();
      const { release: letGo } = await gate.hold();
      try {
        await session.close();
      } finally {
        letGo();
      }
      release();
    },
  };
}
