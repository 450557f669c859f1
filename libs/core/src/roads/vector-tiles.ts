// The basemap's streets as Mapbox Vector Tiles (MVT 2.1), cut by the api: the console asks only for
// the tiles it shows, each simplified for its zoom, instead of parsing and tiling the whole city's
// GeoJSON in the browser (7 MB of arterials on a 250k-node city). PostGIS's ST_AsMVT is not built
// into the embedded PostGIS, so the tiles are cut and encoded here, the same in both modes.
import Flatbush from 'flatbush';

/** One street (its lines) in Web Mercator units: x, y in [0, 1], pairs in one array per line. */
export interface TileStreet {
  class: string;
  name: string | null;
  minor: boolean;
  lines: Float64Array[];
}

export interface StreetTileIndex {
  streets: TileStreet[];
  index: Flatbush | null;
}

export interface RoadTileOptions {
  /** Side streets are left out of tiles below this zoom (the console draws them from 12.5). */
  minorFromZoom: number;
  /** The deepest tile cut; deeper views over-zoom it, so it is not simplified. */
  maxZoom: number;
}

export const TILE_EXTENT = 4096;
/** Lines reach this far past a tile's edge, so wide lines and round caps join across tiles. */
const TILE_BUFFER = 64;
/** Douglas–Peucker tolerance in tile units (1/4096 of a tile) below the deepest zoom. */
const SIMPLIFY_TOLERANCE = 3;

export function mercatorX(lon: number): number {
  return lon / 360 + 0.5;
}

export function mercatorY(lat: number): number {
  const s = Math.sin((lat * Math.PI) / 180);
  return 0.5 - (0.25 * Math.log((1 + s) / (1 - s))) / Math.PI;
}

/** Projects the streets once and indexes their bounding boxes. */
export function indexStreets(
  streets: { class: string; name: string | null; minor: boolean; lines: number[][][] }[],
): StreetTileIndex {
  const out: TileStreet[] = streets.map((s) => ({
    class: s.class,
    name: s.name,
    minor: s.minor,
    lines: s.lines
      .filter((l) => l.length >= 2)
      .map((l) => {
        const xy = new Float64Array(l.length * 2);
        l.forEach(([lon, lat], i) => {
          xy[2 * i] = mercatorX(lon);
          xy[2 * i + 1] = mercatorY(lat);
        });
        return xy;
      }),
  }));
  const kept = out.filter((s) => s.lines.length);
  if (!kept.length) return { streets: kept, index: null };
  const index = new Flatbush(kept.length);
  for (const s of kept) {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const xy of s.lines)
      for (let i = 0; i < xy.length; i += 2) {
        x0 = Math.min(x0, xy[i]);
        x1 = Math.max(x1, xy[i]);
        y0 = Math.min(y0, xy[i + 1]);
        y1 = Math.max(y1, xy[i + 1]);
      }
    index.add(x0, y0, x1, y1);
  }
  index.finish();
  return { streets: kept, index };
}

/**
 * The streets crossing tile z/x/y as one MVT layer `roads` (line features with `class`, `name`
 * when named, and `minor`), clipped to the tile plus a buffer and simplified for the zoom.
 * An empty tile is an empty buffer (valid MVT).
 */
export function encodeRoadTile(
  { streets, index }: StreetTileIndex,
  z: number,
  x: number,
  y: number,
  opts: RoadTileOptions,
): Uint8Array {
  if (!index) return new Uint8Array(0);
  const n = 2 ** z;
  const pad = TILE_BUFFER / TILE_EXTENT / n;
  const hits = index.search(x / n - pad, y / n - pad, (x + 1) / n + pad, (y + 1) / n + pad);
  const tolerance = z >= opts.maxZoom ? 0 : SIMPLIFY_TOLERANCE;
  const layer = new LayerWriter('roads');
  for (const i of hits.sort((a, b) => a - b)) {
    const s = streets[i];
    if (s.minor && z < opts.minorFromZoom) continue;
    const lines: number[][] = [];
    for (const xy of s.lines) {
      const local = new Array<number>(xy.length);
      for (let k = 0; k < xy.length; k += 2) {
        local[k] = (xy[k] * n - x) * TILE_EXTENT;
        local[k + 1] = (xy[k + 1] * n - y) * TILE_EXTENT;
      }
      for (const piece of clipLine(local, -TILE_BUFFER, TILE_EXTENT + TILE_BUFFER)) {
        const line = quantize(tolerance ? simplify(piece, tolerance) : piece);
        if (line.length >= 4) lines.push(line);
      }
    }
    if (!lines.length) continue;
    layer.addLines(lines, {
      class: s.class,
      ...(s.name !== null ? { name: s.name } : {}),
      minor: s.minor,
    });
  }
  return layer.features ? layer.tile() : new Uint8Array(0);
}

/** Cuts a polyline (flat x,y pairs) to the square [lo, hi]²; returns the pieces inside. */
export function clipLine(xy: number[], lo: number, hi: number): number[][] {
  const pieces: number[][] = [];
  let current: number[] | null = null;
  for (let k = 0; k + 3 < xy.length; k += 2) {
    const seg = clipSegment(xy[k], xy[k + 1], xy[k + 2], xy[k + 3], lo, hi);
    if (!seg) {
      current = null;
      continue;
    }
    const [ax, ay, bx, by, startInside, endInside] = seg;
    if (!current || !startInside) {
      current = [ax, ay];
      pieces.push(current);
    }
    current.push(bx, by);
    if (!endInside) current = null;
  }
  return pieces;
}

/** Liang–Barsky: the part of segment a→b inside [lo, hi]², and whether each end is the original. */
function clipSegment(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  lo: number,
  hi: number,
): [number, number, number, number, boolean, boolean] | null {
  const dx = bx - ax;
  const dy = by - ay;
  let t0 = 0;
  let t1 = 1;
  for (const [p, q] of [
    [-dx, ax - lo],
    [dx, hi - ax],
    [-dy, ay - lo],
    [dy, hi - ay],
  ]) {
    if (p === 0) {
      if (q < 0) return null;
      continue;
    }
    const r = q / p;
    if (p < 0) t0 = Math.max(t0, r);
    else t1 = Math.min(t1, r);
    if (t0 > t1) return null;
  }
  return [ax + t0 * dx, ay + t0 * dy, ax + t1 * dx, ay + t1 * dy, t0 === 0, t1 === 1];
}

/** Douglas–Peucker on flat x,y pairs (ends kept). */
export function simplify(xy: number[], tolerance: number): number[] {
  const count = xy.length / 2;
  if (count <= 2) return xy;
  const keep = new Uint8Array(count);
  keep[0] = keep[count - 1] = 1;
  const stack: [number, number][] = [[0, count - 1]];
  const tol2 = tolerance * tolerance;
  while (stack.length) {
    const [first, last] = stack.pop() as [number, number];
    let worst = -1;
    let worstD = tol2;
    for (let i = first + 1; i < last; i++) {
      const d = segmentDistance2(xy, i, first, last);
      if (d > worstD) {
        worst = i;
        worstD = d;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([first, worst], [worst, last]);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (keep[i]) out.push(xy[2 * i], xy[2 * i + 1]);
  return out;
}

function segmentDistance2(xy: number[], p: number, a: number, b: number): number {
  const [px, py, ax, ay, bx, by] = [
    xy[2 * p],
    xy[2 * p + 1],
    xy[2 * a],
    xy[2 * a + 1],
    xy[2 * b],
    xy[2 * b + 1],
  ];
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}

/** Integer tile coordinates without repeated points. */
function quantize(xy: number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k < xy.length; k += 2) {
    const qx = Math.round(xy[k]);
    const qy = Math.round(xy[k + 1]);
    const m = out.length;
    if (m && out[m - 2] === qx && out[m - 1] === qy) continue;
    out.push(qx, qy);
  }
  return out;
}

// --- protobuf (only what MVT needs: varints and length-delimited fields) ---

class ProtoWriter {
  private buf = new Uint8Array(1024);
  length = 0;

  private ensure(n: number) {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  varint(v: number) {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  tag(field: number, wire: 0 | 2) {
    this.varint(field * 8 + wire);
  }

  bytes(field: number, b: Uint8Array) {
    this.tag(field, 2);
    this.varint(b.length);
    this.raw(b);
  }

  /** Already-encoded fields, as they are. */
  raw(b: Uint8Array) {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  string(field: number, s: string) {
    this.bytes(field, new TextEncoder().encode(s));
  }

  packed(field: number, values: number[]) {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const zigzag = (v: number) => (v < 0 ? -2 * v - 1 : 2 * v);

/** One MVT layer of line features; keys and values are shared tables, as the format wants. */
class LayerWriter {
  private readonly body = new ProtoWriter();
  private readonly keys = new Map<string, number>();
  private readonly values = new Map<string, number>();
  private readonly valueList: (string | boolean)[] = [];
  features = 0;

  constructor(private readonly name: string) {}

  private valueIndex(v: string | boolean): number {
    const key = `${typeof v}:${String(v)}`;
    let i = this.values.get(key);
    if (i === undefined) {
      i = this.valueList.length;
      this.values.set(key, i);
      this.valueList.push(v);
    }
    return i;
  }

  addLines(lines: number[][], props: Record<string, string | boolean>) {
    const tags: number[] = [];
    for (const [k, v] of Object.entries(props)) {
      let ki = this.keys.get(k);
      if (ki === undefined) this.keys.set(k, (ki = this.keys.size));
      tags.push(ki, this.valueIndex(v));
    }
    const geometry: number[] = [];
    let cx = 0;
    let cy = 0;
    for (const line of lines) {
      const points = line.length / 2;
      geometry.push((1 << 3) | 1, zigzag(line[0] - cx), zigzag(line[1] - cy));
      cx = line[0];
      cy = line[1];
      geometry.push(((points - 1) << 3) | 2);
      for (let k = 2; k < line.length; k += 2) {
        geometry.push(zigzag(line[k] - cx), zigzag(line[k + 1] - cy));
        cx = line[k];
        cy = line[k + 1];
      }
    }
    const feature = new ProtoWriter();
    feature.packed(2, tags);
    feature.tag(3, 0);
    feature.varint(2); // LINESTRING
    feature.packed(4, geometry);
    this.body.bytes(2, feature.finish());
    this.features++;
  }

  tile(): Uint8Array {
    const layer = new ProtoWriter();
    layer.tag(15, 0);
    layer.varint(2); // MVT version 2
    layer.string(1, this.name);
    layer.raw(this.body.finish());
    for (const k of this.keys.keys()) layer.string(3, k);
    for (const v of this.valueList) {
      const value = new ProtoWriter();
      if (typeof v === 'string') value.string(1, v);
      else {
        value.tag(7, 0);
        value.varint(v ? 1 : 0);
      }
      layer.bytes(4, value.finish());
    }
    layer.tag(5, 0);
    layer.varint(TILE_EXTENT);
    const tile = new ProtoWriter();
    tile.bytes(3, layer.finish());
    return tile.finish();
  }
}
