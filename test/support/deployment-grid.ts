import { INCIDENT_POINT, type World } from './fixtures';

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

/**
 * The four standby points, then six calls at A and three at B (within 60 m of the post), through
 * the public API; returns the points' ids by name.
 */
export async function seedDeploymentGrid(world: World): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, location] of Object.entries(POSTS)) {
    const r = await world.admin.post('/api/v1/standby-points', { name: `岗${name}`, location });
    if (r.status !== 201) throw new Error(`standby point ${name}: ${r.status}`);
    ids[name] = r.body.id;
  }
  const at = [
    ...Array.from({ length: 6 }, (_, i) => gridAt(-1200 + (i % 3) * 30, -1200 + 20 * (i % 2))),
    ...Array.from({ length: 3 }, (_, i) => gridAt(1200 + i * 25, 1200)),
  ];
  for (const location of at) {
    const r = await world.calltaker.post('/api/v1/incidents', {
      location,
      category: 'public_order',
      priority: 3,
    });
    if (r.status !== 201) throw new Error(`incident: ${r.status}`);
  }
  return ids;
}
