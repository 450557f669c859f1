/**
 * The neutral intermediate form every importer (OSM XML, OSM PBF, GeoJSON) produces and
 * {@link buildRoadGraph} consumes: points plus tagged ways, before any car-profile decision.
 */
export type RoadNetworkFormat = 'osm-xml' | 'osm-pbf' | 'geojson';

export type RoadNetworkImportErrorCode =
  'empty-input' | 'malformed' | 'unsupported' | 'no-drivable-roads';

/** Thrown by importers and the graph builder; nothing half-built is ever returned. */
export class RoadNetworkImportError extends Error {
  override readonly name = 'RoadNetworkImportError';
  constructor(
    readonly code: RoadNetworkImportErrorCode,
    message: string,
    readonly format?: RoadNetworkFormat,
  ) {
    super(format ? `${format}: ${message}` : message);
  }
}

/** A way with the tags routing needs; `refs` index into the draft's point arrays, -1 = missing. */
export interface DraftWay {
  id: string;
  refs: Int32Array;
  highway: string;
  oneway?: string;
  junction?: string;
  maxspeed?: string;
  name?: string;
}

export interface RoadNetworkDraft {
  format: RoadNetworkFormat;
  pointCount: number;
  pointLon: Float64Array;
  pointLat: Float64Array;
  /** Ways carrying a `highway` tag (all classes: the car profile filters later). */
  ways: DraftWay[];
  /** Way node references that pointed at nodes absent from the file (clipped extracts). */
  missingRefs: number;
}

/** Growable lon/lat store shared by the importers. */
export class PointStore {
  lon = new Float64Array(1024);
  lat = new Float64Array(1024);
  count = 0;

  add(lon: number, lat: number): number {
    if (this.count === this.lon.length) {
      const lon2 = new Float64Array(this.count * 2);
      lon2.set(this.lon);
      const lat2 = new Float64Array(this.count * 2);
      lat2.set(this.lat);
      this.lon = lon2;
      this.lat = lat2;
    }
    this.lon[this.count] = lon;
    this.lat[this.count] = lat;
    return this.count++;
  }
}

/** Growable Int32 list, used to collect refs without boxing. */
export class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity = 64) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Resolves OSM node ids to point indices once all elements are read, because PBF blocks (and
 * hand-edited XML) may list ways before their nodes.
 */
export function resolveOsmDraft(
  format: RoadNetworkFormat,
  nodeIds: Map<number, number>,
  points: PointStore,
  rawWays: { id: string; refIds: number[]; tags: Map<string, string> }[],
): RoadNetworkDraft {
  let missingRefs = 0;
  const ways: DraftWay[] = [];
  for (const w of rawWays) {
    const highway = w.tags.get('highway');
    if (!highway) continue;
    const refs = new Int32Array(w.refIds.length);
    for (let i = 0; i < refs.length; i++) {
      const idx = nodeIds.get(w.refIds[i]);
      if (idx === undefined) {
        refs[i] = -1;
        missingRefs++;
      } else refs[i] = idx;
    }
    ways.push({
      id: w.id,
      refs,
      highway,
      oneway: w.tags.get('oneway'),
      junction: w.tags.get('junction'),
      maxspeed: w.tags.get('maxspeed'),
      name: w.tags.get('name'),
    });
  }
  return {
    format,
    pointCount: points.count,
    pointLon: points.lon,
    pointLat: points.lat,
    ways,
    missingRefs,
  };
}
