import { M_PER_DEG } from './geo-math';
import type { RoadFeatureCollection } from './geojson-import';

/**
 * A cross of four primary roads, 20 km each way from a junction at the origin, whose sealing
 * answers can be worked out on paper (local metres east/north of 104.0 E, 30.0 N). Primary is
 * 45 km/h: a unit drives 12.5 m/s, the fleeing vehicle (× 1.2) 15 m/s, so the vehicle is 9 km
 * out after 10 minutes and 18 km after 20.
 */
export const SEALING_ORIGIN = { lon: 104.0, lat: 30.0 };

export function sealingAt(xM: number, yM: number): { lon: number; lat: number } {
  return {
    lon: SEALING_ORIGIN.lon + xM / (M_PER_DEG * Math.cos((SEALING_ORIGIN.lat * Math.PI) / 180)),
    lat: SEALING_ORIGIN.lat + yM / M_PER_DEG,
  };
}

const ARMS: [string, number, number][] = [
  ['东大道', 1, 0],
  ['北大道', 0, 1],
  ['西大道', -1, 0],
  ['南大道', 0, -1],
];

export function sealingCross(): RoadFeatureCollection {
  // one way per kilometre, so every kilometre is a vertex (area statistics bucket segments by
  // their midpoint: a 20 km segment would lie "outside" a district around the junction)
  const features: RoadFeatureCollection['features'] = [];
  for (const [name, dx, dy] of ARMS) {
    for (let m = 0; m < 20000; m += 1000) {
      const a = sealingAt(dx * m, dy * m);
      const b = sealingAt(dx * (m + 1000), dy * (m + 1000));
      features.push({
        type: 'Feature',
        properties: { highway: 'primary', name },
        geometry: {
          type: 'LineString',
          coordinates: [
            [a.lon, a.lat],
            [b.lon, b.lat],
          ],
        },
      });
    }
  }
  return { type: 'FeatureCollection', features };
}

/**
 * Checkpoints (vehicle ETA = metres / 15): E1 400 s and N1 590 s close the 10-minute ring
 * (window 300–600 s); W1 800 s and S1 1100 s the 20-minute ring (600–1200 s); E0 (200 s) lies
 * behind the rings and FAR (1300 s) beyond them.
 */
export const SEALING_CHECKPOINTS = {
  E0: sealingAt(3000, 0),
  E1: sealingAt(6000, 0),
  N1: sealingAt(0, 8850),
  W1: sealingAt(-12000, 0),
  S1: sealingAt(0, -16500),
  FAR: sealingAt(0, 19500),
};

/**
 * Units (12.5 m/s off-peak): U1 is 80 s from E1, U4 308 s from N1, U3 160 s from W1; U2 is
 * left for S1, 18.5 km = 1480 s away while the vehicle needs 1100 s: not sealable.
 */
export const SEALING_UNITS = {
  U1: sealingAt(7000, 0),
  U2: sealingAt(0, 2000),
  U3: sealingAt(-14000, 0),
  U4: sealingAt(0, 5000),
};
