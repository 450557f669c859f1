// Binds the store to the map: units and incidents as GeoJSON, refreshed (throttled) whenever the
// store changes. Candidates and the selected incident are highlighted through feature properties.
import type { Feature, Point } from 'geojson';
import type { EmergencyWithTrack } from '@ringcad/contracts';
import { api } from '../api';
import { store } from '../store';
import { categoryLabel } from '../i18n';
import { featureCollection, type MapView } from './map-view';
import { KIND_GLYPH } from './style';

export interface LiveLayerOptions {
  /** Unit ids to ring in white (the dispatcher's chosen candidates). */
  highlighted?: () => ReadonlySet<string>;
}

export function unitFeatures(highlighted: ReadonlySet<string> = new Set()): Feature<Point>[] {
  const out: Feature<Point>[] = [];
  for (const u of store.units.values()) {
    if (!u.position) continue;
    out.push({
      type: 'Feature',
      id: out.length,
      geometry: { type: 'Point', coordinates: [u.position.lon, u.position.lat] },
      properties: {
        id: u.id,
        callsign: u.callsign,
        kind: u.kind,
        glyph: KIND_GLYPH[u.kind] ?? '',
        status: u.status,
        stale: store.isStale(u),
        candidate: highlighted.has(u.id),
      },
    });
  }
  return out;
}

export function incidentFeatures(): Feature<Point>[] {
  return store.openIncidents().map((i, n) => ({
    type: 'Feature',
    id: n,
    geometry: { type: 'Point', coordinates: [i.location.lon, i.location.lat] },
    properties: {
      id: i.id,
      number: i.number,
      priority: i.priority,
      status: i.status,
      selected: i.id === store.selectedIncidentId,
      label: `${categoryLabel(i.category)} ${i.number.slice(-4)}`,
    },
  }));
}

/** Keeps the units and incidents layers in step with the store; returns the unsubscribe. */
export function bindLiveLayers(view: MapView, opts: LiveLayerOptions = {}): () => void {
  const drawUnits = () => {
    // nothing to draw before the first snapshot; an empty draw would only delay the real one
    if (store.lastSyncAt === null) return;
    view.setThrottled('units', featureCollection(unitFeatures(opts.highlighted?.())));
  };
  const drawIncidents = () => {
    if (store.lastSyncAt !== null)
      view.setThrottled('incidents', featureCollection(incidentFeatures()));
  };
  const offs = [
    store.on(['units', 'positions'], drawUnits),
    store.on(['incidents', 'selection'], drawIncidents),
  ];
  // positions age into staleness without any event
  const staleTimer = window.setInterval(drawUnits, 15_000);
  void view.loaded.then(() => {
    drawUnits();
    drawIncidents();
  });
  return () => {
    offs.forEach((off) => off());
    clearInterval(staleTimer);
  };
}

/** Redraw highlight changes immediately (they follow a key press, not a data stream). */
export function redrawUnitsNow(view: MapView, highlighted: ReadonlySet<string>) {
  view.set('units', featureCollection(unitFeatures(highlighted)));
}

/** How often the followed emergency's stored track is re-read. */
const TRACK_RECONCILE_MS = 4_000;

/**
 * The track of the unit in danger (the newest open emergency), drawn as a line while the desk
 * follows it: the fixes since it raised the alarm (GET /emergencies), extended by every live
 * position that arrives. Cleared when the emergency is.
 */
export function bindEmergencyTrack(view: MapView): () => void {
  let unitId: string | null = null;
  /** [lon, lat, epochMs] in time order. */
  let points: [number, number, number][] = [];
  let loading = 0;
  const draw = () => {
    view.set(
      'emergency-track',
      featureCollection(
        points.length >= 2
          ? [
              {
                type: 'Feature',
                geometry: { type: 'LineString', coordinates: points.map(([x, y]) => [x, y]) },
                properties: { unitId },
              },
            ]
          : [],
      ),
    );
  };
  const add = (p: [number, number, number]) => {
    const last = points[points.length - 1];
    if (last && p[2] <= last[2]) return false;
    points.push(p);
    return true;
  };
  const livePosition = () => {
    const pos = unitId ? store.units.get(unitId)?.position : null;
    return pos ? add([pos.lon, pos.lat, Date.parse(pos.at)]) : false;
  };
  const loadTrack = async (id: string, since: number) => {
    const seq = ++loading;
    const r = await api
      .get<{ emergencies: EmergencyWithTrack[] }>('/emergencies')
      .catch(() => null);
    if (seq !== loading || unitId !== id) return;
    const e = r?.emergencies.find((x) => x.unitId === id);
    const track = (e?.track ?? []).map(([x, y, ms]) => [x, y, ms] as [number, number, number]);
    // the live fixes that came in meanwhile continue the stored track
    const from = track.length ? track[track.length - 1][2] : since;
    points = [...track, ...points.filter((p) => p[2] > from)];
    draw();
  };
  let since = 0;
  const follow = () => {
    const a = [...store.alerts.values()]
      .filter((x) => x.kind === 'emergency' && x.unitId)
      .sort((x, y) => y.at.localeCompare(x.at))[0];
    const next = a?.unitId ?? null;
    if (next !== unitId) {
      unitId = next;
      points = [];
      loading++;
      if (next && a) {
        since = Date.parse(a.at);
        livePosition();
        void loadTrack(next, since);
      }
      draw();
    } else if (unitId && livePosition()) draw();
  };
  const off = store.on(['alerts', 'positions', 'units'], follow);
  void view.loaded.then(follow);
  // The live stream is best effort (one position per unit per tick; units outside the view come
  // every few seconds): the stored track is re-read so no fix of the unit in danger is missing.
  const reconcile = window.setInterval(() => {
    if (unitId) void loadTrack(unitId, since);
  }, TRACK_RECONCILE_MS);
  (window as unknown as { __ringcadEmergencyTrack?: () => number }).__ringcadEmergencyTrack = () =>
    points.length;
  return () => {
    off();
    clearInterval(reconcile);
    view.clear('emergency-track');
  };
}
