import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import {
  DIR_BACKWARD,
  DIR_FORWARD,
  RoadNetworkImportError,
  ROAD_CLASSES,
  buildRoadGraph,
  deserializeRoadGraph,
  warmSnapIndex,
  generateCity,
  ISOCHRONE_CELL_M,
  SEALING_CELL_M,
  warmRaster,
  importGeoJsonRoads,
  importOsmPbf,
  importOsmXml,
  OsmPbfStreamImport,
  serializeRoadGraph,
  type RoadGraph,
  type RoadNetworkDraft,
  type SnappedPoint,
} from '@ringcad/routing';
import { encodeRoadTile, indexStreets, type StreetTileIndex } from './vector-tiles';
import { UnitSnaps, type UnitFix } from './unit-snaps';
import { RoutingThread, type IsochroneQuery } from './routing-thread';
import {
  Clock,
  type AppConfig,
  DatabaseService,
  DomainError,
  APP_CONFIG,
  MetricsService,
} from '../platform';
import {
  activateRoadNetwork,
  activeNetworkId,
  insertRoadEdges,
  insertRoadNetwork,
  lockRoadImports,
  roadNetworkById,
  roadSegments,
  streetLines,
  type EdgeColumns,
  type RoadNetworkSummaryRow,
} from './road-network.queries';

/** The seed of the demo city: the simulator builds the same city from the same seed. */
export const DEMO_CITY_SEED = 110;
/** Other api instances notice a newly imported network within this time. */
const RELOAD_CHECK_MS = 30_000;
const EDGE_CHUNK = 2000;
const gzipAsync = promisify(gzip);

/**
 * Side streets: the console draws them only from z12.5, so it asks for them apart
 * (`classes=minor`) and for the rest first (`classes=major`).
 */
export const MINOR_ROAD_CLASSES: readonly string[] = [
  'unclassified',
  'residential',
  'living_street',
  'service',
];
export type RoadClassGroup = 'major' | 'minor';

/** A road GeoJSON answer kept ready to send: the JSON, its gzip (made once) and its ETag. */
export interface RoadGeoJson {
  etag: string;
  body: string;
  gzip: Buffer;
}

export interface RoadTile {
  etag: string;
  /** MVT bytes; empty where no street crosses the tile. */
  body: Buffer;
  gzip: Buffer;
}

/** Road tiles are cut down to this zoom; deeper views over-zoom them. */
export const ROAD_TILE_MAX_ZOOM = 14;
/** Side streets are in tiles from this zoom (the console draws them from 12.5). */
export const ROAD_TILE_MINOR_FROM_ZOOM = 12;
/** Cut tiles kept per process (a city's views at the zooms a dispatcher uses). */
const ROAD_TILE_CACHE_SIZE = 4000;

export interface RoadNetworkSummary {
  id: number;
  source: string;
  format: string;
  importedAt: string;
  nodes: number;
  segments: number;
  edges: number;
  bbox: [number, number, number, number];
  islands: { components: number; largestComponentNodes: number; islandNodes: number };
}

/** Road network file formats we read, by file name. */
export function detectFormat(path: string): 'osm' | 'pbf' | 'geojson' {
  const lower = path.toLowerCase();
  if (lower.endsWith('.osm.pbf') || lower.endsWith('.pbf')) return 'pbf';
  if (lower.endsWith('.osm') || lower.endsWith('.osm.xml') || lower.endsWith('.xml')) return 'osm';
  if (lower.endsWith('.geojson') || lower.endsWith('.json')) return 'geojson';
  throw new DomainError(
    'VALIDATION_FAILED',
    `unknown road network format: ${basename(path)} (expected .osm, .osm.pbf or .geojson)`,
  );
}

/**
 * Holds the active road network in memory (typed arrays) for ETAs and isochrones, and in
 * PostGIS (`road_edges`) for SQL. An import is all-or-nothing: a bad file leaves the loaded
 * network untouched.
 */
@Injectable()
export class RoadNetworkService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RoadNetworkService.name);
  private current: {
    id: number;
    graph: RoadGraph;
    summary: RoadNetworkSummary;
    /** Of the imported file (null for networks imported before it was recorded, or drafts). */
    sourceSha256: string | null;
  } | null = null;
  private readonly thread = new RoutingThread();
  private readonly snaps = new UnitSnaps(this.thread);
  private readonly loadedListeners: ((graph: RoadGraph) => void)[] = [];
  private reloadTimer?: NodeJS.Timeout;
  private readonly geojsonCache = new Map<string, RoadGeoJson>();
  /** The active network's streets projected and indexed for tiles, built on the first tile asked. */
  private tileStreets: { id: number; index: Promise<StreetTileIndex> } | null = null;
  private readonly tileCache = new Map<string, RoadTile>();
  private streetIndex?: {
    graph: RoadGraph;
    streets: { label: string; key: string; lon: number; lat: number }[];
  };

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    metrics.countSnapsWith(() => this.snaps.counts);
  }

  async onApplicationBootstrap() {
    await this.loadActive();
    if (this.config.ROAD_NETWORK) {
      await this.applyConfiguredNetwork(this.config.ROAD_NETWORK);
    } else if (!this.current && this.config.DEMO) {
      await this.importDraft(
        importGeoJsonRoads(generateCity({ seed: DEMO_CITY_SEED }).roads),
        `synthetic demo city (seed ${DEMO_CITY_SEED})`,
      );
    }
    this.reloadTimer = setInterval(() => {
      this.loadActive().catch((err: Error) =>
        this.logger.warn(`road network reload check failed: ${err.message}`),
      );
    }, RELOAD_CHECK_MS);
    this.reloadTimer.unref();
  }

  /**
   * `ROAD_NETWORK` on start: imported when nothing is loaded, kept when it is the file the
   * loaded network came from (same SHA-256), and otherwise imported to replace it — said in the
   * log either way, never ignored. A file that cannot be read or parsed fails the start with
   * the reason (the loaded network stays in the database untouched).
   */
  private async applyConfiguredNetwork(path: string) {
    let sha: string;
    try {
      sha = fileSha256(path);
    } catch (err) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `ROAD_NETWORK=${path} cannot be read: ${(err as Error).message}`,
      );
    }
    const loaded = this.current;
    if (loaded && loaded.sourceSha256 === sha) {
      this.logger.log(
        `ROAD_NETWORK ${basename(path)} is the loaded road network #${loaded.id} (sha256 ${sha.slice(0, 12)}): kept`,
      );
      return;
    }
    if (loaded)
      this.logger.warn(
        `ROAD_NETWORK ${basename(path)} (sha256 ${sha.slice(0, 12)}) differs from the loaded road network #${loaded.id} ` +
          `${loaded.summary.source} (${loaded.sourceSha256 ? `sha256 ${loaded.sourceSha256.slice(0, 12)}` : 'no recorded checksum'}): importing it to replace it`,
      );
    let summary: RoadNetworkSummary;
    try {
      summary = await this.importFile(path, undefined, sha);
    } catch (err) {
      if (err instanceof DomainError)
        throw new DomainError(err.code, `ROAD_NETWORK=${path}: ${err.message}`, err.details);
      throw err;
    }
    this.logger.log(
      loaded
        ? `road network replaced: #${loaded.id} ${loaded.summary.source} → #${summary.id} ${summary.source}`
        : `ROAD_NETWORK ${summary.source} imported as #${summary.id}`,
    );
  }

  async onApplicationShutdown() {
    if (this.reloadTimer) clearInterval(this.reloadTimer);
    this.snaps.close();
    await this.thread.close();
  }

  get graph(): RoadGraph | null {
    return this.current?.graph ?? null;
  }

  summary(): RoadNetworkSummary | null {
    return this.current?.summary ?? null;
  }

  requireGraph(): RoadGraph {
    if (!this.current)
      throw new DomainError(
        'UNAVAILABLE',
        'no road network is loaded (set ROAD_NETWORK or run npm run import -- <file>)',
      );
    return this.current.graph;
  }

  /**
   * A unit's (or a place's) snap: the one kept for it when it is the same place, or, given the
   * fix's time `atMs`, the same unit's fix snapped ahead a moment earlier and a few metres away
   * (`UnitSnaps`); otherwise snapped now.
   */
  snapFor(id: string, lon: number, lat: number, atMs?: number): SnappedPoint | null {
    const g = this.current?.graph;
    return g ? this.snaps.get(g, id, lon, lat, atMs) : null;
  }

  /** Positions as they arrive: snapped in the snapping thread, so requests find them snapped. */
  snapAhead(fixes: Iterable<[string, UnitFix]>): void {
    const g = this.current?.graph;
    if (g) this.snaps.ahead(g, fixes);
  }

  /**
   * Isochrones around a point as the answer's bytes (GeoJSON FeatureCollection, UTF-8, gzipped
   * when asked), drawn, serialised and compressed in the routing thread: a city-wide search,
   * raster and a few hundred kB of JSON never hold up the event loop that answers 110 calls.
   */
  async isochrones(q: IsochroneQuery): Promise<Buffer> {
    const { bytes, kept } = await this.thread.isochrones(this.requireGraph(), q);
    this.metrics.isochroneSets.inc({ answered: kept ? 'kept' : 'drawn' });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * `fn` is told of every network loaded from now on (at start and when one is imported), before
   * any request uses it, to prepare for it (a listener's failure is its own: it is logged).
   */
  onNetworkLoaded(fn: (graph: RoadGraph) => void): void {
    this.loadedListeners.push((graph) => {
      try {
        fn(graph);
      } catch (err) {
        this.logger.warn(`preparing for the road network failed: ${(err as Error).message}`);
      }
    });
  }

  /**
   * Draws the isochrones a console is about to ask for (the rings of an incident just created),
   * in the routing thread, with nobody waiting: the thread keeps its recent sets, so the ask that
   * follows is answered from them. Nothing happens without a road network; a failure is the ask's
   * to meet again.
   */
  drawAhead(point: { lon: number; lat: number }, minutes: number[], at: Date): void {
    const graph = this.current?.graph;
    if (!graph || !minutes.length) return;
    this.thread.drawAhead(graph, { ...point, minutes, direction: 'to', at, gzip: true }).then(
      () => this.metrics.isochroneSets.inc({ answered: 'ahead' }),
      () => undefined,
    );
  }

  private async loadActive() {
    const id = await activeNetworkId(this.database.db);
    if (id === undefined || id === this.current?.id) return;
    const r = await roadNetworkById(this.database.db, id);
    // imported meanwhile by another instance, which dropped this one: the next check loads it
    if (!r) return;
    const bytes = r.graph;
    const graph = deserializeRoadGraph(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    );
    // built here, once per network, rather than by the first recommendation of a 110 call
    warmSnapIndex(graph);
    // and the cells each road passes through (and the roads' and nodes' boxes), for the rings
    // drawn on this thread (replay's areas, sealing's reach): not by the first of each
    // (0.2–0.3 s on a 250k-node city)
    warmRaster(graph, [ISOCHRONE_CELL_M, SEALING_CELL_M]);
    const stats = r.stats as { sourceSha256?: string };
    this.current = { id, graph, summary: toSummary(r), sourceSha256: stats.sourceSha256 ?? null };
    for (const fn of this.loadedListeners) fn(graph);
    // the routing thread takes the graph, builds its snapping index and draws once now, rather
    // than while the first console that opens an incident waits
    const v = graph.nodeComponent.indexOf(graph.largestComponent);
    if (v >= 0)
      this.thread
        .drawAhead(graph, {
          lon: graph.nodeLon[v],
          lat: graph.nodeLat[v],
          minutes: [1],
          direction: 'to',
          at: new Date(),
          gzip: false,
        })
        .catch(() => undefined);
    this.logger.log(`road network ${r.source}: ${r.nodes} nodes, ${r.segments} segments`);
  }

  /**
   * Imports a road network file. A PBF is read and decoded chunk by chunk (never the whole file
   * in memory), with progress every 10 % in the log and to `onProgress`; XML and GeoJSON are
   * parsed whole.
   */
  async importFile(
    path: string,
    onProgress?: (line: string) => void,
    knownSha256?: string,
  ): Promise<RoadNetworkSummary> {
    const format = detectFormat(path);
    let draft: RoadNetworkDraft;
    let sha: string;
    try {
      if (format === 'pbf') {
        [draft, sha] = this.streamPbf(path, onProgress);
      } else {
        const bytes = readFileSync(path);
        sha = sha256(bytes);
        draft = this.parse(format, bytes);
      }
    } catch (err) {
      if (err instanceof DomainError) throw err;
      throw new DomainError('VALIDATION_FAILED', `cannot read ${path}: ${(err as Error).message}`);
    }
    if (knownSha256 && knownSha256 !== sha)
      throw new DomainError('CONFLICT', `${path} changed while it was being imported`);
    return this.importDraft(draft, basename(path), sha);
  }

  private streamPbf(path: string, onProgress?: (line: string) => void): [RoadNetworkDraft, string] {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const stream = new OsmPbfStreamImport();
      const hash = createHash('sha256');
      // about twenty reads per file, 64 KiB to 4 MiB each: progress shows even on a small file
      const chunk = Buffer.alloc(Math.min(4 << 20, Math.max(64 << 10, Math.ceil(size / 20))));
      const started = Date.now();
      let nextReport = 0.1;
      const report = (final: boolean) => {
        const p = stream.progress;
        const line =
          `importing ${basename(path)}: ${size ? Math.round((p.bytesRead / size) * 100) : 100}% ` +
          `(${(p.bytesRead / 1048576).toFixed(1)} of ${(size / 1048576).toFixed(1)} MB, ${p.blocks} blocks, ` +
          `${p.nodes} nodes, ${p.highwayWays} highway ways, ${Date.now() - started} ms)${final ? ' read' : ''}`;
        this.logger.log(line);
        onProgress?.(line);
      };
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        const piece = chunk.subarray(0, n);
        hash.update(piece);
        try {
          stream.push(piece);
        } catch (err) {
          throw this.asValidation(err);
        }
        const read = stream.progress.bytesRead;
        if (read < size && read / size >= nextReport) {
          report(false);
          while (stream.progress.bytesRead / size >= nextReport) nextReport += 0.1;
        }
      }
      report(true);
      try {
        return [stream.finish(), hash.digest('hex')];
      } catch (err) {
        throw this.asValidation(err);
      }
    } finally {
      closeSync(fd);
    }
  }

  private asValidation(err: unknown): unknown {
    return err instanceof RoadNetworkImportError
      ? new DomainError('VALIDATION_FAILED', err.message, { code: err.code })
      : err;
  }

  /** Parses without touching the database; throws VALIDATION_FAILED for malformed input. */
  parse(format: 'osm' | 'pbf' | 'geojson', bytes: Uint8Array): RoadNetworkDraft {
    try {
      if (format === 'osm') return importOsmXml(bytes);
      if (format === 'pbf') return importOsmPbf(bytes);
      return importGeoJsonRoads(bytes, { joinEndpointsWithinM: 20 });
    } catch (err) {
      if (err instanceof RoadNetworkImportError)
        throw new DomainError('VALIDATION_FAILED', err.message, { code: err.code });
      throw err;
    }
  }

  async importDraft(
    draft: RoadNetworkDraft,
    source: string,
    sourceSha256?: string,
  ): Promise<RoadNetworkSummary> {
    let graph: RoadGraph;
    try {
      graph = buildRoadGraph(draft);
    } catch (err) {
      if (err instanceof RoadNetworkImportError)
        throw new DomainError('VALIDATION_FAILED', err.message, { code: err.code });
      throw err;
    }
    const bbox = boundsOf(graph);
    const blob = new Uint8Array(serializeRoadGraph(graph));
    const now = this.clock.now();
    const id = await this.database.transaction(async (tx) => {
      await lockRoadImports(tx);
      const networkId = await insertRoadNetwork(tx, {
        source,
        format: graph.stats.format,
        imported_at: now,
        nodes: graph.nodeCount,
        segments: graph.segmentCount,
        edges: graph.edgeCount,
        bbox,
        stats: sourceSha256 ? { ...graph.stats, sourceSha256 } : graph.stats,
        graph: blob,
      });
      for (let start = 0; start < graph.segmentCount; start += EDGE_CHUNK) {
        const end = Math.min(graph.segmentCount, start + EDGE_CHUNK);
        await insertRoadEdges(tx, networkId, edgeColumns(graph, start, end));
      }
      await activateRoadNetwork(tx, networkId);
      return networkId;
    });
    await this.loadActive();
    this.logger.log(`imported road network ${source} as #${id}`);
    return this.summary() as RoadNetworkSummary;
  }

  /**
   * Road segments inside a bounding box as GeoJSON with an ETag and its gzip, cached per network,
   * box and class group: every console asks for the same city on load, and compressing megabytes
   * of JSON for each of them would hold the event loop.
   */
  async geojsonCached(
    bbox: [number, number, number, number],
    classes?: RoadClassGroup,
  ): Promise<RoadGeoJson> {
    const id = this.current?.id ?? 0;
    const key = `${id}:${classes ?? 'all'}:${bbox.map((v) => v.toFixed(6)).join(',')}`;
    const hit = this.geojsonCache.get(key);
    if (hit) return hit;
    const body = JSON.stringify(
      classes ? await this.streetsGeojson(bbox, classes) : await this.geojson(bbox),
    );
    const entry = {
      etag: `"rn-${id}-${createHash('sha1').update(key).digest('hex').slice(0, 16)}"`,
      body,
      gzip: await gzipAsync(body),
    };
    if (this.geojsonCache.size > 50) this.geojsonCache.clear();
    this.geojsonCache.set(key, entry);
    return entry;
  }

  /**
   * The basemap's streets in tile z/x/y (MVT, layer `roads`), cut from the active network and
   * cached with its gzip: the console loads only the tiles in view, each simplified for its zoom.
   */
  async roadTile(z: number, x: number, y: number): Promise<RoadTile> {
    const id = this.current?.id ?? 0;
    const key = `${id}/${z}/${x}/${y}`;
    const hit = this.tileCache.get(key);
    if (hit) return hit;
    if (this.tileStreets?.id !== id) {
      this.tileCache.clear();
      const index = this.loadTileStreets().catch((err: unknown) => {
        this.tileStreets = null;
        throw err;
      });
      this.tileStreets = { id, index };
    }
    const body = Buffer.from(
      encodeRoadTile(await this.tileStreets.index, z, x, y, {
        minorFromZoom: ROAD_TILE_MINOR_FROM_ZOOM,
        maxZoom: ROAD_TILE_MAX_ZOOM,
      }),
    );
    const entry = {
      etag: `"rt-${id}-${z}-${x}-${y}"`,
      body,
      gzip: await gzipAsync(body),
    };
    if (this.tileCache.size >= ROAD_TILE_CACHE_SIZE) this.tileCache.clear();
    this.tileCache.set(key, entry);
    return entry;
  }

  private async loadTileStreets(): Promise<StreetTileIndex> {
    const bbox = this.current?.summary.bbox;
    if (!bbox) return indexStreets([]);
    const rows = (
      await Promise.all(
        [false, true].map(async (minor) =>
          (await streetLines(this.database.db, bbox, MINOR_ROAD_CLASSES, minor)).map((r) => ({
            ...r,
            minor,
          })),
        ),
      )
    ).flat();
    return indexStreets(
      rows.map((r) => {
        const g = JSON.parse(r.geom) as
          | { type: 'LineString'; coordinates: number[][] }
          | { type: 'MultiLineString'; coordinates: number[][][] };
        return {
          class: r.class,
          name: r.name,
          minor: r.minor,
          lines:
            g.type === 'LineString'
              ? [g.coordinates]
              : g.type === 'MultiLineString'
                ? g.coordinates
                : [],
        };
      }),
    );
  }

  /** Street names and places matching `q` (substring, names starting with it first). */
  searchStreets(
    q: string,
    limit: number,
  ): { label: string; lon: number; lat: number; kind: 'street' }[] {
    const g = this.current?.graph;
    if (!g) return [];
    if (this.streetIndex?.graph !== g) this.streetIndex = { graph: g, streets: streetPoints(g) };
    const needle = q.trim().toLowerCase();
    return this.streetIndex.streets
      .filter((s) => s.key.includes(needle))
      .sort(
        (a, b) =>
          Number(b.key.startsWith(needle)) - Number(a.key.startsWith(needle)) ||
          a.label.length - b.label.length,
      )
      .slice(0, limit)
      .map((s) => ({ label: s.label, lon: s.lon, lat: s.lat, kind: 'street' as const }));
  }

  /**
   * The basemap's roads of one class group inside a bounding box: one feature per street (class
   * and name; its segments merged into lines), coordinates to 5 decimals (~1 m). A city's ~20k
   * segments become a few thousand features: far less for the map to parse, tile and draw, and
   * street labels get whole streets to run along.
   */
  async streetsGeojson(bbox: [number, number, number, number], classes: RoadClassGroup) {
    const rows = await streetLines(this.database.db, bbox, MINOR_ROAD_CLASSES, classes === 'minor');
    return {
      type: 'FeatureCollection' as const,
      features: rows.map((r, i) => ({
        type: 'Feature' as const,
        id: i + 1,
        geometry: JSON.parse(r.geom) as unknown,
        properties: r.name === null ? { class: r.class } : { class: r.class, name: r.name },
      })),
    };
  }

  /** Road segments inside a bounding box as GeoJSON (for maps), from PostGIS. */
  async geojson(bbox: [number, number, number, number], limit = 50000) {
    const rows = await roadSegments(this.database.db, bbox, limit);
    return {
      type: 'FeatureCollection' as const,
      features: rows.map((r) => ({
        type: 'Feature' as const,
        id: r.id,
        geometry: JSON.parse(r.geom) as unknown,
        properties: { class: r.class, name: r.name, oneway: r.oneway },
      })),
    };
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A file's SHA-256, read in chunks. */
function fileSha256(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('sha256');
    const chunk = Buffer.alloc(4 * 1024 * 1024);
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk))
      hash.update(chunk.subarray(0, n));
    return hash.digest('hex');
  } finally {
    closeSync(fd);
  }
}

function toSummary(r: RoadNetworkSummaryRow): RoadNetworkSummary {
  return {
    id: r.id,
    source: r.source,
    format: r.format,
    importedAt: new Date(r.imported_at).toISOString(),
    nodes: r.nodes,
    segments: r.segments,
    edges: r.edges,
    bbox: r.bbox.map(Number) as [number, number, number, number],
    islands: {
      components: r.stats.components,
      largestComponentNodes: r.stats.largestComponentNodes,
      islandNodes: r.stats.islandNodes,
    },
  };
}

/** One point per street name: the middle of its longest segment. */
function streetPoints(g: RoadGraph) {
  const best = new Map<number, number>();
  for (let sgm = 0; sgm < g.segmentCount; sgm++) {
    const n = g.segName[sgm];
    if (n < 0) continue;
    const cur = best.get(n);
    if (cur === undefined || g.segLengthM[sgm] > g.segLengthM[cur]) best.set(n, sgm);
  }
  return [...best].map(([n, sgm]) => {
    const mid = Math.floor((g.segGeomStart[sgm] + g.segGeomStart[sgm + 1] - 1) / 2);
    return {
      label: g.names[n],
      key: g.names[n].toLowerCase(),
      lon: g.geomLon[mid],
      lat: g.geomLat[mid],
    };
  });
}

function boundsOf(g: RoadGraph): [number, number, number, number] {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (let i = 0; i < g.geomLon.length; i++) {
    const x = g.geomLon[i];
    const y = g.geomLat[i];
    if (x < w) w = x;
    if (x > e) e = x;
    if (y < s) s = y;
    if (y > n) n = y;
  }
  return [w, s, e, n];
}

function edgeColumns(g: RoadGraph, start: number, end: number): EdgeColumns {
  const cols: EdgeColumns = {
    id: [],
    source: [],
    target: [],
    cls: [],
    name: [],
    len: [],
    speed: [],
    cost: [],
    rcost: [],
    wkt: [],
  };
  for (let sgm = start; sgm < end; sgm++) {
    const secs = g.segLengthM[sgm] / (g.segBaseSpeedKmh[sgm] / 3.6);
    const dir = g.segDirection[sgm];
    cols.id.push(sgm);
    cols.source.push(g.segFrom[sgm]);
    cols.target.push(g.segTo[sgm]);
    cols.cls.push(ROAD_CLASSES[g.segClass[sgm]]);
    cols.name.push(g.segName[sgm] >= 0 ? g.names[g.segName[sgm]] : null);
    cols.len.push(g.segLengthM[sgm]);
    cols.speed.push(g.segBaseSpeedKmh[sgm]);
    cols.cost.push(dir & DIR_FORWARD ? secs : -1);
    cols.rcost.push(dir & DIR_BACKWARD ? secs : -1);
    const pts: string[] = [];
    for (let k = g.segGeomStart[sgm]; k < g.segGeomStart[sgm + 1]; k++)
      pts.push(`${g.geomLon[k]} ${g.geomLat[k]}`);
    cols.wkt.push(`LINESTRING(${pts.join(',')})`);
  }
  return cols;
}
