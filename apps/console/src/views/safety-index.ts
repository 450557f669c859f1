// 平安指数 board (commander): districts ranked for a week, each part's weight and rule printed
// beside the figures, parts the system cannot measure said to be unavailable; CSV export and a
// printable page (print CSS keeps the board alone on white paper).
import type { SafetyIndexView } from '@ringcad/contracts';
import { api, currentToken, qs } from '../api';
import { errorMessage } from '../errors';
import { h, render } from '../dom';
import { lang, t } from '../i18n';

type Part = SafetyIndexView['components'][number]['component'];
type Key = Parameters<typeof t>[0];

/** Score bands: the bar's colour (the same three the map uses for tiers met / missed). */
export function scoreBand(score: number | null): 'good' | 'fair' | 'poor' | 'none' {
  if (score === null) return 'none';
  return score >= 80 ? 'good' : score >= 60 ? 'fair' : 'poor';
}

const partLabel = (c: Part) => t(`si_c_${c}` as Key);
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
  const load = async () => {
    status.textContent = '…';
    try {
      const v = await api.get<SafetyIndexView>(`/safety-index${qs({ week: weekIn.value })}`);
      renderBoard(body, v);
      status.textContent = '';
      page.dataset.ready = '1';
    } catch (err) {
      status.textContent = errorMessage(err);
    }
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

function renderBoard(el: HTMLElement, v: SafetyIndexView) {
  const parts = v.components.map((c) => c.component);
  const rows = v.districts.map((d) => {
    const tr = trendText(d.trend);
    const byPart = new Map(d.parts.map((p) => [p.component, p]));
    return h(
      'tr',
      { 'data-district-id': d.districtId, 'data-rank': d.rank ?? '' },
      h('td', { class: 'si-rank' }, fmt(d.rank)),
      h('td', {}, d.name),
      h(
        'td',
        {},
        h(
          'div',
          { class: 'si-score' },
          h(
            'div',
            { class: 'si-bar-track' },
            h('div', {
              class: `si-bar si-${scoreBand(d.score)}`,
              style: `width:${d.score ?? 0}%`,
            }),
          ),
          h('span', { class: 'si-score-num' }, fmt(d.score)),
        ),
      ),
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
        return h(
          'td',
          { title: p?.weightUsed ? `${t('si_weight')} ${p.weightUsed}` : t('si_noData') },
          p?.raw === null || p?.raw === undefined ? t('si_noData') : `${p.raw} → ${fmt(p.score)}`,
        );
      }),
    );
  });
  render(
    el,
    h('p', { class: 'muted' }, t('si_weekOf', { week: v.week.label, prev: v.previousWeek.label })),
    h(
      'table',
      { class: 'si-table', id: 'si-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, t('si_rank')),
          h('th', {}, t('si_district')),
          h('th', {}, t('si_score')),
          h('th', {}, t('si_trend')),
          parts.map((c) => h('th', {}, partLabel(c))),
        ),
      ),
      h('tbody', {}, rows),
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
        ),
      ),
    ),
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
