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

describe('generateCity({ hard: true }): as hard as real streets', () => {
  const city = generateCity({ seed: 7, targetNodes: 20_000, hard: true });
  const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
  const plain = buildRoadGraph(
    importGeoJsonRoads(generateCity({ seed: 7, targetNodes: 20_000 }).roads),
  );

  it('is deterministic and leaves the plain city as it was', () => {
    expect(JSON.stringify(generateCity({ seed: 7, targetNodes: 20_000, hard: true }).roads)).toBe(
      JSON.stringify(city.roads),
    );
    expect(plain.stats.oneWaySegments).toBeLessThan(graph.stats.oneWaySegments);
  });

  it('has over 30 % one-way road pieces, shape points and several strongly connected components', () => {
    const s = graph.stats;
    expect(s.nodes).toBeGreaterThan(20_000 * 0.9);
    expect(s.oneWaySegments / s.segments).toBeGreaterThan(0.3);
    expect(plain.stats.oneWaySegments / plain.stats.segments).toBeLessThan(0.1);
    expect(s.shapePoints - plain.stats.shapePoints).toBeGreaterThan(s.segments);
    // pockets and compounds each make a component, and one-way streets that end at the river
    // or the edge make more
    expect(s.components).toBeGreaterThanOrEqual(8 + 2);
    expect(s.largestComponentNodes / s.nodes).toBeGreaterThan(0.9);
    expect(plain.stats.components).toBeLessThan(s.components);
  });

  it('numbers nodes in no spatial order (buildRoadGraph then renumbers them)', () => {
    // in the order the roads arrive, consecutive node ids are as far apart as random pairs
    const inInputOrder = (c: ReturnType<typeof generateCity>) =>
      buildRoadGraph(importGeoJsonRoads(c.roads), { vertexOrder: 'input' });
    const meanStep = (g: typeof graph): number => {
      let sum = 0;
      const n = Math.min(5000, g.nodeCount - 1);
      for (let i = 0; i < n; i++)
        sum += haversineM(g.nodeLon[i], g.nodeLat[i], g.nodeLon[i + 1], g.nodeLat[i + 1]);
      return sum / n;
    };
    const hardInput = inInputOrder(city);
    const plainInput = inInputOrder(generateCity({ seed: 7, targetNodes: 20_000 }));
    expect(meanStep(hardInput)).toBeGreaterThan(10 * meanStep(plainInput));
    // the default build numbers them along a Hilbert curve: neighbours again
    expect(meanStep(graph)).toBeLessThan(2 * meanStep(plainInput));
  });

  it('has one thin district and keeps every place on a street', () => {
    const d = city.districts.features.map((f) => f.properties.density ?? 0);
    expect(d.filter((v) => v === 0.15)).toHaveLength(1);
    expect(Math.max(...d)).toBeGreaterThan(0.6);
    for (const p of [...city.stations.features, ...city.checkpoints.features]) {
      const [lon, lat] = p.geometry.coordinates;
      expect(snapPoint(graph, { lon, lat })!.distanceM).toBeLessThan(0.5);
    }
  });
});
