import { localProjection } from './geo-math';
import {
  IntList,
  PointStore,
  RoadNetworkImportError,
  type DraftWay,
  type RoadNetworkDraft,
} from './road-network-draft';

export interface GeoJsonImportOptions {
  /**
   * Join line ends lying within this many metres of each other (default 0: only identical
   * coordinates join). Networks converted from simulators (SUMO) end each road at the edge of
   * the junction area, metres away from the next road's start; without joining, every
   * junction would be a gap.
   */
  joinEndpointsWithinM?: number;
}

/** Properties the GeoJSON importer reads from each road feature. */
export interface RoadFeatureProperties {
  highway?: string;
  oneway?: string | number | boolean;
  maxspeed?: string | number;
  name?: string;
  junction?: string;
  [key: string]: unknown;
}

export interface RoadFeatureCollection {
  type: 'FeatureCollection';
  features: {
    type: 'Feature';
    properties: RoadFeatureProperties | null;
    geometry: { type: string; coordinates: unknown } | null;
  }[];
}

function fail(message: string): never {
  throw new RoadNetworkImportError('malformed', message, 'geojson');
}

function propString(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  // Objects and arrays are not tag values; ignore them rather than store "[object Object]".
  return undefined;
}

/**
 * Reads a GeoJSON FeatureCollection of LineString / MultiLineString roads (properties
 * `highway`, `oneway`, `maxspeed`, `name`) into the neutral draft form. Lines join where they
 * share a coordinate (equal to 1e-7°, ~1 cm), which is how converters write shared nodes.
 * Non-line features are ignored.
 *
 * @throws RoadNetworkImportError on empty or malformed input.
 */
export function importGeoJsonRoads(
  input: string | Uint8Array | RoadFeatureCollection,
  options: GeoJsonImportOptions = {},
): RoadNetworkDraft {
  let fc: RoadFeatureCollection;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
    if (text.trim().length === 0)
      throw new RoadNetworkImportError('empty-input', 'the file is empty', 'geojson');
    try {
      fc = JSON.parse(text) as RoadFeatureCollection;
    } catch (e) {
      return fail(`not valid JSON (${(e as Error).message})`);
    }
  } else fc = input;
  if (
    !fc ||
    typeof fc !== 'object' ||
    fc.type !== 'FeatureCollection' ||
    !Array.isArray(fc.features)
  ) {
    fail('expected a GeoJSON FeatureCollection');
  }
  if (fc.features.length === 0)
    throw new RoadNetworkImportError(
      'empty-input',
      'the FeatureCollection has no features',
      'geojson',
    );

  const points = new PointStore();
  const byCoord = new Map<string, number>();
  const ways: DraftWay[] = [];
  const pointIndex = (c: unknown, featureIdx: number): number => {
    if (!Array.isArray(c) || c.length < 2)
      fail(`feature ${featureIdx}: a position must be [lon, lat]`);
    const lon = c[0] as number;
    const lat = c[1] as number;
    if (
      typeof lon !== 'number' ||
      typeof lat !== 'number' ||
      !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)
    ) {
      fail(`feature ${featureIdx}: invalid position [${String(c[0])}, ${String(c[1])}]`);
    }
    const key = `${Math.round(lon * 1e7)},${Math.round(lat * 1e7)}`;
    let idx = byCoord.get(key);
    if (idx === undefined) {
      idx = points.add(lon, lat);
      byCoord.set(key, idx);
    }
    return idx;
  };

  fc.features.forEach((f, i) => {
    if (!f || f.type !== 'Feature') fail(`feature ${i} is not a GeoJSON Feature`);
    const g = f.geometry;
    if (!g || (g.type !== 'LineString' && g.type !== 'MultiLineString')) return;
    const p = f.properties ?? {};
    const highway = propString(p.highway);
    if (!highway) return;
    const lines = (g.type === 'LineString' ? [g.coordinates] : g.coordinates) as unknown[];
    if (!Array.isArray(lines)) fail(`feature ${i}: coordinates must be an array`);
    lines.forEach((line, j) => {
      if (!Array.isArray(line)) fail(`feature ${i}: a line must be an array of positions`);
      const refs = new IntList(line.length);
      for (const c of line) refs.push(pointIndex(c, i));
      ways.push({
        id: lines.length > 1 ? `${i}.${j}` : String(i),
        refs: refs.toArray(),
        highway,
        oneway: propString(p.oneway),
        junction: propString(p.junction),
        maxspeed: propString(p.maxspeed),
        name: propString(p.name),
      });
    });
  });
  const tol = options.joinEndpointsWithinM ?? 0;
  if (tol > 0) joinNearbyEndpoints(ways, points, tol);
  return {
    format: 'geojson',
    pointCount: points.count,
    pointLon: points.lon,
    pointLat: points.lat,
    ways,
    missingRefs: 0,
  };
}

/**
 * Merges line ends closer than `tol` metres (union-find over a hash grid of cell `tol`), so
 * every end of a cluster becomes the cluster's first point. Chains are allowed on purpose: the
 * ends around one junction area are each a few metres from their neighbours.
 */
function joinNearbyEndpoints(ways: DraftWay[], points: PointStore, tol: number): void {
  const ends: number[] = [];
  const seen = new Set<number>();
  for (const w of ways) {
    for (const p of [w.refs[0], w.refs[w.refs.length - 1]]) {
      if (!seen.has(p)) {
        seen.add(p);
        ends.push(p);
      }
    }
  }
  if (ends.length === 0) return;
  const proj = localProjection(points.lon[ends[0]], points.lat[ends[0]]);
  const x = new Float64Array(ends.length);
  const y = new Float64Array(ends.length);
  const cells = new Map<string, number[]>();
  ends.forEach((p, i) => {
    x[i] = (points.lon[p] - proj.lon0) * proj.kx;
    y[i] = (points.lat[p] - proj.lat0) * proj.ky;
    const key = `${Math.floor(x[i] / tol)},${Math.floor(y[i] / tol)}`;
    const list = cells.get(key);
    if (list) list.push(i);
    else cells.set(key, [i]);
  });
  const parent = Int32Array.from(ends.keys());
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]]!;
    return i;
  };
  ends.forEach((_, i) => {
    const cx = Math.floor(x[i] / tol);
    const cy = Math.floor(y[i] / tol);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const j of cells.get(`${cx + dx},${cy + dy}`) ?? []) {
          if (j <= i || Math.hypot(x[i] - x[j], y[i] - y[j]) > tol) continue;
          const a = find(i);
          const b = find(j);
          // The lower index wins so the result does not depend on visiting order.
          if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
        }
      }
    }
  });
  const rep = new Map<number, number>();
  ends.forEach((p, i) => rep.set(p, ends[find(i)]));
  for (const w of ways) {
    const last = w.refs.length - 1;
    w.refs[0] = rep.get(w.refs[0])!;
    w.refs[last] = rep.get(w.refs[last])!;
  }
}
