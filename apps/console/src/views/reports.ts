// 统计报表 (commander): response times over any window, grouped by district, category, priority,
// hour, day or unit; the daily trend; the bulletin buckets; the laggards. Figures come from the
// server (percentiles computed in SQL); this page only draws them. Charts: uPlot — canvas, ~50 KB,
// no dependencies, an ES module Vite bundles, nothing fetched at run time (the hall is offline).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type {
  LaggardRow,
  LaggardsReport,
  ReportGroupBy,
  ResponseTimesReport,
} from '@ringcad/contracts';
import { REPORT_GROUP_BY } from '@ringcad/contracts/constants';
import { BUILTIN_SCHEMES } from '@ringcad/domain';
import { api, currentToken, qs } from '../api';
import { errorMessage } from '../errors';
import { h, render } from '../dom';
import { mmss, pct } from '../format';
import { t } from '../i18n';
import { COLORS } from '../map/style';
import { cstMidnightSec, dayLabel, dayScale, secondsRange } from '../chart-scales';

const GROUPS: readonly ReportGroupBy[] = REPORT_GROUP_BY;
const SERIES = [
  { key: 'dispatchP90Sec', label: () => t('rep_dispatch'), color: '#f59e0b' },
  { key: 'ackP90Sec', label: () => t('rep_ack'), color: '#38bdf8' },
  { key: 'arriveP90Sec', label: () => t('rep_arrive'), color: '#c084fc' },
] as const;

const dateInput = (d: Date) =>
  new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
const axisStyle = { stroke: '#94a3b8', grid: { stroke: '#1e293b' }, ticks: { stroke: '#1e293b' } };

/** Opens the reports page over the workspace. */
export function openReports() {
  document.getElementById('reports')?.remove();
  const charts: uPlot[] = [];
  const page = h('section', { class: 'reports-page', id: 'reports' });
  const close = () => {
    charts.forEach((c) => c.destroy());
    page.remove();
  };
  const today = new Date();
  const fromIn = h('input', {
    type: 'date',
    id: 'reports-from',
    value: dateInput(new Date(today.getTime() - 6 * 86_400_000)),
  });
  const toIn = h('input', { type: 'date', id: 'reports-to', value: dateInput(today) });
  const groupSel = h(
    'select',
    { id: 'reports-group' },
    GROUPS.map((g) => h('option', { value: g }, t(`rep_g_${g}`))),
  );
  const schemeSel = h(
    'select',
    { id: 'reports-scheme' },
    BUILTIN_SCHEMES.map((s) => h('option', { value: s.id }, s.id)),
  );
  const status = h('span', { class: 'muted', id: 'reports-status' });
  const trendEl = h('div', { class: 'chart', id: 'chart-trend' });
  const groupEl = h('div', { class: 'chart', id: 'chart-groups' });
  const tableEl = h('div', { id: 'reports-table' });
  const laggardsEl = h('div', { id: 'reports-laggards' });
  const params = () => {
    const from = new Date(`${fromIn.value}T00:00:00`);
    const to = new Date(new Date(`${toIn.value}T00:00:00`).getTime() + 86_400_000);
    return { from: from.toISOString(), to: to.toISOString(), scheme: schemeSel.value };
  };
  const downloadCsv = async () => {
    const res = await fetch(
      `/api/v1/reports/response-times${qs({ ...params(), groupBy: groupSel.value })}`,
      {
        headers: { accept: 'text/csv', authorization: `Bearer ${currentToken() ?? ''}` },
      },
    );
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: `response-times-${groupSel.value}.csv` });
    a.click();
    URL.revokeObjectURL(url);
  };
  const run = async () => {
    status.textContent = '…';
    const p = params();
    const [groups, trend, laggards] = await Promise.all([
      api.get<ResponseTimesReport>(
        `/reports/response-times${qs({ ...p, groupBy: groupSel.value })}`,
      ),
      api.get<ResponseTimesReport>(`/reports/response-times${qs({ ...p, groupBy: 'day' })}`),
      api.get<LaggardsReport>(
        `/reports/laggards${qs({ from: p.from, to: p.to, limit: 10, minAssignments: 3 })}`,
      ),
    ]);
    charts.splice(0).forEach((c) => c.destroy());
    charts.push(
      drawTrend(trendEl, trend, { fromDay: fromIn.value, toDay: toIn.value }),
      drawGroups(groupEl, groups),
    );
    renderTable(tableEl, groups);
    renderLaggards(laggardsEl, laggards);
    status.textContent = t('rep_took', { ms: groups.tookMs + trend.tookMs });
    page.dataset.ready = '1';
  };
  render(
    page,
    h(
      'header',
      {},
      h('h2', {}, t('rep_title')),
      h('label', {}, t('rep_from'), ' ', fromIn),
      h('label', {}, t('rep_to'), ' ', toIn),
      h('label', {}, t('rep_groupBy'), ' ', groupSel),
      h('label', {}, t('rep_scheme'), ' ', schemeSel),
      h(
        'button',
        { type: 'button', id: 'reports-run', onclick: () => void run() },
        t('rep_refresh'),
      ),
      h(
        'button',
        { type: 'button', class: 'ghost', id: 'reports-csv', onclick: () => void downloadCsv() },
        t('rep_csv'),
      ),
      status,
      h('span', { class: 'spacer' }),
      h(
        'button',
        { type: 'button', class: 'ghost small', id: 'reports-close', onclick: close },
        t('rep_close'),
      ),
    ),
    h(
      'div',
      { class: 'charts' },
      h('div', {}, h('h3', {}, t('rep_trend')), trendEl),
      h('div', {}, h('h3', {}, t('rep_byGroup')), groupEl),
    ),
    h('div', { class: 'tables' }, tableEl, laggardsEl),
  );
  document.body.append(page);
  void run().catch((err: unknown) => (status.textContent = errorMessage(err)));
}

function chartWidth(el: HTMLElement) {
  return Math.max(320, el.clientWidth - 16);
}

function drawTrend(
  el: HTMLElement,
  r: ResponseTimesReport,
  window: { fromDay: string; toDay: string },
): uPlot {
  el.replaceChildren();
  const xs = r.groups.map((g) => cstMidnightSec(g.key));
  const data: uPlot.AlignedData = [xs, ...SERIES.map((s) => r.groups.map((g) => g[s.key]))];
  // the days asked for, one tick each; seconds from 0 to a round mark above the data
  const days = dayScale(window.fromDay, window.toDay);
  const ySec = secondsRange(SERIES.flatMap((s) => r.groups.map((g) => g[s.key])));
  return new uPlot(
    {
      width: chartWidth(el),
      height: 240,
      series: [
        {},
        ...SERIES.map((s) => ({
          label: s.label(),
          stroke: s.color,
          width: 2,
          points: { show: true },
        })),
      ],
      axes: [
        {
          ...axisStyle,
          splits: () => days.splits,
          values: (_u, splits) => splits.map((v) => dayLabel(v)),
        },
        { ...axisStyle, values: (_u, splits) => splits.map((v) => mmss(v)) },
      ],
      scales: { x: { time: true, range: days.range }, y: { range: ySec } },
    },
    data,
    el,
  );
}

function drawGroups(el: HTMLElement, r: ResponseTimesReport): uPlot {
  el.replaceChildren();
  const groups = r.groups.slice(0, 40);
  const xs = groups.map((_, i) => i);
  const bars = uPlot.paths.bars?.({ size: [0.25, 40], gap: 2 });
  const data: uPlot.AlignedData = [
    xs,
    ...SERIES.map((s) => groups.map((g) => g[s.key])),
    groups.map((g) => g.tierMetPct[0] ?? null),
  ];
  return new uPlot(
    {
      width: chartWidth(el),
      height: 240,
      series: [
        {},
        ...SERIES.map((s) => ({
          label: s.label(),
          stroke: s.color,
          fill: `${s.color}99`,
          paths: bars,
          points: { show: false },
        })),
        {
          label: `${t('rep_tierMet')} (1)`,
          stroke: COLORS.tiers[0],
          width: 2,
          scale: '%',
          points: { show: true },
        },
      ],
      axes: [
        {
          ...axisStyle,
          values: (_u, splits) =>
            splits.map((i) => groups[i]?.label ?? groups[i]?.key.slice(0, 8) ?? ''),
        },
        axisStyle,
        { ...axisStyle, side: 1, scale: '%', grid: { show: false } },
      ],
      scales: {
        x: { time: false, range: [-0.5, Math.max(0.5, groups.length - 0.5)] },
        '%': { range: [0, 100] },
      },
    },
    data,
    el,
  );
}

function renderTable(el: HTMLElement, r: ResponseTimesReport) {
  render(
    el,
    h(
      'h3',
      {},
      `${t('rep_buckets')}: ${t('rep_ackWithin', { s: r.buckets.ackWithinSec })} · ${t('rep_departWithin', { s: r.buckets.departWithinSec })} · ${t('rep_clearWithin', { s: r.buckets.clearWithinSec })}`,
    ),
    h(
      'table',
      { id: 'reports-groups' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, t('rep_group')),
          h('th', { class: 'num' }, t('rep_incidents')),
          h('th', { class: 'num' }, `${t('rep_dispatch')} P50/P90`),
          h('th', { class: 'num' }, `${t('rep_ack')} P50/P90`),
          h('th', { class: 'num' }, `${t('rep_arrive')} P50/P90`),
          r.scheme.tiers.map((t, i) =>
            h(
              'th',
              { class: 'num tier-text', '--tier': COLORS.tiers[i] },
              `${Math.round(t.sec / 60)}′`,
            ),
          ),
          h('th', { class: 'num' }, t('rep_ackWithin', { s: r.buckets.ackWithinSec })),
          h('th', { class: 'num' }, t('rep_departWithin', { s: r.buckets.departWithinSec })),
          h('th', { class: 'num' }, t('rep_clearWithin', { s: r.buckets.clearWithinSec })),
        ),
      ),
      h(
        'tbody',
        {},
        r.groups.map((g) =>
          h(
            'tr',
            {},
            h('td', {}, g.label ?? g.key),
            h('td', { class: 'num' }, String(g.incidents)),
            h('td', { class: 'num' }, `${mmss(g.dispatchP50Sec)} / ${mmss(g.dispatchP90Sec)}`),
            h('td', { class: 'num' }, `${mmss(g.ackP50Sec)} / ${mmss(g.ackP90Sec)}`),
            h('td', { class: 'num' }, `${mmss(g.arriveP50Sec)} / ${mmss(g.arriveP90Sec)}`),
            g.tierMetPct.map((v) => h('td', { class: 'num' }, pct(v))),
            h('td', { class: 'num' }, pct(g.ackWithinPct)),
            h('td', { class: 'num' }, pct(g.departWithinPct)),
            h('td', { class: 'num' }, pct(g.clearWithinPct)),
          ),
        ),
      ),
    ),
  );
}

function renderLaggards(el: HTMLElement, r: LaggardsReport) {
  const list = (title: string, rows: LaggardRow[], f: (x: LaggardRow) => number | null) =>
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, title),
          h('th', { class: 'num' }, 'n'),
          h('th', { class: 'num' }, 'P90'),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((x) =>
          h(
            'tr',
            {},
            h('td', {}, x.label ?? x.key),
            h('td', { class: 'num' }, String(x.assignments)),
            h('td', { class: 'num' }, mmss(f(x))),
          ),
        ),
      ),
    );
  render(
    el,
    h('h3', {}, t('rep_laggards')),
    list(`${t('rep_units')} · ${t('rep_byAck')}`, r.units.byAck, (x) => x.ackP90Sec),
    list(`${t('rep_units')} · ${t('rep_byArrive')}`, r.units.byArrive, (x) => x.arriveP90Sec),
    list(`${t('rep_stations')} · ${t('rep_byArrive')}`, r.stations.byArrive, (x) => x.arriveP90Sec),
  );
}
