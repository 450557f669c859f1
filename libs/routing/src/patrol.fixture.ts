import { M_PER_DEG } from './geo-math';
import type { RoadFeatureCollection } from './geojson-import';

/**
 * A 3 × 3 street grid whose patrol answers can be worked out on paper: three east–west and
 * three north–south residential streets, 400 m long and 200 m apart, crossing at shared
 * vertices (local metres east/north of 104.0 E, 30.0 N). Street-km: 6 × 0.4 = 2.4 km.
 */
export const PATROL_ORIGIN = { lon: 104.0, lat: 30.0 };
export const PATROL_STREET_M = 400;

export function patrolAt(xM: number, yM: number): { lon: number; lat: number } {
  return {
    lon: PATROL_ORIGIN.lon + xM / (M_PER_DEG * Math.cos((PATROL_ORIGIN.lat * Math.PI) / 180)),
    lat: PATROL_ORIGIN.lat + yM / M_PER_DEG,
  };
}

const xy = (x: number, y: number) => {
  const p = patrolAt(x, y);
  return [p.lon, p.lat];
};

export function patrolGrid(): RoadFeatureCollection {
  const features: RoadFeatureCollection['features'] = [];
  for (const k of [0, 200, 400]) {
    features.push({
      type: 'Feature',
      properties: { highway: 'residential', name: `东西${k}` },
      geometry: { type: 'LineString', coordinates: [xy(0, k), xy(200, k), xy(400, k)] },
    });
    features.push({
      type: 'Feature',
      properties: { highway: 'residential', name: `南北${k}` },
      geometry: { type: 'LineString', coordinates: [xy(k, 0), xy(k, 200), xy(k, 400)] },
    });
  }
  return { type: 'FeatureCollection', features };
}

/** A box around the grid, `marginM` outside it, as a GeoJSON Polygon. */
export function patrolBox(x0 = -50, y0 = -50, x1 = 450, y1 = 450) {
  return {
    type: 'Polygon' as const,
    coordinates: [[xy(x0, y0), xy(x1, y0), xy(x1, y1), xy(x0, y1), xy(x0, y0)]],
  };
}

/**
 * A unit driving east along the middle street (y = 200) from x = 0 to x = 400, a report every
 * 20 m and `stepMs`, heading 90°.
 */
export function patrolDriveEast(startMs: number, stepMs = 2000, y = 200) {
  return Array.from({ length: 21 }, (_, i) => ({
    ...patrolAt(i * 20, y),
    ms: startMs + i * stepMs,
    headingDeg: 90,
  }));
}
