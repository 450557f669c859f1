// 调度席: the live queue (priority, then waiting time), the rings of the selected incident on the
// map, candidates grouped by tier with road ETAs, assignment by click or key, and the progress of
// every assigned unit as it happens. Plus a unit status board.
import { findScheme, BUILTIN_SCHEMES, UNIT_STATUSES, type RingScheme } from '@ringcad/domain';
import type { FeatureCollection } from 'geojson';
import { api, qs } from '../api';
import { errorMessage } from '../errors';
import { h, isTyping, render } from '../dom';
import { clock, mmss } from '../format';
import { categoryLabel, label, statusLabel, t, unitKindLabel } from '../i18n';
import { featureCollection, withoutSmallHoles } from '../map/map-view';
import { redrawUnitsNow } from '../map/live-layers';
import { COLORS } from '../map/style';
import { queueOrder, store } from '../store';
import type { AssignmentView, IncidentView, Recommendation, RouteResponse } from '../types';
import { candidateList } from './candidates';
import { CommandPanel } from './sealing';
import type { Seat, SeatContext } from './seat';

const ASSIGNMENT_STEPS: { status: string; at: keyof AssignmentView }[] = [
  { status: 'assigned', at: 'assignedAt' },
  { status: 'acknowledged', at: 'ackedAt' },
  { status: 'en_route', at: 'departedAt' },
  { status: 'on_scene', at: 'arrivedAt' },
  { status: 'cleared', at: 'clearedAt' },
];

let schemesCache: RingScheme[] | null = null;
export async function loadSchemes(): Promise<RingScheme[]> {
  schemesCache ??= await api.get<RingScheme[]>('/rings/schemes').catch(() => [...BUILTIN_SCHEMES]);
  return schemesCache;
}

export class DispatcherSeat implements Seat {
  private ctx!: SeatContext;
  private tab: 'queue' | 'units' = 'queue';
  private cursor = 0;
  private rec: Recommendation | null = null;
  private recError: string | null = null;
  private readonly chosen = new Set<string>();
  private focusedCandidate: string | null = null;
  private route: RouteResponse | null = null;
  private assignError: string | null = null;
  private unitFilter = '';
  private openSeq = 0;
  private recTimer: number | null = null;
  private cleanup: (() => void)[] = [];
  private leftBody!: HTMLElement;
  private tabs!: HTMLElement;
  private command!: CommandPanel;

  mount(ctx: SeatContext) {
    this.ctx = ctx;
    this.command = new CommandPanel(ctx.map, () => this.renderRight());
    this.tabs = h('div', { class: 'tabs' });
    this.leftBody = h('div', { class: 'panel-body' });
    render(ctx.left, this.tabs, this.leftBody);
    const offs = [
      store.on(['incidents', 'assignments'], () => this.renderLeft()),
      store.on(['units'], () => {
        if (this.tab === 'units') this.renderLeft();
        this.scheduleRecommendationRefresh();
      }),
      store.on(['incidents', 'assignments', 'selection'], () => this.renderRight()),
      store.on(['assignments'], () => this.scheduleRecommendationRefresh()),
    ];
    // ages tick every second without any event
    const ticker = window.setInterval(() => this.tickAges(), 1000);
    const onKey = (e: KeyboardEvent) => this.onKey(e);
    document.addEventListener('keydown', onKey);
    ctx.map.onClick(['incidents', 'incidents-halo'], (f) => {
      const id = (f.properties as { id?: string }).id;
      if (id) void this.open(id);
    });
    ctx.map.onClick(['units'], (f) => {
      const id = (f.properties as { id?: string }).id;
      if (id && this.rec?.candidates.some((c) => c.unitId === id)) this.toggle(id);
    });
    this.cleanup.push(...offs, () => clearInterval(ticker), () => document.removeEventListener('keydown', onKey));
    this.renderLeft();
    this.renderRight();
    if (store.selectedIncidentId) void this.open(store.selectedIncidentId);
  }

  unmount() {
    this.cleanup.forEach((f) => f());
    this.cleanup = [];
    this.command.dispose();
    if (this.recTimer !== null) clearTimeout(this.recTimer);
    this.ctx.map.clear('isochrones');
    this.ctx.map.clear('route');
    this.chosen.clear();
    redrawUnitsNow(this.ctx.map, this.chosen);
  }

  highlighted(): ReadonlySet<string> {
    return this.chosen;
  }

  // ---- left: queue and unit board ------------------------------------------------------------

  private queue(): IncidentView[] {
    return store.openIncidents().sort(queueOrder);
  }

  private renderLeft() {
    render(
      this.tabs,
      h('button', { type: 'button', class: this.tab === 'queue' ? 'tab active' : 'tab', onclick: () => this.setTab('queue') }, t('queue'), h('span', { class: 'count' }, String(store.incidents.size)), h('kbd', {}, 'Q')),
      h('button', { type: 'button', class: this.tab === 'units' ? 'tab active' : 'tab', onclick: () => this.setTab('units') }, t('unitBoard'), h('span', { class: 'count' }, String(store.units.size)), h('kbd', {}, 'U')),
    );
    if (this.tab === 'queue') this.renderQueue();
    else this.renderUnits();
  }

  private setTab(tab: 'queue' | 'units') {
    this.tab = tab;
    this.renderLeft();
  }

  private renderQueue() {
    const items = this.queue();
    this.cursor = Math.min(this.cursor, Math.max(0, items.length - 1));
    if (!items.length) {
      render(this.leftBody, h('p', { class: 'muted empty' }, t('queueEmpty')));
      return;
    }
    render(
      this.leftBody,
      h('p', { class: 'hint muted' }, t('selectIncident')),
      h(
        'ol',
        { class: 'queue', id: 'queue' },
        items.map((i, idx) => {
          const assignments = store.assignmentsOf(i.id).filter((a) => !['cancelled', 'declined'].includes(a.status));
          return h(
            'li',
            {
              class: `queue-item p${i.priority} st-${i.status}${i.id === store.selectedIncidentId ? ' selected' : ''}${idx === this.cursor ? ' cursor' : ''}`,
              'data-incident-id': i.id,
              'data-number': i.number,
              onclick: () => {
                this.cursor = idx;
                void this.open(i.id);
              },
            },
            h('span', { class: `prio p${i.priority}` }, `P${i.priority}`),
            h(
              'div',
              { class: 'qi-main' },
              h('div', { class: 'qi-top' }, h('strong', {}, categoryLabel(i.category)), h('span', { class: 'number' }, i.number), h('span', { class: 'age', 'data-since': i.receivedAt }, this.age(i.receivedAt))),
              h('div', { class: 'qi-addr' }, i.address ?? `${i.location.lon.toFixed(4)}, ${i.location.lat.toFixed(4)}`),
              h(
                'div',
                { class: 'qi-status' },
                h('span', { class: `badge st-${i.status}` }, statusLabel('st', i.status)),
                assignments.map((a) => h('span', { class: `unit-chip as-${a.status}`, title: statusLabel('as', a.status) }, a.callsign, ' ', statusLabel('as', a.status))),
              ),
            ),
          );
        }),
      ),
    );
  }

  private renderUnits() {
    const counts = new Map<string, number>();
    for (const u of store.units.values()) counts.set(u.status, (counts.get(u.status) ?? 0) + 1);
    const filter = h('input', {
      type: 'search',
      class: 'unit-filter',
      placeholder: '/ 呼号 · callsign',
      value: this.unitFilter,
    });
    filter.addEventListener('input', () => {
      this.unitFilter = filter.value;
      this.renderUnitRows(rows);
    });
    const rows = h('tbody', {});
    render(
      this.leftBody,
      h(
        'div',
        { class: 'status-counts', id: 'unit-status-counts' },
        UNIT_STATUSES.map((s) =>
          h('span', { class: `status-count us-${s}` }, h('i', { style: `background:${COLORS.status[s] ?? '#94a3b8'}` }), statusLabel('us', s), h('b', {}, String(counts.get(s) ?? 0))),
        ),
      ),
      filter,
      h('table', { class: 'units-table', id: 'unit-board' }, h('thead', {}, h('tr', {}, h('th', {}, t('units')), h('th', {}, ''), h('th', {}, ''), h('th', {}, ''))), rows),
    );
    this.renderUnitRows(rows);
  }

  private renderUnitRows(tbody: HTMLElement) {
    const order = (s: string) => ['on_scene', 'en_route', 'assigned', 'available', 'out_of_service', 'off_duty'].indexOf(s);
    const q = this.unitFilter.trim().toLowerCase();
    const units = [...store.units.values()]
      .filter((u) => !q || u.callsign.toLowerCase().includes(q))
      .sort((a, b) => order(a.status) - order(b.status) || a.callsign.localeCompare(b.callsign, 'zh-CN'));
    render(
      tbody,
      units.slice(0, 300).map((u) => {
        const stale = store.isStale(u);
        return h(
          'tr',
          {
            class: `us-${u.status}${stale ? ' stale' : ''}`,
            'data-unit-id': u.id,
            onclick: () => {
              if (u.position) this.ctx.map.map.easeTo({ center: [u.position.lon, u.position.lat], zoom: 16 });
            },
          },
          h('td', {}, u.callsign),
          h('td', {}, unitKindLabel(u.kind)),
          h('td', {}, h('span', { class: `badge us-${u.status}` }, statusLabel('us', u.status))),
          h('td', { class: 'muted' }, stale ? h('span', { class: 'stale-flag', title: t('stale') }, '⚠ ', u.position ? this.age(u.position.at) : '—') : u.position ? this.age(u.position.at) : '—'),
        );
      }),
    );
  }

  private age(iso: string): string {
    const sec = Math.max(0, (store.now() - Date.parse(iso)) / 1000);
    return mmss(sec);
  }

  private tickAges() {
    for (const el of document.querySelectorAll<HTMLElement>('[data-since]')) el.textContent = this.age(el.dataset.since ?? '');
  }

  // ---- right: the selected incident ---------------------------------------------------------

  async open(id: string) {
    const incident = store.incidents.get(id);
    if (!incident) return;
    const seq = ++this.openSeq;
    const changed = store.selectedIncidentId !== id;
    store.select(id);
    this.command.select(id);
    if (changed) {
      this.chosen.clear();
      this.focusedCandidate = null;
      this.route = null;
      this.rec = null;
      this.assignError = null;
      this.ctx.map.clear('route');
      redrawUnitsNow(this.ctx.map, this.chosen);
    }
    const cursor = this.queue().findIndex((i) => i.id === id);
    if (cursor >= 0) this.cursor = cursor;
    this.renderLeft();
    this.renderRight();
    this.ctx.map.map.easeTo({ center: [incident.location.lon, incident.location.lat], zoom: Math.max(14, this.ctx.map.map.getZoom()), duration: 500 });
    const schemes = await loadSchemes();
    const scheme = findScheme(incident.schemeId, schemes) ?? findScheme(incident.schemeId) ?? schemes[0];
    const minutes = scheme.tiers.map((tier) => Math.round((tier.sec / 60) * 100) / 100).filter((m) => m > 0 && m <= 120).slice(0, 6);
    const [iso] = await Promise.all([
      api
        .get<FeatureCollection>(`/isochrones${qs({ lon: incident.location.lon, lat: incident.location.lat, minutes: minutes.join(','), direction: 'to' })}`)
        .catch(() => null),
      this.fetchRecommendation(id),
    ]);
    if (seq !== this.openSeq) return;
    if (iso) {
      // innermost ring last so it draws on top
      const features = iso.features
        .map((f) => ({
          ...f,
          geometry: withoutSmallHoles(f.geometry),
          properties: { ...f.properties, tier: minutes.indexOf(Number((f.properties as { minutes: number }).minutes)) },
        }))
        .sort((a, b) => b.properties.tier - a.properties.tier);
      this.ctx.map.set('isochrones', featureCollection(features));
    }
  }

  private async fetchRecommendation(id: string) {
    try {
      const rec = await api.get<Recommendation>(`/incidents/${id}/recommendation`);
      if (store.selectedIncidentId !== id) return;
      this.rec = rec;
      this.recError = null;
      // keep only choices that are still candidates
      for (const u of [...this.chosen]) if (!rec.candidates.some((c) => c.unitId === u)) this.chosen.delete(u);
    } catch (err) {
      this.rec = null;
      this.recError = errorMessage(err);
    }
    this.renderRight();
  }

  private scheduleRecommendationRefresh() {
    const id = store.selectedIncidentId;
    if (!id || this.recTimer !== null) return;
    this.recTimer = window.setTimeout(() => {
      this.recTimer = null;
      if (store.selectedIncidentId === id) void this.fetchRecommendation(id);
    }, 1500);
  }

  private close() {
    this.openSeq++;
    store.select(null);
    this.command.select(null);
    this.rec = null;
    this.chosen.clear();
    this.route = null;
    this.ctx.map.clear('isochrones');
    this.ctx.map.clear('route');
    redrawUnitsNow(this.ctx.map, this.chosen);
    this.renderLeft();
    this.renderRight();
  }

  private toggle(unitId: string) {
    if (this.chosen.has(unitId)) this.chosen.delete(unitId);
    else {
      this.chosen.add(unitId);
      void this.showRoute(unitId);
    }
    this.focusedCandidate = unitId;
    redrawUnitsNow(this.ctx.map, this.chosen);
    this.renderRight();
  }

  private async showRoute(unitId: string) {
    const id = store.selectedIncidentId;
    if (!id) return;
    try {
      const route = await api.get<RouteResponse>(`/incidents/${id}/route${qs({ unitId })}`);
      if (store.selectedIncidentId !== id) return;
      this.route = route;
      this.ctx.map.set('route', featureCollection([{ type: 'Feature', geometry: route.geometry, properties: { unitId } }]));
      this.renderRight();
    } catch {
      this.ctx.map.clear('route');
    }
  }

  private async assign() {
    const id = store.selectedIncidentId;
    if (!id || !this.rec) return;
    const unitIds = this.chosen.size ? [...this.chosen] : this.rec.candidates.slice(0, 1).map((c) => c.unitId);
    if (!unitIds.length) return;
    // units out at 封控 checkpoints are not at the scene: the first unit sent there is still the primary
    const active = store.assignmentsOf(id).some((a) => a.role !== 'checkpoint' && ['assigned', 'acknowledged', 'en_route', 'on_scene'].includes(a.status));
    this.assignError = null;
    try {
      const r = await api.post<{ assignments: AssignmentView[] }>(`/incidents/${id}/assignments`, { unitIds, role: active ? 'reinforcement' : 'primary' });
      for (const a of r.assignments) {
        const u = store.units.get(a.unitId);
        if (!store.assignments.has(a.id)) {
          store.applyAssignment({
            ...a,
            incidentId: id,
            callsign: a.callsign ?? u?.callsign ?? '',
            unitKind: a.unitKind ?? u?.kind ?? '',
            role: a.role ?? (active ? 'reinforcement' : 'primary'),
          } as AssignmentView);
        }
      }
      this.chosen.clear();
      this.route = null;
      this.ctx.map.clear('route');
      redrawUnitsNow(this.ctx.map, this.chosen);
      await this.fetchRecommendation(id);
    } catch (err) {
      this.assignError = errorMessage(err);
      this.renderRight();
    }
  }

  private renderRight() {
    const right = this.ctx.right;
    const id = store.selectedIncidentId;
    const i = id ? store.incidents.get(id) : undefined;
    if (!i) {
      render(right, h('div', { class: 'result-empty muted' }, t('selectIncident')));
      return;
    }
    const scheme = this.rec?.scheme ?? findScheme(i.schemeId, schemesCache ?? undefined) ?? findScheme(i.schemeId);
    const assignments = store.assignmentsOf(i.id);
    render(
      right,
      h(
        'div',
        { class: 'incident-detail', id: 'incident-detail', 'data-incident-id': i.id },
        h('div', { class: 'detail-head' }, h('span', { class: `prio p${i.priority}` }, `P${i.priority}`), h('strong', {}, categoryLabel(i.category)), h('span', { class: 'number' }, i.number), h('button', { type: 'button', class: 'ghost small', onclick: () => this.close() }, 'Esc')),
        h('div', { class: 'detail-addr' }, i.address ?? ''),
        h(
          'dl',
          { class: 'detail-meta' },
          h('dt', {}, t('callerNumber')),
          h('dd', {}, i.callerNumber ?? '—', i.callerName ? ` · ${i.callerName}` : ''),
          i.description ? [h('dt', {}, t('description')), h('dd', {}, i.description)] : null,
          h('dt', {}, t('rings')),
          h(
            'dd',
            { class: 'tiers' },
            scheme
              ? scheme.tiers.map((tier, idx) => h('span', { class: `tier-chip tier-${idx}`, style: `border-color:${COLORS.tiers[idx]}` }, label(tier.label) || `${tier.sec / 60} min`))
              : t('noScheme'),
          ),
          h('dt', {}, statusLabel('st', i.status)),
          h('dd', { 'data-since': i.receivedAt }, this.age(i.receivedAt)),
        ),
        assignments.length
          ? h(
              'section',
              { class: 'assignments', id: 'assignments' },
              h('h4', {}, t('progress')),
              assignments.map((a) =>
                h(
                  'div',
                  { class: `assignment as-${a.status}`, 'data-unit-id': a.unitId, 'data-status': a.status, 'data-role': a.role },
                  h(
                    'div',
                    { class: 'a-head' },
                    h('strong', {}, a.callsign),
                    h('span', { class: 'muted' }, unitKindLabel(a.unitKind)),
                    a.role === 'checkpoint' ? h('span', { class: 'role-chip' }, t('roleCheckpoint')) : null,
                    h('span', { class: `badge as-${a.status}` }, statusLabel('as', a.status)),
                    h('span', { class: 'muted' }, `${t('eta')} ${mmss(a.etaSec)}`),
                  ),
                  h(
                    'ol',
                    { class: 'steps' },
                    ASSIGNMENT_STEPS.map((s) => {
                      const at = a[s.at] as string | null;
                      return h('li', { class: at ? 'done' : '' }, h('span', {}, statusLabel('as', s.status)), h('time', {}, at ? clock(at) : ''));
                    }),
                  ),
                ),
              ),
            )
          : null,
        h(
          'section',
          { class: 'candidates-panel' },
          h('h4', {}, t('candidates'), this.rec ? h('small', { class: 'muted' }, ` ${this.rec.tookMs ?? ''} ms`) : null),
          h('p', { class: 'hint muted' }, t('assignHint')),
          this.rec
            ? candidateList(this.rec, { selected: this.chosen, focused: this.focusedCandidate, onToggle: (u) => this.toggle(u), limit: 30 })
            : h('p', { class: 'muted' }, this.recError ?? '…'),
          this.excludedSummary(),
          this.route ? h('p', { class: 'route-info' }, `→ ${mmss(this.route.etaSec)} · ${(this.route.distanceM / 1000).toFixed(1)} km${this.route.method === 'straight' ? ` (${t('straight')})` : ''}`) : null,
          this.assignError ? h('p', { class: 'form-error', role: 'alert' }, this.assignError) : null,
          h(
            'button',
            { type: 'button', class: 'primary', id: 'assign', disabled: !this.rec?.candidates.length, onclick: () => void this.assign() },
            `${t('assign')} (A)${this.chosen.size ? ` × ${this.chosen.size}` : ''}`,
          ),
        ),
        this.command.element(),
      ),
    );
  }

  /** Units the recommendation left out and why (a stale position is flagged, not trusted). */
  private excludedSummary(): HTMLElement | null {
    const ex = this.rec?.excluded ?? [];
    const stale = ex.filter((e) => e.reason === 'stale_position' || e.reason === 'no_position');
    if (!stale.length) return null;
    return h('p', { class: 'excluded muted' }, `⚠ ${stale.length} · ${t('stale')}: `, stale.slice(0, 6).map((e) => e.callsign).join('、'), stale.length > 6 ? ' …' : '');
  }

  // ---- keyboard ------------------------------------------------------------------------------

  private onKey(e: KeyboardEvent) {
    if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    const key = e.key;
    const items = this.queue();
    const handled = () => e.preventDefault();
    if (key === 'ArrowDown' || key === 'j') {
      handled();
      this.cursor = Math.min(items.length - 1, this.cursor + 1);
      this.renderLeft();
      this.scrollCursor();
    } else if (key === 'ArrowUp' || key === 'k') {
      handled();
      this.cursor = Math.max(0, this.cursor - 1);
      this.renderLeft();
      this.scrollCursor();
    } else if (key === 'Enter') {
      const i = items[this.cursor];
      if (i) {
        handled();
        void this.open(i.id);
      }
    } else if (key === 'Escape') {
      handled();
      this.close();
    } else if (/^[1-9]$/.test(key) && this.rec) {
      const c = this.rec.candidates[Number(key) - 1];
      if (c) {
        handled();
        this.toggle(c.unitId);
      }
    } else if (key === 'a' || key === 'A') {
      if (e.shiftKey) return;
      handled();
      void this.assign();
    } else if (key === 'r' || key === 'R') {
      const u = this.focusedCandidate ?? this.rec?.candidates[0]?.unitId;
      if (u) {
        handled();
        void this.showRoute(u);
      }
    } else if (key === 'q' || key === 'Q') {
      handled();
      this.setTab('queue');
    } else if (key === 'u' || key === 'U') {
      handled();
      this.setTab('units');
    } else if (key === '/') {
      handled();
      this.setTab('units');
      this.leftBody.querySelector<HTMLInputElement>('.unit-filter')?.focus();
    }
  }

  private scrollCursor() {
    this.leftBody.querySelector('.queue-item.cursor')?.scrollIntoView({ block: 'nearest' });
  }
}
