import { resolve } from 'node:path';
import { RequestThread } from '@ringcad/db/threads';
import { sharedRoadGraph, type RoadGraph } from '@ringcad/routing';

/** The road graph, read in place from shared memory (`sharedRoadGraph`), sent once per thread. */
export interface GraphMessage {
  type: 'graph';
  graphId: number;
  buffer: SharedArrayBuffer;
}

/**
 * The id a routing or coverage thread knows `graph` by, sending it the graph first when it does
 * not hold it (a thread holds one graph at a time).
 */
export function graphIn(
  thread: { holding(slot: string, key: unknown, msg: () => GraphMessage): void },
  graph: RoadGraph,
): number {
  const { id, buffer } = sharedRoadGraph(graph);
  thread.holding('graph', id, () => ({ type: 'graph', graphId: id, buffer }));
  return id;
}

/** Isochrones asked of the routing thread (answered as the HTTP answer's bytes). */
export interface IsochroneQuery {
  lon: number;
  lat: number;
  minutes: number[];
  direction: 'to' | 'from';
  at: Date;
  /** Answer the JSON gzipped (the client accepts it). */
  gzip: boolean;
}

/** What the routing thread is asked. */
export type RoutingThreadRequest =
  | GraphMessage
  /** Positions (lon, lat pairs) to snap as units leave from them; answered packed (`packSnaps`). */
  | { type: 'snap'; graphId: number; coords: Float64Array }
  | {
      type: 'isochrones';
      graphId: number;
      lon: number;
      lat: number;
      minutes: number[];
      direction: 'to' | 'from';
      atMs: number;
      /** Answer the JSON gzipped (the client accepts it). */
      gzip: boolean;
      /** Drawn ahead of an ask: kept in the thread, nothing answered. */
      ahead?: boolean;
    };

/**
 * The road network's routing thread (routing.worker): units' positions snapped as they arrive
 * and the isochrones a console asks for, beside the event loop that answers 110 calls.
 */
export class RoutingThread {
  private readonly thread = new RequestThread<RoutingThreadRequest>(
    __dirname,
    __filename,
    'routing.worker',
    resolve(__dirname, '../../../..'),
    'routing thread',
  );

  /** Snaps of the points (lon, lat pairs), packed (`unpackSnap`); `coords` is moved there. */
  snap(graph: RoadGraph, coords: Float64Array): Promise<Float64Array> {
    const graphId = graphIn(this.thread, graph);
    return this.thread.send({ type: 'snap', graphId, coords }, [coords.buffer as ArrayBuffer]);
  }

  /**
   * The isochrones' GeoJSON as the HTTP answer's bytes (UTF-8 JSON, gzipped when `gzip`): drawn,
   * serialised and compressed in the thread, so the event loop only writes them out. `kept`: the
   * set was one the thread kept (answered before), not drawn for this request.
   */
  isochrones(graph: RoadGraph, q: IsochroneQuery): Promise<{ bytes: Uint8Array; kept: boolean }> {
    return this.sendIsochrones(graph, q, false);
  }

  /** Draws the set `q` asks for and keeps it in the thread for an ask to come (nothing answered). */
  async drawAhead(graph: RoadGraph, q: IsochroneQuery): Promise<void> {
    await this.sendIsochrones(graph, q, true);
  }

  private sendIsochrones<T>(graph: RoadGraph, q: IsochroneQuery, ahead: boolean): Promise<T> {
    const graphId = graphIn(this.thread, graph);
    return this.thread.send({
      type: 'isochrones',
      graphId,
      lon: q.lon,
      lat: q.lat,
      minutes: q.minutes,
      direction: q.direction,
      atMs: q.at.getTime(),
      gzip: q.gzip,
      ahead,
    });
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
