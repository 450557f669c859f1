/**
 * The routing thread: holds the road graph (a SharedArrayBuffer shared with the main thread,
 * read in place), snaps units' reported positions as they arrive (so a recommendation or a
 * coverage push finds them snapped instead of snapping the moving fleet on the event loop) and
 * draws isochrones (their recent-set cache lives here). Pure routing work only: no Nest, no
 * database.
 */
import {
  isochrones,
  openSharedRoadGraph,
  packSnaps,
  snapPoint,
  type RoadGraph,
} from '@ringcad/routing';
import { serveRequests } from '@ringcad/db/threads';
import type { RoutingThreadRequest } from './routing-thread';

let graph: { id: number; graph: RoadGraph } | null = null;

function loaded(graphId: number): RoadGraph {
  if (graph?.id !== graphId) throw new Error(`road graph ${graphId} not loaded`);
  return graph.graph;
}

serveRequests<RoutingThreadRequest>(
  (msg) => {
    switch (msg.type) {
      case 'graph':
        graph = { id: msg.graphId, graph: openSharedRoadGraph(msg.buffer) };
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
      case 'isochrones':
        return isochrones(loaded(msg.graphId), { lon: msg.lon, lat: msg.lat }, msg.minutes, {
          direction: msg.direction,
          at: new Date(msg.atMs),
        });
    }
  },
  (value) => (value instanceof Float64Array ? [value.buffer as ArrayBuffer] : []),
);
