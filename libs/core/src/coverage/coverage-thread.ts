import {
  type CoverageArea,
  type LiveCoverageResult,
  type LiveCoverageSource,
  type MoveUp,
  type RoadGraph,
  type SnappedPoint,
} from '@ringcad/routing';
import { resolve } from 'node:path';
import { RequestThread } from '@ringcad/db/threads';
import { graphIn } from '../roads';
import type { CoverageThreadRequest } from './coverage-thread.messages';

/**
 * The coverage service's worker thread (started on first use, `GraphThread`): the road graph
 * goes to it once per network as a SharedArrayBuffer, then each coverage or move-up request is a
 * message, so the searches and rasters run beside the event loop, not on it. A thread that fails
 * is dropped (its pending requests rejected) and a new one started on the next request.
 */
export class CoverageThread {
  private sentAreasKey: string | null = null;
  private readonly thread = new RequestThread<CoverageThreadRequest>(
    __dirname,
    __filename,
    'coverage.worker',
    resolve(__dirname, '../../../..'),
    'coverage thread',
    // a new thread holds no areas
    () => (this.sentAreasKey = null),
  );

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
    const graphId = graphIn(this.thread, graph);
    const sendAreas = this.sentAreasKey !== req.areasKey;
    this.sentAreasKey = req.areasKey;
    return this.thread.send({
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
    const graphId = graphIn(this.thread, graph);
    return this.thread.send({
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

  close(): Promise<void> {
    return this.thread.close();
  }
}
