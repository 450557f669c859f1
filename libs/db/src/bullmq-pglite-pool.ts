import { EventEmitter } from 'node:events';
import type { PGliteSession } from './pglite-session';
import type { SessionGate, SessionLease, SessionStatements } from './session-gate';

/* eslint-disable @typescript-eslint/no-explicit-any -- mirrors pg's own generic signature */

/**
 * Parameterless statements go through the simple protocol (`exec`), which accepts the
 * multi-statement scripts BullMQ's migrations are; the extended protocol (`query`) does not.
 */
async function runOn<R>(pglite: SessionStatements, text: string, params?: readonly unknown[]) {
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
 * embedded mode. Single statements take their turn on the session's gate; a checked-out client
 * that issues BEGIN holds the session until COMMIT/ROLLBACK. LISTEN runs on the one session and
 * PGlite's global notification hook fans NOTIFY payloads out to the clients that listened.
 */
export class PGlitePoolAdapter extends EventEmitter {
  private readonly clients = new Set<PGliteClientAdapter>();
  private readonly unsubscribe: () => void;

  constructor(
    pglite: PGliteSession,
    readonly gate: SessionGate,
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
    return runOn<R>(this.gate, text, params);
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
  private lease: SessionLease | null = null;

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
    if (head.startsWith('BEGIN') && !this.lease) this.lease = await this.pool.gate.hold();
    const lease = this.lease;
    try {
      return await runOn<R>(lease?.session ?? this.pool.gate, text, params);
    } finally {
      if (lease && (head.startsWith('COMMIT') || head.startsWith('ROLLBACK'))) {
        this.lease = null;
        lease.release();
      }
    }
  }

  release(): void {
    const lease = this.lease;
    if (lease) {
      this.lease = null;
      void lease.session
        .query('ROLLBACK')
        .catch(() => undefined)
        .finally(() => lease.release());
    }
    this.pool.forget(this);
  }
}
