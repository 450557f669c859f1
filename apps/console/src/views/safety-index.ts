// 平安指数 board (commander): districts ranked for a week, each part's weight and rule printed
// beside the figures, parts without data for a district said so; an admin edits the weights here
// (checked before sending, saved through PUT /safety-index/weights, the board recomputed in
// place); CSV export and a printable page (print CSS keeps the board alone on white paper).
import type { SafetyIndexView, SafetyIndexWeightsRequest } from '@ringcad/contracts';
import { api, currentToken, qs } from '../api';
import { errorMessage } from '../errors';
import { h, render } from '../dom';
import { lang, t } from '../i18n';
import { loadSession } from '../session';

type Part = SafetyIndexView['components'][number]['component'];
type Key = Parameters<typeof t>[0];

/** Score bands: the bar's colour (the same three the map uses for tiers met / missed). */
export function scoreBand(score: number | null): 'good' | 'fair' | 'poor' | 'none' {
  if (score === null) return 'none';
  return score >= 80 ? 'good' : score >= 60 ? 'fair' : 'poor';
}

/** A bar out of 100 in its band's colour, with its label beside it (board and exercise scores). */
export function scoreBar(value: number | null, cls: { bar: string; label: string }, label: string) {
  return h(
    'div',
    { class: 'si-score' },
    h(
      'div',
      { class: 'si-bar-track' },
      h('div', {
        class: `si-bar si-${scoreBand(value)} ${cls.bar}`.trim(),
        style: `width:${value ?? 0}%`,
      }),
    ),
    h('span', { class: cls.label }, label),
  );
}

/** A table with one header row. */
export function table(attrs: Record<string, string>, headers: string[], rows: HTMLElement[]) {
  return h(
    'table',
    attrs,
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

const partLabel = (c: Part) => t(`si_c_${c}` as Key);
/** Parts that are means of the sampler's hourly samples (a district-week may have none). */
const SAMPLED = new Set<Part>(['visibility', 'perimeterReadiness']);
const fmt = (v: number | null) => (v === null ? '—' : String(v));

/** The CST day (YYYY-MM-DD) of now: any day of the week asks for that week. */
const cstToday = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

/** Opens the board over the workspace. */
export function openSafetyIndex() {
  document.getElementById('safety-index')?.remove();
  const page = h('section', { class: 'safety-index-board', id: 'safety-index' });
  const close = () => {
    page.remove();
    document.removeEventListener('keydown', onKey);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') close();
  };
  document.addEventListener('keydown', onKey);
  const weekIn = h('input', { type: 'date', id: 'si-week', value: cstToday() });
  const status = h('span', { class: 'muted', id: 'si-status' });
  const body = h('div', { id: 'si-body' });
  const downloadCsv = async () => {
    const res = await fetch(`/api/v1/safety-index${qs({ week: weekIn.value, format: 'csv' })}`, {
      headers: { authorization: `Bearer ${currentToken() ?? ''}` },
    });
    const url = URL.createObjectURL(await res.blob());
    h('a', { href: url, download: `safety-index-${weekIn.value}.csv` }).click();
    URL.revokeObjectURL(url);
  };
  // only the latest load draws: an earlier week's answer arriving late would show the wrong week
  // and replace a weight form the admin is typing in
  let latest = 0;
  const load = async () => {
    const mine = ++latest;
    status.textContent = '…';
    page.dataset.loading = '1';
    try {
      const v = await api.get<SafetyIndexView>(`/safety-index${qs({ week: weekIn.value })}`);
      if (mine !== latest) return;
      renderBoard(body, v, isAdmin() ? () => load() : null);
      status.textContent = '';
      page.dataset.ready = '1';
    } catch (err) {
      if (mine !== latest) return;
      status.textContent = errorMessage(err);
    }
    delete page.dataset.loading;
  };
  weekIn.addEventListener('change', () => void load());
  render(
    page,
    h(
      'header',
      {},
      h('h2', {}, t('si_title')),
      h('label', { class: 'no-print' }, t('si_week'), ' ', weekIn),
      h(
        'button',
        {
          type: 'button',
          class: 'ghost no-print',
          id: 'si-csv',
          onclick: () => void downloadCsv(),
        },
        t('si_csv'),
      ),
      h(
        'button',
        { type: 'button', class: 'ghost no-print', id: 'si-print', onclick: () => window.print() },
        t('si_print'),
      ),
      status,
      h('span', { class: 'spacer' }),
      h(
        'button',
        { type: 'button', class: 'ghost small no-print', id: 'si-close', onclick: close },
        t('rep_close'),
      ),
    ),
    body,
  );
  document.body.append(page);
  void load();
}

function trendText(trend: number | null): { text: string; cls: string } {
  if (trend === null) return { text: '—', cls: 'flat' };
  if (trend > 0) return { text: `▲ ${trend}`, cls: 'up' };
  if (trend < 0) return { text: `▼ ${-trend}`, cls: 'down' };
  return { text: '＝ 0', cls: 'flat' };
}

const isAdmin = () =>
  (loadSession()?.user.roles as string[] | undefined)?.includes('admin') ?? false;

/** Why a weight form cannot be sent: a code the seat reads in its language (si_err_<code>). */
export type WeightsProblem = 'WEIGHT_NOT_A_NUMBER' | 'WEIGHT_OUT_OF_RANGE' | 'WEIGHTS_ALL_ZERO';

/**
 * The weights as typed, checked as the server will (0–100 each) and for sense (not all zero: the
 * index would have nothing to weigh): the request, or the first problem and its part.
 */
export function checkWeights(
  typed: Record<Part, string>,
): { ok: SafetyIndexWeightsRequest } | { problem: WeightsProblem; component: Part | null } {
  const out: Partial<Record<Part, number>> = {};
  for (const [c, text] of Object.entries(typed) as [Part, string][]) {
    const v = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(v))
      return { problem: 'WEIGHT_NOT_A_NUMBER', component: c };
    if (v < 0 || v > 100) return { problem: 'WEIGHT_OUT_OF_RANGE', component: c };
    out[c] = v;
  }
  if (Object.values(out).every((v) => v === 0))
    return { problem: 'WEIGHTS_ALL_ZERO', component: null };
  return { ok: out };
}

/** The admin's weight form: one number per part, saved together, the board reloaded after. */
function weightsForm(v: SafetyIndexView, saved: () => Promise<void>) {
  const inputs = new Map(
    v.components.map((c) => [
      c.component,
      h('input', {
        type: 'number',
        min: '0',
        max: '100',
        step: '1',
        name: c.component,
        id: `si-w-${c.component}`,
        value: String(c.weight),
      }),
    ]),
  );
  const error = h('p', { class: 'si-weights-error', id: 'si-weights-error', role: 'alert' });
  const save = h('button', { type: 'submit', id: 'si-weights-save' }, t('si_saveWeights'));
  const form = h(
    'form',
    { class: 'si-weights no-print', id: 'si-weights', novalidate: '' },
    h('h3', {}, t('si_editWeights')),
    h(
      'div',
      { class: 'si-weights-grid' },
      v.components.map((c) =>
        h('label', {}, partLabel(c.component), ' ', inputs.get(c.component) ?? ''),
      ),
    ),
    h('div', { class: 'si-weights-actions' }, save, error),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    for (const input of inputs.values()) input.removeAttribute('aria-invalid');
    const typed = Object.fromEntries([...inputs].map(([c, input]) => [c, input.value])) as Record<
      Part,
      string
    >;
    const checked = checkWeights(typed);
    if ('problem' in checked) {
      if (checked.component) inputs.get(checked.component)?.setAttribute('aria-invalid', 'true');
      error.dataset.code = checked.problem;
      error.textContent = `${t(`si_err_${checked.problem}` as Key, {
        part: checked.component ? partLabel(checked.component) : '',
      })} (${checked.problem})`;
      return;
    }
    save.setAttribute('disabled', '');
    error.textContent = '';
    delete error.dataset.code;
    api
      .put<SafetyIndexView>('/safety-index/weights', checked.ok)
      .then(() => saved())
      .catch((err: unknown) => {
        error.dataset.code = 'SERVER';
        error.textContent = errorMessage(err);
      })
      .finally(() => save.removeAttribute('disabled'));
  });
  return form;
}

function renderBoard(el: HTMLElement, v: SafetyIndexView, reload: (() => Promise<void>) | null) {
  const parts = v.components.map((c) => c.component);
  const rows = v.districts.map((d) => {
    const tr = trendText(d.trend);
    const byPart = new Map(d.parts.map((p) => [p.component, p]));
    return h(
      'tr',
      { 'data-district-id': d.districtId, 'data-rank': d.rank ?? '' },
      h('td', { class: 'si-rank' }, fmt(d.rank)),
      h('td', {}, d.name),
      h('td', {}, scoreBar(d.score, { bar: '', label: 'si-score-num' }, fmt(d.score))),
      h(
        'td',
        {
          class: `si-trend ${tr.cls}`,
          title: t('si_prev', { rank: fmt(d.previous.rank), score: fmt(d.previous.score) }),
        },
        tr.text,
      ),
      parts.map((c) => {
        const p = byPart.get(c);
        const comp = v.components.find((x) => x.component === c);
        if (!comp?.available) return h('td', { class: 'muted' }, t('si_notAvailable'));
        const samples =
          p?.samples !== undefined && p.samples !== null
            ? ` · ${t('si_samples', { n: p.samples })}`
            : '';
        return h(
          'td',
          {
            'data-component': c,
            title: `${p?.weightUsed ? `${t('si_weight')} ${p.weightUsed}` : t('si_noData')}${samples}`,
          },
          p?.raw === null || p?.raw === undefined ? t('si_noData') : `${p.raw} → ${fmt(p.score)}`,
        );
      }),
    );
  });
  render(
    el,
    h('p', { class: 'muted' }, t('si_weekOf', { week: v.week.label, prev: v.previousWeek.label })),
    table(
      { class: 'si-table', id: 'si-table' },
      [t('si_rank'), t('si_district'), t('si_score'), t('si_trend'), ...parts.map(partLabel)],
      rows,
    ),
    rows.length ? null : h('p', { class: 'muted' }, t('si_noDistricts')),
    h('h3', {}, t('si_explain')),
    h(
      'ul',
      { class: 'si-explain', id: 'si-explain' },
      v.components.map((c) =>
        h(
          'li',
          { 'data-component': c.component, class: c.available ? '' : 'muted' },
          h('strong', {}, partLabel(c.component)),
          ` · ${t('si_weight')} ${c.effectiveWeight}`,
          c.available ? '' : ` (${t('si_notAvailable')}; ${t('si_set')} ${c.weight})`,
          ' — ',
          c.rule[lang()],
          SAMPLED.has(c.component) ? ` ${t('si_sampledNote')}` : '',
        ),
      ),
    ),
    reload ? weightsForm(v, reload) : null,
    h(
      'p',
      { class: 'muted' },
      t('si_formula'),
      v.weightsUpdatedBy
        ? ` ${t('si_weightsBy', { by: v.weightsUpdatedBy, at: v.weightsUpdatedAt ?? '' })}`
        : '',
    ),
  );
}
