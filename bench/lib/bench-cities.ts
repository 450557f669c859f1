/**
 * The cities every routing, coverage and sealing benchmark runs on: the hard synthetic city
 * (250k nodes: over 30 % one-way, shape points, hundreds of strongly connected components,
 * roads listed in no spatial order, one thin district) and the two real networks in ../shared/data
 * (read from there, never copied). A real city that is missing is reported as skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { booleanPointInPolygon } from '@turf/turf';
import {
  buildRoadGraph,
  generateCity,
  importGeoJsonRoads,
  importOsmXml,
  type LonLat,
  type RoadGraph,
  type SyntheticCity,
} from '../../libs/routing/src';
import { streetPoint } from './bench-utils';

export interface BenchCity {
  name: string;
  graph: RoadGraph;
  /** ms to read and build the graph (synthetic: generate + import + build). */
  buildMs: number;
  /** Districts with a unit density (synthetic city only). */
  districts?: SyntheticCity['districts']['features'];
  synthetic?: SyntheticCity;
  /** Units this city is benchmarked with (2,000 on the 250k city, 200 on a real extract). */
  units: number;
}

export const HARD_CITY = { seed: 1, targetNodes: 250_000, hard: true } as const;

export function sharedDataDir(): string {
  return process.env.SHARED_DATA_DIR ?? path.resolve(process.cwd(), '../shared/data');
}

export function hardCity(seed: number = HARD_CITY.seed): BenchCity {
  const t0 = performance.now();
  const synthetic = generateCity({ ...HARD_CITY, seed });
  const graph = buildRoadGraph(importGeoJsonRoads(synthetic.roads));
  return {
    name: 'hard-synthetic-250k',
    graph,
    buildMs: Math.round(performance.now() - t0),
    districts: synthetic.districts.features,
    synthetic,
    units: 2000,
  };
}

/** The real extracts present in ../shared/data, and the names of those that are not. */
export function realCities(): { cities: BenchCity[]; skipped: string[] } {
  const dir = sharedDataDir();
  const cities: BenchCity[] = [];
  const skipped: string[] = [];
  const load = (name: string, file: string, parse: (buf: Buffer) => RoadGraph): void => {
    const p = path.join(dir, file);
    if (!fs.existsSync(p)) {
      skipped.push(`${name}: ${p} missing`);
      return;
    }
    const t0 = performance.now();
    const graph = parse(fs.readFileSync(p));
    cities.push({ name, graph, buildMs: Math.round(performance.now() - t0), units: 200 });
  };
  load('chengdu-osm', 'chengdu-center-2018.osm', (b) => buildRoadGraph(importOsmXml(b)));
  load('shenzhen-futian', 'shenzhen-futian-roads.geojson', (b) =>
    // as the product imports a GeoJSON network (road-network.service): ends within 20 m joined
    buildRoadGraph(
      importGeoJsonRoads(JSON.parse(b.toString('utf8')), { joinEndpointsWithinM: 20 }),
    ),
  );
  return { cities, skipped };
}

/**
 * A street point where units are: on the synthetic city, districts are picked by their density
 * (one thin district holds few units); on a real city, uniform over its streets.
 */
export function unitPoint(city: BenchCity, rand: () => number): LonLat {
  const ds = city.districts;
  if (!ds?.length) return streetPoint(city.graph, rand);
  const max = Math.max(...ds.map((d) => d.properties.density ?? 1));
  for (;;) {
    const p = streetPoint(city.graph, rand);
    const d = ds.find((f) => booleanPointInPolygon([p.lon, p.lat], f.geometry));
    if (rand() * max < (d?.properties.density ?? 1)) return p;
  }
}

/** What a city looks like to the router, for the JSON. */
export function cityStats(city: BenchCity): Record<string, unknown> {
  const s = city.graph.stats;
  return {
    nodes: s.nodes,
    segments: s.segments,
    oneWayPct: Math.round((s.oneWaySegments / s.segments) * 1000) / 10,
    shapePoints: s.shapePoints,
    components: s.components,
    largestComponentNodes: s.largestComponentNodes,
    buildMs: city.buildMs,
    units: city.units,
  };
}
