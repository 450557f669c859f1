/**
 * Data for the 见警率 benchmark: one district of the hard synthetic city and a day of tracks of
 * the units patrolling in it, out of 5,000 city-wide units placed by district density. Each
 * unit drives its district's streets at 30 km/h, reporting every 5 s with its heading, turning
 * at random at every junction (and back when the next street leaves the district's box).
 */
import { booleanPointInPolygon } from '@turf/turf';
import type { PatrolPoint, RoadGraph, UnitTrack } from '../../libs/routing/src';
import type { BenchCity } from './bench-cities';
import { unitPoint } from './bench-cities';
import { mulberry32 } from './bench-utils';

export const PATROL_BENCH = { units: 5000, reportSec: 5, speedKmh: 30, hours: 24 } as const;

type District = NonNullable<BenchCity['districts']>[number];

export interface PatrolBenchData {
  district: District;
  unitsInDistrict: number;
  tracks: UnitTrack[];
  points: PatrolPoint[];
  trackPoints: number;
}

function boxOf(d: District): [number, number, number, number] {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of (d.geometry as { coordinates: number[][][] }).coordinates[0]) {
    w = Math.min(w, x);
    e = Math.max(e, x);
    s = Math.min(s, y);
    n = Math.max(n, y);
  }
  return [w, s, e, n];
}

/** The district of median unit density (neither the thin one nor the busiest). */
export function medianDistrict(city: BenchCity): District {
  const ds = [...(city.districts ?? [])].sort(
    (a, b) => (a.properties.density ?? 1) - (b.properties.density ?? 1),
  );
  return ds[Math.floor(ds.length / 2)];
}

/** Nearest node to a point (linear scan: once per unit). */
function nearestNode(g: RoadGraph, lon: number, lat: number, box: number[]): number {
  let best = -1;
  let bestD = Infinity;
  for (let v = 0; v < g.nodeCount; v++) {
    const x = g.nodeLon[v];
    const y = g.nodeLat[v];
    if (x < box[0] || x > box[2] || y < box[1] || y > box[3]) continue;
    const d = (x - lon) ** 2 + (y - lat) ** 2;
    if (d < bestD) {
      bestD = d;
      best = v;
    }
  }
  return best;
}

/** One unit's day: a random drive over the district's streets. */
function drive(
  g: RoadGraph,
  start: number,
  box: number[],
  fromMs: number,
  rand: () => number,
): UnitTrack['points'] {
  const { kx, ky } = g.projection;
  const stepM = (PATROL_BENCH.speedKmh / 3.6) * PATROL_BENCH.reportSec;
  const n = (PATROL_BENCH.hours * 3600) / PATROL_BENCH.reportSec;
  const points: UnitTrack['points'][number][] = [];
  let node = start;
  let shape: [number, number][] = [];
  let at = 0; // index of the shape piece
  let into = 0; // metres into it
  let carry = 0;
  const nextShape = () => {
    // the streets leaving the node (inside the box if any are); at a one-way dead end, back out
    // along a street that comes in
    const ways: [number, number][] = [];
    for (let e = g.fwdOffsets[node]; e < g.fwdOffsets[node + 1]; e++)
      ways.push([g.fwdTargets[e], g.fwdEdgeSeg[e] >> 1]);
    if (!ways.length)
      for (let e = g.revOffsets[node]; e < g.revOffsets[node + 1]; e++)
        ways.push([g.revSources[e], g.revEdgeSeg[e] >> 1]);
    const inBox = ways.filter(([w]) => {
      const x = g.nodeLon[w];
      const y = g.nodeLat[w];
      return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3];
    });
    const pick = inBox.length ? inBox : ways;
    const [next, s] = pick[Math.floor(rand() * pick.length)];
    const pts: [number, number][] = [];
    for (let i = g.segGeomStart[s]; i < g.segGeomStart[s + 1]; i++)
      pts.push([g.geomLon[i], g.geomLat[i]]);
    if (g.segFrom[s] !== node) pts.reverse();
    // a segment stored without its shape: the straight line between its nodes
    if (pts.length < 2)
      pts.splice(
        0,
        pts.length,
        [g.nodeLon[node], g.nodeLat[node]],
        [g.nodeLon[next], g.nodeLat[next]],
      );
    node = next;
    shape = pts;
    at = 0;
    into = 0;
  };
  nextShape();
  for (let k = 0; k < n; k++) {
    carry += stepM;
    let guard = 0;
    for (;;) {
      const [x0, y0] = shape[at];
      const [x1, y1] = shape[at + 1];
      const len = Math.hypot((x1 - x0) * kx, (y1 - y0) * ky);
      if (into + carry <= len || guard++ > 50) {
        into += carry;
        carry = 0;
        const t = len > 0 ? Math.min(1, into / len) : 0;
        const heading = ((Math.atan2((x1 - x0) * kx, (y1 - y0) * ky) * 180) / Math.PI + 360) % 360;
        points.push({
          lon: x0 + t * (x1 - x0),
          lat: y0 + t * (y1 - y0),
          ms: fromMs + k * PATROL_BENCH.reportSec * 1000,
          headingDeg: heading,
        });
        break;
      }
      carry -= len - into;
      into = 0;
      at++;
      if (at >= shape.length - 1) nextShape();
    }
  }
  return points;
}

/** The district, its units' tracks for a day from `fromMs`, and 200 patrol points in it. */
export function patrolBenchData(city: BenchCity, fromMs: number): PatrolBenchData {
  const rand = mulberry32(1717);
  const g = city.graph;
  const district = medianDistrict(city);
  const box = boxOf(district);
  const starts: { lon: number; lat: number }[] = [];
  for (let i = 0; i < PATROL_BENCH.units; i++) {
    const p = unitPoint(city, rand);
    if (booleanPointInPolygon([p.lon, p.lat], district.geometry)) starts.push(p);
  }
  const tracks: UnitTrack[] = [];
  starts.forEach((p, i) => {
    const start = nearestNode(g, p.lon, p.lat, box);
    if (start >= 0 && g.fwdOffsets[start + 1] > g.fwdOffsets[start])
      tracks.push({ unitId: `u${i}`, points: drive(g, start, box, fromMs, rand) });
  });
  const points: PatrolPoint[] = [];
  for (let i = 0; points.length < 200 && i < 100_000; i++) {
    const v = Math.floor(rand() * g.nodeCount);
    const lon = g.nodeLon[v];
    const lat = g.nodeLat[v];
    if (booleanPointInPolygon([lon, lat], district.geometry))
      points.push({ id: `p${points.length}`, lon, lat, area: 0 });
  }
  return {
    district,
    unitsInDistrict: starts.length,
    tracks,
    points,
    trackPoints: tracks.reduce((n, t) => n + t.points.length, 0),
  };
}
