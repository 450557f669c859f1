// 封控 and 预案 in the dispatcher's incident panel: the sealing rings of the selected incident
// (reach boundary, checkpoints green when a unit gets there before the fleeing vehicle, red when
// not, open road exits as hollow dots) drawn on the map with one action to man the checkpoints;
// and the response plan's proposal with one action to confirm it.
import type { PlanProposal, SealingView } from '@ringcad/contracts';
import type { Feature, FeatureCollection } from 'geojson';
import type { GeoJSONSource, LayerSpecification } from 'maplibre-gl';
import { api, ApiError } from '../api';
import { h } from '../dom';
import { mmss } from '../format';
import { t, unitKindLabel } from '../i18n';
import type { MapView } from '../map/map-view';

const SOURCE = 'sealing';
const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };
const TIER_COLORS = ['#f59e0b', '#a855f7', '#0ea5e9'];

/** The sealing source and its layers, added once to the live map (they sit on top). */
function ensureLayers(view: MapView) {
  const map = view.map;
  if (map.getSource(SOURCE)) return;
  map.addSource(SOURCE, { type: 'geojson', data: EMPTY });
  // a match expression yields colours (an `at` over a literal array yields strings, which the style refuses)
  const tierColor = ['match', ['get', 'tier'], 0, TIER_COLORS[0], 1, TIER_COLORS[1], TIER_COLORS[2]] as unknown as string;
  const layers: LayerSpecification[] = [
    { id: 'sealing-line', type: 'line', source: SOURCE, filter: ['==', ['get', 'kind'], 'boundary'], paint: { 'line-color': tierColor, 'line-width': 2.5, 'line-dasharray': [3, 2] } },
    {
      id: 'sealing-crossings',
      type: 'circle',
      source: SOURCE,
      filter: ['==', ['get', 'kind'], 'crossing'],
      paint: { 'circle-radius': 5, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#f87171', 'circle-stroke-width': 2 },
    },
    {
      id: 'sealing-checkpoints',
      type: 'circle',
      source: SOURCE,
      filter: ['==', ['get', 'kind'], 'checkpoint'],
      paint: {
        'circle-radius': 7,
        'circle-color': ['case', ['get', 'sealable'], '#22c55e', '#ef4444'],
        'circle-stroke-color': tierColor,
        'circle-stroke-width': 2.5,
      },
    },
  ];
  for (const layer of layers) map.addLayer(layer);
}

export function sealingFeatures(s: SealingView): Feature[] {
  const out: Feature[] = [];
  s.tiers.forEach((tier, idx) => {
    if (tier.boundary) out.push({ type: 'Feature', geometry: tier.boundary as Feature['geometry'], properties: { kind: 'boundary', tier: idx } });
    for (const c of tier.checkpoints) {
      out.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [c.location.lon, c.location.lat] },
        properties: { kind: 'checkpoint', tier: idx, sealable: c.sealable, name: c.name },
      });
    }
    for (const x of tier.crossings) {
      out.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [x.lon, x.lat] }, properties: { kind: 'crossing', tier: idx } });
    }
  });
  return out;
}

/**
 * The 封控 / 预案 section of the incident panel. It keeps its own state per incident and asks
 * the seat to re-render when something changed.
 */
export class CommandPanel {
  private incidentId: string | null = null;
  private sealing: SealingView | null = null;
  private shown = false;
  private plan: PlanProposal | null | undefined = undefined;
  private error: string | null = null;

  constructor(
    private readonly view: MapView,
    private readonly rerender: () => void,
  ) {}

  /** A different incident was opened (or none): drop what was drawn for the previous one. */
  select(incidentId: string | null) {
    if (incidentId === this.incidentId) return;
    this.incidentId = incidentId;
    this.sealing = null;
    this.shown = false;
    this.plan = undefined;
    this.error = null;
    this.draw();
    if (incidentId) void this.loadPlan(incidentId);
  }

  dispose() {
    this.select(null);
  }

  private draw() {
    if (!this.view.map.isStyleLoaded()) return;
    ensureLayers(this.view);
    const data: FeatureCollection = this.shown && this.sealing ? { type: 'FeatureCollection', features: sealingFeatures(this.sealing) } : EMPTY;
    (this.view.map.getSource(SOURCE) as GeoJSONSource | undefined)?.setData(data);
  }

  private async loadPlan(id: string) {
    try {
      const r = await api.get<{ plan: PlanProposal | null }>(`/incidents/${id}/plan`);
      if (this.incidentId === id) this.plan = r.plan;
    } catch {
      if (this.incidentId === id) this.plan = null;
    }
    this.rerender();
  }

  private async toggleSealing() {
    const id = this.incidentId;
    if (!id) return;
    this.shown = !this.shown;
    this.error = null;
    if (this.shown) {
      try {
        const s = await api.get<SealingView>(`/incidents/${id}/sealing`);
        if (this.incidentId !== id) return;
        this.sealing = s;
      } catch (err) {
        this.shown = false;
        this.error = err instanceof ApiError ? err.message : String(err);
      }
    }
    this.draw();
    this.rerender();
  }

  /** Every sealable checkpoint gets its unit in one request. */
  private async dispatchSealable() {
    const id = this.incidentId;
    const s = this.sealing;
    if (!id || !s) return;
    const assignments = s.tiers.flatMap((tier) =>
      tier.checkpoints.filter((c) => c.sealable && c.bestUnit).map((c) => ({ checkpointId: c.checkpointId, unitId: c.bestUnit!.unitId })),
    );
    if (!assignments.length) return;
    try {
      await api.post(`/incidents/${id}/sealing/dispatch`, { assignments });
      this.sealing = await api.get<SealingView>(`/incidents/${id}/sealing`);
      this.error = null;
    } catch (err) {
      this.error = err instanceof ApiError ? err.message : String(err);
    }
    this.draw();
    this.rerender();
  }

  private async confirmPlan() {
    const id = this.incidentId;
    if (!id) return;
    try {
      await api.post(`/incidents/${id}/plan/confirm`, {});
      this.error = null;
    } catch (err) {
      this.error = err instanceof ApiError ? err.message : String(err);
    }
    await this.loadPlan(id);
  }

  element(): HTMLElement | null {
    if (!this.incidentId) return null;
    const s = this.shown ? this.sealing : null;
    const sealableCount = s ? s.tiers.reduce((n, tier) => n + tier.checkpoints.filter((c) => c.sealable && c.bestUnit).length, 0) : 0;
    const p = this.plan;
    return h(
      'section',
      { class: 'command-panel', id: 'command-panel' },
      h('h4', {}, t('plan')),
      p === undefined
        ? h('p', { class: 'muted' }, '…')
        : p === null
          ? h('p', { class: 'muted' }, t('noPlan'))
          : h(
              'div',
              { class: 'plan', 'data-plan-id': p.planId },
              h('ul', {}, p.proposed.map((u) => h('li', {}, `${u.callsign} · ${unitKindLabel(u.kind)} · ${mmss(u.etaSec)}`))),
              p.missing.length ? h('p', { class: 'form-error' }, t('planMissing', { list: p.missing.map((m) => `${unitKindLabel(m.kind)} × ${m.count}`).join('、') })) : null,
              h('button', { type: 'button', class: 'primary', id: 'plan-confirm', disabled: !p.proposed.length, onclick: () => void this.confirmPlan() }, t('planConfirm')),
            ),
      h(
        'div',
        { class: 'sealing-head' },
        h('button', { type: 'button', class: this.shown ? 'tab active' : 'tab', id: 'sealing-toggle', onclick: () => void this.toggleSealing() }, this.shown ? t('sealingHide') : t('sealing')),
      ),
      s
        ? h(
            'div',
            { class: 'sealing', id: 'sealing' },
            s.tiers.map((tier) =>
              h(
                'div',
                { class: 'sealing-tier' },
                h('strong', {}, t('sealingTier', { min: Math.round(tier.sec / 60) })),
                h(
                  'ul',
                  {},
                  tier.checkpoints.map((c) =>
                    h(
                      'li',
                      { class: c.sealable ? 'sealable' : 'not-sealable', 'data-checkpoint-id': c.checkpointId },
                      `${c.name} · ${mmss(c.vehicleEtaSec)} · ${c.bestUnit ? `${c.bestUnit.callsign} ${mmss(c.bestUnit.etaSec)}` : '—'} · ${c.sealable ? t('sealable') : t('notSealable')}`,
                    ),
                  ),
                ),
                tier.crossings.length ? h('p', { class: 'muted' }, t('crossingsOpen', { n: tier.crossings.length })) : null,
              ),
            ),
            h('button', { type: 'button', class: 'primary', id: 'sealing-dispatch', disabled: !sealableCount, onclick: () => void this.dispatchSealable() }, t('sealDispatch', { n: sealableCount })),
          )
        : null,
      this.error ? h('p', { class: 'form-error', role: 'alert' }, this.error) : null,
    );
  }
}
