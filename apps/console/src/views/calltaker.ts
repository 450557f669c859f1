// 接警席: a 110 call becomes an incident in seconds, keyboard only (the form is incident-form.ts).
// As soon as the place is known, open incidents nearby show beside the form: a second caller
// about the same fight is attached to it (F9) instead of filing a duplicate. The answer to a
// filed incident shows at once: possible duplicates and the units that can reach the place.
import type { IntakeContext } from '@ringcad/contracts';
import { api, qs } from '../api';
import { openDialog, pickList } from '../dialog';
import { h, render } from '../dom';
import { exerciseBadge } from './exercise-badge';
import { categoryLabel, t } from '../i18n';
import { errorMessage } from '../errors';
import { NEARBY_RADIUS_M, NEARBY_WINDOW_MIN, nearbyIncidents, type Nearby } from '../nearby';
import { store } from '../store';
import type { CallView, CreatedIncident, IncidentView } from '@ringcad/contracts';
import { candidateList } from './candidates';
import { IncidentForm } from './incident-form';
import type { Seat, SeatContext } from './seat';

export class CalltakerSeat implements Seat {
  private ctx!: SeatContext;
  private form!: IncidentForm;
  private nearby: Nearby[] = [];
  private nearbyCursor = 0;
  /** 接警前研判 of the chosen place and caller (history, caller's earlier calls, premise flags). */
  private context: IntakeContext | null = null;
  private contextKey = '';
  private result: HTMLElement | null = null;
  private cleanup: (() => void)[] = [];

  mount(ctx: SeatContext) {
    this.ctx = ctx;
    this.form = new IncidentForm({
      prefix: 'f',
      formId: 'incident-form',
      title: [
        t('newIncident'),
        h(
          'button',
          { type: 'button', class: 'ghost small', onclick: () => this.reset() },
          t('reset'),
        ),
      ],
      submitLabel: t('submit'),
      submitHint: t('submitHint'),
      map: ctx.map,
      addressSearch: ctx.addressSearch,
      onSubmit: () => void this.submit(),
      onPlace: () => {
        this.nearbyCursor = 0;
        this.refreshNearby();
        void this.loadContext();
      },
      onCategory: () => this.refreshNearby(),
    });
    render(ctx.left, this.form.element);
    this.renderRight();
    const onKey = (e: KeyboardEvent) => {
      if (document.querySelector('dialog[open]')) return;
      if (e.key === 'F2') {
        e.preventDefault();
        this.reset();
      } else if (e.key === 'F9' && this.nearby.length) {
        e.preventDefault();
        void this.attach();
      }
    };
    document.addEventListener('keydown', onKey);
    this.cleanup.push(
      () => this.form.destroy(),
      () => document.removeEventListener('keydown', onKey),
      // an incident nearby may be filed, closed or moved while this caller talks
      store.on('incidents', () => this.refreshNearby()),
    );
    this.form.focus();
  }

  unmount() {
    this.cleanup.forEach((f) => f());
    this.cleanup = [];
  }

  private reset() {
    this.form.reset();
    this.nearby = [];
    this.context = null;
    this.contextKey = '';
    this.renderRight();
    this.form.focus();
  }

  private refreshNearby() {
    const v = this.form.values();
    const before = this.nearby.map((n) => `${n.incident.id}:${n.incident.version}`).join();
    this.nearby = v.location
      ? nearbyIncidents(store.openIncidents(), v.location, store.now(), { category: v.category })
      : [];
    this.nearbyCursor = Math.min(this.nearbyCursor, Math.max(0, this.nearby.length - 1));
    this.form.setNotice(
      this.nearby.length
        ? [h('span', { class: 'warn-icon' }, '⚠ '), t('nearbyBadge', { n: this.nearby.length })]
        : null,
    );
    if (before !== this.nearby.map((n) => `${n.incident.id}:${n.incident.version}`).join())
      this.renderRight();
  }

  /** Asks the server what is known about the place and the caller, as soon as the place is chosen. */
  private async loadContext() {
    const v = this.form.values();
    if (!v.location) return;
    const key = `${v.location.lon},${v.location.lat},${v.callerNumber},${v.category}`;
    if (key === this.contextKey) return;
    this.contextKey = key;
    try {
      const context = await api.get<IntakeContext>(
        `/intake/context${qs({ lon: v.location.lon, lat: v.location.lat, callerNumber: /^\+?[0-9\- ]{3,20}$/.test(v.callerNumber) ? v.callerNumber : undefined, category: v.category || undefined })}`,
      );
      if (key !== this.contextKey) return;
      this.context = context;
      this.renderRight();
    } catch {
      // the place's history is help, not a gate: filing goes on without it
      this.context = null;
    }
  }

  private contextPanel(): HTMLElement | null {
    const c = this.context;
    if (!c) return null;
    const empty = !c.priorIncidents.length && !c.callerHistory.length && !c.premises.length;
    return h(
      'div',
      { class: 'place-context', id: 'place-context' },
      h('h3', {}, t('placeTitle')),
      empty ? h('p', { class: 'muted' }, t('placeNothing')) : null,
      c.premises.length
        ? h(
            'ul',
            { class: 'premises', id: 'premise-flags' },
            c.premises.map((p) =>
              h(
                'li',
                { class: `premise premise-${p.level}`, 'data-level': p.level },
                h('strong', {}, `${t(`premise_${p.level}`)} · ${p.name}`),
                ' ',
                p.text,
              ),
            ),
          )
        : null,
      c.priorIncidents.length
        ? h(
            'details',
            { class: 'place-history', id: 'place-history' },
            h('summary', {}, t('placeHistory', { n: c.priorIncidents.length })),
            h(
              'ul',
              {},
              c.priorIncidents
                .slice(0, 10)
                .map((p) =>
                  h(
                    'li',
                    {},
                    `${p.number} · ${categoryLabel(p.category)} · ${p.distanceM} m · ${new Date(p.at).toLocaleDateString()}`,
                  ),
                ),
            ),
          )
        : null,
      c.callerHistory.length
        ? h(
            'details',
            { class: 'caller-history', id: 'caller-history' },
            h('summary', {}, t('callerHistory', { n: c.callerHistory.length })),
            h(
              'ul',
              {},
              c.callerHistory
                .slice(0, 10)
                .map((x) =>
                  h(
                    'li',
                    {},
                    `${x.number} · ${categoryLabel(x.category)} · ${new Date(x.at).toLocaleString()}`,
                  ),
                ),
            ),
          )
        : null,
    );
  }

  private renderRight() {
    const context = this.contextPanel();
    if (this.nearby.length) {
      render(this.ctx.right, h('div', {}, this.nearbyPanel(), context));
    } else if (context && !this.result) {
      render(this.ctx.right, context);
    } else if (this.result) {
      render(this.ctx.right, this.result);
    } else {
      render(this.ctx.right, h('div', { class: 'result-empty muted' }, t('recommendation')));
    }
  }

  private nearbyPanel(): HTMLElement {
    return h(
      'div',
      { class: 'nearby', id: 'nearby', role: 'alert' },
      h('h3', {}, '⚠ ', t('nearbyTitle')),
      h(
        'p',
        { class: 'hint muted' },
        t('nearbyWithin', { radius: NEARBY_RADIUS_M, window: NEARBY_WINDOW_MIN }),
      ),
      h(
        'ol',
        { class: 'nearby-list' },
        this.nearby.map((n, idx) =>
          h(
            'li',
            {
              class: idx === this.nearbyCursor ? 'nearby-item cursor' : 'nearby-item',
              'data-incident-id': n.incident.id,
              'data-number': n.incident.number,
            },
            incidentSummary(n),
            h(
              'button',
              {
                type: 'button',
                class: 'ghost small attach',
                onclick: () => {
                  this.nearbyCursor = idx;
                  void this.attach();
                },
              },
              t('attachCall'),
              idx === this.nearbyCursor ? h('kbd', {}, 'F9') : null,
            ),
          ),
        ),
      ),
    );
  }

  /** F9: this call goes onto an incident nearby; no new incident is filed. */
  private async attach() {
    if (!this.nearby.length) return;
    const v = this.form.values();
    let target = this.nearby[this.nearbyCursor] ?? this.nearby[0];
    const title = h('span', {});
    const setTitle = (n: Nearby) => {
      target = n;
      title.textContent = t('attachTitle', { number: n.incident.number });
    };
    setTitle(target);
    const picker = pickList(this.nearby, (n) => incidentSummary(n), {
      id: 'attach-pick',
      initial: this.nearbyCursor,
      onChange: setTitle,
    });
    const done = await openDialog({
      id: 'attach-dialog',
      title: t('attachConfirm'),
      body: [
        title,
        h('p', { class: 'muted' }, t('attachBody')),
        picker.element,
        callSummary(v.callerNumber, v.callerName, v.description),
      ],
      confirmLabel: t('attachConfirm'),
      hint: t('attachHint'),
      confirmKey: 'F9',
      onKey: picker.onKey,
      submit: async () => {
        const r = await api.post<{ call: CallView; incident: IncidentView }>(
          `/incidents/${target.incident.id}/calls`,
          {
            callerNumber: v.callerNumber || undefined,
            callerName: v.callerName || undefined,
            note: v.description || undefined,
          },
        );
        return r;
      },
    });
    if (!done) return;
    store.applyIncident(done.incident);
    this.result = h(
      'div',
      { class: 'result', id: 'attach-result' },
      h('h3', {}, '✓ ', t('attached', { number: done.incident.number })),
      h(
        'div',
        { class: 'meta' },
        h('span', { class: `prio p${done.incident.priority}` }, `P${done.incident.priority}`),
        ' ',
        categoryLabel(done.incident.category),
        ' · ',
        done.incident.address ?? '',
      ),
      callSummary(done.call.callerNumber ?? '', done.call.callerName ?? '', done.call.note ?? ''),
    );
    this.reset();
  }

  private async submit() {
    const v = this.form.values();
    if (!v.category) {
      this.form.setError(t('category'));
      this.form.focus();
      return;
    }
    if (!v.location) {
      this.form.setError(t('needLocation'));
      this.form.focusAddress();
      return;
    }
    this.form.setBusy(true);
    this.form.setError('');
    try {
      const r = await api.post<CreatedIncident>('/incidents', {
        location: { lon: v.location.lon, lat: v.location.lat },
        category: v.category,
        priority: v.priority,
        address: v.address || undefined,
        callerNumber: v.callerNumber || undefined,
        callerName: v.callerName || undefined,
        description: v.description || undefined,
      });
      this.result = this.resultPanel(r);
      this.reset();
    } catch (err) {
      this.form.setError(t('error', { msg: errorMessage(err) }));
    } finally {
      this.form.setBusy(false);
    }
  }

  private resultPanel(r: CreatedIncident): HTMLElement {
    const i = r.incident;
    // merging is a dispatcher's decision; a call-taker who also dispatches gets it here
    const mayMerge = (this.ctx.session.user.roles as string[]).includes('dispatcher');
    return h(
      'div',
      { class: 'result', id: 'create-result' },
      h('h3', {}, t('created'), ' ', h('span', { class: 'number' }, i.number)),
      h(
        'div',
        { class: 'meta' },
        h('span', { class: `prio p${i.priority}` }, `P${i.priority}`),
        exerciseBadge(i),
        ' ',
        categoryLabel(i.category),
        ' · ',
        i.address ?? '',
      ),
      r.possibleDuplicates.length
        ? h(
            'div',
            { class: 'duplicates', id: 'duplicates', role: 'alert' },
            h('h4', {}, '⚠ ', t('duplicates')),
            h(
              'ul',
              {},
              r.possibleDuplicates.map((d) =>
                h(
                  'li',
                  { 'data-incident-id': d.id },
                  t('duplicateLine', {
                    number: d.number,
                    distance: Math.round(d.distanceM),
                    minutes: Math.round(d.minutesAgo),
                  }),
                  mayMerge
                    ? h(
                        'button',
                        {
                          type: 'button',
                          class: 'ghost small merge-into',
                          onclick: () => void this.mergeInto(i, d.id, d.number),
                        },
                        t('mergeInto', { number: d.number }),
                      )
                    : null,
                ),
              ),
            ),
          )
        : null,
      h('h4', {}, t('recommendation')),
      r.recommendation
        ? candidateList(r.recommendation, { limit: 12 })
        : h('p', { class: 'muted' }, t('noCandidates')),
    );
  }

  private async mergeInto(source: IncidentView, intoId: string, intoNumber: string) {
    const done = await openDialog({
      id: 'merge-dialog',
      title: t('mergeInto', { number: intoNumber }),
      body: [
        h('p', {}, `${source.number} → ${intoNumber}`),
        h('p', { class: 'muted' }, t('mergeHandover')),
      ],
      confirmLabel: t('merge'),
      danger: true,
      submit: () =>
        api.post<{ incident: IncidentView; into: IncidentView }>(`/incidents/${source.id}/merge`, {
          intoIncidentId: intoId,
          units: 'handover',
        }),
    });
    if (!done) return;
    store.applyIncident(done.incident);
    store.applyIncident(done.into);
    this.result = h(
      'div',
      { class: 'result', id: 'merge-result' },
      h('h3', {}, '✓ ', t('merged', { number: done.into.number })),
    );
    this.renderRight();
  }
}

function incidentSummary(n: Nearby): (Node | string)[] {
  const i = n.incident;
  return [
    h(
      'div',
      { class: 'ns-top' },
      h('span', { class: `prio p${i.priority}` }, `P${i.priority}`),
      exerciseBadge(i),
      h('strong', {}, categoryLabel(i.category)),
      n.sameCategory ? h('span', { class: 'same-cat' }, t('sameCategory')) : null,
      h('span', { class: 'number' }, i.number),
    ),
    h(
      'div',
      { class: 'ns-meta muted' },
      t('nearbyLine', { distance: Math.round(n.distanceM), minutes: Math.round(n.minutesAgo) }),
      i.address ? ` · ${i.address}` : '',
    ),
    i.description ? h('div', { class: 'ns-desc' }, i.description) : '',
  ];
}

function callSummary(number: string, name: string, note: string): HTMLElement {
  return h(
    'dl',
    { class: 'detail-meta call-summary' },
    h('dt', {}, t('callerNumber')),
    h('dd', {}, number || '—', name ? ` · ${name}` : ''),
    note ? [h('dt', {}, t('description')), h('dd', {}, note)] : null,
  );
}
