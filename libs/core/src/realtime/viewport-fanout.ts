import { encodePositionFrame, type PackedFix } from '@ringcad/domain';

/** Tile edge in degrees (≈2 km): a viewport is the set of tiles its box touches. */
export const POSITION_TILE_DEG = 0.02;
/** A viewport over more tiles than this gets the whole-city frame instead. */
export const MAX_VIEWPORT_TILES = 400;

const tileIndex = (deg: number) => Math.floor(deg / POSITION_TILE_DEG);
/** One number per tile (indices stay far inside ±2^15 on Earth). */
const tileKey = (ix: number, iy: number) => (ix + 32768) * 65536 + (iy + 32768);
const tileOf = (lon: number, lat: number) => tileKey(tileIndex(lon), tileIndex(lat));

/** The tiles covering a [west, south, east, north] box, or null when too many (whole city). */
export function viewportTiles(bbox: readonly [number, number, number, number]): Set<number> | null {
  const [w, s, e, n] = bbox;
  const x0 = tileIndex(w);
  const x1 = tileIndex(e);
  const y0 = tileIndex(s);
  const y1 = tileIndex(n);
  if ((x1 - x0 + 1) * (y1 - y0 + 1) > MAX_VIEWPORT_TILES) return null;
  const tiles = new Set<number>();
  for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) tiles.add(tileKey(x, y));
  return tiles;
}

interface Watcher {
  tiles: Set<number>;
  send: (frame: ArrayBuffer) => void;
}

/**
 * The viewport consoles connected to this process, each sent ONE packed frame a tick: the units
 * that moved in its tiles, and those that just left them (so a unit driving out is drawn where it
 * went). One write per console and tick, where a room per tile cost a socket.io packet (two
 * websocket messages and a write) per tile in view, ~16 for a 6 km window, and a Redis message
 * per tile for every api instance.
 *
 * Each process holding consoles keeps its own: the tick is shared between api instances as the
 * whole frame (RealtimePublisher.positions), and every instance keeps its own units' last tiles.
 */
export class ViewportFanout {
  private readonly watchers = new Map<string, Watcher>();
  /** Each unit's last tile, by unit number. */
  private readonly unitTile = new Map<number, number>();

  /** Sends `send` this console's frames from now on, for these tiles (replaces earlier ones). */
  watch(id: string, tiles: Set<number>, send: (frame: ArrayBuffer) => void) {
    this.watchers.set(id, { tiles, send });
  }

  unwatch(id: string) {
    this.watchers.delete(id);
  }

  get size(): number {
    return this.watchers.size;
  }

  /** One tick's moved units: a frame to each watching console that sees any of them. */
  deliver(moved: readonly PackedFix[]): number {
    // the tiles each moved unit touched this tick: where it is, and where it was if it left
    const byTile = new Map<number, number[]>();
    const add = (tile: number, i: number) => {
      const list = byTile.get(tile);
      if (list) list.push(i);
      else byTile.set(tile, [i]);
    };
    for (let i = 0; i < moved.length; i++) {
      const m = moved[i];
      const tile = tileOf(m.lon, m.lat);
      const was = this.unitTile.get(m.num);
      add(tile, i);
      if (was !== undefined && was !== tile) add(was, i);
      this.unitTile.set(m.num, tile);
    }
    if (!this.watchers.size) return 0;
    // a unit in two tiles of one viewport goes in its frame once: stamped with the console's turn
    const stamp = new Int32Array(moved.length);
    let turn = 0;
    let sent = 0;
    for (const w of this.watchers.values()) {
      turn++;
      const picked: PackedFix[] = [];
      const pick = (list: number[] | undefined) => {
        if (!list) return;
        for (const i of list)
          if (stamp[i] !== turn) {
            stamp[i] = turn;
            picked.push(moved[i]);
          }
      };
      // walk whichever is smaller: the console's tiles or the tiles that saw movement
      if (w.tiles.size <= byTile.size) for (const t of w.tiles) pick(byTile.get(t));
      else for (const [t, list] of byTile) if (w.tiles.has(t)) pick(list);
      if (!picked.length) continue;
      const frame = encodePositionFrame(picked);
      w.send(frame.buffer as ArrayBuffer);
      sent++;
    }
    return sent;
  }
}
