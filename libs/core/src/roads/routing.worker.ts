/**
 * The routing thread: holds the road graph (a SharedArrayBuffer shared with the main thread,
 * read in place), snaps units' reported positions as they arrive (so a recommendation or a
 * coverage push finds them snapped instead of snapping the moving fleet on the event loop) and
 * draws isochrones (their recent-set cache lives here). Pure routing work only: no Nest, no
 * database.
 */
import { gzipSync } from 'node:zlib';
import {
  isochrones,
  type IsochroneCollection,
  openSharedRoadGraph,
  packSnaps,
  snapPoint,
  type RoadGraph,
  warmSnapIndex,
} from '@ringcad/routing';
import { serveRequests } from '@ringcad/db/threads';
import type { RoutingThreadRequest } from './routing-thread';

let graph: { id: number; graph: RoadGraph } | null = null;

/**
 * Each set's answer bytes, made once: `isochrones` hands out a set it keeps (its recent-set
 * cache) as the same object, so a second open of an incident costs no serialising either.
 */
const encoded = new WeakMap<IsochroneCollection, { json?: Uint8Array; gzip?: Uint8Array }>();

function answerBytes(set: IsochroneCollection, gzip: boolean): Uint8Array {
  let e = encoded.get(set);
  if (!e) encoded.set(set, (e = {}));
  e.json ??= Buffer.from(JSON.stringify(set));
  if (!gzip) return e.json;
  // level 1: isochrones compress ~6x at it, at a fraction of the default level's time
  return (e.gzip ??= gzipSync(e.json, { level: 1 }));
}

function loaded(graphId: number): RoadGraph {
  if (graph?.id !== graphId) throw new Error(`road graph ${graphId} not loaded`);
  return graph.graph;
}

serveRequests<RoutingThreadRequest>(
  (msg) => {
    switch (msg.type) {
      case 'graph':
        graph = { id: msg.graphId, graph: openSharedRoadGraph(msg.buffer) };
        // the snapping index now, so the fleet's first snaps do not wait for it
        warmSnapIndex(graph.graph);
        return null;
      case 'snap': {
        const g = loaded(msg.graphId);
        const n = msg.coords.length / 2;
        const snaps = new Array(n);
        // units leave from here: a cut-off carriageway that drives into the city counts
        for (let i = 0; i < n; i++)
          snaps[i] = snapPoint(
            g,
            { lon: msg.coords[2 * i], lat: msg.coords[2 * i + 1] },
            { role: 'origin' },
          );
        return packSnaps(snaps);
      }
      case 'isochrones': {
        const set = isochrones(loaded(msg.graphId), { lon: msg.lon, lat: msg.lat }, msg.minutes, {
          direction: msg.direction,
          at: new Date(msg.atMs),
        });
        // a set already answered once is one the thread kept (drawn ahead, or asked before)
        const kept = encoded.has(set);
        const bytes = answerBytes(set, msg.gzip);
        // drawn ahead: kept here, encoded for the ask to come, nothing sent back
        if (msg.ahead) return null;
        // copied (not moved) to the caller: the bytes stay kept here with their set
        return { bytes, kept };
      }
    }
  },
  {
    transferOf: (value) => (value instanceof Float64Array ? [value.buffer as ArrayBuffer] : []),
    // a console's ask goes before snaps and draws ahead that came in earlier
    urgent: (msg) => msg.type === 'isochrones' && !msg.ahead,
    barrier: (msg) => msg.type === 'graph',
  },
);
