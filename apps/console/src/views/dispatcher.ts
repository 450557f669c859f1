// 调度席: the live queue (priority, then waiting time), the rings of the selected incident on the
// map, candidates grouped by tier with road ETAs, assignment by click or key, and the progress of
// every assigned unit as it happens. Plus a unit status board. The incident's lifecycle is on keys
// too: correct it (E), write in its running log (N), merge it (M), close it with a disposition (C)
// or cancel it (X); per assigned unit, record what it radioed (Y/T/V/F) or recall it (D).
import {
  ACTIVE_ASSIGNMENT_STATUSES,
  findScheme,
  BUILTIN_SCHEMES,
  ringMinutes,
  UNIT_STATUSES,
  type RingScheme,
} from '@ringcad/domain';
import { messageSection } from './messages';
import type { FeatureCollection } from 'geojson';
import { api, ApiError, qs } from '../api';
import { closeDialogs, DialogRefusal, openDialog, pickList } from '../dialog';
import { h, isTyping, keyedList, render, setText } from '../dom';
import { exerciseBadge } from './exercise-badge';
import { clock, mmss } from '../format';
import { categoryLabel, label, lang, statusLabel, t, unitKindLabel } from '../i18n';
import { errorMessage } from '../errors';
import { nearbyIncidents, type Nearby } from '../nearby';
import { featureCollection, withoutSmallHoles } from '../map/map-view';
import { redrawUnitsNow } from '../map/live-layers';
import { COLORS } from '../map/style';
import { queueOrder, store } from '../store';
import type {
  AssignmentView,
  CallView,
  DispositionView,
  IncidentView,
  NoteView,
  Recommendation,
  UnitRoute,
} from '@ringcad/contracts';
import { candidateList } from './candidates';
import { IncidentForm, type IncidentFields } from './incident-form';
import { CommandPanel } from './sealing';
import { PerimeterPanel, PERIMETER_READER_ROLES } from './perimeters';
import type { Seat, SeatContext } from './seat';

const ASSIGNMENT_STEPS: { status: string; at: keyof AssignmentView }[] = [
  { status: 'assigned', at: 'assignedAt' },
  { status: 'acknowledged', at: 'ackedAt' },
  { status: 'en_route', at: 'departedAt' },
  { status: 'on_scene', at: 'arrivedAt' },
  { status: 'cleared', at: 'clearedAt' },
];

/** The fields of a timeline event (GET /incidents/:id/timeline) read here. */
interface IncidentEventView {
  type: string;
  at: string;
  data: Record<string, unknown>;
}

interface OfflineMark {
  deviceAt: string;
  receivedAt: string;
}

/** The stage events a terminal sent after acting offline, by `assignmentId:status reached`. */
function offlineMarks(events: IncidentEventView[]): Map<string, OfflineMark> {
  const marks = new Map<string, OfflineMark>();
  for (const e of events) {
    const d = e.data;
    if (!e.type.startsWith('assignment.') || d.offline !== true) continue;
    if (typeof d.assignmentId !== 'string' || typeof d.to !== 'string') continue;
    if (typeof d.deviceAt !== 'string') continue;
    marks.set(`${d.assignmentId}:${d.to}`, {
      deviceAt: d.deviceAt,
      receivedAt: typeof d.receivedAt === 'string' ? d.receivedAt : e.at,
    });
  }
  return marks;
}

/** What the dispatcher may record on a unit's behalf (radio confirmed), by key, from which status. */
const ON_BEHALF: {
  key: string;
  type: 'ack' | 'depart' | 'arrive' | 'clear';
  label: () => string;
  from: string[];
}[] = [
  { key: 'y', type: 'ack', label: () => t('actAck'), from: ['assigned'] },
  { key: 't', type: 'depart', label: () => t('actDepart'), from: ['assigned', 'acknowledged'] },
  { key: 'v', type: 'arrive', label: () => t('actArrive'), from: ['en_route'] },
  { key: 'f', type: 'clear', label: () => t('actClear'), from: ['on_scene'] },
];
const ACTIVE_ASSIGNMENT: readonly string[] = ACTIVE_ASSIGNMENT_STATUSES;

type Editable =
  'category' | 'priority' | 'location' | 'address' | 'callerName' | 'callerNumber' | 'description';

function fieldsOf(i: IncidentView): IncidentFields {
  return {
    category: i.category,
    priority: i.priority,
    location: { lon: i.location.lon, lat: i.location.lat },
    address: i.address ?? '',
    callerNumber: i.callerNumber ?? '',
    callerName: i.callerName ?? '',
    description: i.description ?? '',
  };
}

/** What the form changes relative to the incident it was opened on (empty text clears a field). */
function changesOf(base: IncidentView, v: IncidentFields): Partial<Record<Editable, unknown>> {
  const out: Partial<Record<Editable, unknown>> = {};
  if (v.category && v.category !== base.category) out.category = v.category;
  if (v.priority && v.priority !== base.priority) out.priority = v.priority;
  if (
    v.location &&
    (Math.abs(v.location.lon - base.location.lon) > 1e-7 ||
      Math.abs(v.location.lat - base.location.lat) > 1e-7)
  ) {
    out.location = { lon: v.location.lon, lat: v.location.lat };
  }
  for (const k of ['address', 'callerName', 'callerNumber', 'description'] as const) {
    if ((v[k] || null) !== (base[k] ?? null)) out[k] = v[k] || null;
  }
  return out;
}

function fieldLabel(field: string): string {
  switch (field) {
    case 'category':
    case 'priority':
    case 'location':
    case 'address':
    case 'callerName':
    case 'callerNumber':
    case 'description':
    case 'jurisdiction':
      return t(field);
    case 'schemeId':
      return t('scheme');
    default:
      return field;
  }
}

let dispositionsCache: DispositionView[] | null = null;

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
  private route: UnitRoute | null = null;
  private assignError: string | null = null;
  private unitFilter = '';
  private openSeq = 0;
  private recTimer: number | null = null;
  private cleanup: (() => void)[] = [];
  private leftBody!: HTMLElement;
  /** The queue's list while it is shown (rows kept across store changes). */
  private queueList: HTMLElement | null = null;
  /** The unit board while it is shown. */
  private unitBoard: { counts: HTMLElement; rows: HTMLElement } | null = null;
  private tabs!: HTMLElement;
  private command!: CommandPanel;
  /** A correction under way: the form and the incident as it was when the form was filled. */
  private editing: { form: IncidentForm; base: IncidentView } | null = null;
  /** The assignment row the unit keys (Y/T/V/F/D) act on. */
  private assignmentCursor: string | null = null;
  /** The last thing done or refused, said once in the panel. */
  private flash: { text: string; error: boolean } | null = null;
  private calls: { key: string; list: CallView[] } | null = null;
  private callsLoading: string | null = null;
  /** Stage actions a terminal took offline (by `assignmentId:status`): device and receipt time. */
  private offline: { key: string; marks: Map<string, OfflineMark> } | null = null;
  private offlineLoading: string | null = null;

  mount(ctx: SeatContext) {
    this.ctx = ctx;
    this.command = new CommandPanel(ctx.map, () => this.renderRight());
    this.tabs = h('div', { class: 'tabs' });
    this.leftBody = h('div', { class: 'panel-body' });
    render(ctx.left, this.tabs, this.leftBody);
    // 环城封控圈 readiness, live, on the dispatcher's seat too (admins sitting here do not read it)
    if (PERIMETER_READER_ROLES.some((r) => ctx.session.user.roles.includes(r))) {
      const perimeters = new PerimeterPanel(ctx.map);
      ctx.left.append(perimeters.el);
      this.cleanup.push(() => perimeters.dispose());
    }
    const offs = [
      store.on(['incidents', 'assignments'], () => this.renderLeft()),
      store.on(['units'], () => {
        if (this.tab === 'units') this.renderLeft();
        this.scheduleRecommendationRefresh();
      }),
      store.on(['incidents', 'assignments', 'selection', 'notes', 'messages'], () =>
        this.renderRight(),
      ),
      store.on(['assignments'], () => this.scheduleRecommendationRefresh()),
    ];
    // ages tick every second without any event
    const ticker = window.setInterval(() => this.tickAges(), 1000);
    const onKey = (e: KeyboardEvent) => this.onKey(e);
    document.addEventListener('keydown', onKey);
    // while a correction is open a click on the map places the incident, it opens nothing
    ctx.map.onClick(['incidents', 'incidents-halo'], (f) => {
      const id = (f.properties as { id?: string }).id;
      if (id && !this.editing) void this.open(id);
    });
    ctx.map.onClick(['units'], (f) => {
      const id = (f.properties as { id?: string }).id;
      if (id && !this.editing && this.rec?.candidates.some((c) => c.unitId === id)) this.toggle(id);
    });
    this.cleanup.push(
      ...offs,
      () => clearInterval(ticker),
      () => document.removeEventListener('keydown', onKey),
    );
    this.renderLeft();
    this.renderRight();
    if (store.selectedIncidentId) void this.open(store.selectedIncidentId);
  }

  unmount() {
    closeDialogs();
    this.stopEditing();
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
      h(
        'button',
        {
          type: 'button',
          class: this.tab === 'queue' ? 'tab active' : 'tab',
          onclick: () => this.setTab('queue'),
        },
        t('queue'),
        h('span', { class: 'count' }, String(store.incidents.size)),
        h('kbd', {}, 'Q'),
      ),
      h(
        'button',
        {
          type: 'button',
          class: this.tab === 'units' ? 'tab active' : 'tab',
          onclick: () => this.setTab('units'),
        },
        t('unitBoard'),
        h('span', { class: 'count' }, String(store.units.size)),
        h('kbd', {}, 'U'),
      ),
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
    this.unitBoard = null;
    if (!items.length) {
      this.queueList = null;
      render(this.leftBody, h('p', { class: 'muted empty' }, t('queueEmpty')));
      return;
    }
    if (!this.queueList || this.queueList.parentElement !== this.leftBody) {
      this.queueList = h('ol', { class: 'queue', id: 'queue' });
      render(this.leftBody, h('p', { class: 'hint muted' }, t('selectIncident')), this.queueList);
    }
    // rows are reused by incident id; only a row whose incident, units or highlight changed is rebuilt
    const rows = items.map((i, idx) => ({
      i,
      assignments: store
        .assignmentsOf(i.id)
        .filter((a) => !['cancelled', 'declined'].includes(a.status)),
      selected: i.id === store.selectedIncidentId,
      cursor: idx === this.cursor,
    }));
    keyedList(this.queueList, rows, {
      key: (r) => r.i.id,
      signature: (r) =>
        [
          r.i.version,
          r.i.status,
          r.i.priority,
          r.selected,
          r.cursor,
          ...r.assignments.map((a) => `${a.id}:${a.status}`),
        ].join('|'),
      row: (r) => this.queueRow(r.i, r.assignments, r.selected, r.cursor),
    });
  }

  private queueRow(
    i: IncidentView,
    assignments: AssignmentView[],
    selected: boolean,
    cursor: boolean,
  ): HTMLElement {
    return h(
      'li',
      {
        class: `queue-item p${i.priority} st-${i.status}${selected ? ' selected' : ''}${cursor ? ' cursor' : ''}`,
        'data-incident-id': i.id,
        'data-number': i.number,
        onclick: () => {
          this.cursor = Math.max(
            0,
            this.queue().findIndex((x) => x.id === i.id),
          );
          void this.open(i.id);
        },
      },
      h('span', { class: `prio p${i.priority}` }, `P${i.priority}`),
      exerciseBadge(i),
      h(
        'div',
        { class: 'qi-main' },
        h(
          'div',
          { class: 'qi-top' },
          h('strong', {}, categoryLabel(i.category)),
          h('span', { class: 'number' }, i.number),
          h('span', { class: 'age', 'data-since': i.receivedAt }, this.age(i.receivedAt)),
        ),
        h(
          'div',
          { class: 'qi-addr' },
          i.address ?? `${i.location.lon.toFixed(4)}, ${i.location.lat.toFixed(4)}`,
        ),
        h(
          'div',
          { class: 'qi-status' },
          h('span', { class: `badge st-${i.status}` }, statusLabel('st', i.status)),
          assignments.map((a) =>
            h(
              'span',
              { class: `unit-chip as-${a.status}`, title: statusLabel('as', a.status) },
              a.callsign,
              ' ',
              statusLabel('as', a.status),
            ),
          ),
        ),
      ),
    );
  }

  private renderUnits() {
    this.queueList = null;
    const counts = new Map<string, number>();
    for (const u of store.units.values()) counts.set(u.status, (counts.get(u.status) ?? 0) + 1);
    if (!this.unitBoard || this.unitBoard.counts.parentElement !== this.leftBody) {
      const filter = h('input', {
        type: 'search',
        class: 'unit-filter',
        placeholder: '/ 呼号 · callsign',
        value: this.unitFilter,
      });
      const rows = h('tbody', {});
      const countsEl = h('div', { class: 'status-counts', id: 'unit-status-counts' });
      filter.addEventListener('input', () => {
        this.unitFilter = filter.value;
        this.renderUnitRows(rows);
      });
      render(
        this.leftBody,
        countsEl,
        filter,
        h(
          'table',
          { class: 'units-table', id: 'unit-board' },
          h(
            'thead',
            {},
            h('tr', {}, h('th', {}, t('units')), h('th', {}, ''), h('th', {}, ''), h('th', {}, '')),
          ),
          rows,
        ),
      );
      this.unitBoard = { counts: countsEl, rows };
    }
    keyedList(
      this.unitBoard.counts,
      UNIT_STATUSES.map((s) => ({ s, n: counts.get(s) ?? 0 })),
      {
        key: (c) => c.s,
        signature: (c) => String(c.n),
        row: (c) =>
          h(
            'span',
            { class: `status-count us-${c.s}` },
            h('i', { class: 'dot', '--dot': COLORS.status[c.s] ?? '#94a3b8' }),
            statusLabel('us', c.s),
            h('b', {}, String(c.n)),
          ),
      },
    );
    this.renderUnitRows(this.unitBoard.rows);
  }

  private renderUnitRows(tbody: HTMLElement) {
    const order = (s: string) =>
      ['on_scene', 'en_route', 'assigned', 'available', 'out_of_service', 'off_duty'].indexOf(s);
    const q = this.unitFilter.trim().toLowerCase();
    const units = [...store.units.values()]
      .filter((u) => !q || u.callsign.toLowerCase().includes(q))
      .sort(
        (a, b) =>
          order(a.status) - order(b.status) || a.callsign.localeCompare(b.callsign, 'zh-CN'),
      )
      .slice(0, 300)
      .map((u) => ({ u, stale: store.isStale(u) }));
    // rows are reused by unit id; ages tick through data-since, so moving alone rebuilds nothing
    keyedList(tbody, units, {
      key: (r) => r.u.id,
      signature: (r) => `${r.u.status}|${r.stale}|${r.u.position?.at ?? '-'}`,
      row: ({ u, stale }) => {
        const age = u.position
          ? h('span', { 'data-since': u.position.at }, this.age(u.position.at))
          : '—';
        return h(
          'tr',
          {
            class: `us-${u.status}${stale ? ' stale' : ''}`,
            'data-unit-id': u.id,
            onclick: () => {
              // the unit as it is now, not as it was when the row was built
              const p = store.units.get(u.id)?.position;
              if (p) this.ctx.map.map.easeTo({ center: [p.lon, p.lat], zoom: 16 });
            },
          },
          h('td', {}, u.callsign),
          h('td', {}, unitKindLabel(u.kind)),
          h('td', {}, h('span', { class: `badge us-${u.status}` }, statusLabel('us', u.status))),
          h(
            'td',
            { class: 'muted' },
            stale ? h('span', { class: 'stale-flag', title: t('stale') }, '⚠ ', age) : age,
          ),
        );
      },
    });
  }

  private age(iso: string): string {
    const sec = Math.max(0, (store.now() - Date.parse(iso)) / 1000);
    return mmss(sec);
  }

  private tickAges() {
    for (const el of document.querySelectorAll<HTMLElement>('[data-since]'))
      setText(el, this.age(el.dataset.since ?? ''));
  }

  // ---- right: the selected incident ---------------------------------------------------------

  async open(id: string) {
    const incident = store.incidents.get(id);
    if (!incident) return;
    const seq = ++this.openSeq;
    const changed = store.selectedIncidentId !== id;
    if (changed) this.stopEditing();
    store.select(id);
    this.command.select(id);
    if (changed) {
      this.flash = null;
      this.assignmentCursor = null;
      this.calls = null;
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
    this.ctx.map.map.easeTo({
      center: [incident.location.lon, incident.location.lat],
      zoom: Math.max(14, this.ctx.map.map.getZoom()),
      duration: 500,
    });
    const schemes = await loadSchemes();
    const scheme =
      findScheme(incident.schemeId, schemes) ?? findScheme(incident.schemeId) ?? schemes[0];
    const minutes = ringMinutes(scheme);
    // the full running log: the snapshot has this incident's own notes, not those of duplicates merged into it
    void api
      .get<{ notes: NoteView[] }>(`/incidents/${id}/notes`)
      .then((r) => store.setNotes(id, r.notes))
      .catch(() => undefined);
    const [iso] = await Promise.all([
      api
        .get<FeatureCollection>(
          `/isochrones${qs({ lon: incident.location.lon, lat: incident.location.lat, minutes: minutes.join(','), direction: 'to' })}`,
        )
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
          properties: {
            ...f.properties,
            tier: minutes.indexOf(Number((f.properties as { minutes: number }).minutes)),
            label: t(
              (f.properties as { method?: string }).method === 'straight'
                ? 'ringLabelStraight'
                : 'ringLabel',
              { m: (f.properties as { minutes: number }).minutes },
            ),
          },
        }))
        .sort((a, b) => b.properties.tier - a.properties.tier);
      this.ctx.map.set('isochrones', featureCollection(features));
      // the first look at an incident shows its inner rings whole, not a 14-zoom crop of them
      if (changed) fitInnerRings(this.ctx.map.map, features, incident.location);
    }
  }

  private async fetchRecommendation(id: string) {
    try {
      const rec = await api.get<Recommendation>(`/incidents/${id}/recommendation`);
      if (store.selectedIncidentId !== id) return;
      this.rec = rec;
      this.recError = null;
      // keep only choices that are still candidates
      for (const u of [...this.chosen])
        if (!rec.candidates.some((c) => c.unitId === u)) this.chosen.delete(u);
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
    this.stopEditing();
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
      const route = await api.get<UnitRoute>(`/incidents/${id}/route${qs({ unitId })}`);
      if (store.selectedIncidentId !== id) return;
      this.route = route;
      this.ctx.map.set(
        'route',
        featureCollection([
          {
            type: 'Feature',
            geometry: route.geometry,
            // a straight-line fallback is drawn dashed and says so on the map
            properties:
              route.method === 'straight'
                ? { unitId, method: route.method, label: t('straightEstimate') }
                : { unitId, method: route.method },
          },
        ]),
      );
      this.renderRight();
    } catch {
      this.ctx.map.clear('route');
    }
  }

  private async assign() {
    const id = store.selectedIncidentId;
    if (!id) return;
    // nothing chosen sends nobody: a stray A must not dispatch whoever happens to be first
    if (!this.chosen.size) {
      this.assignError = t('nothingChosen');
      this.renderRight();
      return;
    }
    if (!this.rec) return;
    const unitIds = [...this.chosen];
    // units out at 封控 checkpoints are not at the scene: the first unit sent there is still the primary
    const active = store
      .assignmentsOf(id)
      .some((a) => a.role !== 'checkpoint' && ACTIVE_ASSIGNMENT.includes(a.status));
    this.assignError = null;
    try {
      const r = await api.post<{ assignments: AssignmentView[] }>(`/incidents/${id}/assignments`, {
        unitIds,
        role: active ? 'reinforcement' : 'primary',
      });
      for (const a of r.assignments) if (!store.assignments.has(a.id)) store.applyAssignment(a);
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
    if (this.editing && this.editing.base.id !== i?.id) this.stopEditing();
    if (this.editing) {
      // the form keeps what is being typed: it is never rebuilt by live events
      if (right.firstElementChild !== this.editing.form.element)
        render(right, this.editing.form.element);
      return;
    }
    if (!i) {
      render(
        right,
        this.flashLine(),
        h('div', { class: 'result-empty muted' }, t('selectIncident')),
      );
      return;
    }
    const scheme =
      this.rec?.scheme ??
      findScheme(i.schemeId, schemesCache ?? undefined) ??
      findScheme(i.schemeId);
    const assignments = store.assignmentsOf(i.id);
    const cursor = this.cursorAssignment(assignments);
    this.loadCalls(i);
    this.loadOfflineMarks(i, assignments);
    const duplicates = nearbyIncidents(store.openIncidents(), i.location, store.now(), {
      category: i.category,
      exclude: i.id,
    });
    const scrollTop = right.scrollTop;
    render(
      right,
      h(
        'div',
        {
          class: 'incident-detail',
          id: 'incident-detail',
          'data-incident-id': i.id,
          'data-version': i.version,
        },
        h(
          'div',
          { class: 'detail-head' },
          h('span', { class: `prio p${i.priority}` }, `P${i.priority}`),
          exerciseBadge(i),
          h('strong', {}, categoryLabel(i.category)),
          h('span', { class: 'number' }, i.number),
          h('button', { type: 'button', class: 'ghost small', onclick: () => this.close() }, 'Esc'),
        ),
        h(
          'div',
          { class: 'incident-actions', id: 'incident-actions' },
          this.actionButton('e', t('edit'), () => void this.edit()),
          this.actionButton('n', t('noteAdd'), () => void this.addNote()),
          this.actionButton('m', t('merge'), () => void this.merge()),
          this.actionButton('c', t('closeIncident'), () => void this.closeIncident()),
          this.actionButton('x', t('cancelIncident'), () => void this.cancelIncident(), true),
        ),
        this.flashLine(),
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
              ? scheme.tiers.map((tier, idx) =>
                  h(
                    'span',
                    { class: `tier-chip tier-${idx}`, '--tier': COLORS.tiers[idx] },
                    label(tier.label) || `${tier.sec / 60} min`,
                  ),
                )
              : t('noScheme'),
          ),
          h('dt', {}, statusLabel('st', i.status)),
          h('dd', { 'data-since': i.receivedAt }, this.age(i.receivedAt)),
        ),
        duplicates.length ? this.duplicatesSection(duplicates) : null,
        assignments.length
          ? h(
              'section',
              { class: 'assignments', id: 'assignments' },
              h('h4', {}, t('progress')),
              h('p', { class: 'hint muted' }, t('assignmentKeys')),
              assignments.map((a) => this.assignmentRow(a, a.id === cursor?.id)),
            )
          : null,
        this.logSection(i),
        messageSection(
          i.id,
          assignments.filter((a) => ACTIVE_ASSIGNMENT.includes(a.status)).map((a) => a.unitId),
        ),
        h(
          'section',
          { class: 'candidates-panel' },
          h(
            'h4',
            {},
            t('candidates'),
            this.rec ? h('small', { class: 'muted' }, ` ${this.rec.tookMs ?? ''} ms`) : null,
          ),
          h('p', { class: 'hint muted' }, t('assignHint')),
          this.rec
            ? candidateList(this.rec, {
                selected: this.chosen,
                focused: this.focusedCandidate,
                onToggle: (u) => this.toggle(u),
                limit: 30,
              })
            : h('p', { class: 'muted' }, this.recError ?? '…'),
          this.excludedSummary(),
          this.route
            ? h(
                'p',
                { class: 'route-info' },
                `→ ${mmss(this.route.etaSec)} · ${(this.route.distanceM / 1000).toFixed(1)} km${this.route.method === 'straight' ? ` (${t('straightEstimate')})` : ''}`,
              )
            : null,
          this.assignError
            ? h('p', { class: 'form-error', role: 'alert', id: 'assign-error' }, this.assignError)
            : null,
          h(
            'button',
            {
              type: 'button',
              class: 'primary',
              id: 'assign',
              disabled: !this.rec?.candidates.length,
              onclick: () => void this.assign(),
            },
            `${t('assign')} (A)${this.chosen.size ? ` × ${this.chosen.size}` : ''}`,
          ),
        ),
        this.command.element(),
      ),
    );
    // live events re-render the panel; the dispatcher's place in it stays
    right.scrollTop = scrollTop;
  }

  private actionButton(key: string, text: string, run: () => void, danger = false): HTMLElement {
    return h(
      'button',
      {
        type: 'button',
        class: danger ? 'ghost small danger' : 'ghost small',
        'data-key': key,
        onclick: run,
      },
      text,
      h('kbd', {}, key.toUpperCase()),
    );
  }

  private flashLine(): HTMLElement | null {
    if (!this.flash) return null;
    return h(
      'p',
      { class: this.flash.error ? 'flash form-error' : 'flash', id: 'flash', role: 'status' },
      this.flash.text,
    );
  }

  private say(text: string, error = false) {
    this.flash = { text, error };
    this.renderRight();
  }

  private duplicatesSection(list: Nearby[]): HTMLElement {
    return h(
      'section',
      { class: 'duplicates', id: 'incident-duplicates' },
      h('h4', {}, '⚠ ', t('duplicates'), h('kbd', {}, 'M')),
      h(
        'ul',
        {},
        list.map((n) =>
          h(
            'li',
            { 'data-incident-id': n.incident.id },
            `${n.incident.number} · ${categoryLabel(n.incident.category)} · `,
            t('nearbyLine', {
              distance: Math.round(n.distanceM),
              minutes: Math.round(n.minutesAgo),
            }),
          ),
        ),
      ),
    );
  }

  /** The running log (备注) and every call about the incident. */
  private logSection(i: IncidentView): HTMLElement {
    const notes = store.notesOf(i.id);
    const calls = this.calls?.list ?? [];
    return h(
      'section',
      { class: 'log', id: 'incident-log' },
      h(
        'h4',
        {},
        t('notes'),
        h('span', { class: 'count' }, String(notes.length)),
        h('kbd', {}, 'N'),
      ),
      notes.length
        ? h(
            'ol',
            { class: 'notes', id: 'notes' },
            notes.map((n) =>
              h(
                'li',
                { 'data-note-id': n.id },
                h('time', {}, clock(n.at)),
                h('span', { class: `actor ${n.actor.kind}` }, n.actor.name),
                h('span', { class: 'text' }, n.text),
              ),
            ),
          )
        : h('p', { class: 'muted empty-log' }, t('notesEmpty')),
      calls.length > 1
        ? [
            h('h4', {}, t('calls'), h('span', { class: 'count' }, String(calls.length))),
            h(
              'ol',
              { class: 'calls', id: 'calls' },
              calls.map((c) =>
                h(
                  'li',
                  {},
                  h('time', {}, clock(c.receivedAt)),
                  h('span', {}, c.callerNumber ?? '—', c.callerName ? ` · ${c.callerName}` : ''),
                  c.id === null
                    ? h('span', { class: 'muted' }, t('callFirst'))
                    : c.mergedFrom
                      ? h('span', { class: 'muted' }, t('callMergedIn'))
                      : null,
                  c.note ? h('span', { class: 'text' }, c.note) : null,
                ),
              ),
            ),
          ]
        : null,
    );
  }

  /** Calls are read per incident version: an attached call bumps it. */
  /**
   * Which stage actions arrived late from a terminal that was offline: the incident's timeline
   * records each with its device time and receipt time. Read again when the incident changes.
   */
  private loadOfflineMarks(i: IncidentView, assignments: AssignmentView[]) {
    if (!assignments.some((a) => a.ackedAt || a.departedAt || a.arrivedAt || a.clearedAt)) return;
    const key = `${i.id}:${i.version}`;
    if (this.offline?.key === key || this.offlineLoading === key) return;
    this.offlineLoading = key;
    void api
      .get<{ events: IncidentEventView[] }>(`/incidents/${i.id}/timeline`)
      .then((r) => {
        if (store.selectedIncidentId !== i.id) return;
        this.offline = { key, marks: offlineMarks(r.events) };
        this.renderRight();
      })
      .catch(() => undefined)
      .finally(() => {
        if (this.offlineLoading === key) this.offlineLoading = null;
      });
  }

  private loadCalls(i: IncidentView) {
    const key = `${i.id}:${i.version}`;
    if (this.calls?.key === key || this.callsLoading === key) return;
    this.callsLoading = key;
    void api
      .get<{ calls: CallView[] }>(`/incidents/${i.id}/calls`)
      .then((r) => {
        if (store.selectedIncidentId !== i.id) return;
        this.calls = { key, list: r.calls };
        this.renderRight();
      })
      .catch(() => undefined)
      .finally(() => {
        if (this.callsLoading === key) this.callsLoading = null;
      });
  }

  private assignmentRow(a: AssignmentView, isCursor: boolean): HTMLElement {
    const active = ACTIVE_ASSIGNMENT.includes(a.status);
    const actions = ON_BEHALF.filter((x) => x.from.includes(a.status));
    return h(
      'div',
      {
        class: `assignment as-${a.status}${isCursor ? ' cursor' : ''}`,
        'data-unit-id': a.unitId,
        'data-assignment-id': a.id,
        'data-status': a.status,
        'data-role': a.role,
      },
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
          const offline = at ? this.offline?.marks.get(`${a.id}:${s.status}`) : undefined;
          return h(
            'li',
            { class: at ? 'done' : '' },
            h('span', {}, statusLabel('as', s.status)),
            h('time', {}, at ? clock(at) : ''),
            offline
              ? h(
                  'span',
                  {
                    class: 'offline-mark',
                    'data-offline-step': s.status,
                    'data-device-at': offline.deviceAt,
                    title: t('offlineActionHint', {
                      device: clock(offline.deviceAt),
                      received: clock(offline.receivedAt),
                    }),
                  },
                  t('offlineAction', { device: clock(offline.deviceAt) }),
                )
              : null,
          );
        }),
      ),
      active
        ? h(
            'div',
            { class: 'a-actions' },
            actions.map((x) =>
              h(
                'button',
                {
                  type: 'button',
                  class: 'ghost small',
                  'data-event': x.type,
                  onclick: () => void this.onBehalf(a, x.type, x.label()),
                },
                x.label(),
                isCursor ? h('kbd', {}, x.key.toUpperCase()) : null,
              ),
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'ghost small danger',
                'data-event': 'recall',
                onclick: () => void this.recall(a),
              },
              t('actRecall'),
              isCursor ? h('kbd', {}, 'D') : null,
            ),
          )
        : null,
    );
  }

  /** The row the unit keys act on: the one moved to with [ ], else the first unit still out. */
  private cursorAssignment(list: AssignmentView[]): AssignmentView | undefined {
    const chosen = list.find((a) => a.id === this.assignmentCursor);
    if (chosen) return chosen;
    return list.find((a) => ACTIVE_ASSIGNMENT.includes(a.status));
  }

  private moveAssignmentCursor(step: number) {
    const id = store.selectedIncidentId;
    if (!id) return;
    const list = store.assignmentsOf(id);
    if (!list.length) return;
    const at = list.indexOf(this.cursorAssignment(list) as AssignmentView);
    this.assignmentCursor = list[(Math.max(0, at) + step + list.length) % list.length].id;
    this.renderRight();
    this.ctx.right.querySelector('.assignment.cursor')?.scrollIntoView({ block: 'nearest' });
  }

  // ---- the incident's lifecycle -----------------------------------------------------------------

  /** E: the create form, filled with the incident as the server has it now. */
  private async edit() {
    const id = store.selectedIncidentId;
    if (!id || this.editing) return;
    let base: IncidentView;
    try {
      base = await api.get<IncidentView>(`/incidents/${id}`);
    } catch (err) {
      this.say(errorMessage(err), true);
      return;
    }
    if (store.selectedIncidentId !== id || this.editing) return;
    const form = new IncidentForm({
      prefix: 'e',
      formId: 'edit-form',
      title: [
        t('editTitle', { number: base.number }),
        h(
          'button',
          { type: 'button', class: 'ghost small', onclick: () => this.stopEditing() },
          t('discard'),
        ),
      ],
      submitLabel: t('save'),
      submitHint: t('saveHint'),
      map: this.ctx.map,
      addressSearch: this.ctx.addressSearch,
      onSubmit: () => void this.saveEdit(),
      onEscape: () => this.stopEditing(),
    });
    form.fill(fieldsOf(base), { moveMap: false });
    this.editing = { form, base };
    this.flash = null;
    this.renderRight();
    form.focus();
  }

  private stopEditing() {
    if (!this.editing) return;
    this.editing.form.destroy();
    this.editing = null;
    this.renderRight();
  }

  private async saveEdit() {
    const editing = this.editing;
    if (!editing) return;
    const { form, base } = editing;
    const mine = changesOf(base, form.values());
    if (!Object.keys(mine).length) {
      form.setError(t('noChange'));
      return;
    }
    form.setBusy(true);
    form.setError('');
    try {
      const r = await api.patch<{
        incident: IncidentView;
        changed: string[];
        recommendation?: Recommendation;
      }>(`/incidents/${base.id}`, {
        expectedVersion: base.version,
        ...mine,
      });
      if (this.editing !== editing) return;
      store.applyIncident(r.incident);
      this.stopEditing();
      this.say(t('saved', { list: r.changed.map(fieldLabel).join('、') }));
      // a new place or priority brings new rings and candidates
      if (r.changed.some((c) => c === 'location' || c === 'priority' || c === 'schemeId'))
        void this.open(base.id);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'STALE_VERSION')
        await this.reloadKeepingEdits(editing, mine);
      else form.setError(errorMessage(err));
    } finally {
      form.setBusy(false);
    }
  }

  /** Someone saved first: take their incident, put this dispatcher's edits back on top of it. */
  private async reloadKeepingEdits(
    editing: { form: IncidentForm; base: IncidentView },
    mine: Partial<Record<Editable, unknown>>,
  ) {
    let fresh: IncidentView;
    try {
      fresh = await api.get<IncidentView>(`/incidents/${editing.base.id}`);
    } catch (err) {
      editing.form.setError(errorMessage(err));
      return;
    }
    if (this.editing !== editing) return;
    const before = fieldsOf(editing.base);
    const now = fieldsOf(fresh);
    const theirs = (Object.keys(now) as (keyof IncidentFields)[]).filter(
      (k) => JSON.stringify(before[k]) !== JSON.stringify(now[k]),
    );
    const kept: IncidentFields = { ...now };
    for (const [k, v] of Object.entries(mine) as [Editable, unknown][]) {
      if (k === 'category') kept.category = v as string;
      else if (k === 'priority') kept.priority = v as number;
      else if (k === 'location') kept.location = v as { lon: number; lat: number };
      else kept[k] = (v as string | null) ?? '';
    }
    editing.base = fresh;
    editing.form.fill(kept, { moveMap: false });
    store.applyIncident(fresh);
    editing.form.setNotice([
      h('strong', { class: 'notice-title' }, errorMessage(new ApiError(409, 'STALE_VERSION', ''))),
      h('div', {}, t('staleReloaded')),
      theirs.length
        ? h(
            'div',
            { id: 'stale-theirs' },
            t('staleTheirs', { list: theirs.map(fieldLabel).join('、') }),
          )
        : '',
    ]);
  }

  /** N: a line in the running log, seen at once by every console and the units on it. */
  private async addNote() {
    const i = this.selected();
    if (!i) return;
    const text = h('textarea', { id: 'note-text', rows: 3, maxlength: 4000 });
    const done = await openDialog({
      id: 'note-dialog',
      title: t('noteTitle', { number: i.number }),
      body: [text],
      confirmLabel: t('noteAdd'),
      hint: t('noteHint'),
      enterSavesText: true,
      focus: text,
      submit: async () => {
        if (!text.value.trim()) throw new DialogRefusal(t('notesEmpty'));
        return api.post<{ note: NoteView }>(`/incidents/${i.id}/notes`, {
          text: text.value.trim(),
        });
      },
    });
    if (done) store.setNotes(i.id, [done.note]);
  }

  /** C: closes with a disposition from the server's list, labelled in the seat's language. */
  private async closeIncident() {
    const i = this.selected();
    if (!i) return;
    try {
      dispositionsCache ??= await api.get<DispositionView[]>('/dispositions');
    } catch (err) {
      this.say(errorMessage(err), true);
      return;
    }
    const list = dispositionsCache;
    const picker = pickList(
      list,
      (d) => [
        h('span', {}, d.label[lang()]),
        d.transferAgency
          ? h('span', { class: 'muted' }, ` · ${t('transferTo', { agency: d.transferAgency })}`)
          : null,
      ],
      { id: 'disposition-pick' },
    );
    const note = h('input', {
      id: 'close-note',
      type: 'text',
      maxlength: 2000,
      placeholder: t('closeNote'),
    });
    const closed = await openDialog({
      id: 'close-dialog',
      title: t('closeTitle', { number: i.number }),
      body: [picker.element, note],
      confirmLabel: t('closeIncident'),
      hint: t('dispositionHint'),
      danger: true,
      onKey: picker.onKey,
      submit: () => {
        const d = picker.selected();
        if (!d)
          throw new DialogRefusal(
            errorMessage(new ApiError(400, 'VALIDATION_FAILED', 'no disposition chosen')),
          );
        return api.post<IncidentView>(`/incidents/${i.id}/close`, {
          disposition: d.code,
          note: note.value.trim() || undefined,
        });
      },
    });
    if (!closed) return;
    store.applyIncident(closed);
    this.say(`${closed.number} · ${statusLabel('st', closed.status)}`);
  }

  /** X: cancels the incident (a hoax, a call withdrawn); a reason is required. */
  private async cancelIncident() {
    const i = this.selected();
    if (!i) return;
    const reason = h('input', {
      id: 'cancel-reason',
      type: 'text',
      maxlength: 2000,
      placeholder: t('reason'),
    });
    const done = await openDialog({
      id: 'cancel-dialog',
      title: t('cancelTitle', { number: i.number }),
      body: [reason],
      confirmLabel: t('cancelIncident'),
      danger: true,
      focus: reason,
      submit: () => {
        if (!reason.value.trim()) throw new DialogRefusal(t('reasonRequired'));
        return api.post<IncidentView>(`/incidents/${i.id}/cancel`, { reason: reason.value.trim() });
      },
    });
    if (!done) return;
    store.applyIncident(done);
    this.say(`${done.number} · ${statusLabel('st', done.status)}`);
  }

  /** M: folds this incident into an open one nearby (its calls, notes and units come along). */
  private async merge() {
    const i = this.selected();
    if (!i) return;
    const targets = nearbyIncidents(store.openIncidents(), i.location, store.now(), {
      category: i.category,
      exclude: i.id,
    });
    if (!targets.length) {
      this.say(t('mergeNone'), true);
      return;
    }
    const picker = pickList(
      targets,
      (n) => [
        `${n.incident.number} · ${categoryLabel(n.incident.category)} · `,
        t('nearbyLine', { distance: Math.round(n.distanceM), minutes: Math.round(n.minutesAgo) }),
        n.incident.address ? ` · ${n.incident.address}` : '',
      ],
      {
        id: 'merge-pick',
      },
    );
    const radio = (value: string, text: string, checked: boolean) =>
      h(
        'label',
        { class: 'radio' },
        h('input', { type: 'radio', name: 'merge-units', value, checked }),
        text,
      );
    const units = h(
      'div',
      { class: 'merge-units', id: 'merge-units' },
      radio('handover', t('mergeHandover'), true),
      radio('release', t('mergeRelease'), false),
    );
    const done = await openDialog({
      id: 'merge-dialog',
      title: t('mergeTitle', { number: i.number }),
      body: [picker.element, units],
      confirmLabel: t('merge'),
      hint: t('mergeHint'),
      danger: true,
      onKey: picker.onKey,
      submit: () => {
        const into = picker.selected() as Nearby;
        const how = units.querySelector<HTMLInputElement>('input:checked')?.value ?? 'handover';
        return api.post<{ incident: IncidentView; into: IncidentView }>(
          `/incidents/${i.id}/merge`,
          { intoIncidentId: into.incident.id, units: how },
        );
      },
    });
    if (!done) return;
    store.applyIncident(done.incident);
    store.applyIncident(done.into);
    this.say(t('merged', { number: done.into.number }));
    void this.open(done.into.id);
  }

  /** Y/T/V/F: what the unit radioed, recorded on its behalf. */
  private async onBehalf(
    a: AssignmentView,
    type: 'ack' | 'depart' | 'arrive' | 'clear',
    action: string,
  ) {
    this.assignmentCursor = a.id;
    try {
      const r = await api.post<{ assignment: AssignmentView }>(`/assignments/${a.id}/events`, {
        type,
      });
      store.applyAssignment({ ...a, ...r.assignment });
      this.say(t('onBehalf', { callsign: a.callsign, action }));
    } catch (err) {
      this.say(errorMessage(err), true);
    }
  }

  /** D: recalls the unit (sent by mistake, needed elsewhere); its terminal is told. */
  private async recall(a: AssignmentView) {
    this.assignmentCursor = a.id;
    const i = this.selected();
    const reason = h('input', {
      id: 'recall-reason',
      type: 'text',
      maxlength: 2000,
      placeholder: t('reason'),
    });
    const done = await openDialog({
      id: 'recall-dialog',
      title: t('recallTitle', { callsign: a.callsign, number: i?.number ?? '' }),
      body: [h('p', { class: 'muted' }, t('recallBody')), reason],
      confirmLabel: t('actRecall'),
      danger: true,
      focus: reason,
      submit: () => {
        if (!reason.value.trim()) throw new DialogRefusal(t('reasonRequired'));
        return api.post<{ assignment: AssignmentView }>(`/assignments/${a.id}/cancel`, {
          reason: reason.value.trim(),
        });
      },
    });
    if (!done) return;
    store.applyAssignment({ ...a, ...done.assignment });
    this.say(`${a.callsign} · ${statusLabel('as', done.assignment.status)}`);
  }

  private selected(): IncidentView | undefined {
    const id = store.selectedIncidentId;
    return id ? store.incidents.get(id) : undefined;
  }

  /** Units the recommendation left out and why (a stale position is flagged, not trusted). */
  private excludedSummary(): HTMLElement | null {
    const ex = this.rec?.excluded ?? [];
    const stale = ex.filter((e) => e.reason === 'stale_position' || e.reason === 'no_position');
    if (!stale.length) return null;
    return h(
      'p',
      { class: 'excluded muted' },
      `⚠ ${stale.length} · ${t('stale')}: `,
      stale
        .slice(0, 6)
        .map((e) => e.callsign)
        .join('、'),
      stale.length > 6 ? ' …' : '',
    );
  }

  // ---- keyboard ------------------------------------------------------------------------------

  private onKey(e: KeyboardEvent) {
    if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    const key = e.key;
    const handled = () => e.preventDefault();
    if (this.editing) {
      // the correction has the keys; Esc outside its fields still discards it
      if (key === 'Escape') {
        handled();
        this.stopEditing();
      }
      return;
    }
    if (this.lifecycleKey(e)) return;
    const items = this.queue();
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

  /** The selected incident's lifecycle keys; true when the key was one of them. */
  private lifecycleKey(e: KeyboardEvent): boolean {
    const i = this.selected();
    if (!i || e.shiftKey) return false;
    const key = e.key.toLowerCase();
    const act = (fn: () => unknown) => {
      e.preventDefault();
      void fn();
      return true;
    };
    switch (key) {
      case 'e':
        return act(() => this.edit());
      case 'n':
        return act(() => this.addNote());
      case 'm':
        return act(() => this.merge());
      case 'c':
        return act(() => this.closeIncident());
      case 'x':
        return act(() => this.cancelIncident());
      case '[':
        return act(() => this.moveAssignmentCursor(-1));
      case ']':
        return act(() => this.moveAssignmentCursor(1));
    }
    const a = this.cursorAssignment(store.assignmentsOf(i.id));
    if (!a || !ACTIVE_ASSIGNMENT.includes(a.status)) return false;
    if (key === 'd') return act(() => this.recall(a));
    const step = ON_BEHALF.find((x) => x.key === key);
    if (!step) return false;
    // a key for a step the unit is not at says why nothing happened
    if (!step.from.includes(a.status))
      return act(() =>
        this.say(
          `${a.callsign}: ${statusLabel('as', a.status)} · ${errorMessage(new ApiError(409, 'CONFLICT', ''))}`,
          true,
        ),
      );
    return act(() => this.onBehalf(a, step.type, step.label()));
  }

  private scrollCursor() {
    this.leftBody.querySelector('.queue-item.cursor')?.scrollIntoView({ block: 'nearest' });
  }
}

/** How many of the innermost ring tiers the first view of an incident fits. */
const FIT_TIERS = 2;

/**
 * Fits the map to the innermost {@link FIT_TIERS} rings (and the incident), so a dispatcher sees
 * them whole at the first zoom; zooms no closer than 16 and never pans the incident off screen.
 */
function fitInnerRings(
  map: { fitBounds: (b: [number, number, number, number], o: object) => unknown },
  features: { geometry: object; properties: { tier: number } }[],
  at: { lon: number; lat: number },
) {
  const box: [number, number, number, number] = [at.lon, at.lat, at.lon, at.lat];
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as [number, number];
      if (x < box[0]) box[0] = x;
      if (y < box[1]) box[1] = y;
      if (x > box[2]) box[2] = x;
      if (y > box[3]) box[3] = y;
    } else if (Array.isArray(c)) for (const d of c) visit(d);
  };
  for (const f of features)
    if (f.properties.tier >= 0 && f.properties.tier < FIT_TIERS)
      visit((f.geometry as { coordinates?: unknown }).coordinates);
  map.fitBounds(box, { padding: 40, maxZoom: 16, duration: 500 });
}
