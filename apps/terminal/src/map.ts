// The task map: the unit's own position, the incident, the road route between them from our own
// engine, over the road network served by the api (no remote tiles: 110 networks are offline).
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { FeatureCollection } from 'geojson';
import type { PatrolPlanView } from '@ringcad/contracts';

maplibregl.setWorkerUrl(workerUrl);

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };
type LonLat = { lon: number; lat: number };

const pointCollection = (p: LonLat | null): FeatureCollection =>
  p
    ? {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: {},
            geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
          },
        ],
      }
    : EMPTY;

export class TaskMap {
  readonly map: maplibregl.Map;
  private loaded: Promise<void>;
  private fitted: string | null = null;

  constructor(container: HTMLElement, token: string) {
    this.map = new maplibregl.Map({
      container,
      attributionControl: false,
      center: [104.066, 30.657],
      zoom: 14,
      style: {
        version: 8,
        sources: {
          roads: { type: 'geojson', data: EMPTY },
          route: { type: 'geojson', data: EMPTY },
          incident: { type: 'geojson', data: EMPTY },
          me: { type: 'geojson', data: EMPTY },
          plan: { type: 'geojson', data: EMPTY },
          post: { type: 'geojson', data: EMPTY },
        },
        layers: [
          { id: 'bg', type: 'background', paint: { 'background-color': '#0b1220' } },
          {
            id: 'roads',
            type: 'line',
            source: 'roads',
            paint: {
              'line-color': '#334155',
              'line-width': ['interpolate', ['linear'], ['zoom'], 11, 0.6, 16, 3],
            },
          },
          // 巡逻方案: areas outlined, lines to drive, points to visit
          {
            id: 'plan-areas',
            type: 'line',
            source: 'plan',
            filter: ['==', ['geometry-type'], 'Polygon'],
            paint: { 'line-color': '#a78bfa', 'line-width': 2, 'line-dasharray': [2, 1] },
          },
          {
            id: 'plan-lines',
            type: 'line',
            source: 'plan',
            filter: ['==', ['geometry-type'], 'LineString'],
            layout: { 'line-cap': 'round' },
            paint: { 'line-color': '#f59e0b', 'line-width': 5 },
          },
          {
            id: 'plan-points',
            type: 'circle',
            source: 'plan',
            filter: ['==', ['geometry-type'], 'Point'],
            paint: {
              'circle-radius': 8,
              'circle-color': '#f59e0b',
              'circle-stroke-color': '#fff',
              'circle-stroke-width': 2,
            },
          },
          // 部署岗位: the standby point of the unit's post, a cyan square-ish marker
          {
            id: 'post',
            type: 'circle',
            source: 'post',
            paint: {
              'circle-radius': 11,
              'circle-color': '#06b6d4',
              'circle-stroke-color': '#ecfeff',
              'circle-stroke-width': 3,
            },
          },
          {
            id: 'route',
            type: 'line',
            source: 'route',
            layout: { 'line-cap': 'round', 'line-join': 'round' },
            paint: { 'line-color': '#38bdf8', 'line-width': 5 },
          },
          {
            id: 'incident',
            type: 'circle',
            source: 'incident',
            paint: {
              'circle-radius': 10,
              'circle-color': '#ef4444',
              'circle-stroke-color': '#fff',
              'circle-stroke-width': 2,
            },
          },
          {
            id: 'me',
            type: 'circle',
            source: 'me',
            paint: {
              'circle-radius': 8,
              'circle-color': '#22c55e',
              'circle-stroke-color': '#fff',
              'circle-stroke-width': 2,
            },
          },
        ],
      },
    });
    this.map.on('error', (e) => console.error('map error', e.error?.message));
    (globalThis as { __terminalMap?: maplibregl.Map }).__terminalMap = this.map;
    this.loaded = new Promise((resolve) => this.map.once('load', () => resolve()));
    void this.loadRoads(token);
  }

  private async loadRoads(token: string) {
    try {
      const r = await fetch('/api/v1/road-network/geojson', {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!r.ok) return;
      const data = (await r.json()) as FeatureCollection;
      await this.loaded;
      void (this.map.getSource('roads') as maplibregl.GeoJSONSource).setData(data);
      this.map.once('idle', () => (document.body.dataset.roads = String(data.features.length)));
    } catch {
      // offline without a cached copy: the map shows the points and the route only
    }
  }

  private async set(source: string, data: FeatureCollection) {
    await this.loaded;
    void (this.map.getSource(source) as maplibregl.GeoJSONSource).setData(data);
  }

  async show(
    me: LonLat | null,
    incident: LonLat | null,
    route: [number, number][] | null,
    key: string | null,
  ) {
    await this.set('me', pointCollection(me));
    await this.set('incident', pointCollection(incident));
    await this.set(
      'route',
      route
        ? {
            type: 'FeatureCollection',
            features: [
              {
                type: 'Feature',
                properties: {},
                geometry: { type: 'LineString', coordinates: route },
              },
            ],
          }
        : EMPTY,
    );
    // frame the task once per task (the officer may pan afterwards)
    if (key !== this.fitted) {
      const pts = [me, incident]
        .filter((p): p is LonLat => !!p)
        .map((p) => [p.lon, p.lat] as [number, number]);
      for (const c of route ?? []) pts.push(c);
      if (pts.length) {
        this.fitted = key;
        const b = pts.reduce(
          (acc, p) => acc.extend(p),
          new maplibregl.LngLatBounds(pts[0], pts[0]),
        );
        this.map.fitBounds(b, { padding: 40, maxZoom: 16, duration: 0 });
      }
    }
  }

  /** The unit's patrol plan (no task): framed once per plan version. */
  async showPlan(plan: PatrolPlanView, me: LonLat | null) {
    const features: FeatureCollection['features'] = [
      ...plan.areas.map((a) => ({
        type: 'Feature' as const,
        properties: {},
        geometry: a.geometry,
      })),
      ...plan.lines.map((l) => ({
        type: 'Feature' as const,
        properties: {},
        geometry: { type: 'LineString' as const, coordinates: l.coordinates },
      })),
      ...plan.points.map((p) => ({
        type: 'Feature' as const,
        properties: {},
        geometry: { type: 'Point' as const, coordinates: [p.lon, p.lat] },
      })),
    ];
    await this.set('plan', { type: 'FeatureCollection', features });
    await this.set('route', EMPTY);
    await this.set('incident', EMPTY);
    await this.set('me', pointCollection(me));
    const key = `plan:${plan.id}:${plan.updatedAt}`;
    const pts: [number, number][] = [
      ...plan.points.map((p) => [p.lon, p.lat] as [number, number]),
      ...plan.lines.flatMap((l) => l.coordinates),
      ...plan.areas.flatMap((a) => a.geometry.coordinates[0] as [number, number][]),
    ];
    if (key !== this.fitted && pts.length) {
      this.fitted = key;
      const b = pts.reduce((acc, p) => acc.extend(p), new maplibregl.LngLatBounds(pts[0], pts[0]));
      this.map.fitBounds(b, { padding: 40, maxZoom: 16, duration: 0 });
    }
  }

  /** The standing posts' standby points (drawn under every view). */
  async showPosts(points: LonLat[]) {
    await this.set('post', {
      type: 'FeatureCollection',
      features: points.map((p) => ({
        type: 'Feature' as const,
        properties: {},
        geometry: { type: 'Point' as const, coordinates: [p.lon, p.lat] },
      })),
    });
  }

  /** No task and no patrol plan: the post and the unit, framed once per post. */
  async showPostOnly(post: LonLat, me: LonLat | null) {
    await this.set('plan', EMPTY);
    await this.set('route', EMPTY);
    await this.set('incident', EMPTY);
    await this.set('me', pointCollection(me));
    const key = `post:${post.lon},${post.lat}`;
    if (key !== this.fitted) {
      this.fitted = key;
      const b = new maplibregl.LngLatBounds([post.lon, post.lat], [post.lon, post.lat]);
      if (me) b.extend([me.lon, me.lat]);
      this.map.fitBounds(b, { padding: 60, maxZoom: 15, duration: 0 });
    }
  }

  resize() {
    this.map.resize();
  }
}
