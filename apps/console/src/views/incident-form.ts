// The incident form, keyboard only: category and priority by digit keys, the address from street
// suggestions (or a click on the map), Enter submits. The call-taker files with it (新建) and the
// dispatcher corrects with it (更正), so both desks type the same way.
import { INCIDENT_CATEGORIES, PRIORITIES } from '@ringcad/domain';
import type { MapMouseEvent } from 'maplibre-gl';
import type { AddressSearch, AddressSuggestion } from '../address-search';
import { h, render } from '../dom';
import { categoryLabel, priorityLabel, t } from '../i18n';
import { featureCollection, type MapView } from '../map/map-view';

export interface IncidentFields {
  category: string | null;
  priority: number | null;
  location: { lon: number; lat: number } | null;
  address: string;
  callerNumber: string;
  callerName: string;
  description: string;
}

export const EMPTY_FIELDS: IncidentFields = {
  category: null,
  priority: 2,
  location: null,
  address: '',
  callerNumber: '',
  callerName: '',
  description: '',
};

export interface IncidentFormOptions {
  /** `f` for the call-taker's new incident, `e` for a correction: element ids are `<prefix>-address` … */
  prefix: 'f' | 'e';
  formId: string;
  title: (Node | string)[];
  submitLabel: string;
  submitHint: string;
  map: MapView;
  addressSearch: () => AddressSearch;
  onSubmit: () => void;
  /** The place was chosen (a suggestion taken or the map clicked). */
  onPlace?: () => void;
  onCategory?: () => void;
  /** Esc on the form (not taken by the suggestion list). */
  onEscape?: () => void;
}

export class IncidentForm {
  readonly element: HTMLFormElement;
  private fields: IncidentFields = { ...EMPTY_FIELDS };
  private suggestions: AddressSuggestion[] = [];
  private highlighted = -1;
  private searchSeq = 0;
  /** The search whose results are on screen, and the latest one asked for. */
  private shownSeq = 0;
  private pending: Promise<void> = Promise.resolve();
  private readonly offMap: () => void;
  private readonly els: {
    category: HTMLElement;
    priority: HTMLElement;
    address: HTMLInputElement;
    list: HTMLUListElement;
    where: HTMLElement;
    number: HTMLInputElement;
    name: HTMLInputElement;
    description: HTMLTextAreaElement;
    notice: HTMLElement;
    error: HTMLElement;
    submit: HTMLButtonElement;
  };

  constructor(private readonly opts: IncidentFormOptions) {
    const p = opts.prefix;
    const category = h(
      'div',
      {
        class: 'chips',
        role: 'radiogroup',
        tabindex: 0,
        id: `${p}-category`,
        'aria-label': t('category'),
      },
      INCIDENT_CATEGORIES.map((c, i) =>
        h(
          'button',
          {
            type: 'button',
            class: 'chip',
            role: 'radio',
            tabindex: -1,
            'data-value': c,
            onclick: () => this.setCategory(c),
          },
          h('kbd', {}, String(i + 1)),
          categoryLabel(c),
        ),
      ),
    );
    const priority = h(
      'div',
      {
        class: 'chips priority',
        role: 'radiogroup',
        tabindex: 0,
        id: `${p}-priority`,
        'aria-label': t('priority'),
      },
      PRIORITIES.map((n) =>
        h(
          'button',
          {
            type: 'button',
            class: `chip p${n}`,
            role: 'radio',
            tabindex: -1,
            'data-value': n,
            onclick: () => this.setPriority(n),
          },
          h('kbd', {}, String(n)),
          priorityLabel(n),
        ),
      ),
    );
    const address = h('input', {
      id: `${p}-address`,
      type: 'text',
      autocomplete: 'off',
      placeholder: t('addressHint'),
      'aria-autocomplete': 'list',
      'aria-controls': `${p}-suggestions`,
    });
    const list = h('ul', {
      class: 'suggestions',
      role: 'listbox',
      id: `${p}-suggestions`,
      hidden: true,
    });
    const where = h('div', { class: 'where muted', id: `${p}-where` }, t('noLocation'));
    const number = h('input', {
      id: `${p}-number`,
      type: 'tel',
      autocomplete: 'off',
      inputmode: 'tel',
    });
    const name = h('input', { id: `${p}-name`, type: 'text', autocomplete: 'off' });
    const description = h('textarea', { id: `${p}-description`, rows: 4 });
    const notice = h('div', { class: 'form-notice', id: `${p}-notice`, hidden: true });
    const error = h('div', { class: 'form-error', role: 'alert', id: `${p}-error` });
    const submit = h(
      'button',
      { type: 'submit', class: 'primary', id: `${p}-submit` },
      opts.submitLabel,
    );
    this.element = h(
      'form',
      { class: 'incident-form', id: opts.formId, novalidate: true },
      h('h2', {}, ...opts.title),
      notice,
      h(
        'label',
        { class: 'field' },
        h('span', {}, t('category'), h('small', {}, t('keysCategory'))),
        category,
      ),
      h(
        'label',
        { class: 'field' },
        h('span', {}, t('priority'), h('small', {}, t('keysPriority'))),
        priority,
      ),
      h(
        'label',
        { class: 'field', for: `${p}-address` },
        h('span', {}, t('address')),
        h('div', { class: 'combo' }, address, list),
        where,
      ),
      h(
        'div',
        { class: 'row2' },
        h('label', { class: 'field' }, h('span', {}, t('callerNumber')), number),
        h('label', { class: 'field' }, h('span', {}, t('callerName')), name),
      ),
      h('label', { class: 'field' }, h('span', {}, t('description')), description),
      error,
      h('div', { class: 'actions' }, submit, h('small', { class: 'muted' }, opts.submitHint)),
    );
    this.els = {
      category,
      priority,
      address,
      list,
      where,
      number,
      name,
      description,
      notice,
      error,
      submit,
    };

    category.addEventListener('keydown', (e) =>
      this.groupKeys(
        e,
        INCIDENT_CATEGORIES.length,
        (i) => this.setCategory(INCIDENT_CATEGORIES[i]),
        () => INCIDENT_CATEGORIES.indexOf(this.fields.category as never),
      ),
    );
    priority.addEventListener('keydown', (e) =>
      this.groupKeys(
        e,
        3,
        (i) => this.setPriority(PRIORITIES[i]),
        () => (this.fields.priority ?? 0) - 1,
      ),
    );
    address.addEventListener('input', () => {
      this.pending = this.suggest();
    });
    address.addEventListener('keydown', (e) => this.addressKeys(e));
    address.addEventListener('blur', () => setTimeout(() => (list.hidden = true), 150));
    description.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.element.requestSubmit();
      }
    });
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.defaultPrevented && opts.onEscape) {
        e.preventDefault();
        e.stopPropagation();
        opts.onEscape();
      }
    });
    this.element.addEventListener('submit', (e) => {
      e.preventDefault();
      opts.onSubmit();
    });
    const onMapClick = (e: MapMouseEvent) =>
      this.setLocation({ lon: e.lngLat.lng, lat: e.lngLat.lat }, true);
    opts.map.map.on('click', onMapClick);
    this.offMap = () => opts.map.map.off('click', onMapClick);
    this.paintChips();
    this.paintWhere();
    // warm the street index while the caller is still talking
    void opts.addressSearch().search('');
  }

  destroy() {
    this.offMap();
    this.opts.map.clear('draft');
  }

  values(): IncidentFields {
    return {
      ...this.fields,
      address: this.els.address.value.trim(),
      callerNumber: this.els.number.value.trim(),
      callerName: this.els.name.value.trim(),
      description: this.els.description.value.trim(),
    };
  }

  /** Puts values in the form (a correction opens with the incident as it is). */
  fill(v: IncidentFields, opts: { moveMap?: boolean } = {}) {
    this.fields = { ...v };
    this.els.address.value = v.address;
    this.els.number.value = v.callerNumber;
    this.els.name.value = v.callerName;
    this.els.description.value = v.description;
    this.paintChips();
    this.setLocation(v.location, false, opts.moveMap ?? true);
  }

  reset() {
    this.fields = { ...EMPTY_FIELDS };
    this.element.reset();
    this.setError('');
    this.setNotice(null);
    this.suggestions = [];
    this.els.list.hidden = true;
    this.setLocation(null, false);
    this.paintChips();
  }

  focus() {
    this.els.category.focus();
  }

  focusAddress() {
    this.els.address.focus();
  }

  setError(msg: string) {
    this.els.error.textContent = msg;
  }

  /** A standing message above the fields (the incident changed meanwhile …); null removes it. */
  setNotice(content: (Node | string)[] | null) {
    this.els.notice.hidden = !content;
    render(this.els.notice, content ?? []);
  }

  setBusy(busy: boolean) {
    this.els.submit.disabled = busy;
  }

  private groupKeys(e: KeyboardEvent, n: number, pick: (i: number) => void, current: () => number) {
    const digit = Number(e.key);
    if (Number.isInteger(digit) && digit >= 1 && digit <= n) {
      e.preventDefault();
      pick(digit - 1);
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowDown') {
      e.preventDefault();
      pick((current() + 1 + n) % n);
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') {
      e.preventDefault();
      pick((current() - 1 + n) % n);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      this.element.requestSubmit();
    }
  }

  private setCategory(c: string) {
    this.fields.category = c;
    this.paintChips();
    this.opts.onCategory?.();
  }

  private setPriority(p: number) {
    this.fields.priority = p;
    this.paintChips();
  }

  private paintChips() {
    for (const el of this.els.category.querySelectorAll<HTMLElement>('.chip')) {
      el.setAttribute('aria-checked', String(el.dataset.value === this.fields.category));
    }
    for (const el of this.els.priority.querySelectorAll<HTMLElement>('.chip')) {
      el.setAttribute('aria-checked', String(Number(el.dataset.value) === this.fields.priority));
    }
  }

  private async suggest() {
    const seq = ++this.searchSeq;
    const q = this.els.address.value;
    const found = await this.opts.addressSearch().search(q, 8);
    if (seq !== this.searchSeq) return;
    this.shownSeq = seq;
    // a row the call-taker walked to stays highlighted when the refined list still holds it;
    // otherwise the best match is highlighted
    const walkedTo = this.highlighted > 0 ? this.suggestions[this.highlighted]?.label : undefined;
    const kept = walkedTo === undefined ? -1 : found.findIndex((s) => s.label === walkedTo);
    this.suggestions = found;
    this.highlighted = kept >= 0 ? kept : found.length ? 0 : -1;
    // what the rows shown answer (read by the browser specs to know the list has settled)
    this.els.list.dataset.query = q;
    this.paintSuggestions();
  }

  private paintSuggestions() {
    const { list, address } = this.els;
    list.hidden = this.suggestions.length === 0;
    const p = this.opts.prefix;
    render(
      list,
      this.suggestions.map((s, i) =>
        h(
          'li',
          {
            role: 'option',
            id: `${p}-sug-${i}`,
            class: i === this.highlighted ? 'active' : '',
            'aria-selected': String(i === this.highlighted),
            // the pointer moves the highlight, so the row that looks chosen is the one Enter takes
            onmouseenter: () => {
              if (this.highlighted === i) return;
              this.highlighted = i;
              this.paintSuggestions();
            },
            onmousedown: (e: Event) => {
              e.preventDefault();
              this.pick(i);
            },
          },
          h('span', { class: `sug-kind ${s.kind}` }, s.kind === 'crossing' ? '✚' : '━'),
          s.label,
        ),
      ),
    );
    if (this.highlighted >= 0)
      address.setAttribute('aria-activedescendant', `${p}-sug-${this.highlighted}`);
    else address.removeAttribute('aria-activedescendant');
    list.querySelector('li.active')?.scrollIntoView({ block: 'nearest' });
  }

  private addressKeys(e: KeyboardEvent) {
    const open = !this.els.list.hidden && this.suggestions.length > 0;
    if (e.key === 'ArrowDown' && open) {
      e.preventDefault();
      this.highlighted = (this.highlighted + 1) % this.suggestions.length;
      this.paintSuggestions();
    } else if (e.key === 'ArrowUp' && open) {
      e.preventDefault();
      this.highlighted = (this.highlighted - 1 + this.suggestions.length) % this.suggestions.length;
      this.paintSuggestions();
    } else if (e.key === 'Enter' && this.shownSeq !== this.searchSeq) {
      // typed faster than the suggestions came: take the best match for what was typed, which is
      // the row highlighted when they show
      e.preventDefault();
      const seq = this.searchSeq;
      void this.pending.then(() => {
        if (seq === this.searchSeq && this.suggestions.length)
          this.pick(this.highlighted >= 0 ? this.highlighted : 0);
      });
    } else if (e.key === 'Enter' && open && this.highlighted >= 0) {
      // Enter takes the highlighted suggestion; the next Enter submits
      e.preventDefault();
      this.pick(this.highlighted);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      this.els.list.hidden = true;
    }
  }

  private pick(i: number) {
    const s = this.suggestions[i];
    if (!s) return;
    this.shownSeq = ++this.searchSeq; // a search still under way must not reopen the list
    this.els.address.value = s.label;
    this.els.list.hidden = true;
    this.suggestions = [];
    this.els.address.removeAttribute('aria-activedescendant');
    this.setLocation({ lon: s.lon, lat: s.lat }, true);
  }

  private setLocation(loc: IncidentFields['location'], chosen: boolean, moveMap = true) {
    this.fields.location = loc;
    this.paintWhere();
    const map = this.opts.map;
    if (loc) {
      map.set(
        'draft',
        featureCollection([
          {
            type: 'Feature',
            geometry: { type: 'Point', coordinates: [loc.lon, loc.lat] },
            properties: {},
          },
        ]),
      );
      if (moveMap)
        map.map.easeTo({
          center: [loc.lon, loc.lat],
          zoom: Math.max(map.map.getZoom(), 15),
          duration: 400,
        });
    } else map.clear('draft');
    if (chosen) this.opts.onPlace?.();
  }

  private paintWhere() {
    const loc = this.fields.location;
    this.els.where.textContent = loc
      ? `${t('location')}: ${loc.lon.toFixed(5)}, ${loc.lat.toFixed(5)}`
      : t('noLocation');
    this.els.where.classList.toggle('muted', !loc);
  }
}
