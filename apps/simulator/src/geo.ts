import type { LonLat } from '@ringcad/contracts';
import { haversineM } from '@ringcad/domain';

const M_PER_DEG_LAT = 111_320;

/** A point `eastM` metres east and `northM` metres north of `p` (local flat approximation: fine within a city). */
export function offsetM(p: LonLat, eastM: number, northM: number): LonLat {
  return {
    lon: p.lon + eastM / (M_PER_DEG_LAT * Math.cos((p.lat * Math.PI) / 180)),
    lat: p.lat + northM / M_PER_DEG_LAT,
  };
}

/** Initial compass bearing from a to b in degrees [0, 360). */
export function bearingDeg(a: LonLat, b: LonLat): number {
  const toRad = Math.PI / 180;
  const y = Math.sin((b.lon - a.lon) * toRad) * Math.cos(b.lat * toRad);
  const x =
    Math.cos(a.lat * toRad) * Math.sin(b.lat * toRad) -
    Math.sin(a.lat * toRad) * Math.cos(b.lat * toRad) * Math.cos((b.lon - a.lon) * toRad);
  const deg = (Math.atan2(y, x) * 180) / Math.PI;
  return (deg + 360) % 360;
}

export function pathLengthM(path: readonly LonLat[]): number {
  let total = 0;
  for (let i = 1; i < path.length; i++) total += haversineM(path[i - 1], path[i]);
  return total;
}

export interface PointOnPath extends LonLat {
  headingDeg: number;
}

/**
 * The point a fraction (0..1) of the way along a polyline, measured by length, with the heading of
 * the segment it lies on. Fractions outside 0..1 are clamped.
 */
export function pointAlong(path: readonly LonLat[], fraction: number): PointOnPath {
  if (path.length === 0) throw new Error('empty path');
  if (path.length === 1) return { ...path[0], headingDeg: 0 };
  const f = Math.min(1, Math.max(0, fraction));
  const seg: number[] = [];
  for (let i = 1; i < path.length; i++) seg.push(haversineM(path[i - 1], path[i]));
  const total = seg.reduce((s, x) => s + x, 0);
  if (total === 0) return { ...path[path.length - 1], headingDeg: 0 };
  let left = f * total;
  for (let i = 0; i < seg.length; i++) {
    const a = path[i];
    const b = path[i + 1];
    if (left <= seg[i] || i === seg.length - 1) {
      const t = seg[i] === 0 ? 1 : Math.min(1, left / seg[i]);
      return {
        lon: a.lon + (b.lon - a.lon) * t,
        lat: a.lat + (b.lat - a.lat) * t,
        headingDeg: bearingDeg(a, b),
      };
    }
    left -= seg[i];
  }
  return { ...path[path.length - 1], headingDeg: 0 };
}

export interface Box {
  west: number;
  south: number;
  east: number;
  north: number;
}

export function clampToBox(p: LonLat, box: Box): LonLat {
  return {
    lon: Math.min(box.east, Math.max(box.west, p.lon)),
    lat: Math.min(box.north, Math.max(box.south, p.lat)),
  };
}

export function inBox(p: LonLat, box: Box): boolean {
  return p.lon >= box.west && p.lon <= box.east && p.lat >= box.south && p.lat <= box.north;
}
