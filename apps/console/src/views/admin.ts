// 管理席 (admin): accounts, units, jurisdictions, standby points and checkpoints, and the bulk
// import wizard (kind → file → coordinate system → field mapping → dry run → apply). A page over
// the workspace like the reports; every control is a native button, select or input, so Tab,
// Enter and Space do everything a mouse does.
import type { ImportResult, UnitView, UserView } from '@ringcad/contracts';
import { IMPORT_KINDS, IMPORT_TARGET_FIELDS, type ImportKind } from '@ringcad/contracts/constants';
import { ROLES, UNIT_KINDS } from '@ringcad/domain';
import { api, ApiError, qs } from '../api';
import { h, render } from '../dom';
import { errorMessage } from '../errors';
import { statusLabel, t, unitKindLabel } from '../i18n';
import type { Seat, SeatContext } from './seat';

type Tab = 'import' | 'users' | 'units' | 'jurisdictions' | 'standby' | 'checkpoints';
const TABS: Tab[] = ['import', 'users', 'units', 'jurisdictions', 'standby', 'checkpoints'];
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

  private jurisdictionName(id: string | null | undefined) {
    return id ? (this.jurisdictions.find((j) => j.id === id)?.name ?? id) : t('adm_city');
  }

  private jurisdictionSelect(
    id: string,
    value: string | null,
    kinds?: string[],
    empty = t('adm_city'),
  ) {
    return h(
      'select',
      { id },
      h('option', { value: '' }, empty),
      this.jurisdictions
        .filter((j) => !kinds || kinds.includes(j.kind))
        .map((j) =>
          h(
            'option',
            { value: j.id, selected: j.id === value },
            `${j.name} · ${t(`adm_k_${j.kind}`)}`,
          ),
        ),
    );
  }

  // ---- import wizard ------------------------------------------------------------------------

  private importTab(body: HTMLElement) {
    const kindSel = h(
      'select',
      { id: 'imp-kind' },
      IMPORT_KINDS.map((k) => h('option', { value: k }, t(`adm_ik_${k}`))),
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
    kindSel.addEventListener('change', reset);
    fileIn.addEventListener('change', reset);
    crsSel.addEventListener('change', () => (applyBtn.disabled = true));
    jkindSel.addEventListener('change', () => (applyBtn.disabled = true));

    const paintRows = (rows: ImportResult['rows']) =>
      render(
        table,
        h(
          'table',
          { class: 'admin-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, t('adm_imp_row')),
              h('th', {}, t('adm_imp_key')),
              h('th', {}, t('adm_imp_action')),
              h('th', {}, t('adm_imp_errors')),
            ),
          ),
          h(
            'tbody',
            {},
            rows.map((r) =>
              h(
                'tr',
                { class: `imp-${r.action}`, 'data-row': r.row, 'data-action': r.action },
                h('td', { class: 'num' }, String(r.row)),
                h('td', {}, r.key),
                h('td', {}, t(`adm_a_${r.action}`)),
                h('td', {}, r.errors.join('；')),
              ),
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
              h(
                'table',
                { class: 'admin-table' },
                h(
                  'tbody',
                  {},
                  result.terminalTokens.map((x) =>
                    h(
                      'tr',
                      {},
                      h('td', {}, x.callsign),
                      h('td', {}, h('code', {}, x.terminalToken)),
                    ),
                  ),
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

  // ---- users --------------------------------------------------------------------------------

  private async usersTab(body: HTMLElement) {
    const detail = h('div', { class: 'admin-detail', id: 'admin-detail' });
    const list = h('div', {});
    const msg = h('p', { class: 'muted', role: 'status', id: 'admin-msg' });
    const roleBoxes = (prefix: string, checked: string[]) =>
      h(
        'div',
        { class: 'chips' },
        ROLES.map((r) =>
          h(
            'label',
            {},
            h('input', {
              type: 'checkbox',
              value: r,
              id: `${prefix}-role-${r}`,
              checked: checked.includes(r),
            }),
            roleLabel(r),
          ),
        ),
      );
    const checkedRoles = (el: HTMLElement) =>
      [...el.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map(
        (c) => c.value,
      );
    const act = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
        msg.textContent = t('adm_saved');
        await paint();
      } catch (err) {
        msg.textContent = errorMessage(err);
      }
    };
    const edit = (u: UserView) => {
      const roles = roleBoxes('edit', u.roles);
      const scope = this.jurisdictionSelect('edit-jurisdiction', u.jurisdictionId ?? null);
      const pw = h('input', {
        type: 'password',
        id: 'edit-password',
        autocomplete: 'new-password',
      });
      render(
        detail,
        h('h3', {}, u.username),
        h('div', { class: 'field' }, h('span', {}, t('adm_roles')), roles),
        h('label', { class: 'field' }, h('span', {}, t('adm_jurisdiction')), scope),
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            id: 'edit-save',
            onclick: () =>
              void act(() =>
                api.patch(`/users/${u.id}`, {
                  roles: checkedRoles(roles),
                  jurisdictionId: scope.value || null,
                }),
              ),
          },
          t('adm_save'),
        ),
        h('label', { class: 'field' }, h('span', {}, t('adm_newPw')), pw),
        h(
          'button',
          {
            type: 'button',
            id: 'edit-reset',
            onclick: () =>
              void act(() => api.post(`/users/${u.id}/password`, { password: pw.value })),
          },
          t('adm_resetPw'),
        ),
      );
      roles.querySelector('input')?.focus();
    };
    const paint = async () => {
      const users = await api.get<UserView[]>('/users');
      render(
        list,
        h(
          'table',
          { class: 'admin-table', id: 'users-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [
                t('adm_username'),
                t('adm_roles'),
                t('adm_jurisdiction'),
                t('adm_status'),
                t('adm_actions'),
              ].map((x) => h('th', {}, x)),
            ),
          ),
          h(
            'tbody',
            {},
            users.map((u) =>
              h(
                'tr',
                { 'data-username': u.username },
                h('td', {}, u.username),
                h('td', {}, u.roles.map(roleLabel).join('、')),
                h('td', {}, this.jurisdictionName(u.jurisdictionId)),
                h('td', {}, u.disabled ? t('adm_disabled') : t('adm_enabled')),
                h(
                  'td',
                  {},
                  h(
                    'button',
                    { type: 'button', class: 'ghost small', onclick: () => edit(u) },
                    t('adm_edit'),
                  ),
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'ghost small',
                      onclick: () =>
                        void act(() =>
                          api.post(`/users/${u.id}/${u.disabled ? 'enable' : 'disable'}`),
                        ),
                    },
                    u.disabled ? t('adm_enable') : t('adm_disable'),
                  ),
                ),
              ),
            ),
          ),
        ),
      );
    };
    const name = h('input', { id: 'new-username', autocomplete: 'off' });
    const pw = h('input', { id: 'new-password', type: 'password', autocomplete: 'new-password' });
    const roles = roleBoxes('new', []);
    const scope = this.jurisdictionSelect('new-jurisdiction', null);
    render(
      body,
      h(
        'div',
        { class: 'admin-form' },
        h('label', { class: 'field' }, h('span', {}, t('adm_username')), name),
        h('label', { class: 'field' }, h('span', {}, t('adm_password')), pw),
        h('div', { class: 'field' }, h('span', {}, t('adm_roles')), roles),
        h('label', { class: 'field' }, h('span', {}, t('adm_jurisdiction')), scope),
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            id: 'new-user',
            onclick: () =>
              void act(() =>
                api.post('/users', {
                  username: name.value.trim(),
                  password: pw.value,
                  roles: checkedRoles(roles),
                  jurisdictionId: scope.value || null,
                }),
              ),
          },
          t('adm_create'),
        ),
      ),
      msg,
      h('div', { class: 'admin-split' }, list, detail),
    );
    await act(async () => undefined);
    msg.textContent = '';
  }

  // ---- units --------------------------------------------------------------------------------

  private async unitsTab(body: HTMLElement) {
    const detail = h('div', { class: 'admin-detail', id: 'admin-detail' });
    const list = h('div', {});
    const msg = h('p', { class: 'muted', role: 'status', id: 'admin-msg' });
    const stations = ['station', 'district'];
    const kindSelect = (id: string, value?: string) =>
      h(
        'select',
        { id },
        UNIT_KINDS.map((k) => h('option', { value: k, selected: k === value }, unitKindLabel(k))),
      );
    const showQr = async (u: Pick<UnitView, 'id' | 'callsign'>) => {
      try {
        const link = await api.post<TerminalLink>(`/units/${u.id}/terminal-link`);
        render(
          detail,
          h('h3', {}, `${u.callsign} · ${t('adm_qr')}`),
          h('div', { class: 'admin-qr', id: 'unit-qr' }, svgNode(link.qrSvg)),
          h('p', { class: 'muted' }, t('adm_qrHint')),
          h('code', { class: 'admin-url' }, link.url),
        );
      } catch (err) {
        msg.textContent = errorMessage(err);
      }
    };
    const act = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
        msg.textContent = t('adm_saved');
        await paint();
      } catch (err) {
        msg.textContent = errorMessage(err);
      }
    };
    const edit = (u: UnitView) => {
      const callsign = h('input', { id: 'edit-callsign', value: u.callsign });
      const kind = kindSelect('edit-kind', u.kind);
      const station = this.jurisdictionSelect('edit-station', u.stationId, stations, t('adm_none'));
      render(
        detail,
        h('h3', {}, u.callsign),
        h('label', { class: 'field' }, h('span', {}, t('adm_callsign')), callsign),
        h('label', { class: 'field' }, h('span', {}, t('adm_kind')), kind),
        h('label', { class: 'field' }, h('span', {}, t('adm_station')), station),
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            id: 'edit-save',
            onclick: () =>
              void act(() =>
                api.patch(`/units/${u.id}`, {
                  callsign: callsign.value.trim(),
                  kind: kind.value,
                  stationId: station.value || null,
                }),
              ),
          },
          t('adm_save'),
        ),
        h('button', { type: 'button', id: 'edit-qr', onclick: () => void showQr(u) }, t('adm_qr')),
      );
      callsign.focus();
    };
    const paint = async () => {
      const units = await api.get<UnitView[]>('/units');
      render(
        list,
        h(
          'table',
          { class: 'admin-table', id: 'units-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [
                t('adm_callsign'),
                t('adm_kind'),
                t('adm_status'),
                t('adm_station'),
                t('adm_actions'),
              ].map((x) => h('th', {}, x)),
            ),
          ),
          h(
            'tbody',
            {},
            units.map((u) =>
              h(
                'tr',
                { 'data-callsign': u.callsign },
                h('td', {}, u.callsign),
                h('td', {}, unitKindLabel(u.kind)),
                h('td', {}, statusLabel('us', u.status)),
                h('td', {}, u.stationId ? this.jurisdictionName(u.stationId) : t('adm_none')),
                h(
                  'td',
                  {},
                  h(
                    'button',
                    { type: 'button', class: 'ghost small', onclick: () => edit(u) },
                    t('adm_edit'),
                  ),
                  h(
                    'button',
                    { type: 'button', class: 'ghost small', onclick: () => void showQr(u) },
                    t('adm_qr'),
                  ),
                ),
              ),
            ),
          ),
        ),
      );
    };
    const callsign = h('input', { id: 'new-callsign', autocomplete: 'off' });
    const kind = kindSelect('new-kind', 'patrol_car');
    const station = this.jurisdictionSelect('new-station', null, stations, t('adm_none'));
    render(
      body,
      h(
        'div',
        { class: 'admin-form' },
        h('label', { class: 'field' }, h('span', {}, t('adm_callsign')), callsign),
        h('label', { class: 'field' }, h('span', {}, t('adm_kind')), kind),
        h('label', { class: 'field' }, h('span', {}, t('adm_station')), station),
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            id: 'new-unit',
            onclick: () =>
              void act(async () => {
                const created = await api.post<{ unit: UnitView }>('/units', {
                  callsign: callsign.value.trim(),
                  kind: kind.value,
                  stationId: station.value || null,
                });
                await showQr(created.unit);
              }),
          },
          t('adm_create'),
        ),
      ),
      msg,
      h('div', { class: 'admin-split' }, list, detail),
    );
    await act(async () => undefined);
    msg.textContent = '';
  }

  // ---- jurisdictions, standby points, checkpoints --------------------------------------------

  private jurisdictionsTab(body: HTMLElement) {
    const order = { district: 0, station: 1, grid: 2 };
    const rows = [...this.jurisdictions].sort(
      (a, b) => order[a.kind] - order[b.kind] || a.name.localeCompare(b.name, 'zh'),
    );
    render(
      body,
      h(
        'table',
        { class: 'admin-table', id: 'jurisdictions-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [t('adm_name'), t('adm_kind'), t('adm_parent'), t('adm_scheme')].map((x) =>
              h('th', {}, x),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((j) =>
            h(
              'tr',
              { 'data-name': j.name },
              h('td', {}, j.name),
              h('td', {}, t(`adm_k_${j.kind}`)),
              h('td', {}, j.parentId ? this.jurisdictionName(j.parentId) : '—'),
              h('td', {}, j.schemeId ?? '—'),
            ),
          ),
        ),
      ),
    );
  }

  private async placesTab(body: HTMLElement, path: 'standby-points' | 'checkpoints') {
    const list = h('div', {});
    const msg = h('p', { class: 'muted', role: 'status', id: 'admin-msg' });
    const act = async (fn: () => Promise<unknown>, done = t('adm_saved')) => {
      try {
        await fn();
        msg.textContent = done;
        await paint();
      } catch (err) {
        msg.textContent = errorMessage(err);
      }
    };
    const paint = async () => {
      const places = await api.get<Place[]>(`/${path}`);
      render(
        list,
        h(
          'table',
          { class: 'admin-table', id: `${path}-table` },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [t('adm_name'), t('adm_location'), t('adm_actions')].map((x) => h('th', {}, x)),
            ),
          ),
          h(
            'tbody',
            {},
            places.map((p) => {
              const nameIn = h('input', { value: p.name, 'aria-label': t('adm_name') });
              return h(
                'tr',
                { 'data-name': p.name },
                h('td', {}, nameIn),
                h('td', {}, `${p.location.lon.toFixed(5)}, ${p.location.lat.toFixed(5)}`),
                h(
                  'td',
                  {},
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'ghost small',
                      onclick: () =>
                        void act(() =>
                          api.patch(`/${path}/${p.id}`, { name: nameIn.value.trim() }),
                        ),
                    },
                    t('adm_save'),
                  ),
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'ghost small',
                      onclick: () => void act(() => api.del(`/${path}/${p.id}`), t('adm_deleted')),
                    },
                    t('adm_delete'),
                  ),
                ),
              );
            }),
          ),
        ),
      );
    };
    const name = h('input', { id: 'new-place-name', autocomplete: 'off' });
    const lon = h('input', { id: 'new-place-lon', inputmode: 'decimal' });
    const lat = h('input', { id: 'new-place-lat', inputmode: 'decimal' });
    const crs = h(
      'select',
      { id: 'new-place-crs' },
      CRS.map((c) => h('option', { value: c.toUpperCase() }, CRS_LABEL[c])),
    );
    render(
      body,
      h(
        'div',
        { class: 'admin-form' },
        h('label', { class: 'field' }, h('span', {}, t('adm_name')), name),
        h('label', { class: 'field' }, h('span', {}, t('adm_lon')), lon),
        h('label', { class: 'field' }, h('span', {}, t('adm_lat')), lat),
        h('label', { class: 'field' }, h('span', {}, t('adm_crs')), crs),
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            id: 'new-place',
            onclick: () =>
              void act(() =>
                api.post(`/${path}`, {
                  name: name.value.trim(),
                  location: { lon: Number(lon.value), lat: Number(lat.value), crs: crs.value },
                }),
              ),
          },
          t('adm_create'),
        ),
      ),
      msg,
      list,
    );
    await act(async () => undefined);
    msg.textContent = '';
  }
}
