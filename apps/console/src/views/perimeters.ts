// 环城封控圈 on the commander's and the dispatcher's seats: each standing perimeter with its tiers' coverable share
// against the target, its checkpoints on the map (green: a unit can man it within the chosen
// tier, red: not) labelled with the best unit and its ETA, kept live by `perimeter.readiness`,
// and the one-action activation (the count confirmed) with its recall.
import type {
  IncidentView,
  PerimeterActivationView,
  PerimeterReadinessView,
  PerimeterView,
} from '@ringcad/contracts';
import type { Feature, FeatureCollection } from 'geojson';
import type { GeoJSONSource, LayerSpecification } from 'maplibre-gl';
import { api } from '../api';
import { openDialog } from '../dialog';
import { h, render } from '../dom';
import { MAP_FONT } from '../fonts';
import { mmss, pct } from '../format';
import { t } from '../i18n';
import type { MapView } from '../map/map-view';
import { perimeterEvents } from '../realtime';
import { store } from '../store';

/**
 * The roles that read a perimeter's readiness and may activate it (the api's access rules on
 * /perimeters/:id/readiness and /activate): the panel is shown, with its actions, to these.
 */
export const PERIMETER_READER_ROLES = ['dispatcher', 'commander'] as const;

const SOURCE = 'perimeter';
const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };
/** Checkpoint fill: a unit can man it within the tier, or not (the browser test counts these). */
export const PERIMETER_COLORS = { coverable: '#22c55e', uncoverable: '#ef4444' } as const;

function ensureLayers(view: MapView) {
  const map = view.map;
  if (map.getSource(SOURCE)) return;
  map.addSource(SOURCE, { type: 'geojson', data: EMPTY });
  const layers: LayerSpecification[] = [
    {
      id: 'perimeter-checkpoints',
      type: 'circle',
      source: SOURCE,
      paint: {
        'circle-radius': 8,
        'circle-color': [
          'case',
          ['get', 'coverable'],
          PERIMETER_COLORS.coverable,
          PERIMETER_COLORS.uncoverable,
        ],
        'circle-stroke-color': '#0a111d',
        'circle-stroke-width': 1.5,
      },
    },
    {
      id: 'perimeter-labels',
      type: 'symbol',
      source: SOURCE,
      layout: {
        'text-field': ['get', 'label'],
        'text-font': [MAP_FONT],
        'text-size': 12,
        'text-offset': [0, 1.4],
        'text-anchor': 'top',
        'text-allow-overlap': true,
      },
      paint: { 'text-color': '#e2e8f0', 'text-halo-color': '#0a111d', 'text-halo-width': 1.5 },
    },
  ];
  for (const layer of layers) map.addLayer(layer);
}

/** The chosen tier's checkpoints as map points (coverable, and a label with the best unit's ETA). */
export function perimeterFeatures(r: PerimeterReadinessView, tier: number): Feature[] {
  const tierView = r.tiers[Math.min(tier, r.tiers.length - 1)];
  return (tierView?.checkpoints ?? []).map((c) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [c.location.lon, c.location.lat] },
    properties: {
      id: c.checkpointId,
      coverable: c.coverable,
      label: c.bestUnit ? `${c.name} · ${c.bestUnit.callsign} ${mmss(c.etaSec)}` : `${c.name} · —`,
    },
  }));
}

const readinessSignature = (r: PerimeterReadinessView) =>
  JSON.stringify([r.units, r.activationCount, r.tiers]);

export class PerimeterPanel {
  readonly el = h('section', { class: 'perimeter-panel', id: 'perimeter-panel' });
  private perimeters: PerimeterView[] = [];
  private readonly readiness = new Map<string, PerimeterReadinessView>();
  /** The last activation of each perimeter not yet recalled (from this seat). */
  private readonly activations = new Map<string, PerimeterActivationView>();
  private selected: string | null = null;
  private tier = 0;
  private framed = false;
  private busy = false;
  private readonly off: () => void;

  constructor(private readonly view: MapView) {
    this.off = perimeterEvents.on((r) => {
      if (!this.perimeters.some((p) => p.id === r.perimeterId)) return;
      const before = this.readiness.get(r.perimeterId);
      this.readiness.set(r.perimeterId, r);
      // a push that changes nothing repaints nothing: the buttons stay put (and keep the focus)
      if (before && readinessSignature(before) === readinessSignature(r)) return;
      this.draw();
    });
    this.draw();
    void this.load();
  }

  dispose() {
    this.off();
    void this.view.loaded.then(() =>
      this.view.map.getSource<GeoJSONSource>(SOURCE)?.setData(EMPTY),
    );
  }

  private async load() {
    try {
      this.perimeters = await api.get<PerimeterView[]>('/perimeters');
    } catch {
      this.perimeters = [];
    }
    this.selected ??= this.perimeters[0]?.id ?? null;
    await Promise.all(
      this.perimeters.map(async (p) => {
        try {
          this.readiness.set(
            p.id,
            await api.get<PerimeterReadinessView>(`/perimeters/${p.id}/readiness`),
          );
        } catch {
          // no road network yet: the push fills it in when there is one
        }
      }),
    );
    this.draw();
  }

  private draw() {
    render(
      this.el,
      h('h2', {}, t('perimeters')),
      this.perimeters.length
        ? this.perimeters.map((p) => this.block(p))
        : h('p', { class: 'muted' }, t('perimetersNone')),
    );
    this.drawMap();
  }

  private block(p: PerimeterView): Node {
    const r = this.readiness.get(p.id);
    const selected = p.id === this.selected;
    const activation = this.activations.get(p.id);
    const tiers = r?.tiers ?? [];
    return h(
      'div',
      {
        class: selected ? 'perimeter selected' : 'perimeter',
        'data-perimeter-id': p.id,
      },
      h(
        'button',
        {
          type: 'button',
          class: 'perimeter-name ghost',
          'aria-pressed': String(selected),
          onclick: () => {
            this.selected = p.id;
            this.framed = false;
            this.draw();
          },
        },
        p.name,
      ),
      r
        ? h(
            'table',
            { class: 'coverage-table perimeter-tiers' },
            h(
              'tbody',
              {},
              tiers.map((tier, i) =>
                h(
                  'tr',
                  {
                    class: tier.belowTarget ? 'below' : '',
                    'data-tier-sec': String(tier.sec),
                  },
                  h(
                    'td',
                    {},
                    h(
                      'button',
                      {
                        type: 'button',
                        class: selected && i === this.tier ? 'tab active' : 'tab',
                        onclick: () => {
                          this.selected = p.id;
                          this.tier = i;
                          this.draw();
                        },
                      },
                      t('ringLabel', { m: Math.round(tier.sec / 60) }),
                    ),
                  ),
                  h(
                    'td',
                    {},
                    h(
                      'div',
                      { class: 'bar' },
                      h('i', {
                        '--pct': `${Math.max(0, Math.min(100, tier.coverablePct))}%`,
                        '--tier': tier.belowTarget
                          ? PERIMETER_COLORS.uncoverable
                          : PERIMETER_COLORS.coverable,
                      }),
                    ),
                  ),
                  h('td', { class: 'num coverable-pct' }, pct(tier.coverablePct)),
                  h(
                    'td',
                    { class: 'num muted' },
                    t('perimeterTarget', { pct: pct(tier.targetPct) }),
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, '…'),
      selected && r
        ? h(
            'ol',
            { class: 'perimeter-checkpoints' },
            (tiers[this.tier] ?? tiers[0])?.checkpoints.map((c) =>
              h(
                'li',
                {
                  class: c.coverable ? 'coverable' : 'uncoverable',
                  'data-checkpoint-id': c.checkpointId,
                },
                h('strong', {}, c.name),
                ` ${c.bestUnit ? `${c.bestUnit.callsign} · ${mmss(c.etaSec)}` : t('perimeterNoUnit')}`,
              ),
            ),
          )
        : null,
      r
        ? h('p', { class: 'muted' }, t('perimeterUnits', { units: r.units, n: r.activationCount }))
        : null,
      h(
        'div',
        { class: 'perimeter-actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'primary danger',
            id: selected ? 'perimeter-activate' : undefined,
            disabled: this.busy || !r || r.activationCount === 0,
            onclick: () => void this.activate(p),
          },
          t('perimeterActivate', { n: r?.activationCount ?? 0 }),
        ),
        activation
          ? h(
              'button',
              {
                type: 'button',
                class: 'ghost',
                id: selected ? 'perimeter-recall' : undefined,
                disabled: this.busy,
                onclick: () => void this.recall(p, activation),
              },
              t('perimeterRecall', { n: activation.assignments.length }),
            )
          : null,
      ),
    );
  }

  private drawMap() {
    void this.view.loaded.then(() => {
      ensureLayers(this.view);
      const r = this.selected ? this.readiness.get(this.selected) : undefined;
      const features = r ? perimeterFeatures(r, this.tier) : [];
      void this.view.map
        .getSource<GeoJSONSource>(SOURCE)
        ?.setData({ type: 'FeatureCollection', features });
      if (!features.length || this.framed) return;
      this.framed = true;
      const lons = features.map((f) => (f.geometry as { coordinates: number[] }).coordinates[0]);
      const lats = features.map((f) => (f.geometry as { coordinates: number[] }).coordinates[1]);
      this.view.map.fitBounds(
        [
          [Math.min(...lons), Math.min(...lats)],
          [Math.max(...lons), Math.max(...lats)],
        ],
        { padding: 80, maxZoom: 14, duration: 0 },
      );
    });
  }

  /** 一键启动: the count shown is the count confirmed; the server refuses if it changed. */
  private async activate(p: PerimeterView) {
    const r = this.readiness.get(p.id);
    if (!r || this.busy) return;
    const n = r.activationCount;
    const open = [...store.incidents.values()].filter(
      (i: IncidentView) => i.status !== 'closed' && i.status !== 'cancelled',
    );
    const incident = h(
      'select',
      { id: 'perimeter-incident', 'aria-label': t('perimeterIncident') },
      open.map((i) => h('option', { value: i.id }, `${i.number} · ${i.address ?? ''}`)),
    );
    this.busy = true;
    try {
      const done = await openDialog({
        id: 'perimeter-confirm',
        title: t('perimeterConfirmTitle', { name: p.name, n }),
        body: [
          h('label', {}, t('perimeterIncident'), incident),
          h('p', { class: 'muted' }, t('perimeterConfirmHint', { n })),
        ],
        confirmLabel: t('perimeterActivate', { n }),
        danger: true,
        submit: () =>
          api.post<PerimeterActivationView>(`/perimeters/${p.id}/activate`, {
            incidentId: incident.value,
            expectedCount: n,
          }),
      });
      if (done) this.activations.set(p.id, done);
    } finally {
      this.busy = false;
      this.draw();
    }
  }

  private async recall(p: PerimeterView, a: PerimeterActivationView) {
    this.busy = true;
    try {
      const done = await openDialog({
        id: 'perimeter-recall-confirm',
        title: t('perimeterRecallTitle', { name: p.name, n: a.assignments.length }),
        body: [],
        confirmLabel: t('perimeterRecall', { n: a.assignments.length }),
        submit: () => api.post<PerimeterActivationView>(`/perimeters/activations/${a.id}/recall`),
      });
      if (done) this.activations.delete(p.id);
    } finally {
      this.busy = false;
      this.draw();
    }
  }
}
