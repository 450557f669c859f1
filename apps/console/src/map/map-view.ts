// One live map shared by every seat. Overlays are GeoJSON sources updated with setData, never
// DOM markers, and the busy ones (units, incidents) at most once a second, so 2,000 moving units
// stay smooth even on a software-rendered hall PC.
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { api, currentToken } from '../api';
import { mapFontFaces } from '../fonts';
import { t } from '../i18n';
import type { RoadNetworkSummary } from '@ringcad/contracts';
import {
  ABOVE_ROADS_LAYER,
  offlineStyle,
  overlayLayers,
  overlaySources,
  ROAD_SOURCE,
  roadLayers,
  roadSource,
  FIRST_VIEW_HIDDEN_LAYERS,
  type OverlaySource,
} from './style';

maplibregl.setWorkerUrl(workerUrl);
// the map's worker (its script fetched and compiled) starts while the rest of the console sets
// up: the road tiles are fetched by it, and the first view waits for them
maplibregl.prewarm();

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };
/** Side streets and text are shown at the latest this long after the basemap, live data or not. */
const FIRST_VIEW_LATEST_MS = 5000;
/**
 * The first view is drawn once, with everything in it: frames are held from the map's start until
 * the road tiles in view, the districts and the live units and incidents have loaded (a frame is
 * let through when a source is ready to be asked for tiles: only a frame asks), at most this long
 * after the roads were added. Each frame costs 60-90 ms of SwiftShader whatever is drawn (most of
 * it composing the page), so the 6-8 frames of a map drawn piece by piece cost more than the
 * pieces, and held the page's main thread (the socket's handshake waited behind them).
 */
const FIRST_VIEW_HOLD_MAX_MS = 3000;
/** Sources whose data the first view waits for (FIRST_VIEW_HOLD_MAX_MS). */
const FIRST_VIEW_SOURCES = [ROAD_SOURCE, 'districts', 'units', 'incidents'];
/** Throttle of the busy sources: at most one setData per second each. */
const BUSY_SOURCE_INTERVAL_MS = 1000;

export interface MapConfig {
  /** An external MapLibre style (deployments with their own tiles); none by default. */
  styleUrl: string | null;
  /** Keep the drawing buffer so tests can read pixels (`?preserveDrawingBuffer`). */
  preserveDrawingBuffer: boolean;
}

export function mapConfigFromPage(): MapConfig {
  const params = new URLSearchParams(location.search);
  const w = window as unknown as { RINGCAD_STYLE_URL?: string };
  return {
    styleUrl: params.get('style') ?? w.RINGCAD_STYLE_URL ?? null,
    preserveDrawingBuffer: params.has('preserveDrawingBuffer'),
  };
}

export class MapView {
  readonly map: maplibregl.Map;
  readonly loaded: Promise<void>;
  /** Map errors (a style that fails, a source that cannot load): shown and counted, never hidden. */
  readonly errors: string[] = [];
  summary: RoadNetworkSummary | null = null;
  private roadFeatures: Promise<Feature[]> | null = null;
  /** Resolves once the basemap data (roads, districts) has been handed to the map. */
  readonly basemapLoaded: Promise<void>;
  private resolveBasemap!: () => void;
  /** Frames drawn so far (each costs hundreds of ms on a software-rendered hall PC). */
  frames = 0;
  /** When each of the first frames was drawn (ms from navigation start), for the console bench. */
  readonly frameTimes: number[] = [];
  /** Features last handed to the map per overlay (the console bench waits for its units on it). */
  readonly handed = new Map<OverlaySource, number>();
  private readonly pendingData = new Map<OverlaySource, FeatureCollection>();
  private readonly lastSet = new Map<OverlaySource, number>();
  private readonly timers = new Map<OverlaySource, number>();
  private readonly external: boolean;
  private readonly attribution: maplibregl.AttributionControl;
  /** Resolves when the live units are first handed to the map. */
  private readonly liveDrawn: Promise<void>;
  private resolveLive!: () => void;
  /** Lets the held frames go (see FIRST_VIEW_HOLD_MAX_MS); a no-op once they have. */
  private releaseFrames: () => void = () => undefined;

  constructor(container: HTMLElement, config: MapConfig) {
    this.external = Boolean(config.styleUrl);
    this.map = new maplibregl.Map({
      container,
      style: config.styleUrl ?? offlineStyle(),
      center: [104.066, 30.657],
      zoom: 12,
      attributionControl: false,
      // no multisampling (MapLibre's default): lines and circles are smoothed by their shaders,
      // fills are outlined; on a software-rendered PC MSAA cost ~250 ms of the first view
      canvasContextAttributes: {
        preserveDrawingBuffer: config.preserveDrawingBuffer,
        antialias: false,
      },
      fadeDuration: 0,
      // the map's workers fetch the road tiles; our api wants the session's bearer token
      transformRequest: (url) => {
        const token = currentToken();
        return url.startsWith(`${location.origin}/api/`) && token
          ? { url, headers: { authorization: `Bearer ${token}` } }
          : { url };
      },
    });
    if (!this.external) this.holdFrames();
    this.attribution = new maplibregl.AttributionControl({ compact: false });
    this.basemapLoaded = new Promise((resolve) => (this.resolveBasemap = resolve));
    this.liveDrawn = new Promise((resolve) => (this.resolveLive = resolve));
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'bottom-right');
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    this.map.on('error', (e) => {
      const msg = e.error?.message ?? 'map error';
      this.errors.push(msg);
      console.error(t('mapError', { msg }));
    });
    // marks for the console bench (bench/console.ts) and anyone profiling a hall PC
    this.map.once('idle', () => performance.mark('ringcad:map-first-idle'));
    this.map.once('load', () => performance.mark('ringcad:map-load'));
    this.map.on('render', () => {
      if (this.frames++ < 64) this.frameTimes.push(Math.round(performance.now()));
    });
    this.loaded = new Promise((resolve) => {
      this.map.once('style.load', () => {
        performance.mark('ringcad:style-loaded');
        if (this.external) this.addOverlaysOnTop();
        resolve();
      });
    });
  }

  /** Frames the city, then draws its roads (tiles in view only) and the districts. */
  async loadBasemap(): Promise<void> {
    const districtsP = api.get<FeatureCollection>('/jurisdictions').catch(() => EMPTY);
    const summaryP = api.get<RoadNetworkSummary>('/road-network').catch(() => null);
    await this.loaded;
    const summary = await summaryP;
    this.summary = summary;
    if (summary) {
      const [w, s, e, n] = summary.bbox;
      this.map.fitBounds(
        [
          [w, s],
          [e, n],
        ],
        { padding: 20, animate: false },
      );
      // added once framed: tiles are asked for the view the dispatcher sees, not the default one
      if (!this.external) {
        this.map.addSource(ROAD_SOURCE, roadSource(summary.bbox));
        for (const layer of roadLayers()) this.map.addLayer(layer, ABOVE_ROADS_LAYER);
        performance.mark('ringcad:roads-requested');
        this.releaseFramesWhenLoaded();
      }
    }
    if (!summary) this.releaseFrames();
    this.showHiddenLayersLater();
    const districts = await districtsP;
    if (!this.external)
      void this.map.getSource<maplibregl.GeoJSONSource>('districts')?.setData(districts);
    // OSM data must be attributed; the synthetic demo city is our own
    if (summary && !summary.source.startsWith('synthetic')) {
      this.map.addControl(
        new maplibregl.AttributionControl({ compact: false, customAttribution: t('osm') }),
        'bottom-right',
      );
    } else if (this.external) {
      this.map.addControl(this.attribution, 'bottom-right');
    }
    performance.mark('ringcad:basemap-loaded');
    this.resolveBasemap();
  }

  /**
   * Side streets (in the tiles from z12, drawn from z12.5) and the map's text
   * (FIRST_VIEW_HIDDEN_LAYERS) are shown once the first view (arterials, districts and live units)
   * has drawn, at the latest FIRST_VIEW_LATEST_MS after the basemap, or as soon as the map moves:
   * the first view does not wait for them and zooming in does not either.
   */
  private showHiddenLayersLater() {
    let shown = false;
    const show = () => {
      if (shown) return;
      shown = true;
      for (const id of FIRST_VIEW_HIDDEN_LAYERS)
        if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', 'visible');
      performance.mark('ringcad:text-shown');
    };
    this.map.once('zoomstart', show);
    const latest = new Promise<void>((resolve) => window.setTimeout(resolve, FIRST_VIEW_LATEST_MS));
    void Promise.race([this.liveDrawn, latest]).then(() => this.map.once('idle', show));
  }

  /**
   * Holds the map's frames (its own repaint requests wait) until releaseFrames: see
   * FIRST_VIEW_HOLD_MAX_MS.
   */
  private holdFrames() {
    const map = this.map;
    const repaint = map.triggerRepaint.bind(map);
    let asked = false;
    map.triggerRepaint = () => {
      asked = true;
    };
    // a source ready to be asked for tiles (its data or tile URLs loaded) is asked by a frame, once:
    // new data for a GeoJSON source reloads the tiles it has without one
    const asking = new Set<string>();
    const ready = (e: maplibregl.MapSourceDataEvent) => {
      if (e.sourceDataType !== 'metadata' || asking.has(e.sourceId)) return;
      asking.add(e.sourceId);
      repaint();
    };
    map.on('sourcedata', ready);
    this.releaseFrames = () => {
      this.releaseFrames = () => undefined;
      map.off('sourcedata', ready);
      // the prototype's again
      delete (map as { triggerRepaint?: unknown }).triggerRepaint;
      performance.mark('ringcad:frames-released');
      if (asked) repaint();
    };
  }

  /**
   * Lets the held frames go once the first view's data has loaded, FIRST_VIEW_HOLD_MAX_MS on, or
   * as soon as the map moves.
   */
  private releaseFramesWhenLoaded() {
    // (after the city was framed, itself a move)
    this.map.once('movestart', () => this.releaseFrames());
    let live = false;
    const check = () => {
      if (
        live &&
        FIRST_VIEW_SOURCES.every((id) => !this.map.getSource(id) || this.map.isSourceLoaded(id))
      ) {
        this.map.off('sourcedata', check);
        this.releaseFrames();
      }
    };
    this.map.on('sourcedata', check);
    void this.liveDrawn.then(() => {
      live = true;
      check();
    });
    window.setTimeout(() => {
      this.map.off('sourcedata', check);
      this.releaseFrames();
    }, FIRST_VIEW_HOLD_MAX_MS);
  }

  /** Road segments as data on the page (the call-taker's street suggestions), fetched once on demand. */
  roads(): Promise<Feature[]> {
    this.roadFeatures ??= api
      .get<FeatureCollection>('/road-network/geojson')
      .then((fc) => fc.features)
      .catch(() => {
        this.roadFeatures = null;
        return [];
      });
    return this.roadFeatures;
  }

  /** Replaces an overlay's data now. */
  set(source: OverlaySource, data: FeatureCollection) {
    if (source === 'units') this.resolveLive();
    const mark = `ringcad:${source}-handed`;
    if (data.features.length && !performance.getEntriesByName(mark).length) performance.mark(mark);
    this.pendingData.delete(source);
    this.handed.set(source, data.features.length);
    this.lastSet.set(source, performance.now());
    void this.map.getSource<maplibregl.GeoJSONSource>(source)?.setData(data);
  }

  /** Replaces a busy overlay's data at most once per second (latest data wins). */
  setThrottled(source: OverlaySource, data: FeatureCollection) {
    this.pendingData.set(source, data);
    if (this.timers.has(source)) return;
    const since = performance.now() - (this.lastSet.get(source) ?? -Infinity);
    const wait = Math.max(0, BUSY_SOURCE_INTERVAL_MS - since);
    const flush = () => {
      this.timers.delete(source);
      const latest = this.pendingData.get(source);
      if (latest) this.set(source, latest);
    };
    if (wait === 0) flush();
    else this.timers.set(source, window.setTimeout(flush, wait));
  }

  clear(source: OverlaySource) {
    this.set(source, EMPTY);
  }

  onClick(layers: string[], fn: (f: maplibregl.MapGeoJSONFeature) => void) {
    for (const id of layers) {
      this.map.on('click', id, (e) => {
        const f = e.features?.[0];
        if (f) fn(f);
      });
      this.map.on('mouseenter', id, () => this.map.getCanvas().classList.add('clickable'));
      this.map.on('mouseleave', id, () => this.map.getCanvas().classList.remove('clickable'));
    }
  }

  /** Resolves on the next `idle` (everything requested has drawn). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      if (this.map.loaded() && !this.map.isMoving()) {
        this.map.once('idle', () => resolve());
        this.map.triggerRepaint();
      } else this.map.once('idle', () => resolve());
    });
  }

  private addOverlaysOnTop() {
    if (!this.map.getFontFaces()) this.map.setFontFaces(mapFontFaces());
    for (const [id, spec] of Object.entries(overlaySources()))
      if (!this.map.getSource(id)) this.map.addSource(id, spec);
    for (const layer of overlayLayers()) if (!this.map.getLayer(layer.id)) this.map.addLayer(layer);
  }
}

/**
 * Ring polygons from the road network have a hole for every block no road enters; for the map
 * only the holes a dispatcher should see (large unreachable areas) are kept.
 */
export function withoutSmallHoles<G extends Geometry>(geometry: G, minAreaM2 = 250_000): G {
  const ringArea = (ring: number[][]) => {
    let a = 0;
    const lat = ring[0]?.[1] ?? 0;
    const kx = 111_320 * Math.cos((lat * Math.PI) / 180);
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++)
      a += (ring[j][0] * kx + ring[i][0] * kx) * (ring[j][1] * 110_540 - ring[i][1] * 110_540);
    return Math.abs(a / 2);
  };
  const clean = (rings: number[][][]) =>
    rings.filter((r, i) => i === 0 || ringArea(r) >= minAreaM2);
  if (geometry.type === 'Polygon') return { ...geometry, coordinates: clean(geometry.coordinates) };
  if (geometry.type === 'MultiPolygon')
    return { ...geometry, coordinates: geometry.coordinates.map(clean) };
  return geometry;
}

export function featureCollection<G extends Geometry>(
  features: Feature<G>[],
): FeatureCollection<G> {
  return { type: 'FeatureCollection', features };
}
