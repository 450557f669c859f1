// 管理席 (admin): accounts, units, jurisdictions, standby points, checkpoints, premises, response
// plans, dispositions and ring schemes — each a tab built by the one table/form builder
// (admin-crud.ts) — and the bulk import wizard (kind → file → coordinate system → field mapping →
// dry run → apply). A page over the workspace like the reports; every control is a native button,
// select or input, so Tab, Enter and Space do everything a mouse does.
import type {
  AdminRingSchemeView,
  DispositionView,
  ImportResult,
  PremiseView,
  ResponsePlanView,
  UnitView,
  UserView,
} from '@ringcad/contracts';
import {
  IMPORT_KINDS,
  IMPORT_TARGET_FIELDS,
  PREMISE_LEVELS,
  type ImportKind,
} from '@ringcad/contracts/constants';
import { AGENCIES, INCIDENT_CATEGORIES, ROLES, UNIT_KINDS } from '@ringcad/domain';
import { api, ApiError, qs } from '../api';
import { h, render } from '../dom';
import { errorMessage, importIssueText } from '../errors';
import { categoryLabel, label, priorityLabel, statusLabel, t, unitKindLabel } from '../i18n';
import {
  crudTab,
  table as tableOf,
  type FieldSpec,
  type Option,
  type Tool,
  type Values,
} from './admin-crud';
import type { Seat, SeatContext } from './seat';

type Tab =
  | 'import'
  | 'users'
  | 'units'
  | 'jurisdictions'
  | 'standby'
  | 'checkpoints'
  | 'premises'
  | 'plans'
  | 'dispositions'
  | 'schemes';
const TABS: Tab[] = [
  'import',
  'users',
  'units',
  'jurisdictions',
  'standby',
  'checkpoints',
  'premises',
  'plans',
  'dispositions',
  'schemes',
];
const CRS = ['wgs84', 'gcj02', 'bd09'] as const;
const CRS_LABEL: Record<(typeof CRS)[number], string> = {
  wgs84: 'WGS84 (GPS)',
  gcj02: 'GCJ-02 (高德/腾讯)',
  bd09: 'BD-09 (百度)',
};
const JURISDICTION_KINDS = ['district', 'station', 'grid'] as const;

interface Jurisdiction {
  id: string;
  name: string;
  kind: (typeof JURISDICTION_KINDS)[number];
  parentId: string | null;
  schemeId: string | null;
}
interface Place {
  id: string;
  name: string;
  location: { lon: number; lat: number };
}
interface TerminalLink {
  url: string;
  qrSvg: string;
}

const roleLabel = (r: string) => t(`adm_r_${r as (typeof ROLES)[number]}`);
const options = <V extends string>(values: readonly V[], labelOf: (v: V) => string): Option[] =>
  values.map((v) => ({ value: v, label: labelOf(v) }));
const text = (v: unknown) => (typeof v === 'string' ? v : '');
/** `patrol_car 2 0` per line: kind, count, tier index. */
const planUnitsText = (units: ResponsePlanView['units']) =>
  units.map((u) => `${u.kind} ${u.count} ${u.tier}`).join('\n');
const parsePlanUnits = (v: unknown) =>
  text(v)
    .split(/\n+/)
    .map((l) => l.trim().split(/[\s,×x@]+/))
    .filter((p) => p[0])
    .map(([kind, count, tier]) => ({ kind, count: Number(count ?? 1), tier: Number(tier ?? 0) }));
/** Tier times as typed (seconds, comma-separated) → tiers labelled in minutes. */
const parseTiers = (v: unknown) =>
  text(v)
    .split(/[,，\s]+/)
    .filter(Boolean)
    .map(Number)
    .map((sec) => ({
      sec,
      label: { zh: `${+(sec / 60).toFixed(1)}分钟`, en: `${+(sec / 60).toFixed(1)} min` },
    }));
const contentTypeOf = (name: string) =>
  /\.zip$/i.test(name)
    ? 'application/zip'
    : /\.(geo)?json$/i.test(name)
      ? 'application/geo+json'
      : /\.csv$/i.test(name)
        ? 'text/csv'
        : 'application/octet-stream';

/** An SVG the server drew (the QR code), as a node: parsed, never assigned as HTML. */
function svgNode(svg: string): Node {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  return document.importNode(doc.documentElement, true);
}

export class AdminSeat implements Seat {
  private page: HTMLElement | null = null;
  private body: HTMLElement | null = null;
  private tabsEl: HTMLElement | null = null;
  private tab: Tab = 'import';
  /** What the import tab offers first (set by a tab's 批量导入 button). */
  private importKind: ImportKind = IMPORT_KINDS[0];
  private jurisdictions: Jurisdiction[] = [];

  mount(_ctx: SeatContext) {
    this.tabsEl = h('nav', { class: 'tabs', role: 'tablist', id: 'admin-tabs' });
    this.body = h('div', { class: 'admin-body', id: 'admin-body' });
    this.page = h(
      'section',
      { class: 'reports-page admin-page', id: 'admin' },
      this.tabsEl,
      this.body,
    );
    document.body.append(this.page);
    this.show(this.tab);
  }

  unmount() {
    this.page?.remove();
    this.page = null;
  }

  private show(tab: Tab) {
    this.tab = tab;
    if (!this.tabsEl || !this.body) return;
    render(
      this.tabsEl,
      TABS.map((x) =>
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            'aria-selected': x === tab ? 'true' : 'false',
            class: x === tab ? 'tab active' : 'tab',
            id: `admin-tab-${x}`,
            onclick: () => this.show(x),
          },
          t(`adm_${x}`),
        ),
      ),
    );
    render(this.body);
    const body = this.body;
    void this.loadJurisdictions().then(() => {
      if (this.tab !== tab) return;
      switch (tab) {
        case 'import':
          return this.importTab(body);
        case 'users':
          return this.usersTab(body);
        case 'units':
          return this.unitsTab(body);
        case 'jurisdictions':
          return this.jurisdictionsTab(body);
        case 'standby':
          return this.placesTab(body, 'standby-points');
        case 'checkpoints':
          return this.placesTab(body, 'checkpoints');
        case 'premises':
          return this.premisesTab(body);
        case 'plans':
          return this.plansTab(body);
        case 'dispositions':
          return this.dispositionsTab(body);
        case 'schemes':
          return this.schemesTab(body);
      }
    });
  }

  private async loadJurisdictions() {
    try {
      const fc = await api.get<{ features: { properties: Jurisdiction }[] }>('/jurisdictions');
      this.jurisdictions = fc.features.map((f) => f.properties);
    } catch {
      this.jurisdictions = [];
    }
  }

  /** The tab's 批量导入 button: the import wizard with this kind chosen. */
  private importTool(kind: ImportKind): Tool[] {
    return [
      {
        id: 'admin-import-here',
        label: t('adm_importHere'),
        run: () => {
          this.importKind = kind;
          this.show('import');
        },
      },
    ];
  }

  private jurisdictionName(id: string | null | undefined) {
    return id ? (this.jurisdictions.find((j) => j.id === id)?.name ?? id) : t('adm_city');
  }

  private jurisdictionOptions(kinds?: string[], empty = t('adm_city')): Option[] {
    return [
      { value: '', label: empty },
      ...this.jurisdictions
        .filter((j) => !kinds || kinds.includes(j.kind))
        .map((j) => ({ value: j.id, label: `${j.name} · ${t(`adm_k_${j.kind}`)}` })),
    ];
  }

  private schemes: AdminRingSchemeView[] = [];

  private async schemeOptions(empty: string | null): Promise<Option[]> {
    try {
      this.schemes = await api.get<AdminRingSchemeView[]>('/rings/schemes');
    } catch {
      this.schemes = [];
    }
    const list = this.schemes.map((s) => ({ value: s.id, label: `${label(s.label)} (${s.id})` }));
    return empty === null ? list : [{ value: '', label: empty }, ...list];
  }

  // ---- import wizard ------------------------------------------------------------------------

  private importTab(body: HTMLElement) {
    const kindSel = h(
      'select',
      { id: 'imp-kind' },
      IMPORT_KINDS.map((k) =>
        h('option', { value: k, selected: k === this.importKind }, t(`adm_ik_${k}`)),
      ),
    );
    const fileIn = h('input', {
      type: 'file',
      id: 'imp-file',
      accept: '.geojson,.json,.zip,.csv,.txt',
    });
    const crsSel = h(
      'select',
      { id: 'imp-crs' },
      CRS.map((c) => h('option', { value: c }, CRS_LABEL[c])),
    );
    const jkindSel = h(
      'select',
      { id: 'imp-jkind' },
      JURISDICTION_KINDS.map((k) => h('option', { value: k }, t(`adm_k_${k}`))),
    );
    const jkindField = h('label', { class: 'field' }, h('span', {}, t('adm_imp_jkind')), jkindSel);
    const mappingEl = h('div', { class: 'admin-mapping', id: 'imp-mapping' });
    const dryBtn = h(
      'button',
      { type: 'button', class: 'primary', id: 'imp-dry' },
      t('adm_imp_dry'),
    );
    const applyBtn = h(
      'button',
      { type: 'button', class: 'primary', id: 'imp-apply', disabled: true },
      t('adm_imp_apply'),
    );
    const status = h('p', { class: 'muted', id: 'imp-status', role: 'status' });
    const table = h('div', { id: 'imp-rows' });
    const tokens = h('div', { id: 'imp-tokens' });

    let fields: string[] = [];
    let mapping: Record<string, string> = {};
    const kind = () => kindSel.value as ImportKind;
    const paintMapping = () => {
      if (!fields.length) return render(mappingEl);
      render(
        mappingEl,
        h('h3', {}, t('adm_imp_mapping')),
        IMPORT_TARGET_FIELDS[kind()].map((target) =>
          h(
            'label',
            { class: 'field' },
            h('span', {}, t(`adm_t_${target}`)),
            h(
              'select',
              {
                id: `imp-map-${target}`,
                'data-target': target,
                onchange: (e: Event) => {
                  mapping[target] = (e.target as HTMLSelectElement).value;
                  applyBtn.disabled = true;
                },
              },
              h('option', { value: '' }, t('adm_imp_fieldNone')),
              fields.map((f) => h('option', { value: f, selected: mapping[target] === f }, f)),
            ),
          ),
        ),
      );
    };
    const reset = () => {
      fields = [];
      mapping = {};
      applyBtn.disabled = true;
      render(table);
      render(tokens);
      status.textContent = '';
      paintMapping();
      jkindField.hidden = kind() !== 'jurisdictions';
    };
    kindSel.addEventListener('change', () => {
      this.importKind = kind();
      reset();
    });
    fileIn.addEventListener('change', reset);
    crsSel.addEventListener('change', () => (applyBtn.disabled = true));
    jkindSel.addEventListener('change', () => (applyBtn.disabled = true));

    const paintRows = (rows: ImportResult['rows']) =>
      render(
        table,
        tableOf(
          'imp-table',
          [t('adm_imp_row'), t('adm_imp_key'), t('adm_imp_action'), t('adm_imp_errors')],
          rows.map((r) =>
            h(
              'tr',
              { class: `imp-${r.action}`, 'data-row': r.row, 'data-action': r.action },
              h('td', { class: 'num' }, String(r.row)),
              h('td', {}, r.key),
              h('td', {}, t(`adm_a_${r.action}`)),
              h('td', {}, (r.issues ?? []).map((i) => importIssueText(i)).join('；')),
            ),
          ),
        ),
      );

    const send = async (dryRun: boolean) => {
      const file = fileIn.files?.[0];
      if (!file) {
        status.textContent = t('adm_imp_noFile');
        return;
      }
      dryBtn.disabled = true;
      applyBtn.disabled = true;
      status.textContent = '…';
      const query = qs({
        kind: kind(),
        crs: crsSel.value,
        dryRun: String(dryRun),
        jurisdictionKind: kind() === 'jurisdictions' ? jkindSel.value : undefined,
        mapping: fields.length ? JSON.stringify(mapping) : undefined,
      });
      try {
        const result = await api.upload<ImportResult>(
          `/imports${query}`,
          await file.arrayBuffer(),
          contentTypeOf(file.name),
        );
        fields = result.fields;
        mapping = { ...result.mapping };
        paintMapping();
        paintRows(result.rows);
        status.textContent = result.applied
          ? t('adm_imp_applied', result.counts)
          : result.counts.refuse
            ? `${t('adm_imp_counts', result.counts)} — ${t('adm_imp_refused', result.counts)}`
            : t('adm_imp_counts', result.counts);
        applyBtn.disabled =
          result.applied ||
          result.counts.refuse > 0 ||
          result.counts.create + result.counts.update === 0;
        if (result.applied) {
          await this.loadJurisdictions();
          if (result.terminalTokens.length)
            render(
              tokens,
              h('h3', {}, t('adm_imp_tokens')),
              tableOf(
                'imp-token-table',
                [t('adm_callsign'), t('adm_imp_token')],
                result.terminalTokens.map((x) =>
                  h('tr', {}, h('td', {}, x.callsign), h('td', {}, h('code', {}, x.terminalToken))),
                ),
              ),
            );
        }
      } catch (err) {
        const details = err instanceof ApiError ? (err.details as Record<string, unknown>) : null;
        if (Array.isArray(details?.fields) && !fields.length) {
          // the file is readable but its fields need mapping: show them
          fields = details.fields as string[];
          paintMapping();
        }
        if (Array.isArray(details?.rows)) {
          paintRows(details.rows as ImportResult['rows']);
          const counts = details.counts as ImportResult['counts'];
          status.textContent = `${errorMessage(err)} ${t('adm_imp_refused', counts)}`;
        } else status.textContent = errorMessage(err);
      } finally {
        dryBtn.disabled = false;
      }
    };
    dryBtn.addEventListener('click', () => void send(true));
    applyBtn.addEventListener('click', () => void send(false));

    render(
      body,
      h(
        'div',
        { class: 'admin-form' },
        h('label', { class: 'field' }, h('span', {}, t('adm_imp_kind')), kindSel),
        h('label', { class: 'field' }, h('span', {}, t('adm_imp_file')), fileIn),
        h('label', { class: 'field' }, h('span', {}, t('adm_crs')), crsSel),
        jkindField,
      ),
      mappingEl,
      h('div', { class: 'admin-actions' }, dryBtn, applyBtn),
      status,
      table,
      tokens,
    );
    jkindField.hidden = kind() !== 'jurisdictions';
  }

  // ---- the tabs built by crudTab -------------------------------------------------------------

  private usersTab(body: HTMLElement) {
    const roles = options(ROLES, roleLabel);
    const fields = (u?: UserView): FieldSpec[] => [
      {
        name: 'role',
        label: t('adm_roles'),
        kind: 'checks',
        options: roles,
        value: u?.roles ?? [],
      },
      {
        name: 'jurisdiction',
        label: t('adm_jurisdiction'),
        kind: 'select',
        options: this.jurisdictionOptions(),
        value: u?.jurisdictionId ?? '',
      },
    ];
    return crudTab<UserView>(body, {
      id: 'users',
      rowKey: ['data-username', (u) => u.username],
      columns: [
        [t('adm_username'), (u) => u.username],
        [t('adm_roles'), (u) => u.roles.map(roleLabel).join('、')],
        [t('adm_jurisdiction'), (u) => this.jurisdictionName(u.jurisdictionId)],
        [t('adm_status'), (u) => (u.disabled ? t('adm_disabled') : t('adm_enabled'))],
      ],
      load: () => api.get<UserView[]>('/users'),
      create: {
        id: 'new-user',
        fields: [
          { name: 'username', label: t('adm_username') },
          { name: 'password', label: t('adm_password'), kind: 'password' },
          ...fields(),
        ],
        run: (v) =>
          api.post('/users', {
            username: v.username,
            password: v.password,
            roles: v.role,
            jurisdictionId: v.jurisdiction || null,
          }),
      },
      edit: {
        title: (u) => u.username,
        fields: (u) => [
          ...fields(u),
          { name: 'password', label: t('adm_newPw'), kind: 'password' },
        ],
        run: async (u, v) => {
          await api.patch(`/users/${u.id}`, {
            roles: v.role,
            jurisdictionId: v.jurisdiction || null,
          });
          if (v.password) await api.post(`/users/${u.id}/password`, { password: v.password });
        },
      },
      tools: this.importTool('users'),
      actions: (u) => [
        {
          label: u.disabled ? t('adm_enable') : t('adm_disable'),
          run: async () =>
            void (await api.post(`/users/${u.id}/${u.disabled ? 'enable' : 'disable'}`)),
        },
      ],
    });
  }

  private unitsTab(body: HTMLElement) {
    const stations = this.jurisdictionOptions(['station', 'district'], t('adm_none'));
    const kinds = options(UNIT_KINDS, unitKindLabel);
    const fields = (u?: UnitView): FieldSpec[] => [
      { name: 'callsign', label: t('adm_callsign'), value: u?.callsign },
      {
        name: 'kind',
        label: t('adm_kind'),
        kind: 'select',
        options: kinds,
        value: u?.kind ?? 'patrol_car',
      },
      {
        name: 'station',
        label: t('adm_station'),
        kind: 'select',
        options: stations,
        value: u?.stationId ?? '',
      },
    ];
    const body_ = (v: Values) => ({
      callsign: v.callsign,
      kind: v.kind,
      stationId: v.station || null,
    });
    const qr = async (u: Pick<UnitView, 'id' | 'callsign'>) => {
      const link = await api.post<TerminalLink>(`/units/${u.id}/terminal-link`);
      return h(
        'div',
        {},
        h('h3', {}, `${u.callsign} · ${t('adm_qr')}`),
        h('div', { class: 'admin-qr', id: 'unit-qr' }, svgNode(link.qrSvg)),
        h('p', { class: 'muted' }, t('adm_qrHint')),
        h('code', { class: 'admin-url' }, link.url),
      );
    };
    return crudTab<UnitView>(body, {
      id: 'units',
      rowKey: ['data-callsign', (u) => u.callsign],
      columns: [
        [t('adm_callsign'), (u) => u.callsign],
        [t('adm_kind'), (u) => unitKindLabel(u.kind)],
        [t('adm_status'), (u) => statusLabel('us', u.status)],
        [
          t('adm_station'),
          (u) => (u.stationId ? this.jurisdictionName(u.stationId) : t('adm_none')),
        ],
      ],
      load: () => api.get<UnitView[]>('/units'),
      create: {
        id: 'new-unit',
        fields: fields(),
        run: (v) => api.post<{ unit: UnitView }>('/units', body_(v)),
      },
      afterCreate: (created) => qr((created as { unit: UnitView }).unit),
      edit: {
        title: (u) => u.callsign,
        fields,
        run: (u, v) => api.patch(`/units/${u.id}`, body_(v)),
      },
      actions: (u) => [{ label: t('adm_qr'), run: () => qr(u), done: '' }],
      tools: this.importTool('units'),
    });
  }

  private async jurisdictionsTab(body: HTMLElement) {
    const order = { district: 0, station: 1, grid: 2 };
    const schemes = await this.schemeOptions(t('adm_schemeDefault'));
    const parents = this.jurisdictionOptions(['district', 'station'], t('adm_none'));
    const common = (j?: Jurisdiction): FieldSpec[] => [
      { name: 'name', label: t('adm_name'), value: j?.name },
      {
        name: 'parent',
        label: t('adm_parent'),
        kind: 'select',
        options: parents,
        value: j?.parentId ?? '',
      },
      {
        name: 'scheme',
        label: t('adm_scheme'),
        kind: 'select',
        options: schemes,
        value: j?.schemeId ?? '',
      },
      { name: 'boundary', label: t('adm_boundary'), kind: 'geojson', hint: t('adm_boundaryHint') },
    ];
    const reload = async <T>(p: Promise<T>) => {
      const r = await p;
      await this.loadJurisdictions();
      return r;
    };
    return crudTab<Jurisdiction>(body, {
      id: 'jurisdictions',
      rowKey: ['data-name', (j) => j.name],
      columns: [
        [t('adm_name'), (j) => j.name],
        [t('adm_kind'), (j) => t(`adm_k_${j.kind}`)],
        [t('adm_parent'), (j) => (j.parentId ? this.jurisdictionName(j.parentId) : '—')],
        [t('adm_scheme'), (j) => j.schemeId ?? '—'],
      ],
      load: async () =>
        [...this.jurisdictions].sort(
          (a, b) => order[a.kind] - order[b.kind] || a.name.localeCompare(b.name, 'zh'),
        ),
      create: {
        id: 'new-jurisdiction-save',
        prefix: 'new-j',
        fields: [
          {
            name: 'kind',
            label: t('adm_kind'),
            kind: 'select',
            options: options(JURISDICTION_KINDS, (k) => t(`adm_k_${k}`)),
          },
          ...common(),
        ],
        run: (v) =>
          reload(
            api.post('/jurisdictions', {
              name: v.name,
              kind: v.kind,
              parentId: v.parent || null,
              schemeId: v.scheme || null,
              boundary: v.boundary,
            }),
          ),
      },
      edit: {
        title: (j) => `${j.name} · ${t(`adm_k_${j.kind}`)}`,
        fields: common,
        run: (j, v) =>
          reload(
            api.patch(`/jurisdictions/${j.id}`, {
              name: v.name,
              parentId: v.parent || null,
              schemeId: v.scheme || null,
              ...(v.boundary !== undefined ? { boundary: v.boundary } : {}),
            }),
          ),
      },
      remove: {
        what: t('adm_one_jurisdiction'),
        name: (j) => `${j.name} · ${t(`adm_k_${j.kind}`)}`,
        run: (j) => reload(api.del(`/jurisdictions/${j.id}`)),
      },
      tools: this.importTool('jurisdictions'),
    });
  }

  private placesTab(body: HTMLElement, path: 'standby-points' | 'checkpoints') {
    const crs = CRS.map((c) => ({ value: c.toUpperCase(), label: CRS_LABEL[c] }));
    const location = (v: Values) => ({ lon: v.lon, lat: v.lat, crs: v.crs });
    return crudTab<Place>(body, {
      id: path,
      rowKey: ['data-name', (p) => p.name],
      columns: [
        [t('adm_name'), (p) => p.name],
        [t('adm_location'), (p) => `${p.location.lon.toFixed(5)}, ${p.location.lat.toFixed(5)}`],
      ],
      load: () => api.get<Place[]>(`/${path}`),
      create: {
        id: 'new-place',
        prefix: 'new-place',
        fields: [
          { name: 'name', label: t('adm_name') },
          { name: 'lon', label: t('adm_lon'), kind: 'number' },
          { name: 'lat', label: t('adm_lat'), kind: 'number' },
          { name: 'crs', label: t('adm_crs'), kind: 'select', options: crs },
        ],
        run: (v) => api.post(`/${path}`, { name: v.name, location: location(v) }),
      },
      edit: {
        title: (p) => p.name,
        fields: (p) => [{ name: 'name', label: t('adm_name'), value: p.name }],
        run: (p, v) => api.patch(`/${path}/${p.id}`, { name: v.name }),
      },
      remove: {
        what: t(path === 'checkpoints' ? 'adm_one_checkpoint' : 'adm_one_standby'),
        name: (p) => p.name,
        run: (p) => api.del(`/${path}/${p.id}`),
      },
      tools: this.importTool(path),
    });
  }

  private premisesTab(body: HTMLElement) {
    const levels = options(PREMISE_LEVELS, (l) => t(`adm_pl_${l}`));
    const fields = (p?: PremiseView): FieldSpec[] => [
      { name: 'name', label: t('adm_name'), value: p?.name },
      {
        name: 'level',
        label: t('adm_level'),
        kind: 'select',
        options: levels,
        value: p?.level ?? 'caution',
      },
      { name: 'text', label: t('adm_text'), kind: 'textarea', value: p?.text },
      { name: 'lon', label: t('adm_lon'), kind: 'number', value: p?.location?.lon },
      { name: 'lat', label: t('adm_lat'), kind: 'number', value: p?.location?.lat },
      { name: 'area', label: t('adm_area'), kind: 'geojson', hint: t('adm_areaHint') },
    ];
    const body_ = (v: Values, p?: PremiseView) => ({
      name: v.name,
      level: v.level,
      text: v.text,
      ...(v.area !== undefined
        ? { area: v.area }
        : v.lon !== undefined || v.lat !== undefined
          ? { location: { lon: v.lon, lat: v.lat } }
          : p?.area
            ? { area: p.area }
            : {}),
    });
    return crudTab<PremiseView>(body, {
      id: 'premises',
      rowKey: ['data-name', (p) => p.name],
      columns: [
        [t('adm_name'), (p) => p.name],
        [t('adm_level'), (p) => t(`adm_pl_${p.level}`)],
        [t('adm_text'), (p) => p.text],
        [
          t('adm_location'),
          (p) =>
            p.location
              ? `${p.location.lon.toFixed(5)}, ${p.location.lat.toFixed(5)}`
              : t('adm_areaCell'),
        ],
      ],
      load: () => api.get<PremiseView[]>('/premises'),
      create: {
        id: 'new-premise',
        prefix: 'new-premise',
        fields: fields(),
        run: (v) => api.post('/premises', body_(v)),
      },
      edit: {
        title: (p) => p.name,
        fields,
        run: (p, v) => api.put(`/premises/${p.id}`, body_(v, p)),
      },
      remove: {
        what: t('adm_one_premise'),
        name: (p) => p.name,
        run: (p) => api.del(`/premises/${p.id}`),
      },
      tools: this.importTool('premises'),
    });
  }

  private async plansTab(body: HTMLElement) {
    const schemes = await this.schemeOptions(null);
    const fields = (p?: ResponsePlanView): FieldSpec[] => [
      { name: 'name', label: t('adm_name'), value: p?.name },
      {
        name: 'category',
        label: t('category'),
        kind: 'select',
        options: options(INCIDENT_CATEGORIES, categoryLabel),
        value: p?.category,
      },
      {
        name: 'priority',
        label: t('priority'),
        kind: 'select',
        options: ['1', '2', '3'].map((x) => ({ value: x, label: priorityLabel(Number(x)) })),
        value: String(p?.priority ?? 2),
      },
      {
        name: 'jurisdiction',
        label: t('adm_jurisdiction'),
        kind: 'select',
        options: this.jurisdictionOptions(),
        value: p?.jurisdictionId ?? '',
      },
      {
        name: 'scheme',
        label: t('adm_scheme'),
        kind: 'select',
        options: schemes,
        value: p?.scheme,
      },
      {
        name: 'units',
        label: t('adm_planUnits'),
        kind: 'textarea',
        value: p ? planUnitsText(p.units) : 'patrol_car 1 0',
        hint: t('adm_planUnitsHint'),
      },
      {
        name: 'notify',
        label: t('adm_notify'),
        kind: 'checks',
        options: options(AGENCIES, (a) => a),
        value: p?.notify ?? [],
      },
    ];
    const body_ = (v: Values) => ({
      ...(v.name ? { name: v.name } : {}),
      category: v.category,
      priority: Number(v.priority),
      jurisdictionId: v.jurisdiction || null,
      scheme: v.scheme,
      units: parsePlanUnits(v.units),
      notify: v.notify,
    });
    return crudTab<ResponsePlanView>(body, {
      id: 'plans',
      rowKey: ['data-name', (p) => p.name ?? p.id],
      columns: [
        [t('adm_name'), (p) => p.name ?? '—'],
        [t('category'), (p) => categoryLabel(p.category)],
        [t('priority'), (p) => priorityLabel(p.priority)],
        [t('adm_scheme'), (p) => p.scheme],
        [
          t('adm_planUnits'),
          (p) => p.units.map((u) => `${unitKindLabel(u.kind)}×${u.count}`).join('、'),
        ],
      ],
      load: () => api.get<ResponsePlanView[]>('/response-plans'),
      create: {
        id: 'new-plan',
        prefix: 'new-plan',
        fields: fields(),
        run: (v) => api.post('/response-plans', body_(v)),
      },
      edit: {
        title: (p) => p.name ?? categoryLabel(p.category),
        fields,
        run: (p, v) => api.put(`/response-plans/${p.id}`, body_(v)),
      },
      remove: {
        what: t('adm_one_plan'),
        name: (p) => p.name ?? `${categoryLabel(p.category)} · ${priorityLabel(p.priority)}`,
        run: (p) => api.del(`/response-plans/${p.id}`),
      },
    });
  }

  private dispositionsTab(body: HTMLElement) {
    const labels = (d?: DispositionView): FieldSpec[] => [
      { name: 'zh', label: t('adm_labelZh'), value: d?.label.zh },
      { name: 'en', label: t('adm_labelEn'), value: d?.label.en },
    ];
    return crudTab<DispositionView>(body, {
      id: 'dispositions',
      rowKey: ['data-code', (d) => d.code],
      columns: [
        [t('adm_code'), (d) => d.code],
        [t('adm_name'), (d) => label(d.label)],
        [t('adm_builtin'), (d) => (d.builtin ? t('adm_builtin') : t('adm_custom'))],
        [t('adm_status'), (d) => (d.disabled ? t('adm_disabled') : t('adm_enabled'))],
      ],
      load: () => api.get<DispositionView[]>('/dispositions'),
      create: {
        id: 'new-disposition',
        prefix: 'new-disp',
        fields: [{ name: 'code', label: t('adm_code'), hint: t('adm_codeHint') }, ...labels()],
        run: (v) => api.post('/dispositions', { code: v.code, label: { zh: v.zh, en: v.en } }),
      },
      edit: {
        title: (d) => d.code,
        fields: labels,
        run: (d, v) => api.patch(`/dispositions/${d.code}`, { label: { zh: v.zh, en: v.en } }),
      },
      actions: (d) => [
        {
          label: d.disabled ? t('adm_enable') : t('adm_disable'),
          run: async () =>
            void (await api.patch(`/dispositions/${d.code}`, { disabled: !d.disabled })),
        },
      ],
      remove: {
        what: t('adm_one_disposition'),
        name: (d) => `${label(d.label)} (${d.code})`,
        run: (d) => api.del(`/dispositions/${d.code}`),
        when: (d) => !d.builtin,
      },
    });
  }

  private schemesTab(body: HTMLElement) {
    const fields = (s?: AdminRingSchemeView): FieldSpec[] => [
      { name: 'zh', label: t('adm_labelZh'), value: s?.label.zh },
      { name: 'en', label: t('adm_labelEn'), value: s?.label.en },
      {
        name: 'tiers',
        label: t('adm_tiers'),
        value: s?.tiers.map((x) => x.sec).join(', '),
        hint: t('adm_tiersHint'),
      },
    ];
    const body_ = (v: Values) => ({ label: { zh: v.zh, en: v.en }, tiers: parseTiers(v.tiers) });
    return crudTab<AdminRingSchemeView>(body, {
      id: 'schemes',
      rowKey: ['data-id', (s) => s.id],
      columns: [
        ['ID', (s) => s.id],
        [t('adm_name'), (s) => label(s.label)],
        [t('adm_tiers'), (s) => s.tiers.map((x) => x.sec).join(' / ')],
        [t('adm_builtin'), (s) => (s.builtin ? t('adm_builtin') : t('adm_custom'))],
      ],
      load: () => api.get<AdminRingSchemeView[]>('/rings/schemes'),
      create: {
        id: 'new-scheme',
        prefix: 'new-scheme',
        fields: [{ name: 'id', label: 'ID', hint: t('adm_schemeIdHint') }, ...fields()],
        run: (v) => api.post('/rings/schemes', { id: v.id, ...body_(v) }),
      },
      edit: {
        title: (s) => s.id,
        fields,
        run: (s, v) => api.put(`/rings/schemes/${s.id}`, body_(v)),
      },
      remove: {
        what: t('adm_one_scheme'),
        name: (s) => `${label(s.label)} (${s.id})`,
        run: (s) => api.del(`/rings/schemes/${s.id}`),
        when: (s) => !s.builtin,
      },
    });
  }
}
