import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildRoadGraph,
  generateCity,
  importGeoJsonRoads,
  snapPoint,
  type RoadGraph,
} from '@ringcad/routing';
import { DEFAULT_CITY_SEED, demoCity, fleetCounts, locateInCity, planFleet } from './demo-city';
import { inBox } from './geo';
import { areaCovers, areaDeg2 } from './station-areas';

describe('the demo city', () => {
  const city = demoCity();
  let graph: RoadGraph;
  beforeAll(() => {
    // exactly what the api loads with DEMO=1 and no road network
    graph = buildRoadGraph(importGeoJsonRoads(generateCity({ seed: DEFAULT_CITY_SEED }).roads));
  });

  it("is the api's demo city: the same seed as its DEMO_CITY_SEED", () => {
    const service = readFileSync(
      join(__dirname, '../../../libs/core/src/roads/road-network.service.ts'),
      'utf8',
    );
    expect(service).toMatch(new RegExp(`DEMO_CITY_SEED = ${DEFAULT_CITY_SEED};`));
    expect(city.seed).toBe(DEFAULT_CITY_SEED);
    expect(city.roads).toEqual(generateCity({ seed: DEFAULT_CITY_SEED }).roads);
  });

  it('is the same city for the same seed', () => {
    expect(demoCity(110)).toEqual(city);
    expect(demoCity(111).standbyPoints).not.toEqual(city.standbyPoints);
  });

  it("takes the routing city's districts, stations, checkpoints, standby points and hotspots", () => {
    const g = generateCity({ seed: DEFAULT_CITY_SEED });
    expect(city.districts.map((d) => d.name)).toEqual(
      g.districts.features.map((f) => f.properties.name),
    );
    expect(city.districts.flatMap((d) => d.stations.map((s) => s.name)).sort()).toEqual(
      g.stations.features.map((f) => f.properties.name).sort(),
    );
    expect(city.standbyPoints).toHaveLength(g.standbyPoints.features.length);
    expect(city.hotspots).toHaveLength(g.hotspots.features.length);
    // corners of the city are the exit of two roads: one checkpoint per spot
    const spots = new Set(city.checkpoints.map((c) => `${c.location.lon},${c.location.lat}`));
    expect(spots.size).toBe(city.checkpoints.length);
    expect(city.checkpoints.length).toBeGreaterThanOrEqual(8);
    expect(new Set(city.checkpoints.map((c) => c.name)).size).toBe(city.checkpoints.length);
    expect(new Set(city.standbyPoints.map((p) => p.name)).size).toBe(city.standbyPoints.length);
    expect(city.standbyPoints.some((p) => p.kind === 'kiosk')).toBe(true);
    expect(city.streets.length).toBeGreaterThan(20);
  });

  it('puts stations, checkpoints, standby points and hotspots on its streets (within 30 m of a road)', () => {
    const places = [
      ...city.districts.flatMap((d) => d.stations),
      ...city.checkpoints,
      ...city.standbyPoints,
      ...city.hotspots,
    ];
    for (const p of places) {
      const snapped = snapPoint(graph, p.location, { maxSnapM: 30 });
      expect({ name: p.name, onRoad: snapped !== null }).toEqual({ name: p.name, onRoad: true });
      expect(snapped!.distanceM).toBeLessThan(30);
      expect(inBox(p.location, city.box)).toBe(true);
    }
  });

  it("tiles every district with its stations' areas, each station inside its own", () => {
    const area = (b: (typeof city.districts)[number]['box']) =>
      (b.east - b.west) * (b.north - b.south);
    const cityArea = area(city.box);
    expect(city.districts.reduce((s, d) => s + area(d.box), 0)).toBeCloseTo(cityArea, 8);
    for (const d of city.districts) {
      expect(d.stations.length).toBeGreaterThan(0);
      expect(d.stations.reduce((s, st) => s + areaDeg2(st.boundary), 0)).toBeCloseTo(
        area(d.box),
        8,
      );
      for (const s of d.stations) {
        expect(areaCovers(s.boundary, s.location)).toBe(true);
        expect(inBox(s.location, d.box)).toBe(true);
      }
      // no overlaps: a grid of points inside the district lies in exactly one station area
      for (let i = 0.5; i < 20; i++) {
        for (let j = 0.5; j < 20; j++) {
          const p = {
            lon: d.box.west + ((d.box.east - d.box.west) * i) / 20,
            lat: d.box.south + ((d.box.north - d.box.south) * j) / 20,
          };
          expect(d.stations.filter((s) => areaCovers(s.boundary, p))).toHaveLength(1);
        }
      }
    }
  });

  it('locates a point in its district and station', () => {
    const d = city.districts[1];
    const s = d.stations[0];
    expect(locateInCity(city, s.location)).toEqual({ district: 1, station: 0 });
    expect(locateInCity(city, { lon: 0, lat: 0 })).toEqual({ district: -1, station: -1 });
  });

  it.each([40, 6, 7, 1])(
    'makes a fleet of %i with the 60/15/15/10 mix and unique callsigns',
    (n) => {
      const counts = fleetCounts(n);
      expect([...counts.values()].reduce((s, c) => s + c, 0)).toBe(n);
      if (n === 40)
        expect(Object.fromEntries(counts)).toEqual({
          patrol_car: 24,
          motorcycle: 6,
          foot: 6,
          kiosk: 4,
        });
      const fleet = planFleet(city, n);
      expect(fleet).toHaveLength(n);
      expect(new Set(fleet.map((u) => u.callsign)).size).toBe(n);
      for (const u of fleet.filter((f) => f.kind === 'kiosk'))
        expect(city.standbyPoints[u.home].kind).toBe('kiosk');
      for (const u of fleet) {
        const station = city.districts[u.district].stations[u.station];
        expect(areaCovers(station.boundary, city.standbyPoints[u.home].location)).toBe(true);
      }
      expect(fleet[0].callsign).toBe('川A-巡01');
    },
  );
});
