// The one table-and-form builder of the admin seat: every tab is a list (table with row actions),
// a create form above it and an edit form beside it, described as data. Inputs are native
// controls with stable ids (`<prefix>-<field>`), so Tab/Enter/Space and the browser tests reach
// every one of them.
import { openDialog } from '../dialog';
import { h, render } from '../dom';
import { errorMessage } from '../errors';
import { t } from '../i18n';

export interface Option {
  value: string;
  label: string;
}

/** One input of a form; `value` is the current value when editing. */
export interface FieldSpec {
  name: string;
  label: string;
  kind?: 'text' | 'password' | 'number' | 'select' | 'checks' | 'checkbox' | 'textarea' | 'geojson';
  options?: Option[];
  value?: string | number | boolean | string[] | null;
  hint?: string;
}

export type Values = Record<string, unknown>;

export interface RowAction<T> {
  label: string;
  /** Runs the action; a returned node is shown in the detail pane instead of the usual message. */
  run: (row: T) => Promise<Node | void>;
  done?: string;
}

/** A row's delete: asked first, naming the record; a refusal (409 IN_USE…) stays on screen. */
export interface RemoveSpec<T> {
  /** The kind of record in the seat's language, as the question names it ("辖区"). */
  what: string;
  name: (row: T) => string;
  run: (row: T) => Promise<unknown>;
  /** Rows that may be deleted at all (built-ins may not); all when not given. */
  when?: (row: T) => boolean;
}

/** A button above the tab's forms (e.g. the bulk import of the tab's kind). */
export interface Tool {
  id: string;
  label: string;
  run: () => void;
}

export interface CrudSpec<T> {
  /** The table's id is `<id>-table`. */
  id: string;
  /** The row attribute tests and keyboard users find a row by, e.g. `['data-name', r => r.name]`. */
  rowKey: [string, (row: T) => string];
  columns: [string, (row: T) => string | Node][];
  load: () => Promise<T[]>;
  create?: {
    id: string;
    prefix?: string;
    fields: FieldSpec[];
    run: (v: Values) => Promise<unknown>;
  };
  edit?: {
    title: (row: T) => string;
    fields: (row: T) => FieldSpec[];
    run: (row: T, v: Values) => Promise<unknown>;
  };
  actions?: (row: T) => RowAction<T>[];
  remove?: RemoveSpec<T>;
  tools?: Tool[];
  /** Shown after a create (e.g. a unit's QR code). */
  afterCreate?: (created: unknown) => Promise<Node | void>;
}

const fieldId = (prefix: string, name: string) => `${prefix}-${name}`;

function control(prefix: string, f: FieldSpec): HTMLElement {
  const id = fieldId(prefix, f.name);
  const v = f.value;
  switch (f.kind ?? 'text') {
    case 'select':
      return h(
        'select',
        { id },
        (f.options ?? []).map((o) =>
          h('option', { value: o.value, selected: String(v ?? '') === o.value }, o.label),
        ),
      );
    case 'checks':
      return h(
        'div',
        { class: 'chips', id },
        (f.options ?? []).map((o) =>
          h(
            'label',
            {},
            h('input', {
              type: 'checkbox',
              value: o.value,
              id: `${id}-${o.value}`,
              checked: Array.isArray(v) && v.includes(o.value),
            }),
            o.label,
          ),
        ),
      );
    case 'checkbox':
      return h('input', { type: 'checkbox', id, checked: v === true });
    case 'textarea':
      return h('textarea', { id, rows: 3 }, v == null ? '' : String(v));
    case 'geojson':
      return h('input', { type: 'file', id, accept: '.geojson,.json' });
    case 'number':
      return h('input', { id, inputmode: 'decimal', value: v == null ? '' : String(v) });
    case 'password':
      return h('input', { id, type: 'password', autocomplete: 'new-password' });
    case 'text':
      return h('input', { id, autocomplete: 'off', value: v == null ? '' : String(v) });
  }
}

/** The polygon of an uploaded GeoJSON file: a geometry, or a Feature's, or a collection's first. */
function geometryOf(json: unknown): unknown {
  const o = json as { type?: string; geometry?: unknown; features?: { geometry?: unknown }[] };
  if (o?.type === 'FeatureCollection') return o.features?.[0]?.geometry;
  if (o?.type === 'Feature') return o.geometry;
  return json;
}

async function read(prefix: string, root: HTMLElement, f: FieldSpec): Promise<unknown> {
  const el = root.querySelector<HTMLElement>(`#${CSS.escape(fieldId(prefix, f.name))}`);
  if (!el) return undefined;
  switch (f.kind ?? 'text') {
    case 'checks':
      return [...el.querySelectorAll<HTMLInputElement>('input:checked')].map((c) => c.value);
    case 'checkbox':
      return (el as HTMLInputElement).checked;
    case 'geojson': {
      const file = (el as HTMLInputElement).files?.[0];
      if (!file) return undefined;
      try {
        return geometryOf(JSON.parse(await file.text()));
      } catch {
        return null; // the server names the field
      }
    }
    case 'number': {
      const s = (el as HTMLInputElement).value.trim();
      return s === '' ? undefined : Number(s);
    }
    default:
      return (el as HTMLInputElement).value.trim();
  }
}

/** A labelled form; returns its element and a reader of its values. */
export function form(prefix: string, fields: FieldSpec[], ...extra: Node[]) {
  const root = h(
    'div',
    { class: 'admin-form' },
    fields.map((f) =>
      h(
        f.kind === 'checks' ? 'div' : 'label',
        { class: 'field' },
        h('span', {}, f.label),
        control(prefix, f),
        f.hint ? h('small', { class: 'muted' }, f.hint) : null,
      ),
    ),
    extra,
  );
  const values = async () => {
    const out: Values = {};
    for (const f of fields) out[f.name] = await read(prefix, root, f);
    return out;
  };
  return { root, values };
}

/** A table with a header row; `rows` are already built `tr`s. */
export function table(id: string, headers: string[], rows: Node[]) {
  return h(
    'table',
    { class: 'admin-table', id },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x) => h('th', {}, x)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

const button = (label: string, onclick: () => void, attrs: Record<string, string> = {}) =>
  h('button', { type: 'button', class: 'ghost small', onclick, ...attrs }, label);

/** Renders a whole tab from its spec into `body`. */
export async function crudTab<T>(body: HTMLElement, spec: CrudSpec<T>) {
  const detail = h('div', { class: 'admin-detail', id: 'admin-detail' });
  const list = h('div', {});
  const msg = h('p', { class: 'muted', role: 'status', id: 'admin-msg' });
  const act = async (fn: () => Promise<unknown>, done = t('adm_saved')) => {
    try {
      const shown = await fn();
      msg.textContent = done;
      if (shown instanceof Node) render(detail, shown);
      await paint();
    } catch (err) {
      msg.textContent = errorMessage(err);
    }
  };
  const edit = (row: T) => {
    if (!spec.edit) return;
    const e = spec.edit;
    const f = form('edit', e.fields(row));
    render(
      detail,
      h('h3', {}, e.title(row)),
      f.root,
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          id: 'edit-save',
          onclick: () => void act(async () => e.run(row, await f.values())),
        },
        t('adm_save'),
      ),
    );
    f.root.querySelector<HTMLElement>('input, select, textarea')?.focus();
  };
  const remove = async (r: RemoveSpec<T>, row: T) => {
    const name = r.name(row);
    const removed = await openDialog({
      id: 'admin-delete',
      title: t('adm_delTitle', { what: r.what }),
      body: [h('p', {}, t('adm_delBody', { what: r.what, name }))],
      confirmLabel: t('adm_delConfirm'),
      danger: true,
      submit: async () => {
        try {
          await r.run(row);
          return true;
        } catch (err) {
          // shown in the dialog too; this stays after the dialog is closed
          msg.textContent = errorMessage(err);
          throw err;
        }
      },
    });
    if (!removed) return;
    msg.textContent = t('adm_deleted');
    await paint().catch((err: unknown) => (msg.textContent = errorMessage(err)));
  };
  const paint = async () => {
    const rows = await spec.load();
    const [attr, keyOf] = spec.rowKey;
    render(
      list,
      table(
        `${spec.id}-table`,
        [...spec.columns.map(([label]) => label), t('adm_actions')],
        rows.map((row) =>
          h(
            'tr',
            { [attr]: keyOf(row) },
            spec.columns.map(([, cell]) => h('td', {}, cell(row))),
            h(
              'td',
              {},
              spec.edit ? button(t('adm_edit'), () => edit(row)) : null,
              (spec.actions?.(row) ?? []).map((a) =>
                button(a.label, () => void act(() => a.run(row), a.done)),
              ),
              spec.remove && (spec.remove.when?.(row) ?? true)
                ? button(t('adm_delete'), () => void remove(spec.remove!, row), {
                    'data-action': 'delete',
                  })
                : null,
            ),
          ),
        ),
      ),
    );
  };
  const parts: Node[] = [];
  if (spec.tools?.length)
    parts.push(
      h(
        'div',
        { class: 'admin-actions' },
        spec.tools.map((x) => button(x.label, x.run, { id: x.id })),
      ),
    );
  if (spec.create) {
    const c = spec.create;
    const f = form(c.prefix ?? 'new', c.fields);
    f.root.append(
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          id: c.id,
          onclick: () =>
            void act(async () => {
              const created = await c.run(await f.values());
              return spec.afterCreate?.(created);
            }),
        },
        t('adm_create'),
      ),
    );
    parts.push(f.root);
  }
  render(body, parts, msg, h('div', { class: 'admin-split' }, list, detail));
  await act(async () => undefined);
  msg.textContent = '';
}
