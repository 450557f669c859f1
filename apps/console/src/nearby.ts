// Open incidents near a place and recent: the same fight reported by a second caller. The server
// checks the same radius and window at create (DUPLICATE_RADIUS_M, DUPLICATE_WINDOW_MIN); the
// console asks its own store first so the call-taker sees them before filing anything.
import type { IncidentView } from '@ringcad/contracts';

export const NEARBY_RADIUS_M = 300;
export const NEARBY_WINDOW_MIN = 30;

export interface Nearby {
  incident: IncidentView;
  distanceM: number;
  minutesAgo: number;
  sameCategory: boolean;
}

/** Metres between two WGS84 points (equirectangular: exact enough within a few kilometres). */
export function distanceM(
  a: { lon: number; lat: number },
  b: { lon: number; lat: number },
): number {
  const kx = 111_320 * Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  return Math.hypot((a.lon - b.lon) * kx, (a.lat - b.lat) * 110_574);
}

/** Same category first, then the nearest. */
export function nearbyIncidents(
  incidents: Iterable<IncidentView>,
  at: { lon: number; lat: number },
  nowMs: number,
  opts: { category?: string | null; exclude?: string; radiusM?: number; windowMin?: number } = {},
): Nearby[] {
  const radius = opts.radiusM ?? NEARBY_RADIUS_M;
  const window = opts.windowMin ?? NEARBY_WINDOW_MIN;
  const out: Nearby[] = [];
  for (const i of incidents) {
    if (i.id === opts.exclude) continue;
    const d = distanceM(at, i.location);
    const minutesAgo = (nowMs - Date.parse(i.createdAt)) / 60_000;
    if (d > radius || minutesAgo > window) continue;
    out.push({
      incident: i,
      distanceM: d,
      minutesAgo: Math.max(0, minutesAgo),
      sameCategory: !!opts.category && i.category === opts.category,
    });
  }
  return out.sort(
    (a, b) => Number(b.sameCategory) - Number(a.sameCategory) || a.distanceM - b.distanceM,
  );
}
