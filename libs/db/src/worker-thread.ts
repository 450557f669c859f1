import { parentPort, Worker } from 'node:worker_threads';
import { threadEntry } from './thread-entry';

type Reply = { seq: number } & ({ ok: true; value: unknown } | { ok: false; error: string });

/**
 * A worker thread that answers requests beside the event loop (started on first use): each
 * request is a message, answered one at a time in arrival order, but for those the thread serves
 * first (`serveRequests` on the thread's side, `urgent`). A thread that
 * fails is dropped (its pending requests rejected) and a new one started on the next request.
 * `Req` is the thread's own requests.
 */
export class RequestThread<Req> {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  /** What the current thread holds, by slot (`holding`). */
  private held = new Map<string, unknown>();

  /**
   * @param callerDir, callerFile the caller's `__dirname` / `__filename` (`threadEntry`)
   * @param entry the worker module's file name without extension, beside `callerDir`
   * @param root the project root (`threadEntry`)
   * @param label names the thread in errors
   * @param onStart called when a (new) thread starts: whatever it was sent before is gone
   */
  constructor(
    private readonly callerDir: string,
    private readonly callerFile: string,
    private readonly entry: string,
    private readonly root: string,
    private readonly label: string,
    private readonly onStart: () => void = () => {},
  ) {}

  private thread(): Worker {
    if (this.worker) return this.worker;
    const entry = threadEntry(this.callerDir, this.callerFile, this.entry, this.root);
    const w = new Worker(entry.file, { eval: entry.eval });
    // the thread never keeps the process alive by itself (requests in flight are awaited)
    w.unref();
    w.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.seq);
      if (!p) return;
      this.pending.delete(reply.seq);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(new Error(`${this.label}: ${reply.error}`));
    });
    w.on('error', (err) => this.drop(w, err));
    w.on('exit', (code) => this.drop(w, new Error(`${this.label} exited (${code})`)));
    this.worker = w;
    this.held = new Map();
    this.onStart();
    return w;
  }

  private drop(w: Worker, err: Error): void {
    if (this.worker !== w) return;
    this.worker = null;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Sends a request (ArrayBuffers in `transfer` are moved, not copied). */
  send<T>(msg: Req, transfer: ArrayBuffer[] = []): Promise<T> {
    const w = this.thread();
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ ...msg, seq }, transfer);
    });
  }

  /**
   * Sends `msg` unless the current thread already holds `key` in `slot` (a thread keeps one
   * thing per slot, such as the road graph, so sending another replaces it; a new thread is sent
   * it again). The thread serves it in its place (`barrier`), so the requests that follow find it
   * there; a failure shows in them.
   */
  holding(slot: string, key: unknown, msg: () => Req): void {
    this.thread();
    if (this.held.has(slot) && this.held.get(slot) === key) return;
    this.held.set(slot, key);
    this.send(msg()).catch(() => {});
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }
}

/** How a thread serves its requests (`serveRequests`). */
export interface ServeOptions<Req> {
  /** The buffers of an answer to move to the caller instead of copying them. */
  transferOf?: (value: unknown) => ArrayBuffer[];
  /**
   * A request someone is waiting on: served before the requests already waiting that are not
   * (background work), in arrival order among themselves. The rest are served in arrival order.
   */
  urgent?: (msg: Req) => boolean;
  /**
   * A request that changes what the ones after it read (a new road graph): served in its place,
   * never overtaken by a request sent after it, nor served before one sent earlier.
   */
  barrier?: (msg: Req) => boolean;
}

/**
 * The thread's side: answers each request with `handle`'s value (transferring the buffers
 * `transferOf` names), or with its error's message. One request is handled at a time; the ones
 * that arrive meanwhile wait, and the next is picked when one is done (`urgent` first), so a
 * request someone waits on waits at most for the one under way, not for a queue of background
 * work.
 */
export function serveRequests<Req>(
  handle: (msg: Req) => unknown,
  opts: ServeOptions<Req> = {},
): void {
  const { transferOf = () => [], urgent = () => false, barrier = () => false } = opts;
  const waiting: (Req & { seq: number })[] = [];
  let scheduled = false;

  const answer = (msg: Req & { seq: number }) => {
    let reply: Reply;
    let transfer: ArrayBuffer[] = [];
    try {
      const value = handle(msg);
      transfer = transferOf(value);
      reply = { seq: msg.seq, ok: true, value };
    } catch (err) {
      reply = { seq: msg.seq, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    parentPort!.postMessage(reply, transfer);
  };

  /** The waiting request to serve next: the first urgent one before any barrier, else the first. */
  const pick = (): number => {
    for (let i = 0; i < waiting.length; i++) {
      if (barrier(waiting[i])) return 0;
      if (urgent(waiting[i])) return i;
    }
    return 0;
  };

  // one request per turn of the thread's loop: the messages that came in meanwhile are
  // delivered (and so can be picked) between two turns
  const serveNext = () => {
    scheduled = false;
    const [msg] = waiting.splice(pick(), 1);
    answer(msg);
    if (waiting.length > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(serveNext);
  };

  parentPort!.on('message', (msg: Req & { seq: number }) => {
    waiting.push(msg);
    schedule();
  });
}
