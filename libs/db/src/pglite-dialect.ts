import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { SessionGate, SessionLease } from './session-gate';

/**
 * Kysely dialect over the embedded PGlite session (its own thread in the product). Kysely 0.28 (the
 * last line that supports Node 20 and CommonJS) has no PGlite dialect, so this is ours: one
 * session behind its gate. A single statement takes its turn on its own; a transaction holds the
 * session from BEGIN to COMMIT, so no other caller's statement runs inside it.
 */
export class PGliteDialect implements Dialect {
  constructor(private readonly gate: SessionGate) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.gate);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}

class PGliteDriver implements Driver {
  constructor(private readonly gate: SessionGate) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new PGliteConnection(this.gate);
  }
  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const iso = settings.isolationLevel
      ? ` ISOLATION LEVEL ${settings.isolationLevel.toUpperCase()}`
      : '';
    await (conn as PGliteConnection).begin(`BEGIN${iso}`);
  }
  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await (conn as PGliteConnection).end('COMMIT');
  }
  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await (conn as PGliteConnection).end('ROLLBACK');
  }
  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    (conn as PGliteConnection).letGo();
  }
  async destroy(): Promise<void> {}
}

class PGliteConnection implements DatabaseConnection {
  private lease: SessionLease | null = null;
  constructor(private readonly gate: SessionGate) {}

  async begin(statement: string): Promise<void> {
    const lease = await this.gate.hold();
    try {
      await lease.session.query(statement);
    } catch (err) {
      lease.release();
      throw err;
    }
    this.lease = lease;
  }

  async end(statement: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    try {
      await this.executeQuery(CompiledQuery.raw(statement));
    } finally {
      this.letGo();
    }
  }

  letGo(): void {
    this.lease?.release();
    this.lease = null;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const on = this.lease?.session ?? this.gate;
    const result = await on.query<R>(compiled.sql, compiled.parameters);
    const affected = result.affectedRows;
    return {
      rows: result.rows,
      numAffectedRows: affected !== undefined ? BigInt(affected) : undefined,
    };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported on PGlite');
  }
}
