import { INCIDENT_POINT } from './fixtures';

/** Metres east/north of the fixtures' incident point (Tianfu Square) → lon/lat. */
const M_PER_DEG = 111_320;
export const gridAt = (x: number, y: number) => ({
  lon: INCIDENT_POINT.lon + x / (M_PER_DEG * Math.cos((INCIDENT_POINT.lat * Math.PI) / 180)),
  lat: INCIDENT_POINT.lat + y / M_PER_DEG,
});

/**
 * A 4 × 4 km grid of residential streets every 400 m (20 km/h: 72 s a block) around the
 * square, inside the fixtures' district: a 3-minute ring reaches 1,000 m along the streets.
 */
export function gridRoads() {
  const xs = Array.from({ length: 11 }, (_, i) => -2000 + i * 400);
  const line = (pts: [number, number][]) => ({
    type: 'Feature' as const,
    properties: { highway: 'residential' },
    geometry: {
      type: 'LineString' as const,
      coordinates: pts.map(([x, y]) => {
        const p = gridAt(x, y);
        return [p.lon, p.lat];
      }),
    },
  });
  return {
    type: 'FeatureCollection' as const,
    features: [
      ...xs.map((y) => line(xs.map((x): [number, number] => [x, y]))),
      ...xs.map((x) => line(xs.map((y): [number, number] => [x, y]))),
    ],
  };
}

/** Standby points at the four quarters: incidents crowd A (south-west), fewer at B (north-east). */
export const POSTS = {
  A: gridAt(-1200, -1200),
  B: gridAt(1200, 1200),
  C: gridAt(1200, -1200),
  D: gridAt(-1200, 1200),
};
