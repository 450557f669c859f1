// Binds the store to the map: units and incidents as GeoJSON, refreshed (throttled) whenever the
// store changes. Candidates and the selected incident are highlighted through feature properties.
import type { Feature, Point } from 'geojson';
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
  let unitsRendered = 0;
  const drawUnits = () => {
    // nothing to draw before the first snapshot; an empty draw would only delay the real one
    if (store.lastSyncAt === null) return;
    const features = unitFeatures(opts.highlighted?.());
    unitsRendered = features.length;
    view.setThrottled('units', featureCollection(features));
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
  (window as unknown as { __ringcadUnitsRendered?: () => number }).__ringcadUnitsRendered = () =>
    unitsRendered;
  return () => {
    offs.forEach((off) => off());
    clearInterval(staleTimer);
  };
}

/** Redraw highlight changes immediately (they follow a key press, not a data stream). */
export function redrawUnitsNow(view: MapView, highlighted: ReadonlySet<string>) {
  view.set('units', featureCollection(unitFeatures(highlighted)));
}
