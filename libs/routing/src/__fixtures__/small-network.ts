import { M_PER_DEG } from '../geo-math';
import type { RoadFeatureCollection } from '../geojson-import';

/**
 * A hand-made town whose answers can be worked out on paper (local metres east/north of
 * 104.0 E, 30.0 N):
 *
 *  y=1000  ─┬─╱╲─┬───┬───┬───┬─  residential, zig-zag shape points between x=200 and 400
 *  y=800    ├───┼───┼───┼───┼───┤  residential grid, columns every 200 m (x = 0..1000)
 *  y=600    ├───┼───┼───┼───┼───┤
 *  ~~~~~~~~ river (y=500): the only car bridge is x=1000; a footbridge at x=0 ─ cars ignore it
 *  y=400    ├───┼───┼───┼───┼───┤
 *  y=200    ├──►┼──►┼──►┼──►┼──►┤  tertiary, oneway=yes eastbound (30 km/h)
 *  y=0      ├───┼───┼───┼───┼───┤─► primary with maxspeed=30; a one-way stub east to x=1100
 *
 * plus an island road far away at (3000..3100, 3000). Residential 20 km/h = 36 s per 200 m.
 */
export const ORIGIN = { lon: 104.0, lat: 30.0 };

export function at(xM: number, yM: number): { lon: number; lat: number } {
  return {
    lon: ORIGIN.lon + xM / (M_PER_DEG * Math.cos((ORIGIN.lat * Math.PI) / 180)),
    lat: ORIGIN.lat + yM / M_PER_DEG,
  };
}

function pos(xM: number, yM: number): [number, number] {
  const p = at(xM, yM);
  return [p.lon, p.lat];
}

export function road(
  points: [number, number][],
  properties: Record<string, string>,
): RoadFeatureCollection['features'][number] {
  return {
    type: 'Feature',
    properties,
    geometry: { type: 'LineString', coordinates: points.map(([x, y]) => pos(x, y)) },
  };
}

const XS = [0, 200, 400, 600, 800, 1000];

export function smallNetwork(): RoadFeatureCollection {
  const features: RoadFeatureCollection['features'] = [];
  features.push(
    road(
      XS.map((x) => [x, 0]),
      { highway: 'primary', maxspeed: '30', name: '南大街' },
    ),
  );
  features.push(
    road(
      XS.map((x) => [x, 200]),
      { highway: 'tertiary', oneway: 'yes', name: '单行路' },
    ),
  );
  features.push(
    road(
      XS.map((x) => [x, 400]),
      { highway: 'residential', name: '南岸路' },
    ),
  );
  features.push(
    road(
      XS.map((x) => [x, 600]),
      { highway: 'residential', name: '北岸路' },
    ),
  );
  features.push(
    road(
      XS.map((x) => [x, 800]),
      { highway: 'residential' },
    ),
  );
  features.push(
    road(
      [
        [0, 1000],
        [200, 1000],
        [300, 1050],
        [400, 1000],
        [600, 1000],
        [800, 1000],
        [1000, 1000],
      ],
      { highway: 'residential', name: '曲巷' },
    ),
  );
  for (const x of XS) {
    features.push(
      road(
        [
          [x, 0],
          [x, 200],
          [x, 400],
        ],
        { highway: 'residential' },
      ),
    );
    features.push(
      road(
        [
          [x, 600],
          [x, 800],
          [x, 1000],
        ],
        { highway: 'residential' },
      ),
    );
  }
  features.push(
    road(
      [
        [1000, 400],
        [1000, 600],
      ],
      { highway: 'residential', name: '唯一桥' },
    ),
  );
  features.push(
    road(
      [
        [0, 400],
        [0, 600],
      ],
      { highway: 'footway', name: '人行桥' },
    ),
  );
  features.push(
    road(
      [
        [1000, 0],
        [1100, 0],
      ],
      { highway: 'service', oneway: 'yes' },
    ),
  );
  features.push(
    road(
      [
        [3000, 3000],
        [3100, 3000],
      ],
      { highway: 'residential', name: '孤岛路' },
    ),
  );
  return { type: 'FeatureCollection', features };
}

/** A straight road along y, split into one feature (so one segment) between consecutive xs. */
export function roadLine(
  xs: readonly number[],
  y: number,
  properties: Record<string, string>,
): RoadFeatureCollection['features'] {
  return xs.slice(1).map((x, k) =>
    road(
      [
        [xs[k], y],
        [x, y],
      ],
      properties,
    ),
  );
}
