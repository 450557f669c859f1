import { area } from '@turf/turf';
import { at, road } from './__fixtures__/small-network';
import { etaToTarget, routeBetween } from './eta';
import { importGeoJsonRoads, type RoadFeatureCollection } from './geojson-import';
import { isochrones } from './isochrone';
import { buildRoadGraph } from './road-graph';
import { SMALL_COMPONENT_MARGIN_M, snapPoint } from './snap';

/**
 * A 1 km two-way grid (lines every 500 m) plus, like an extract cut at its edge:
 *  - an outbound one-way carriageway from the grid's corner (1000, 0) east to (1800, 0): the
 *    grid can drive onto it, nothing comes back (a pocket the city reaches);
 *  - an inbound one-way carriageway from (-800, 0) into the corner (0, 0) (it reaches the city);
 *  - a two-way island road (200..400, -300) connected to nothing, 300 m south of the grid.
 */
function cutExtract(): RoadFeatureCollection {
  const features: RoadFeatureCollection['features'] = [];
  for (const v of [0, 500, 1000]) {
    features.push(
      road(
        [
          [0, v],
          [500, v],
          [1000, v],
        ],
        { highway: 'primary' },
      ),
    );
    features.push(
      road(
        [
          [v, 0],
          [v, 500],
          [v, 1000],
        ],
        { highway: 'primary' },
      ),
    );
  }
  features.push(
    road(
      [
        [1000, 0],
        [1800, 0],
      ],
      { highway: 'trunk', oneway: 'yes', name: '出城' },
    ),
  );
  features.push(
    road(
      [
        [-800, 0],
        [0, 0],
      ],
      { highway: 'trunk', oneway: 'yes', name: '进城' },
    ),
  );
  features.push(
    road(
      [
        [200, -300],
        [400, -300],
      ],
      { highway: 'residential', name: '孤岛' },
    ),
  );
  return { type: 'FeatureCollection', features };
}

const graph = buildRoadGraph(importGeoJsonRoads(cutExtract()));
const nameOf = (s: { segment: number } | null) =>
  s ? (graph.names[graph.segName[s.segment]] ?? 'grid') : null;

describe('snapping with a role: the largest component unless a linked piece is much closer', () => {
  it('the fixture has the pieces outside the largest component it claims', () => {
    expect(graph.stats.largestComponentNodes).toBe(9);
    // the two carriageways' far ends and both island nodes
    expect(graph.stats.islandNodes).toBe(4);
    expect(SMALL_COMPONENT_MARGIN_M).toBe(50);
  });

  it('a target on the outbound carriageway, 700 m beyond the grid, snaps onto it', () => {
    const p = at(1700, 10);
    expect(snapPoint(graph, p)).toBeNull(); // the largest component only: nothing within 500 m
    const t = snapPoint(graph, p, { role: 'target' });
    expect(nameOf(t)).toBe('出城');
    expect(t!.distanceM).toBeCloseTo(10, 1);
    // a unit there could never drive back into the city: no snap, straight line
    expect(snapPoint(graph, p, { role: 'origin' })).toBeNull();
  });

  it('an origin on the inbound carriageway snaps onto it; as a target it does not', () => {
    const p = at(-700, 10);
    expect(nameOf(snapPoint(graph, p, { role: 'origin' }))).toBe('进城');
    expect(snapPoint(graph, p, { role: 'target' })).toBeNull();
  });

  it.each<[[number, number], string, string]>([
    // grid corner at (1000, 0): the carriageway is 30 m away, the grid hypot(100, 30) = 104 m
    [[1100, 30], '出城', 'more than 50 m closer: the carriageway'],
    // the grid hypot(40, 30) = 50 m, the carriageway 30 m: not 50 m closer, the grid wins
    [[1040, 30], 'grid', 'only 20 m closer: the grid'],
    [[1060, 5], '出城', 'hypot(60, 5) = 60.2 m vs 5 m: 55 m closer'],
    [[1030, 20], 'grid', 'hypot(30, 20) = 36 m vs 20 m'],
  ])('target at %j snaps to %s (%s)', (pt, expected) => {
    expect(nameOf(snapPoint(graph, at(pt[0], pt[1]), { role: 'target' }))).toBe(expected);
  });

  it('never takes an island, however close, while a road of the city is within reach', () => {
    const p = at(300, -290); // 10 m from the island, 290 m from the grid
    for (const role of ['target', 'origin'] as const) {
      const s = snapPoint(graph, p, { role });
      expect(nameOf(s)).toBe('grid');
      expect(s!.distanceM).toBeCloseTo(290, 0);
    }
    expect(nameOf(snapPoint(graph, p, { component: 'any' }))).toBe('孤岛');
  });

  it('points on the cut carriageways get road ETAs, routes and rings', () => {
    const incident = at(1700, 0);
    const unit = { id: 'u', ...at(500, 500) };
    const eta = etaToTarget(graph, incident, [unit], { maxSec: 3600 });
    expect(eta.results[0].method).toBe('road');
    // 500 + 500 m of grid then 700 m of trunk
    expect(eta.results[0].distanceM).toBeCloseTo(1700, 0);
    expect(routeBetween(graph, unit, incident)!.method).toBe('road');
    const rings = isochrones(graph, incident, [2, 5]);
    expect(rings.features.map((f) => f.properties.method)).toEqual(['road', 'road']);
    // 5 minutes back from the pocket reach into the grid: far more than the carriageway's strip
    expect(area(rings.features[1] as Parameters<typeof area>[0])).toBeGreaterThan(500_000);

    const inbound = { id: 'in', ...at(-700, 0) };
    expect(etaToTarget(graph, at(500, 500), [inbound], { maxSec: 3600 }).results[0].method).toBe(
      'road',
    );
  });

  it('labels the fallback when a point is truly unreachable', () => {
    const unitInPocket = { id: 'stuck', ...at(1700, 0) };
    const r = etaToTarget(graph, at(500, 500), [unitInPocket], { maxSec: 3600 });
    expect(r.results[0].method).toBe('straight');
    // rings around a point on the inbound carriageway: nobody can drive to it
    const rings = isochrones(graph, at(-700, 10), [3]);
    expect(rings.features[0].properties.method).toBe('straight');
  });
});
