import { EventEmitter } from 'node:events';
import type { PGliteSession } from './pglite-session';
import type { SessionLock } from './session-lock';

/* eslint-disable @typescript-eslint/no-explicit-any -- mirrors pg's own generic signature */

/**
 * Parameterless statements go through the simple protocol (`exec`), which accepts the
 * multi-statement scripts BullMQ's migrations are; the extended protocol (`query`) does not.
 */
async function runOn<R>(pglite: PGliteSession, text: string, params?: readonly unknown[]) {
  // BullMQ's PostgreSQL backend expects node-postgres' default text form of int8/numeric
  if (!params || params.length === 0) {
    const results = await pglite.exec(text, 'bullmq');
    const last = results[results.length - 1];
    return {
      rows: (last?.rows ?? []) as R[],
      rowCount: last?.affectedRows ?? last?.rows.length ?? 0,
    };
  }
  const r = await pglite.query<R>(text, params, 'bullmq');
  return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
}

interface Notification {
  channel: string;
  payload?: string;
}

/**
 * A `pg.Pool`-shaped front for PGlite so BullMQ's PostgreSQL backend can run in-process in
 * embedded mode. Single statements take the session lock for their own duration; a checked-out
 * client that issues BEGIN keeps the lock until COMMIT/ROLLBACK. LISTEN runs on the one session
 * and PGlite's global notification hook fans NOTIFY payloads out to the clients that listened.
 */
export class PGlitePoolAdapter extends EventEmitter {
  private readonly clients = new Set<PGliteClientAdapter>();
  private readonly unsubscribe: () => void;

  constructor(
    readonly pglite: PGliteSession,
    readonly lock: SessionLock,
  ) {
    super();
    this.unsubscribe = pglite.onNotification((channel, payload) => {
      for (const client of this.clients) client.deliver({ channel, payload });
    });
  }

  query<R = any>(
    text: string,
    params?: readonly unknown[],
  ): Promise<{ rows: R[]; rowCount: number }> {
    return this.lock.run(() => runOn<R>(this.pglite, text, params));
  }

  async connect(): Promise<PGliteClientAdapter> {
    const client = new PGliteClientAdapter(this);
    this.clients.add(client);
    return client;
  }

  forget(client: PGliteClientAdapter) {
    this.clients.delete(client);
  }

  async end(): Promise<void> {
    this.unsubscribe();
    this.clients.clear();
  }
}

class PGliteClientAdapter extends EventEmitter {
  private readonly channels = new Set<string>();
  private releaseTx: (() => void) | null = null;

  constructor(private readonly pool: PGlitePoolAdapter) {
    super();
  }

  deliver(n: Notification) {
    if (this.channels.has(n.channel)) this.emit('notification', n);
  }

  async query<R = any>(
    text: string,
    params?: readonly unknown[],
  ): Promise<{ rows: R[]; rowCount: number }> {
    const head = text.trim().slice(0, 12).toUpperCase();
    const listen = /^\s*(?:--[^\n]*\n\s*)*LISTEN\s+("?)([A-Za-z0-9_]+)\1/i.exec(text);
    if (listen) this.channels.add(listen[2]);
    if (head.startsWith('BEGIN') && !this.releaseTx) {
      this.releaseTx = await this.pool.lock.acquire();
    }
    const inTx = this.releaseTx !== null;
    try {
      const run = () => runOn<R>(this.pool.pglite, text, params);
      return inTx ? await run() : await this.pool.lock.run(run);
    } finally {
      if (inTx && (head.startsWith('COMMIT') || head.startsWith('ROLLBACK'))) {
        const release = this.releaseTx;
        this.releaseTx = null;
        release?.();
      }
    }
  }

  release(): void {
    if (this.releaseTx) {
      const release = this.releaseTx;
      this.releaseTx = null;
      void this.pool.pglite.query('ROLLBACK').finally(release);
    }
    this.pool.forget(this);
  }
}
