import type { RasterGrid } from '../raster';
import type { RoadGraph } from '../road-graph';

/**
 * The part of the piece from (x0, y0) by (dx, dy) inside the rectangle [x1, x2] × [y1, y2] grown
 * by `e` on every side (shrunk for e < 0), as [p0, p1] along it (0..1) written into `out`, or
 * false (Liang–Barsky).
 */
export function clip(
  x0: number,
  y0: number,
  dx: number,
  dy: number,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  e: number,
  out: Float64Array,
): boolean {
  let p0 = 0;
  let p1 = 1;
  // each side: the piece enters (p < 0) or leaves (p > 0) the half-plane at q / p
  for (let k = 0; k < 4; k++) {
    const p = k === 0 ? -dx : k === 1 ? dx : k === 2 ? -dy : dy;
    const q =
      k === 0 ? x0 - (x1 - e) : k === 1 ? x2 + e - x0 : k === 2 ? y0 - (y1 - e) : y2 + e - y0;
    if (p === 0) {
      if (q < 0) return false;
    } else if (p < 0) p0 = Math.max(p0, q / p);
    else p1 = Math.min(p1, q / p);
  }
  if (p0 > p1) return false;
  out[0] = p0;
  out[1] = p1;
  return true;
}

/**
 * The burn's oracle, written out plainly: every shape piece of every reached segment clipped
 * against every cell of its box. A cell's time is the earliest point of the road inside it,
 * from a reached end, its arrival linear in the metres along the shape. `want`: with each cell's edges grown by a micrometre (a shape on a grid line
 * belongs to both sides); `must`: shrunk by one, counting only parts of some length (a road
 * that really crosses the cell).
 */
export function clippedTimes(
  graph: RoadGraph,
  segSec: Float64Array,
  /** Segment s's reached ends: the time at its start and at its end (Infinity: none). */
  ends: (s: number) => [number, number],
  grid: RasterGrid,
): { want: Float64Array; must: Float64Array } {
  const { kx, ky, lon0, lat0 } = graph.projection;
  const { minX, minY, cellM, W, H } = grid;
  const want = new Float64Array(W * H).fill(Infinity);
  const must = new Float64Array(W * H).fill(Infinity);
  const e = 1e-6;
  const part = new Float64Array(2);
  for (let s = 0; s < graph.segmentCount; s++) {
    const [ta, tb] = ends(s);
    if (ta === Infinity && tb === Infinity) continue;
    const g0 = graph.segGeomStart[s];
    const g1 = graph.segGeomStart[s + 1];
    const xy = (g: number): [number, number] => [
      (graph.geomLon[g] - lon0) * kx,
      (graph.geomLat[g] - lat0) * ky,
    ];
    let total = 0;
    for (let g = g0; g < g1 - 1; g++) {
      const [ax, ay] = xy(g);
      const [bx, by] = xy(g + 1);
      total += Math.hypot(bx - ax, by - ay);
    }
    const secPerM = total > 0 ? segSec[s] / total : 0;
    let along = 0;
    for (let g = g0; g < g1 - 1; g++) {
      const [ax, ay] = xy(g);
      const [bx, by] = xy(g + 1);
      const len = Math.hypot(bx - ax, by - ay);
      if (!(len > 0)) continue;
      const i0 = Math.floor((Math.min(ax, bx) - 2 * e - minX) / cellM);
      const i1 = Math.floor((Math.max(ax, bx) + 2 * e - minX) / cellM);
      const j0 = Math.floor((Math.min(ay, by) - 2 * e - minY) / cellM);
      const j1 = Math.floor((Math.max(ay, by) + 2 * e - minY) / cellM);
      for (let j = Math.max(0, j0); j <= Math.min(H - 1, j1); j++)
        for (let i = Math.max(0, i0); i <= Math.min(W - 1, i1); i++) {
          const [rx1, ry1] = [minX + i * cellM, minY + j * cellM];
          const [rx2, ry2] = [minX + (i + 1) * cellM, minY + (j + 1) * cellM];
          const at = (p: Float64Array): number =>
            Math.min(
              ta + (along + p[0] * len) * secPerM,
              tb + (total - along - p[1] * len) * secPerM,
            );
          const c = j * W + i;
          if (clip(ax, ay, bx - ax, by - ay, rx1, ry1, rx2, ry2, e, part))
            want[c] = Math.min(want[c], at(part));
          if (clip(ax, ay, bx - ax, by - ay, rx1, ry1, rx2, ry2, -e, part) && part[1] > part[0])
            must[c] = Math.min(must[c], at(part));
        }
      along += len;
    }
  }
  return { want, must };
}
