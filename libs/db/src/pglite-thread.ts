import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  reviveError,
  type CopyIn,
  type ParserSet,
  type PGliteSession,
  type SessionResult,
} from './pglite-session';
import type {
  PGliteThreadReply,
  PGliteThreadRequestBody,
  StatementTiming,
  Turn,
} from './pglite-thread.messages';
import type { SessionGate, SessionLease, SessionStatements } from './session-gate';
import { callerPriority } from './session-lock';
import { threadEntry } from './thread-entry';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Request = PGliteThreadRequestBody extends infer R
  ? R extends unknown
    ? Omit<R, 'id'>
    : never
  : never;

/**
 * The embedded database in a worker thread (`pglite.worker.ts`): the session's statements run
 * there, beside the event loop that answers 110 calls, and their rows come back as structured
 * clones (Dates, typed arrays and all). Errors keep their fields (`code`, `detail`, `constraint`…)
 * so callers cannot tell it from PGlite in this thread. It is its own `SessionGate`: a statement is
 * sent at once with its caller's priority and waits its turn in the thread, so statements run back
 * to back there; a hold (a transaction) is granted by the thread too. The thread keeps the process
 * alive only while a request is in flight. If it dies, every pending and later request fails with
 * the reason.
 */
export class PGliteThread implements PGliteSession, SessionGate {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(channel: string, payload: string) => void>();
  private readonly timingListeners = new Set<(t: StatementTiming) => void>();
  private failure: Error | null = null;

  private constructor(private readonly worker: Worker) {}

  /** Starts the thread and opens `dataDir` in it (`memory://` for a throwaway database). */
  static async open(dataDir: string): Promise<PGliteThread> {
    const entry = threadEntry(
      __dirname,
      __filename,
      'pglite.worker',
      resolve(__dirname, '../../..'),
    );
    const worker = new Worker(entry.file, { eval: entry.eval, workerData: { dataDir } });
    const thread = new PGliteThread(worker);
    const exited = (code: number) => new Error(`embedded database thread exited (${code})`);
    await new Promise<void>((ready, fail) => {
      const early = (err: Error) => fail(err);
      const earlyExit = (code: number) => fail(exited(code));
      worker.once('error', early);
      worker.once('exit', earlyExit);
      worker.on('message', (reply: PGliteThreadReply) => {
        if (reply.kind === 'ready') {
          worker.off('error', early);
          worker.off('exit', earlyExit);
          ready();
        } else if (reply.kind === 'failed') fail(reviveError(reply.error));
        else thread.receive(reply);
      });
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    worker.on('error', (err) => thread.stop(err));
    worker.on('exit', (code) => thread.stop(exited(code)));
    worker.unref();
    return thread;
  }

  private receive(reply: PGliteThreadReply) {
    if (reply.kind === 'notify') {
      for (const listener of this.listeners) listener(reply.channel, reply.payload);
      return;
    }
    if (reply.kind === 'timing') {
      for (const listener of this.timingListeners) listener(reply.timing);
      return;
    }
    if (reply.kind !== 'reply') return;
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) p.resolve(reply.value);
    else p.reject(reviveError(reply.error));
  }

  private stop(err: Error) {
    this.failure ??= new Error(`the embedded database thread stopped: ${err.message}`);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  private send<T>(req: Request, id = ++this.seq): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id, sentAt: performance.timeOrigin + performance.now() });
    });
  }

  /** Each statement's wait for its turn and run time in the thread, as they finish. */
  onTiming(listener: (t: StatementTiming) => void): () => void {
    this.timingListeners.add(listener);
    return () => this.timingListeners.delete(listener);
  }

  /** One statement in its turn, by the caller's priority (`asBulk`). */
  query<R>(
    sql: string,
    params?: readonly unknown[],
    parsers: ParserSet = 'app',
  ): Promise<SessionResult<R>> {
    return this.statements({ priority: callerPriority() }).query(sql, params, parsers);
  }

  exec(sql: string, parsers: ParserSet = 'app'): Promise<SessionResult<unknown>[]> {
    return this.statements({ priority: callerPriority() }).exec(sql, parsers);
  }

  copyIn(copy: CopyIn): Promise<SessionResult<unknown>[]> {
    return this.statements({ priority: callerPriority() }).copyIn(copy);
  }

  async hold(): Promise<SessionLease> {
    const id = ++this.seq;
    await this.send({ op: 'hold', priority: callerPriority() }, id);
    let held = true;
    return {
      session: this.statements({ hold: id }),
      release: () => {
        if (!held) return;
        held = false;
        // a dead thread holds nothing: the refusal is the failure every caller already gets
        this.send({ op: 'unhold', hold: id }).catch(() => undefined);
      },
    };
  }

  private statements(turn: Turn): SessionStatements {
    return {
      query: <R>(sql: string, params?: readonly unknown[], parsers: ParserSet = 'app') =>
        this.send<SessionResult<R>>({ op: 'query', sql, params, parsers, turn }),
      exec: (sql: string, parsers: ParserSet = 'app') =>
        this.send<SessionResult<unknown>[]>({ op: 'exec', sql, parsers, turn }),
      copyIn: (copy: CopyIn) => this.send<SessionResult<unknown>[]>({ op: 'copyIn', copy, turn }),
    };
  }

  ping(): Promise<void> {
    return this.send({ op: 'ping' });
  }

  onNotification(callback: (channel: string, payload: string) => void): () => void {
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  async close(): Promise<void> {
    if (!this.failure) await this.send({ op: 'close' });
    this.failure ??= new Error('the embedded database is closed');
    await this.worker.terminate();
  }
}
