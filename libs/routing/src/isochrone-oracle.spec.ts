import * as fs from 'node:fs';
import * as path from 'node:path';
import { booleanPointInPolygon } from '@turf/turf';
import { edgeCosts } from './edge-costs';
import { importGeoJsonRoads } from './geojson-import';
import { isochrones, type IsochroneFeature } from './isochrone';
import { importOsmXml } from './osm-xml-import';
import { DIR_BACKWARD, DIR_FORWARD, buildRoadGraph, type RoadGraph } from './road-graph';
import { snapPoint, type SnappedPoint } from './snap';
import { generateCity, mulberry32 } from './synthetic-city';

/**
 * Oracle for the isochrones: a plain Dijkstra written here (binary heap over an adjacency list
 * built from the segment list, not the CSR or the bucket search) says which intersections are
 * within each tier's time, and the drawn rings must agree — every intersection reached within
 * the tier lies inside its polygon, and every intersection inside the polygon lies near a road
 * that Dijkstra reaches within the tier (the 50 m buffer plus a cell of raster and contour).
 */

const DATA_DIR = process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data');
const CHENGDU = path.join(DATA_DIR, 'chengdu-center-2018.osm');
const TIERS = [1, 3, 8];
const ACCESS_KMH = 15;
/** Buffer (one 50 m cell) + one cell the contour may round outwards, along a diagonal. */
const NEAR_ROAD_M = 3 * 50 * Math.SQRT2;

/** Textbook Dijkstra from the snapped point ('to': times to it, 'from': times from it). */
function dijkstra(graph: RoadGraph, snap: SnappedPoint, direction: 'to' | 'from'): Float64Array {
  const sec = edgeCosts(graph).segSec;
  // drive a→b along segment s; a 'to' search walks the drives backwards
  const adj: [number, number][][] = Array.from({ length: graph.nodeCount }, () => []);
  for (let s = 0; s < graph.segmentCount; s++) {
    const a = graph.segFrom[s];
    const b = graph.segTo[s];
    const drives: [number, number][] = [];
    if (graph.segDirection[s] & DIR_FORWARD) drives.push([a, b]);
    if (graph.segDirection[s] & DIR_BACKWARD) drives.push([b, a]);
    for (const [x, y] of drives) {
      if (direction === 'from') adj[x].push([y, Math.fround(sec[s])]);
      else adj[y].push([x, Math.fround(sec[s])]);
    }
  }
  const dist = new Float64Array(graph.nodeCount).fill(Infinity);
  const heap: [number, number][] = [];
  const push = (v: number, d: number) => {
    if (!(d < dist[v])) return;
    dist[v] = d;
    heap.push([d, v]);
    for (let i = heap.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (heap[p][0] <= heap[i][0]) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const pop = (): [number, number] => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        let c = 2 * i + 1;
        if (c >= heap.length) break;
        if (c + 1 < heap.length && heap[c + 1][0] < heap[c][0]) c++;
        if (heap[i][0] <= heap[c][0]) break;
        [heap[c], heap[i]] = [heap[i], heap[c]];
        i = c;
      }
    }
    return top;
  };
  // Seeds: the point's own segment, the way a car may drive it to (or from) the point, after
  // the access leg between the point and the road.
  const access = snap.distanceM / (ACCESS_KMH / 3.6);
  const s = snap.segment;
  const alongToStart = snap.fraction * sec[s];
  const alongToEnd = (1 - snap.fraction) * sec[s];
  if (snap.fraction <= 1e-9) push(snap.fromNode, access);
  if (snap.fraction >= 1 - 1e-9) push(snap.toNode, access);
  // 'to': a car on the segment's start drives forward to the point; 'from': the point drives on
  if (direction === 'to') {
    if (snap.direction & DIR_FORWARD) push(snap.fromNode, access + alongToStart);
    if (snap.direction & DIR_BACKWARD) push(snap.toNode, access + alongToEnd);
  } else {
    if (snap.direction & DIR_FORWARD) push(snap.toNode, access + alongToEnd);
    if (snap.direction & DIR_BACKWARD) push(snap.fromNode, access + alongToStart);
  }
  while (heap.length > 0) {
    const [d, v] = pop();
    if (d > dist[v]) continue;
    for (const [w, c] of adj[v]) push(w, d + c);
  }
  return dist;
}

/** Metres from (lon, lat) to the nearest shape of the given segments (local flat projection). */
function nearestM(graph: RoadGraph, segs: number[], lon: number, lat: number): number {
  const { kx, ky, lon0, lat0 } = graph.projection;
  const px = (lon - lon0) * kx;
  const py = (lat - lat0) * ky;
  let best = Infinity;
  for (const s of segs) {
    for (let g = graph.segGeomStart[s]; g + 1 < graph.segGeomStart[s + 1]; g++) {
      const ax = (graph.geomLon[g] - lon0) * kx;
      const ay = (graph.geomLat[g] - lat0) * ky;
      const dx = (graph.geomLon[g + 1] - lon0) * kx - ax;
      const dy = (graph.geomLat[g + 1] - lat0) * ky - ay;
      const l2 = dx * dx + dy * dy;
      const f = l2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2)) : 0;
      best = Math.min(best, Math.hypot(ax + f * dx - px, ay + f * dy - py));
    }
  }
  return best;
}

/** Point in the tier's polygon (its bounding box first: most intersections are far out). */
function insideTest(f: IsochroneFeature): (lon: number, lat: number) => boolean {
  const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const poly of polys)
    for (const [x, y] of poly[0]) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  return (lon, lat) =>
    lon >= x0 &&
    lon <= x1 &&
    lat >= y0 &&
    lat <= y1 &&
    booleanPointInPolygon([lon, lat], f as Parameters<typeof booleanPointInPolygon>[1]);
}

/** Checks one origin and direction; returns how many intersections were inside each tier. */
function checkAgainstDijkstra(
  graph: RoadGraph,
  origin: { lon: number; lat: number },
  direction: 'to' | 'from',
): number[] {
  const fc = isochrones(graph, origin, TIERS, { direction, accessSpeedKmh: ACCESS_KMH });
  const snap = snapPoint(graph, origin, { role: direction === 'to' ? 'target' : 'origin' })!;
  expect(fc.features.map((f) => f.properties.method)).toEqual(['road', 'road', 'road']);
  const times = dijkstra(graph, snap, direction);
  const insideCounts: number[] = [];
  for (const f of fc.features) {
    const limit = f.properties.sec;
    const inside = insideTest(f);
    // roads Dijkstra reaches within the tier: every segment at a node reached in time, and the
    // origin's own segment
    const reachedSegs = new Set<number>([snap.segment]);
    for (let s = 0; s < graph.segmentCount; s++)
      if (times[graph.segFrom[s]] <= limit || times[graph.segTo[s]] <= limit) reachedSegs.add(s);
    const segs = [...reachedSegs];
    let count = 0;
    for (let v = 0; v < graph.nodeCount; v++) {
      const lon = graph.nodeLon[v];
      const lat = graph.nodeLat[v];
      const isIn = inside(lon, lat);
      // reached with a second to spare: inside (the times are float32 sums, the raster samples
      // every 17 m)
      if (times[v] <= limit - 1)
        expect({ v, t: times[v], limit, isIn }).toEqual({ v, t: times[v], limit, isIn: true });
      if (isIn) {
        count++;
        if (times[v] > limit) {
          const m = nearestM(graph, segs, lon, lat);
          expect({ v, nearReached: m <= NEAR_ROAD_M }).toEqual({ v, nearReached: true });
        }
      }
    }
    insideCounts.push(count);
  }
  return insideCounts;
}

function originsOn(graph: RoadGraph, n: number, seed: number): { lon: number; lat: number }[] {
  const rand = mulberry32(seed);
  const out: { lon: number; lat: number }[] = [];
  while (out.length < n) {
    const v = Math.floor(rand() * graph.nodeCount);
    if (graph.nodeComponent[v] !== graph.largestComponent) continue;
    out.push({
      lon: graph.nodeLon[v] + (rand() - 0.5) * 6e-4,
      lat: graph.nodeLat[v] + (rand() - 0.5) * 6e-4,
    });
  }
  return out;
}

describe('isochrone rings against a plain Dijkstra', () => {
  describe('small hard synthetic city', () => {
    const city = generateCity({ seed: 4, targetNodes: 2500, hard: true });
    const graph = buildRoadGraph(importGeoJsonRoads(city.roads));

    it.each(
      originsOn(graph, 4, 11).flatMap((o, k) => [[k, 'to', o] as const, [k, 'from', o] as const]),
    )(
      'origin %d, direction %s: reached intersections inside, inside ones near reached roads',
      (_k, direction, origin) => {
        const counts = checkAgainstDijkstra(graph, origin, direction);
        // the tiers grow and the 8-minute one holds a real share of the city
        expect(counts[0]).toBeLessThanOrEqual(counts[1]);
        expect(counts[1]).toBeLessThanOrEqual(counts[2]);
        expect(counts[2]).toBeGreaterThan(50);
      },
    );
  });

  (fs.existsSync(CHENGDU) ? describe : describe.skip)('Chengdu centre (OSM XML)', () => {
    const graph = buildRoadGraph(importOsmXml(fs.readFileSync(CHENGDU)));

    it.each(
      originsOn(graph, 3, 5).flatMap((o, k) => [[k, 'to', o] as const, [k, 'from', o] as const]),
    )(
      'origin %d, direction %s: reached intersections inside, inside ones near reached roads',
      (_k, direction, origin) => {
        const counts = checkAgainstDijkstra(graph, origin, direction);
        expect(counts[2]).toBeGreaterThan(50);
      },
    );
  });
});
