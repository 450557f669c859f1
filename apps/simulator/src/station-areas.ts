import type { LonLat } from '@ringcad/contracts';
import type { Box } from './geo';

type Position = [number, number];
export type AreaPolygon =
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] };

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

/** Sorted cut lines of one axis: the box edges and the midpoints between distinct station values. */
function cuts(values: number[], lo: number, hi: number): number[] {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  const inner: number[] = [];
  for (let i = 1; i < distinct.length; i++) {
    const mid = round7((distinct[i - 1] + distinct[i]) / 2);
    if (mid > lo && mid < hi) inner.push(mid);
  }
  return [lo, ...inner, hi];
}

function ringArea(ring: Position[]): number {
  let a = 0;
  for (let i = 1; i < ring.length; i++)
    a += ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1];
  return a / 2;
}

function inRing(p: Position, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi)
      inside = !inside;
  }
  return inside;
}

/**
 * The stations' areas (辖区) inside a rectangular district: the district is cut into cells along
 * the midlines between the stations' columns and rows, and every cell goes to the station nearest
 * its centre. On the regular station lattice of the synthetic city this is the Voronoi diagram of
 * the stations clipped to the district (a square of one station spacing round each station);
 * cells whose own lattice station is missing (the river) go to the nearest station. The areas
 * tile the district without overlap, so every point of it has exactly one station.
 */
export function stationAreas(box: Box, stations: readonly LonLat[]): AreaPolygon[] {
  if (stations.length === 0) return [];
  const xs = cuts(
    stations.map((s) => s.lon),
    box.west,
    box.east,
  );
  const ys = cuts(
    stations.map((s) => s.lat),
    box.south,
    box.north,
  );
  const nx = xs.length - 1;
  const ny = ys.length - 1;
  const kx = Math.cos((((box.south + box.north) / 2) * Math.PI) / 180);
  const owner = new Int32Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const cx = (xs[i] + xs[i + 1]) / 2;
      const cy = (ys[j] + ys[j + 1]) / 2;
      let best = 0;
      let bestD = Infinity;
      stations.forEach((s, k) => {
        const d = ((s.lon - cx) * kx) ** 2 + (s.lat - cy) ** 2;
        if (d < bestD) {
          bestD = d;
          best = k;
        }
      });
      owner[j * nx + i] = best;
    }
  }
  const ownerAt = (i: number, j: number) =>
    i < 0 || j < 0 || i >= nx || j >= ny ? -1 : owner[j * nx + i];
  return stations.map((_, k) => {
    // boundary edges of the station's cells, counter-clockwise, between grid vertices (i, j)
    const next = new Map<number, number[]>();
    const key = (i: number, j: number) => j * (nx + 1) + i;
    const edge = (a: number, b: number) => {
      const list = next.get(a);
      if (list) list.push(b);
      else next.set(a, [b]);
    };
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        if (ownerAt(i, j) !== k) continue;
        if (ownerAt(i, j - 1) !== k) edge(key(i, j), key(i + 1, j));
        if (ownerAt(i + 1, j) !== k) edge(key(i + 1, j), key(i + 1, j + 1));
        if (ownerAt(i, j + 1) !== k) edge(key(i + 1, j + 1), key(i, j + 1));
        if (ownerAt(i - 1, j) !== k) edge(key(i, j + 1), key(i, j));
      }
    }
    const rings: Position[][] = [];
    for (const start of [...next.keys()].sort((a, b) => a - b)) {
      while (next.get(start)?.length) {
        const verts: number[] = [start];
        let at = start;
        do {
          const outs = next.get(at)!;
          at = outs.shift()!;
          verts.push(at);
        } while (at !== start && next.get(at)?.length);
        // drop the vertices in the middle of straight runs
        const pts = verts.map((v): Position => [xs[v % (nx + 1)], ys[Math.floor(v / (nx + 1))]]);
        const ring: Position[] = [pts[0]];
        for (let i = 1; i < pts.length - 1; i++) {
          const [a, b, c] = [ring[ring.length - 1], pts[i], pts[i + 1]];
          const straight = (a[0] === b[0] && b[0] === c[0]) || (a[1] === b[1] && b[1] === c[1]);
          if (!straight) ring.push(b);
        }
        ring.push(pts[pts.length - 1]);
        if (ring.length >= 4) rings.push(ring);
      }
    }
    const outers = rings.filter((r) => ringArea(r) > 0).map((r) => [r]);
    for (const hole of rings.filter((r) => ringArea(r) < 0))
      (outers.find((o) => inRing(hole[0], o[0])) ?? outers[0])?.push(hole);
    return outers.length === 1
      ? { type: 'Polygon' as const, coordinates: outers[0] }
      : { type: 'MultiPolygon' as const, coordinates: outers };
  });
}

/** Whether `p` lies inside the polygon or multipolygon (outside its holes). */
export function areaCovers(g: AreaPolygon, p: LonLat): boolean {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  const q: Position = [p.lon, p.lat];
  return polys.some(([outer, ...holes]) => inRing(q, outer) && !holes.some((h) => inRing(q, h)));
}

/** Area of a polygon or multipolygon in square degrees (holes subtracted): for tests and sanity checks. */
export function areaDeg2(g: AreaPolygon): number {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  return polys.reduce((s, rings) => s + rings.reduce((t, r) => t + ringArea(r), 0), 0);
}
