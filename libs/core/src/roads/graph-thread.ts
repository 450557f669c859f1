import { resolve } from 'node:path';
import { parentPort, Worker } from 'node:worker_threads';
import { shareRoadGraph, type RoadGraph } from '@ringcad/routing';
import { threadEntry } from '@ringcad/db';

/** The message that hands a thread the road graph (read in place from shared memory). */
export interface GraphMessage {
  type: 'graph';
  graphId: number;
  buffer: SharedArrayBuffer;
}

type Reply = { seq: number } & ({ ok: true; value: unknown } | { ok: false; error: string });

/** One shared copy of each graph, however many threads read it. */
const shared = new WeakMap<RoadGraph, { id: number; buffer: SharedArrayBuffer }>();
let nextGraphId = 1;

function sharedGraph(graph: RoadGraph) {
  let s = shared.get(graph);
  if (!s) {
    s = { id: nextGraphId++, buffer: shareRoadGraph(graph) };
    shared.set(graph, s);
  }
  return s;
}

/**
 * A worker thread that routes on the road graph beside the event loop (started on first use):
 * the graph goes to it once per network as a SharedArrayBuffer, then each request is a message
 * answered in order. A thread that fails is dropped (its pending requests rejected) and a new
 * one started on the next request. `Req` is the thread's own requests (each with its `type`).
 */
export class GraphThread<Req extends { type: string }> {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  /** What the current thread holds. */
  private loadedGraphId = 0;

  /**
   * @param entry the worker module's file name without extension, beside `callerDir`
   * @param label names the thread in errors
   * @param onStart called when a (new) thread starts: whatever it was sent before is gone
   */
  constructor(
    private readonly callerDir: string,
    private readonly callerFile: string,
    private readonly entry: string,
    private readonly label: string,
    private readonly onStart: () => void = () => {},
  ) {}

  private thread(): Worker {
    if (this.worker) return this.worker;
    const entry = threadEntry(
      this.callerDir,
      this.callerFile,
      this.entry,
      resolve(__dirname, '../../../..'),
    );
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
    this.loadedGraphId = 0;
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
  send<T>(msg: Req | GraphMessage, transfer: ArrayBuffer[] = []): Promise<T> {
    const w = this.thread();
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ ...msg, seq }, transfer);
    });
  }

  /** The thread's id of the graph, sending it first if the thread does not hold it. */
  graph(graph: RoadGraph): number {
    const { id, buffer } = sharedGraph(graph);
    this.thread();
    if (this.loadedGraphId !== id) {
      // messages are handled in order: the requests that follow find it loaded (a failure
      // to load shows in them)
      this.send({ type: 'graph', graphId: id, buffer }).catch(() => {});
      this.loadedGraphId = id;
    }
    return id;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }
}

/**
 * The thread's side: answers each request with `handle`'s value (transferring the buffers it
 * names), or with its error's message.
 */
export function serveGraphThread<Req extends { type: string }>(
  handle: (msg: Req) => unknown,
  transferOf: (value: unknown) => ArrayBuffer[] = () => [],
): void {
  parentPort!.on('message', (msg: Req & { seq: number }) => {
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
  });
}
