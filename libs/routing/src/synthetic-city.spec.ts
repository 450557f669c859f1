import { booleanPointInPolygon } from '@turf/turf';
import { etaToTarget } from './eta';
import { importGeoJsonRoads } from './geojson-import';
import { haversineM, M_PER_DEG } from './geo-math';
import { isochrones } from './isochrone';
import { buildRoadGraph } from './road-graph';
import { snapPoint } from './snap';
import { generateCity } from './synthetic-city';

describe('generateCity', () => {
  const city = generateCity({ seed: 7, targetNodes: 6000 });
  const graph = buildRoadGraph(importGeoJsonRoads(city.roads));

  it('is deterministic per seed', () => {
    expect(JSON.stringify(generateCity({ seed: 7, targetNodes: 6000 }))).toBe(JSON.stringify(city));
    expect(JSON.stringify(generateCity({ seed: 8, targetNodes: 6000 }).roads)).not.toBe(
      JSON.stringify(city.roads),
    );
  });

  it('builds a connected network of about the requested size with every road kind', () => {
    expect(graph.stats.nodes).toBeGreaterThan(6000 * 0.9);
    expect(graph.stats.nodes).toBeLessThan(6000 * 1.15);
    expect(graph.stats.largestComponentNodes / graph.stats.nodes).toBeGreaterThan(0.99);
    const highways = new Set(city.roads.features.map((f) => f.properties?.highway));
    expect([...highways].sort()).toEqual([
      'primary',
      'residential',
      'secondary',
      'tertiary',
      'trunk',
    ]);
    const oneways = new Set(city.roads.features.map((f) => f.properties?.oneway).filter(Boolean));
    expect([...oneways].sort()).toEqual(['-1', 'yes']);
    expect(city.roads.features.some((f) => f.properties?.maxspeed === '30')).toBe(true);
  });

  it('has 4-6 districts and puts every place on a street', () => {
    expect(city.districts.features.length).toBeGreaterThanOrEqual(4);
    expect(city.districts.features.length).toBeLessThanOrEqual(6);
    expect(new Set(city.districts.features.map((f) => f.properties.name)).size).toBe(
      city.districts.features.length,
    );
    const places: { geometry: { coordinates: [number, number] } }[] = [
      ...city.stations.features,
      ...city.standbyPoints.features,
      ...city.checkpoints.features,
      ...city.hotspots.features,
    ];
    expect(city.checkpoints.features.some((f) => f.properties.kind === 'bridge')).toBe(true);
    for (const p of places) {
      const [lon, lat] = p.geometry.coordinates;
      expect(snapPoint(graph, { lon, lat })!.distanceM).toBeLessThan(0.5);
    }
  });

  it('makes crossing the river a detour over a bridge', () => {
    const bridges = city.checkpoints.features
      .filter((f) => f.properties.kind === 'bridge')
      .map((f) => f.geometry.coordinates);
    // The river vertex farthest from every bridge head.
    let best = city.river.geometry.coordinates[0];
    let bestD = -1;
    for (const c of city.river.geometry.coordinates.slice(5, -5)) {
      const d = Math.min(...bridges.map((b) => haversineM(c[0], c[1], b[0], b[1])));
      if (d > bestD) {
        bestD = d;
        best = c;
      }
    }
    const south = { lon: best[0], lat: best[1] - 200 / M_PER_DEG };
    const north = { lon: best[0], lat: best[1] + 200 / M_PER_DEG };
    const res = etaToTarget(graph, north, [{ id: 's', ...south }], { maxSec: 7200 }).results[0];
    expect(res.method).toBe('road');
    expect(res.distanceM).toBeGreaterThan(2 * bestD * 0.8);
    const ring = isochrones(graph, south, [3], { direction: 'from' });
    expect(
      booleanPointInPolygon(
        [north.lon, north.lat],
        ring.features[0] as Parameters<typeof booleanPointInPolygon>[1],
      ),
    ).toBe(false);
    expect(
      booleanPointInPolygon(
        [south.lon, south.lat],
        ring.features[0] as Parameters<typeof booleanPointInPolygon>[1],
      ),
    ).toBe(true);
  });
});
