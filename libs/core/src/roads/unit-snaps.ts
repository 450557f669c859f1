import {
  haversineM,
  snapPoint,
  unpackSnap,
  type RoadGraph,
  type SnappedPoint,
} from '@ringcad/routing';
import type { RoutingThread } from './routing-thread';

/** Positions that arrived are sent to the routing thread at most this often (latest per unit). */
export const SNAP_AHEAD_INTERVAL_MS = 1000;
/**
 * Sent in parts this big, one after another, so an isochrone asked meanwhile waits for one part
 * at most (~6 ms of snapping here) instead of the whole fleet's (5,000 units, ~120 ms).
 */
const SNAP_PART = 250;
/**
 * A unit's snap made ahead serves another fix of the same unit up to this much later or earlier
 * and this far away: reports come every 5 s in service, so the newest fix is nearly always the
 * one snapped; at several reports a second per unit (the peak bench) the fix used for the road
 * search is at most this old and this far from the newest, well inside what POSITION_STALE_SEC
 * already accepts for an ETA. Earlier too: a desk ranks from its copy of the live fleet, which
 * can be a second or two older than the fixes its routing thread snapped since (the copy is
 * served while it is read again), and the unit is where the newer snap puts it anyway.
 */
export const SNAP_LAG_MS = 2000;
export const SNAP_LAG_M = 50;

export interface UnitFix {
  lon: number;
  lat: number;
  atMs: number;
}

interface Entry {
  graph: RoadGraph;
  lon: number;
  lat: number;
  /** The fix's time (NaN for a place that is not a unit's report). */
  atMs: number;
  /** Unpacked on first use: most snaps made ahead are replaced before anyone asks. */
  snap?: SnappedPoint | null;
  packed?: Float64Array;
  index?: number;
}

/**
 * Snaps of units (and other places) to the road graph, kept per id: positions are snapped in the
 * routing thread as they arrive (`ahead`), and `get` answers from what is kept when it is
 * the same place, or the same unit's fix a moment apart and a few metres away; otherwise it
 * snaps on the spot, as before.
 */
export class UnitSnaps {
  private readonly table = new Map<string, Entry>();
  private readonly waiting = new Map<string, UnitFix>();
  private graph: RoadGraph | null = null;
  private inFlight = false;
  private lastSentMs = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  /** Snaps made on the spot, served from those kept, and answered by the thread. */
  readonly counts = { onTheSpot: 0, ahead: 0, fromThread: 0 };

  constructor(private readonly thread: RoutingThread) {}

  /** The snap of `id` at (lon, lat), its fix taken at `atMs` when it is a unit's report. */
  get(graph: RoadGraph, id: string, lon: number, lat: number, atMs?: number): SnappedPoint | null {
    this.use(graph);
    const e = this.table.get(id);
    if (e && (e.lon === lon && e.lat === lat ? true : this.closeBehind(e, lon, lat, atMs))) {
      if (e.snap === undefined) e.snap = unpackSnap(e.packed as Float64Array, e.index as number);
      this.counts.ahead++;
      return e.snap;
    }
    // units leave from here: a cut-off carriageway that drives into the city counts
    const snap = snapPoint(graph, { lon, lat }, { role: 'origin' });
    this.counts.onTheSpot++;
    this.table.set(id, { graph, lon, lat, atMs: atMs ?? NaN, snap });
    return snap;
  }

  /** Positions that just arrived: snapped in the thread, the latest per unit, within a second. */
  ahead(graph: RoadGraph, fixes: Iterable<[string, UnitFix]>): void {
    this.use(graph);
    for (const [id, f] of fixes) {
      const e = this.table.get(id);
      if (e && e.lon === f.lon && e.lat === f.lat) continue;
      const w = this.waiting.get(id);
      if (!w || w.atMs <= f.atMs) this.waiting.set(id, f);
    }
    this.pump();
  }

  /** Another fix of the same unit, at most SNAP_LAG_MS later or earlier and SNAP_LAG_M away. */
  private closeBehind(e: Entry, lon: number, lat: number, atMs?: number): boolean {
    if (atMs === undefined || !(Math.abs(atMs - e.atMs) <= SNAP_LAG_MS)) return false;
    return haversineM(lon, lat, e.lon, e.lat) <= SNAP_LAG_M;
  }

  /** A new road network: nothing kept is valid on it. */
  private use(graph: RoadGraph) {
    if (this.graph === graph) return;
    this.graph = graph;
    this.table.clear();
    this.waiting.clear();
  }

  private pump(): void {
    if (this.inFlight || this.timer || !this.waiting.size || !this.graph) return;
    const wait = this.lastSentMs + SNAP_AHEAD_INTERVAL_MS - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      this.timer.unref();
      return;
    }
    const graph = this.graph;
    const ids = [...this.waiting.keys()];
    const fixes = [...this.waiting.values()];
    this.waiting.clear();
    this.inFlight = true;
    this.lastSentMs = performance.now();
    const parts = async () => {
      for (let from = 0; from < ids.length; from += SNAP_PART)
        await this.snapPart(
          graph,
          ids.slice(from, from + SNAP_PART),
          fixes.slice(from, from + SNAP_PART),
        );
    };
    void parts().finally(() => {
      this.inFlight = false;
      this.pump();
    });
  }

  private async snapPart(graph: RoadGraph, ids: string[], fixes: UnitFix[]): Promise<void> {
    const coords = new Float64Array(ids.length * 2);
    fixes.forEach((f, i) => {
      coords[2 * i] = f.lon;
      coords[2 * i + 1] = f.lat;
    });
    let packed: Float64Array;
    try {
      packed = await this.thread.snap(graph, coords);
    } catch {
      // a failed thread is started again with the next positions; until then, on the spot
      return;
    }
    if (this.graph !== graph) return;
    this.counts.fromThread += ids.length;
    ids.forEach((id, index) => {
      const f = fixes[index];
      const cur = this.table.get(id);
      if (!cur) {
        this.table.set(id, { graph, lon: f.lon, lat: f.lat, atMs: f.atMs, packed, index });
        return;
      }
      // a newer fix snapped on the spot meanwhile stays
      if (cur.atMs > f.atMs) return;
      // the unit's entry rewritten in place: a new one per unit and second (5,000 at the peak)
      // would outlive two scavenges and be promoted, filling the old generation for nothing
      cur.graph = graph;
      cur.lon = f.lon;
      cur.lat = f.lat;
      cur.atMs = f.atMs;
      cur.snap = undefined;
      cur.packed = packed;
      cur.index = index;
    });
  }

  /** Stops sending (the thread is its owner's to close). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.waiting.clear();
  }
}
