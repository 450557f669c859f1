import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  shareRoadGraph,
  type CoverageArea,
  type LiveCoverageResult,
  type LiveCoverageSource,
  type MoveUp,
  type RoadGraph,
  type SnappedPoint,
} from '@ringcad/routing';
import { threadEntry } from '@ringcad/db';
import type { CoverageThreadReply, CoverageThreadRequest } from './coverage-thread.messages';

type Request = CoverageThreadRequest extends infer R
  ? R extends unknown
    ? Omit<R, 'seq'>
    : never
  : never;

/**
 * The coverage service's worker thread (started on first use): the road graph goes to it once
 * per network as a SharedArrayBuffer, then each coverage or move-up request is a message, so
 * the searches and rasters run beside the event loop, not on it. A thread that fails is
 * dropped (its pending requests rejected) and a new one started on the next request.
 */
export class CoverageThread {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private readonly graphIds = new WeakMap<RoadGraph, number>();
  private nextGraphId = 1;
  /** What the current thread holds. */
  private loadedGraphId = 0;
  private sentAreasKey: string | null = null;

  private thread(): Worker {
    if (this.worker) return this.worker;
    const entry = threadEntry(
      __dirname,
      __filename,
      'coverage.worker',
      resolve(__dirname, '../../../..'),
    );
    const w = new Worker(entry.file, { eval: entry.eval });
    // the thread never keeps the process alive by itself (requests in flight are awaited)
    w.unref();
    w.on('message', (reply: CoverageThreadReply) => {
      const p = this.pending.get(reply.seq);
      if (!p) return;
      this.pending.delete(reply.seq);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(new Error(`coverage thread: ${reply.error}`));
    });
    w.on('error', (err) => this.drop(w, err));
    w.on('exit', (code) => this.drop(w, new Error(`coverage thread exited (${code})`)));
    this.worker = w;
    this.loadedGraphId = 0;
    this.sentAreasKey = null;
    return w;
  }

  private drop(w: Worker, err: Error): void {
    if (this.worker !== w) return;
    this.worker = null;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private send<T>(msg: Request): Promise<T> {
    const w = this.thread();
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ ...msg, seq });
    });
  }

  /** The thread's id of the graph, sending it first if the thread does not hold it. */
  private graph(graph: RoadGraph): number {
    let id = this.graphIds.get(graph);
    if (id === undefined) {
      id = this.nextGraphId++;
      this.graphIds.set(graph, id);
    }
    this.thread();
    if (this.loadedGraphId !== id) {
      // messages are handled in order: the requests that follow find it loaded (a failure
      // to load shows in them)
      this.send({ type: 'graph', graphId: id, buffer: shareRoadGraph(graph) }).catch(() => {});
      this.loadedGraphId = id;
    }
    return id;
  }

  coverage(
    graph: RoadGraph,
    req: {
      key: string;
      tiersSec: number[];
      sources: LiveCoverageSource[];
      areasKey: string;
      areas: CoverageArea[];
      at: Date;
    },
  ): Promise<{ result: LiveCoverageResult; movedUnitSec: number[] }> {
    const graphId = this.graph(graph);
    const sendAreas = this.sentAreasKey !== req.areasKey;
    this.sentAreasKey = req.areasKey;
    return this.send({
      type: 'coverage',
      graphId,
      key: req.key,
      tiersSec: req.tiersSec,
      sources: req.sources,
      areasKey: req.areasKey,
      ...(sendAreas ? { areas: req.areas } : {}),
      atMs: req.at.getTime(),
    });
  }

  moveUps(
    graph: RoadGraph,
    req: {
      units: { id: string; lon: number; lat: number; snap: SnappedPoint | null }[];
      standbyPoints: { id: string; lon: number; lat: number }[];
      tierSec: number;
      maxMoves: number;
      at: Date;
      /** The scheme's live coverage to take each node's nearest unit from (when kept). */
      coverage?: { key: string; tiersSec: number[] };
    },
  ): Promise<MoveUp[]> {
    const graphId = this.graph(graph);
    return this.send({
      type: 'move-ups',
      graphId,
      units: req.units,
      standbyPoints: req.standbyPoints,
      tierSec: req.tierSec,
      maxMoves: req.maxMoves,
      atMs: req.at.getTime(),
      ...(req.coverage ? { coverage: req.coverage } : {}),
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }
}
