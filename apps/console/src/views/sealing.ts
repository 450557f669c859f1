// 封控 and 预案 in the dispatcher's incident panel: the sealing rings of the selected incident
// (reach boundary, checkpoints green when a unit gets there before the fleeing vehicle, red when
// not, open road exits as hollow dots) drawn on the map with one action to man the checkpoints;
// and the response plan's proposal with one action to confirm it.
import type { PlanProposal, SealingView } from '@ringcad/contracts';
import { ACTIVE_ASSIGNMENT_STATUSES } from '@ringcad/domain';
import type { Feature, FeatureCollection, Position } from 'geojson';
import type { GeoJSONSource, LayerSpecification } from 'maplibre-gl';
import { api } from '../api';
import { errorMessage } from '../errors';
import { openDialog } from '../dialog';
import { h } from '../dom';
import { mmss } from '../format';
import { t, unitKindLabel } from '../i18n';
import type { MapView } from '../map/map-view';
import { store } from '../store';
import type { AssignmentView } from '@ringcad/contracts';

const SOURCE = 'sealing';
const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };
const TIER_COLORS = ['#f59e0b', '#a855f7', '#0ea5e9'];
const ACTIVE: ReadonlySet<string> = new Set(ACTIVE_ASSIGNMENT_STATUSES);

/** The sealing source and its layers, added once to the live map (they sit on top). */
function ensureLayers(view: MapView) {
  const map = view.map;
  if (map.getSource(SOURCE)) return;
  map.addSource(SOURCE, { type: 'geojson', data: EMPTY });
  // a match expression yields colours (an `at` over a literal array yields strings, which the style refuses)
  const tierColor = [
    'match',
    ['get', 'tier'],
    0,
    TIER_COLORS[0],
    1,
    TIER_COLORS[1],
    TIER_COLORS[2],
  ] as unknown as string;
  const layers: LayerSpecification[] = [
    {
      id: 'sealing-line',
      type: 'line',
      source: SOURCE,
      filter: ['==', ['get', 'kind'], 'boundary'],
      paint: { 'line-color': tierColor, 'line-width': 2.5, 'line-dasharray': [3, 2] },
    },
    {
      id: 'sealing-crossings',
      type: 'circle',
      source: SOURCE,
      filter: ['==', ['get', 'kind'], 'crossing'],
      paint: {
        'circle-radius': 5,
        'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-color': '#f87171',
        'circle-stroke-width': 2,
      },
    },
    {
      id: 'sealing-checkpoints',
      type: 'circle',
      source: SOURCE,
      filter: ['==', ['get', 'kind'], 'checkpoint'],
      paint: {
        'circle-radius': 7,
        'circle-color': ['case', ['get', 'sealable'], '#22c55e', '#ef4444'],
        'circle-stroke-color': ['case', ['get', 'manned'], '#ffffff', tierColor],
        'circle-stroke-width': ['case', ['get', 'manned'], 3.5, 2.5],
      },
    },
  ];
  for (const layer of layers) map.addLayer(layer);
}

/** Who stands at which checkpoint of an incident (checkpoint id → assignment). */
export type MannedCheckpoints = ReadonlyMap<string, { assignmentId: string; callsign: string }>;

export function sealingFeatures(s: SealingView, manned: MannedCheckpoints = new Map()): Feature[] {
  const out: Feature[] = [];
  s.tiers.forEach((tier, idx) => {
    if (tier.boundary)
      out.push({
        type: 'Feature',
        geometry: tier.boundary as Feature['geometry'],
        properties: { kind: 'boundary', tier: idx },
      });
    for (const c of tier.checkpoints) {
      const man = manned.get(c.checkpointId);
      out.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [c.location.lon, c.location.lat] },
        // a manned checkpoint is sealed whoever the search would send now
        properties: {
          kind: 'checkpoint',
          tier: idx,
          sealable: Boolean(man) || c.sealable,
          manned: Boolean(man),
          name: c.name,
          id: c.checkpointId,
        },
      });
    }
    for (const x of tier.crossings) {
      out.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [x.lon, x.lat] },
        properties: { kind: 'crossing', tier: idx },
      });
    }
  });
  return out;
}

/** [west, south, east, north] of everything the sealing view draws, or null when it draws nothing. */
export function sealingBounds(features: Feature[]): [number, number, number, number] | null {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  const visit = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number') {
      const [x, y] = c as Position;
      w = Math.min(w, x);
      e = Math.max(e, x);
      s = Math.min(s, y);
      n = Math.max(n, y);
    } else for (const part of c) visit(part);
  };
  for (const f of features)
    if (f.geometry && 'coordinates' in f.geometry) visit(f.geometry.coordinates);
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

/** Checkpoints manned for an incident, from its `units.assigned` events with role `checkpoint`. */
export function checkpointsFromEvents(
  events: { type: string; data: unknown }[],
): Map<string, { assignmentId: string; callsign: string }> {
  const out = new Map<string, { assignmentId: string; callsign: string }>();
  for (const e of events) {
    const data = e.data as {
      role?: string;
      assignments?: { assignmentId: string; callsign: string; checkpointId?: string }[];
    } | null;
    if (e.type !== 'units.assigned' || data?.role !== 'checkpoint') continue;
    for (const a of data.assignments ?? [])
      if (a.checkpointId)
        out.set(a.checkpointId, { assignmentId: a.assignmentId, callsign: a.callsign });
  }
  return out;
}

/**
 * The 封控 / 预案 section of the incident panel. It keeps its own state per incident and asks
 * the seat to re-render when something changed.
 */
export class CommandPanel {
  private incidentId: string | null = null;
  private sealing: SealingView | null = null;
  private manned: Map<string, { assignmentId: string; callsign: string }> = new Map();
  private shown = false;
  private plan: PlanProposal | null | undefined = undefined;
  private error: string | null = null;
  /** A one-action request in flight: its button is disabled (a double click must not send twice). */
  private busy = false;

  constructor(
    private readonly view: MapView,
    private readonly rerender: () => void,
  ) {}

  /** A different incident was opened (or none): drop what was drawn for the previous one. */
  select(incidentId: string | null) {
    if (incidentId === this.incidentId) return;
    this.incidentId = incidentId;
    this.sealing = null;
    this.manned = new Map();
    this.shown = false;
    this.plan = undefined;
    this.error = null;
    this.busy = false;
    this.draw();
    if (incidentId) void this.loadPlan(incidentId);
  }

  dispose() {
    this.select(null);
  }

  private draw() {
    // not map.isStyleLoaded(): that is false while any source is still loading (the units'
    // once-a-second update nearly always is), and the rings would silently not be drawn
    void this.view.loaded.then(() => {
      ensureLayers(this.view);
      const data: FeatureCollection =
        this.shown && this.sealing
          ? {
              type: 'FeatureCollection',
              features: sealingFeatures(this.sealing, this.activeManned()),
            }
          : EMPTY;
      void this.view.map.getSource<GeoJSONSource>(SOURCE)?.setData(data);
    });
  }

  /** Frames the rings: at the incident's zoom a 10-20 km sealing ring is almost all off screen. */
  private frame() {
    if (!this.sealing) return;
    const b = sealingBounds(sealingFeatures(this.sealing));
    if (!b) return;
    this.view.map.fitBounds(
      [
        [b[0], b[1]],
        [b[2], b[3]],
      ],
      { padding: 40, maxZoom: 15, duration: 600 },
    );
  }

  /** Manned checkpoints whose unit is still out there (a cleared or cancelled one no longer seals). */
  private activeManned(): Map<string, { assignmentId: string; callsign: string }> {
    const out = new Map<string, { assignmentId: string; callsign: string }>();
    for (const [cp, m] of this.manned) {
      const a = store.assignments.get(m.assignmentId);
      if (!a || ACTIVE.has(a.status)) out.set(cp, m);
    }
    return out;
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

  private async loadSealing(id: string): Promise<void> {
    const [s, timeline] = await Promise.all([
      api.get<SealingView>(`/incidents/${id}/sealing`),
      api
        .get<{ events: { type: string; data: unknown }[] }>(`/incidents/${id}/timeline`)
        .catch(() => null),
    ]);
    if (this.incidentId !== id) return;
    this.sealing = s;
    if (timeline) this.manned = checkpointsFromEvents(timeline.events);
  }

  private async toggleSealing() {
    const id = this.incidentId;
    if (!id) return;
    this.shown = !this.shown;
    this.error = null;
    if (this.shown) {
      try {
        await this.loadSealing(id);
        if (this.incidentId !== id) return;
        this.frame();
      } catch (err) {
        this.shown = false;
        this.error = errorMessage(err);
      }
    }
    this.draw();
    this.rerender();
  }

  /** Sealable checkpoints nobody mans yet, each with its unit. */
  private toMan(): {
    checkpointId: string;
    unitId: string;
    checkpoint: string;
    callsign: string;
    unitEtaSec: number;
    vehicleEtaSec: number;
  }[] {
    const s = this.shown ? this.sealing : null;
    if (!s) return [];
    const manned = this.activeManned();
    return s.tiers.flatMap((tier) =>
      tier.checkpoints
        .filter((c) => c.sealable && c.bestUnit && !manned.has(c.checkpointId))
        .map((c) => ({
          checkpointId: c.checkpointId,
          unitId: c.bestUnit!.unitId,
          checkpoint: c.name,
          callsign: c.bestUnit!.callsign,
          unitEtaSec: c.bestUnit!.etaSec,
          vehicleEtaSec: c.vehicleEtaSec,
        })),
    );
  }

  /**
   * Every sealable checkpoint gets its unit in one request, after the dispatcher has seen which
   * units go where: it sends many units at once.
   */
  private async dispatchSealable() {
    const id = this.incidentId;
    const toMan = this.toMan();
    if (!id || !toMan.length || this.busy) return;
    this.busy = true;
    this.rerender();
    const sent = await openDialog({
      id: 'sealing-confirm',
      title: t('sealConfirmTitle', { n: toMan.length }),
      body: [
        h('p', { class: 'muted' }, t('sealConfirmCols')),
        h(
          'ol',
          { class: 'confirm-list', id: 'sealing-confirm-list' },
          toMan.map((m) =>
            h(
              'li',
              { 'data-unit-id': m.unitId, 'data-checkpoint-id': m.checkpointId },
              h('strong', {}, m.callsign),
              ` → ${m.checkpoint} · ${mmss(m.unitEtaSec)} / ${mmss(m.vehicleEtaSec)}`,
            ),
          ),
        ),
      ],
      confirmLabel: t('sealConfirm', { n: toMan.length }),
      submit: async () => {
        const assignments = toMan.map((m) => ({ checkpointId: m.checkpointId, unitId: m.unitId }));
        return api.post<{
          assignments: { id: string; callsign: string; checkpointId: string | null }[];
        }>(`/incidents/${id}/sealing/dispatch`, { assignments });
      },
    });
    try {
      if (sent) {
        for (const a of sent.assignments)
          if (a.checkpointId)
            this.manned.set(a.checkpointId, { assignmentId: a.id, callsign: a.callsign });
        this.error = null;
        await this.loadSealing(id);
      }
    } catch (err) {
      this.error = errorMessage(err);
    } finally {
      this.busy = false;
    }
    this.draw();
    this.rerender();
  }

  private async confirmPlan(unitIds: string[]) {
    const id = this.incidentId;
    if (!id || !unitIds.length || this.busy) return;
    this.busy = true;
    this.rerender();
    try {
      // the units shown, not whatever the server would fill now
      const r = await api.post<{ assignments: AssignmentView[] }>(`/incidents/${id}/plan/confirm`, {
        unitIds,
      });
      // into the store at once, so the proposal re-read below is already net of them
      for (const a of r.assignments) {
        if (store.assignments.has(a.id)) continue;
        const u = store.units.get(a.unitId);
        store.applyAssignment({
          ...a,
          incidentId: id,
          callsign: a.callsign ?? u?.callsign ?? '',
          unitKind: a.unitKind ?? u?.kind ?? '',
          role: a.role ?? 'primary',
        });
      }
      this.error = null;
    } catch (err) {
      this.error = errorMessage(err);
    } finally {
      this.busy = false;
    }
    await this.loadPlan(id);
  }

  private planSection(p: PlanProposal): HTMLElement {
    // the server counts the units already working the incident toward the plan first: what it
    // proposes and misses is what is left to do
    const left = { proposed: p.proposed, missing: p.missing };
    const callsignOf = (unitId: string) => store.units.get(unitId)?.callsign ?? unitId.slice(0, 8);
    const counted = (p.working ?? []).map((w) => ({ callsign: callsignOf(w.unitId) }));
    return h(
      'div',
      { class: 'plan', 'data-plan-id': p.planId },
      counted.length
        ? h(
            'p',
            { class: 'plan-working', id: 'plan-working' },
            '✓ ',
            t('planWorking', { list: counted.map((a) => a.callsign).join('、') }),
          )
        : null,
      left.proposed.length
        ? h(
            'ul',
            { class: 'plan-proposed' },
            left.proposed.map((u) =>
              h(
                'li',
                { 'data-unit-id': u.unitId },
                `${u.callsign} · ${unitKindLabel(u.kind)} · ${mmss(u.etaSec)}`,
              ),
            ),
          )
        : null,
      left.missing.length
        ? h(
            'p',
            { class: 'form-error plan-missing' },
            t('planMissing', {
              list: left.missing.map((m) => `${unitKindLabel(m.kind)} × ${m.count}`).join('、'),
            }),
          )
        : null,
      left.proposed.length
        ? h(
            'button',
            {
              type: 'button',
              class: 'primary',
              id: 'plan-confirm',
              disabled: this.busy,
              onclick: () => void this.confirmPlan(left.proposed.map((u) => u.unitId)),
            },
            `${t('planConfirm')} × ${left.proposed.length}`,
          )
        : !left.missing.length
          ? h('p', { class: 'muted', id: 'plan-met' }, t('planMet'))
          : null,
    );
  }

  element(): HTMLElement | null {
    if (!this.incidentId) return null;
    const s = this.shown ? this.sealing : null;
    const manned = this.activeManned();
    const toMan = this.toMan().length;
    const p = this.plan;
    return h(
      'section',
      { class: 'command-panel', id: 'command-panel' },
      h('h4', {}, t('plan')),
      p === undefined
        ? h('p', { class: 'muted' }, '…')
        : p === null
          ? h('p', { class: 'muted' }, t('noPlan'))
          : this.planSection(p),
      h(
        'div',
        { class: 'sealing-head' },
        h(
          'button',
          {
            type: 'button',
            class: this.shown ? 'tab active' : 'tab',
            id: 'sealing-toggle',
            onclick: () => void this.toggleSealing(),
          },
          this.shown ? t('sealingHide') : t('sealing'),
        ),
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
                  tier.checkpoints.map((c) => {
                    const man = manned.get(c.checkpointId);
                    return h(
                      'li',
                      {
                        class: man ? 'manned' : c.sealable ? 'sealable' : 'not-sealable',
                        'data-checkpoint-id': c.checkpointId,
                      },
                      man
                        ? `${c.name} · ${mmss(c.vehicleEtaSec)} · ${t('manned', { callsign: man.callsign })}`
                        : `${c.name} · ${mmss(c.vehicleEtaSec)} · ${c.bestUnit ? `${c.bestUnit.callsign} ${mmss(c.bestUnit.etaSec)}` : '—'} · ${c.sealable ? t('sealable') : t('notSealable')}`,
                    );
                  }),
                ),
                tier.crossings.length
                  ? h('p', { class: 'muted' }, t('crossingsOpen', { n: tier.crossings.length }))
                  : null,
              ),
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'primary',
                id: 'sealing-dispatch',
                disabled: !toMan || this.busy,
                onclick: () => void this.dispatchSealable(),
              },
              t('sealDispatch', { n: toMan }),
            ),
          )
        : null,
      this.error ? h('p', { class: 'form-error', role: 'alert' }, this.error) : null,
    );
  }
}
