/**
 * The coverage worker thread: holds the road graph (a SharedArrayBuffer shared with the main
 * thread, read in place), the live node times per scheme and the move-up searches, and answers
 * the coverage service's requests, so a city-wide computation never blocks the event loop that
 * answers a 110 call. Pure routing work only: no Nest, no database.
 */
import {
  LiveCoverage,
  openSharedRoadGraph,
  suggestMoveUps,
  type CoverageArea,
  type RoadGraph,
  warmSnapIndex,
} from '@ringcad/routing';
import { serveRequests } from '@ringcad/db/threads';
import type { CoverageThreadRequest, CoverageThreadValue } from './coverage-thread.messages';

let graph: { id: number; graph: RoadGraph; live: LiveCoverage } | null = null;
/** Areas as last sent (the same objects every call, so per-polygon rasters stay cached). */
let areas: { key: string; list: CoverageArea[] } = { key: '', list: [] };

function handle(msg: CoverageThreadRequest): CoverageThreadValue {
  switch (msg.type) {
    case 'graph': {
      const g = openSharedRoadGraph(msg.buffer);
      graph = { id: msg.graphId, graph: g, live: new LiveCoverage(g) };
      // standby points and unsnapped units snap here: the index now, not in the first push
      warmSnapIndex(g);
      return null;
    }
    case 'coverage': {
      if (graph?.id !== msg.graphId) throw new Error(`road graph ${msg.graphId} not loaded`);
      if (msg.areas) areas = { key: msg.areasKey, list: msg.areas };
      else if (areas.key !== msg.areasKey) throw new Error(`areas ${msg.areasKey} not sent`);
      return graph.live.compute({
        key: msg.key,
        tiersSec: msg.tiersSec,
        sources: msg.sources,
        areas: areas.list,
        at: new Date(msg.atMs),
      });
    }
    case 'move-ups': {
      if (graph?.id !== msg.graphId) throw new Error(`road graph ${msg.graphId} not loaded`);
      const at = new Date(msg.atMs);
      // each node's nearest unit from the scheme's live coverage, when it is kept: only the
      // second nearest is searched then
      const nearest = msg.coverage
        ? graph.live.nearestSources({ ...msg.coverage, sources: msg.units, at })
        : null;
      return suggestMoveUps(graph.graph, {
        units: msg.units,
        standbyPoints: msg.standbyPoints,
        tierSec: msg.tierSec,
        maxMoves: msg.maxMoves,
        at,
        ...(nearest ? { nearest: { ...nearest, unit: nearest.source } } : {}),
      });
    }
  }
}

serveRequests<CoverageThreadRequest>(handle);
