// 接警席: a 110 call becomes an incident in seconds, keyboard only. Category and priority by digit
// keys, the address from street suggestions (or a click on the map), Enter submits. The answer
// shows at once: possible duplicates and the units that can reach the place within each ring.
import { INCIDENT_CATEGORIES, PRIORITIES } from '@ringcad/domain';
import type { MapMouseEvent } from 'maplibre-gl';
import { api } from '../api';
import { errorMessage } from '../errors';
import type { AddressSuggestion } from '../address-search';
import { h, render } from '../dom';
import { categoryLabel, priorityLabel, t } from '../i18n';
import { featureCollection } from '../map/map-view';
import type { CreateIncidentResponse } from '../types';
import { candidateList } from './candidates';
import type { Seat, SeatContext } from './seat';

interface Draft {
  category: string | null;
  priority: number | null;
  location: { lon: number; lat: number; how: 'suggestion' | 'map' } | null;
}

export class CalltakerSeat implements Seat {
  private ctx!: SeatContext;
  private draft: Draft = { category: null, priority: 2, location: null };
  private suggestions: AddressSuggestion[] = [];
  private highlighted = -1;
  private searchSeq = 0;
  /** The search whose results are on screen, and the latest one asked for. */
  private shownSeq = 0;
  private pending: Promise<void> = Promise.resolve();
  private cleanup: (() => void)[] = [];
  private els!: {
    form: HTMLFormElement;
    category: HTMLElement;
    priority: HTMLElement;
    address: HTMLInputElement;
    list: HTMLUListElement;
    where: HTMLElement;
    number: HTMLInputElement;
    name: HTMLInputElement;
    description: HTMLTextAreaElement;
    error: HTMLElement;
    submit: HTMLButtonElement;
  };

  mount(ctx: SeatContext) {
    this.ctx = ctx;
    const category = h(
      'div',
      { class: 'chips', role: 'radiogroup', tabindex: 0, id: 'f-category', 'aria-label': t('category') },
      INCIDENT_CATEGORIES.map((c, i) =>
        h('button', { type: 'button', class: 'chip', role: 'radio', tabindex: -1, 'data-value': c, onclick: () => this.setCategory(c) }, h('kbd', {}, String(i + 1)), categoryLabel(c)),
      ),
    );
    const priority = h(
      'div',
      { class: 'chips priority', role: 'radiogroup', tabindex: 0, id: 'f-priority', 'aria-label': t('priority') },
      PRIORITIES.map((p) =>
        h('button', { type: 'button', class: `chip p${p}`, role: 'radio', tabindex: -1, 'data-value': p, onclick: () => this.setPriority(p) }, h('kbd', {}, String(p)), priorityLabel(p)),
      ),
    );
    const address = h('input', { id: 'f-address', type: 'text', autocomplete: 'off', placeholder: t('addressHint'), 'aria-autocomplete': 'list' });
    const list = h('ul', { class: 'suggestions', role: 'listbox', hidden: true });
    const where = h('div', { class: 'where muted', id: 'f-where' }, t('noLocation'));
    const number = h('input', { id: 'f-number', type: 'tel', autocomplete: 'off', inputmode: 'tel' });
    const name = h('input', { id: 'f-name', type: 'text', autocomplete: 'off' });
    const description = h('textarea', { id: 'f-description', rows: 4 });
    const error = h('div', { class: 'form-error', role: 'alert' });
    const submit = h('button', { type: 'submit', class: 'primary', id: 'f-submit' }, t('submit'));
    const form = h(
      'form',
      { class: 'incident-form', id: 'incident-form', novalidate: true },
      h('h2', {}, t('newIncident'), h('button', { type: 'button', class: 'ghost small', onclick: () => this.reset() }, t('reset'))),
      h('label', { class: 'field' }, h('span', {}, t('category'), h('small', {}, t('keysCategory'))), category),
      h('label', { class: 'field' }, h('span', {}, t('priority'), h('small', {}, t('keysPriority'))), priority),
      h('label', { class: 'field', for: 'f-address' }, h('span', {}, t('address')), h('div', { class: 'combo' }, address, list), where),
      h('div', { class: 'row2' }, h('label', { class: 'field' }, h('span', {}, t('callerNumber')), number), h('label', { class: 'field' }, h('span', {}, t('callerName')), name)),
      h('label', { class: 'field' }, h('span', {}, t('description')), description),
      error,
      h('div', { class: 'actions' }, submit, h('small', { class: 'muted' }, t('submitHint'))),
    );
    this.els = { form, category, priority, address, list, where, number, name, description, error, submit };
    render(ctx.left, form);
    render(ctx.right, h('div', { class: 'result-empty muted' }, t('recommendation')));

    category.addEventListener('keydown', (e) => this.groupKeys(e, INCIDENT_CATEGORIES.length, (i) => this.setCategory(INCIDENT_CATEGORIES[i]), () => INCIDENT_CATEGORIES.indexOf(this.draft.category as never)));
    priority.addEventListener('keydown', (e) => this.groupKeys(e, 3, (i) => this.setPriority(PRIORITIES[i]), () => (this.draft.priority ?? 0) - 1));
    address.addEventListener('input', () => {
      this.pending = this.suggest();
    });
    address.addEventListener('keydown', (e) => this.addressKeys(e));
    address.addEventListener('blur', () => setTimeout(() => (list.hidden = true), 150));
    description.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit();
    });
    const onMapClick = (e: MapMouseEvent) => this.setLocation({ lon: e.lngLat.lng, lat: e.lngLat.lat, how: 'map' }, null);
    ctx.map.map.on('click', onMapClick);
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'F2') {
        e.preventDefault();
        this.reset();
      }
    };
    document.addEventListener('keydown', onKey);
    this.cleanup.push(
      () => ctx.map.map.off('click', onMapClick),
      () => document.removeEventListener('keydown', onKey),
    );
    this.paintChips();
    this.paintWhere();
    void ctx.addressSearch().search('');
    category.focus();
  }

  unmount() {
    this.cleanup.forEach((f) => f());
    this.cleanup = [];
    this.ctx.map.clear('draft');
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
      this.els.form.requestSubmit();
    }
  }

  private setCategory(c: string) {
    this.draft.category = c;
    this.paintChips();
  }

  private setPriority(p: number) {
    this.draft.priority = p;
    this.paintChips();
  }

  private paintChips() {
    for (const el of this.els.category.querySelectorAll<HTMLElement>('.chip')) {
      el.setAttribute('aria-checked', String(el.dataset.value === this.draft.category));
    }
    for (const el of this.els.priority.querySelectorAll<HTMLElement>('.chip')) {
      el.setAttribute('aria-checked', String(Number(el.dataset.value) === this.draft.priority));
    }
  }

  private async suggest() {
    const seq = ++this.searchSeq;
    const q = this.els.address.value;
    const found = await this.ctx.addressSearch().search(q, 8);
    if (seq !== this.searchSeq) return;
    this.shownSeq = seq;
    this.suggestions = found;
    this.highlighted = found.length ? 0 : -1;
    this.paintSuggestions();
  }

  private paintSuggestions() {
    const { list } = this.els;
    list.hidden = this.suggestions.length === 0;
    render(
      list,
      this.suggestions.map((s, i) =>
        h(
          'li',
          {
            role: 'option',
            class: i === this.highlighted ? 'active' : '',
            'aria-selected': String(i === this.highlighted),
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
      // typed faster than the suggestions came: take the best match for what was typed
      e.preventDefault();
      const seq = this.searchSeq;
      void this.pending.then(() => {
        if (seq === this.searchSeq && this.suggestions.length) this.pick(0);
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
    this.setLocation({ lon: s.lon, lat: s.lat, how: 'suggestion' }, s.label);
  }

  private setLocation(loc: Draft['location'], _label: string | null) {
    this.draft.location = loc;
    this.paintWhere();
    if (loc) {
      this.ctx.map.set('draft', featureCollection([{ type: 'Feature', geometry: { type: 'Point', coordinates: [loc.lon, loc.lat] }, properties: {} }]));
      this.ctx.map.map.easeTo({ center: [loc.lon, loc.lat], zoom: Math.max(this.ctx.map.map.getZoom(), 15), duration: 400 });
    } else this.ctx.map.clear('draft');
  }

  private paintWhere() {
    const loc = this.draft.location;
    this.els.where.textContent = loc ? `${t('location')}: ${loc.lon.toFixed(5)}, ${loc.lat.toFixed(5)}` : t('noLocation');
    this.els.where.classList.toggle('muted', !loc);
  }

  private reset() {
    this.draft = { category: null, priority: 2, location: null };
    this.els.form.reset();
    this.els.error.textContent = '';
    this.setLocation(null, null);
    this.paintChips();
    this.els.category.focus();
  }

  private async submit() {
    const { category, priority, location } = this.draft;
    if (!category) {
      this.els.error.textContent = t('category');
      this.els.category.focus();
      return;
    }
    if (!location) {
      this.els.error.textContent = t('needLocation');
      this.els.address.focus();
      return;
    }
    const opt = (el: HTMLInputElement | HTMLTextAreaElement) => el.value.trim() || undefined;
    this.els.submit.disabled = true;
    this.els.error.textContent = '';
    try {
      const r = await api.post<CreateIncidentResponse>('/incidents', {
        location: { lon: location.lon, lat: location.lat },
        category,
        priority,
        address: opt(this.els.address),
        callerNumber: opt(this.els.number),
        callerName: opt(this.els.name),
        description: opt(this.els.description),
      });
      this.showResult(r);
      this.reset();
    } catch (err) {
      this.els.error.textContent = t('error', { msg: errorMessage(err) });
    } finally {
      this.els.submit.disabled = false;
    }
  }

  private showResult(r: CreateIncidentResponse) {
    const i = r.incident;
    render(
      this.ctx.right,
      h(
        'div',
        { class: 'result', id: 'create-result' },
        h('h3', {}, t('created'), ' ', h('span', { class: 'number' }, i.number)),
        h('div', { class: 'meta' }, h('span', { class: `prio p${i.priority}` }, `P${i.priority}`), ' ', categoryLabel(i.category), ' · ', i.address ?? ''),
        r.possibleDuplicates.length
          ? h(
              'div',
              { class: 'duplicates', id: 'duplicates', role: 'alert' },
              h('h4', {}, '⚠ ', t('duplicates')),
              h(
                'ul',
                {},
                r.possibleDuplicates.map((d) =>
                  h('li', {}, t('duplicateLine', { number: d.number, distance: Math.round(d.distanceM), minutes: Math.round(d.minutesAgo) })),
                ),
              ),
            )
          : null,
        h('h4', {}, t('recommendation')),
        r.recommendation ? candidateList(r.recommendation, { limit: 12 }) : h('p', { class: 'muted' }, t('noCandidates')),
      ),
    );
  }
}
