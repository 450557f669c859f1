import type { RoadGraph } from './road-graph';

/** Where a hexagon grid is anchored: its cell (0, 0) is centred here. */
export interface HexOrigin {
  lon: number;
  lat: number;
}

export interface HexDensityOptions {
  origin: HexOrigin;
  /** Hexagon size: centre to corner (= edge length), metres (default 200, like H3 resolution 9). */
  cellM?: number;
  /** Quartic kernel bandwidth (radius of support), metres (default 500). */
  bandwidthM?: number;
}

export interface HexCell {
  /** `q:r`, axial coordinates of the pointy-top hexagon on the grid of `origin` and `cellM`. */
  id: string;
  q: number;
  r: number;
  lon: number;
  lat: number;
  /** Kernel density at the centre, points per km². */
  density: number;
  /** Points whose own hexagon this is. */
  count: number;
  /** Expected points in the cell: density × cell area. */
  expected: number;
}

const M_PER_DEG_LAT = 110_540;
const SQRT3 = Math.sqrt(3);

function projector(origin: HexOrigin) {
  const kx = 111_320 * Math.cos((origin.lat * Math.PI) / 180);
  return {
    toXY: (lon: number, lat: number): [number, number] => [
      (lon - origin.lon) * kx,
      (lat - origin.lat) * M_PER_DEG_LAT,
    ],
    toLonLat: (x: number, y: number): [number, number] => [
      origin.lon + x / kx,
      origin.lat + y / M_PER_DEG_LAT,
    ],
  };
}

/** Centre of axial cell (q, r), metres from the origin (pointy-top hexagons of size `s`). */
const hexCentreXY = (q: number, r: number, s: number): [number, number] => [
  s * SQRT3 * (q + r / 2),
  s * 1.5 * r,
];

/** The axial cell containing (x, y): fractional axial coordinates rounded in cube space. */
function hexAt(x: number, y: number, s: number): [number, number] {
  const fq = ((SQRT3 / 3) * x - y / 3) / s;
  const fr = ((2 / 3) * y) / s;
  const fs = -fq - fr;
  let q = Math.round(fq);
  let r = Math.round(fr);
  const rs = Math.round(fs);
  const dq = Math.abs(q - fq);
  const dr = Math.abs(r - fr);
  const ds = Math.abs(rs - fs);
  if (dq > dr && dq > ds) q = -r - rs;
  else if (dr > ds) r = -q - rs;
  return [q + 0, r + 0];
}

/** Area of one hexagon of size `s` (centre to corner), km². */
export const hexAreaKm2 = (cellM: number): number => (1.5 * SQRT3 * cellM * cellM) / 1e6;

/** The six corners of a cell, closed, as a GeoJSON ring in lon/lat. */
export function hexPolygon(
  origin: HexOrigin,
  cellM: number,
  q: number,
  r: number,
): [number, number][] {
  const p = projector(origin);
  const [cx, cy] = hexCentreXY(q, r, cellM);
  const ring: [number, number][] = [];
  for (let k = 0; k < 6; k++) {
    const a = (Math.PI / 180) * (60 * k - 30);
    ring.push(p.toLonLat(cx + cellM * Math.cos(a), cy + cellM * Math.sin(a)));
  }
  ring.push(ring[0]);
  return ring;
}

/**
 * Kernel density estimate of points (incidents) on a hexagon grid: each point spreads a quartic
 * (biweight) kernel K(d) = 3 / (π h²) · (1 − d²/h²)² over the cells whose centre lies within the
 * bandwidth h; a cell's density is the sum at its centre, in points per km². Only cells with a
 * density > 0 are returned, densest first. Distances use a local equirectangular projection
 * around `origin` (good to < 0.5 % within 50 km).
 */
export function hexKernelDensity(
  points: readonly { lon: number; lat: number; weight?: number }[],
  opts: HexDensityOptions,
): HexCell[] {
  const s = opts.cellM ?? 200;
  const h = opts.bandwidthM ?? 500;
  if (!(s > 0) || !(h > 0)) throw new RangeError('cellM and bandwidthM must be > 0');
  const p = projector(opts.origin);
  const cells = new Map<string, HexCell>();
  const cellOf = (q: number, r: number): HexCell => {
    const id = `${q}:${r}`;
    let c = cells.get(id);
    if (!c) {
      const [x, y] = hexCentreXY(q, r, s);
      const [lon, lat] = p.toLonLat(x, y);
      c = { id, q, r, lon, lat, density: 0, count: 0, expected: 0 };
      cells.set(id, c);
    }
    return c;
  };
  const norm = (3 / (Math.PI * h * h)) * 1e6; // per m² → per km²
  // cells whose centre may lie within h: a rhombus of axial offsets around the point's own cell
  const reach = Math.ceil(h / (s * 1.5)) + 1;
  for (const pt of points) {
    const w = pt.weight ?? 1;
    const [x, y] = p.toXY(pt.lon, pt.lat);
    const [q0, r0] = hexAt(x, y, s);
    cellOf(q0, r0).count += w;
    for (let dr = -reach; dr <= reach; dr++) {
      for (let dq = -reach - 1; dq <= reach + 1; dq++) {
        const [cx, cy] = hexCentreXY(q0 + dq, r0 + dr, s);
        const d2 = (cx - x) ** 2 + (cy - y) ** 2;
        if (d2 >= h * h) continue;
        const u = 1 - d2 / (h * h);
        cellOf(q0 + dq, r0 + dr).density += w * norm * u * u;
      }
    }
  }
  const area = hexAreaKm2(s);
  const out = [...cells.values()].filter((c) => c.density > 0);
  for (const c of out) c.expected = c.density * area;
  return out.sort((a, b) => b.density - a.density || a.id.localeCompare(b.id));
}

/**
 * Demand per road node from hexagon densities: each cell's expected count is shared equally by
 * the nodes inside it (cells without a node — a river, a park — add nothing). The total is the
 * expected count over the cells that hold roads.
 */
export function nodeDemandFromHexes(
  graph: RoadGraph,
  cells: readonly HexCell[],
  opts: { origin: HexOrigin; cellM?: number },
): Float32Array {
  const s = opts.cellM ?? 200;
  const p = projector(opts.origin);
  const expected = new Map(cells.map((c) => [c.id, c.expected]));
  const N = graph.nodeCount;
  const nodeCell: (string | null)[] = new Array<string | null>(N).fill(null);
  const nodesIn = new Map<string, number>();
  for (let v = 0; v < N; v++) {
    const [x, y] = p.toXY(graph.nodeLon[v], graph.nodeLat[v]);
    const [q, r] = hexAt(x, y, s);
    const id = `${q}:${r}`;
    if (!expected.has(id)) continue;
    nodeCell[v] = id;
    nodesIn.set(id, (nodesIn.get(id) ?? 0) + 1);
  }
  const demand = new Float32Array(N);
  for (let v = 0; v < N; v++) {
    const id = nodeCell[v];
    if (id) demand[v] = (expected.get(id) as number) / (nodesIn.get(id) as number);
  }
  return demand;
}
