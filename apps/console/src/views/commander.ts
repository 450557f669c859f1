// 指挥长席: ring coverage of the whole city (by tier, by district, blind spots on the map) and
// today's figures. Only what can be computed honestly is shown; the rest says "—".
import { BUILTIN_SCHEMES, type RingScheme } from '@ringcad/domain';
import type { Feature, FeatureCollection } from 'geojson';

type TierShare = CoverageView['districts'][number]['tiers'][number];

/** The contract leaves blind spots' GeoJSON unchecked; drawn only when it is a collection. */
function asFeatureCollection(v: unknown): FeatureCollection | null {
  return v !== null &&
    typeof v === 'object' &&
    (v as { type?: unknown }).type === 'FeatureCollection'
    ? (v as FeatureCollection)
    : null;
}
import { api, ApiError, qs } from '../api';
import { h, keyedList, render } from '../dom';
import { clock, mmss, pct, percentile, pointInArea } from '../format';
import { label, t } from '../i18n';
import { COLORS } from '../map/style';
import { coverageEvents } from '../realtime';
import { store } from '../store';
import type {
  CoverageView,
  IncidentView,
  JurisdictionView,
  ResponseTimeGroup,
} from '@ringcad/contracts';
import { kpiSchemes, ringMetFigure } from '../kpis';
import { loadSchemes } from './dispatcher';
import { mountReplayLauncher } from './replay';
import { PerimeterPanel, PERIMETER_READER_ROLES } from './perimeters';
import { mountPatrolPanel } from './patrol';
import { mountDeploymentPanel } from './deployment-panel';
import { mountExerciseLauncher } from './exercise';
import type { Seat, SeatContext } from './seat';

interface TimelineMetrics {
  metrics: {
    dispatchSec: number | null;
    ackSec: number | null;
    firstArriveSec: number | null;
    tiersMet: boolean[];
  };
}

interface DayFigures {
  incidents: number;
  sampled: number;
  tierMetPct: number | null;
  arriveP90Sec: number | null;
  dispatchP50Sec: number | null;
  source: 'reports' | 'timelines';
}

const TIMELINE_SAMPLE = 60;

interface Kpi {
  id: string;
  title: string;
  /** What the figure measures (shown under it and as its tooltip). */
  def: string;
  value: string;
  extra?: string;
  cls?: string;
}

function startOfToday(): string {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

export class CommanderSeat implements Seat {
  private ctx!: SeatContext;
  private scheme = '1-3-8';
  private schemes: RingScheme[] = [...BUILTIN_SCHEMES];
  private coverage: CoverageView | null = null;
  private coverageState: 'loading' | 'ok' | 'unavailable' = 'loading';
  private districts: Feature[] = [];
  private day: DayFigures | null = null;
  private cleanup: (() => void)[] = [];
  private kpiEl!: HTMLElement;
  private kpiParts: {
    grid: HTMLElement;
    districts: HTMLElement;
    districtRows: HTMLElement;
  } | null = null;

  mount(ctx: SeatContext) {
    this.ctx = ctx;
    this.kpiEl = h('div', { class: 'kpis', id: 'kpis' });
    render(ctx.left, this.kpiEl);
    this.cleanup.push(mountReplayLauncher(ctx.left, ctx.map));
    // 环城封控圈 readiness (an admin sitting here without the commander role does not read it)
    if (PERIMETER_READER_ROLES.some((r) => ctx.session.user.roles.includes(r))) {
      const perimeters = new PerimeterPanel(ctx.map);
      ctx.left.append(perimeters.el);
      this.cleanup.push(() => perimeters.dispose());
    }
    this.cleanup.push(mountPatrolPanel(ctx.left, ctx));
    this.cleanup.push(mountDeploymentPanel(ctx.left, ctx.map));
    // 演练: start an exercise, watch its score (commander and admin sit here)
    this.cleanup.push(mountExerciseLauncher(ctx.left));
    const offs = [
      store.on(['incidents', 'units', 'alerts'], () => this.renderKpis()),
      coverageEvents.on((c) => {
        if (c.scheme.id === this.scheme) {
          this.coverage = c;
          this.coverageState = 'ok';
          this.drawCoverage();
        }
      }),
    ];
    const refresh = window.setInterval(() => void this.loadDay(), 60_000);
    const coverageRefresh = window.setInterval(() => void this.loadCoverage(), 60_000);
    this.cleanup.push(
      ...offs,
      () => clearInterval(refresh),
      () => clearInterval(coverageRefresh),
    );
    this.renderKpis();
    this.drawCoverage();
    void loadSchemes().then((s) => {
      this.schemes = s.filter((x) => !x.id.startsWith('seal'));
      this.drawCoverage();
    });
    void api.get<FeatureCollection>('/jurisdictions').then((fc) => {
      this.districts = fc.features.filter(
        (f) => (f.properties as JurisdictionView | null)?.kind === 'district',
      );
      this.renderKpis();
    });
    void this.loadCoverage();
    void this.loadDay();
  }

  unmount() {
    this.cleanup.forEach((f) => f());
    this.cleanup = [];
    this.ctx.map.clear('blind-spots');
  }

  private async loadCoverage() {
    try {
      this.coverage = await api.get<CoverageView>(`/coverage${qs({ scheme: this.scheme })}`);
      this.coverageState = 'ok';
    } catch (err) {
      // 404 until the coverage route ships (issue #4); any error degrades to the same message
      if (!(err instanceof ApiError)) console.warn('coverage', err);
      this.coverage = null;
      this.coverageState = 'unavailable';
    }
    this.drawCoverage();
  }

  private async loadDay() {
    const from = startOfToday();
    let incidents: IncidentView[] = [];
    try {
      incidents = await api.get<IncidentView[]>(
        `/incidents${qs({ status: 'all', from, limit: 1000 })}`,
      );
      // 演练: exercise incidents are no part of today's figures
      incidents = incidents.filter((i) => !i.exercise);
    } catch {
      return;
    }
    // the reports route gives the figures over every incident of today: exact percentiles over
    // the day (one group), and the ring figure per priority judged by that priority's scheme
    try {
      const to = new Date(Date.now() + 60_000).toISOString();
      type Report = {
        groups: (Pick<ResponseTimeGroup, 'key' | 'incidents' | 'arrived' | 'ringMet'> & {
          arriveP90Sec: number | null;
          dispatchP50Sec: number | null;
        })[];
      };
      const [whole, ...byScheme] = await Promise.all([
        api.get<Report>(`/reports/response-times${qs({ from, to, groupBy: 'day' })}`),
        ...kpiSchemes().map(({ scheme }) =>
          api
            .get<Report>(`/reports/response-times${qs({ from, to, groupBy: 'priority', scheme })}`)
            .then((r) => ({ scheme, groups: r.groups })),
        ),
      ]);
      const ring = ringMetFigure(byScheme);
      // from midnight on there is one day group (a report spanning midnight would have two: the
      // latest is today's)
      const day = whole.groups.at(-1);
      this.day = {
        incidents: incidents.length,
        sampled: ring.arrived,
        tierMetPct: ring.pct,
        arriveP90Sec: day?.arriveP90Sec ?? null,
        dispatchP50Sec: day?.dispatchP50Sec ?? null,
        source: 'reports',
      };
    } catch {
      const dispatched = incidents.filter((i) => i.dispatchedAt).slice(0, TIMELINE_SAMPLE);
      const timelines = (
        await Promise.all(
          dispatched.map((i) =>
            api.get<TimelineMetrics>(`/incidents/${i.id}/timeline`).catch(() => null),
          ),
        )
      ).filter((x): x is TimelineMetrics => x !== null);
      const arrive = timelines
        .map((x) => x.metrics.firstArriveSec)
        .filter((v): v is number => v !== null);
      const dispatch = timelines
        .map((x) => x.metrics.dispatchSec)
        .filter((v): v is number => v !== null);
      const judged = timelines.filter(
        (x) => x.metrics.firstArriveSec !== null && x.metrics.tiersMet.length,
      );
      // the same definition as the reports' figure: any tier of the incident's scheme met
      const met = judged.filter((x) => x.metrics.tiersMet.some(Boolean)).length;
      this.day = {
        incidents: incidents.length,
        sampled: judged.length,
        tierMetPct: judged.length ? (met / judged.length) * 100 : null,
        arriveP90Sec: percentile(arrive, 90),
        dispatchP50Sec: percentile(dispatch, 50),
        source: 'timelines',
      };
    }
    this.renderKpis();
  }

  private renderKpis() {
    const available = [...store.units.values()].filter((u) => u.status === 'available');
    const byDistrict = this.districts.map((d) => {
      const p = d.properties as JurisdictionView;
      const n = available.filter(
        (u) =>
          u.position &&
          d.geometry &&
          pointInArea(u.position.lon, u.position.lat, d.geometry as never),
      ).length;
      return { name: p.name, n };
    });
    const day = this.day;
    const kpis: Kpi[] = [
      {
        id: 'open',
        title: t('kpiOpen'),
        def: t('kpiDefOpen'),
        value: String([...store.incidents.values()].filter((i) => !i.exercise).length),
        cls: 'kpi-open',
      },
      {
        id: 'available',
        title: t('kpiAvailable'),
        def: t('kpiDefAvailable'),
        value: String(available.length),
        extra: `/ ${store.units.size}`,
        cls: 'kpi-available',
      },
      {
        id: 'alerts',
        title: t('kpiAlerts'),
        def: t('kpiDefAlerts'),
        value: String(store.alerts.size),
        cls: store.alerts.size ? 'kpi-alarm' : '',
      },
      {
        id: 'today',
        title: t('kpiToday'),
        def: t('kpiDefToday'),
        value: day ? String(day.incidents) : t('notYet'),
      },
      {
        id: 'tier-met',
        title: t('kpiTierMet'),
        def: t('kpiDefTierMet'),
        value: day ? pct(day.tierMetPct) : t('notYet'),
        extra: day ? `n=${day.sampled}` : undefined,
      },
      {
        id: 'p90-arrive',
        title: t('kpiP90Arrive'),
        def: t('kpiDefP90Arrive'),
        value: day ? mmss(day.arriveP90Sec) : t('notYet'),
      },
      {
        id: 'dispatch',
        title: t('kpiDispatch'),
        def: t('kpiDefDispatch'),
        value: day ? mmss(day.dispatchP50Sec) : t('notYet'),
      },
    ];
    if (!this.kpiParts) {
      const grid = h('div', { class: 'kpi-grid' });
      const districtRows = h('tbody', {});
      const districts = h(
        'section',
        { class: 'district-units', hidden: true },
        h('h3', {}, t('availableByDistrict')),
        h('table', { class: 'units-table' }, districtRows),
      );
      render(this.kpiEl, h('h2', {}, t('kpis')), grid, districts);
      this.kpiParts = { grid, districts, districtRows };
    }
    // a store change repaints only the figures it changed
    keyedList(this.kpiParts.grid, kpis, {
      key: (k) => k.id,
      signature: (k) => `${k.value}|${k.extra ?? ''}|${k.cls ?? ''}|${k.def}`,
      row: (k) =>
        h(
          'div',
          { class: `kpi ${k.cls ?? ''}`, title: k.def, 'data-kpi': k.id },
          h('span', { class: 'kpi-title' }, k.title),
          h('span', { class: 'kpi-value' }, k.value),
          k.extra ? h('span', { class: 'kpi-extra muted' }, k.extra) : null,
          h('span', { class: 'kpi-def muted' }, k.def),
        ),
    });
    this.kpiParts.districts.hidden = byDistrict.length === 0;
    keyedList(this.kpiParts.districtRows, byDistrict, {
      key: (d) => d.name,
      signature: (d) => String(d.n),
      row: (d) => h('tr', {}, h('td', {}, d.name), h('td', { class: 'num' }, String(d.n))),
    });
  }

  private drawCoverage() {
    const c = this.coverage;
    const schemeSelect = h(
      'div',
      { class: 'tabs' },
      this.schemes.map((s) =>
        h(
          'button',
          {
            type: 'button',
            class: s.id === this.scheme ? 'tab active' : 'tab',
            onclick: () => {
              this.scheme = s.id;
              this.coverageState = 'loading';
              this.drawCoverage();
              void this.loadCoverage();
            },
          },
          s.id,
        ),
      ),
    );
    const scheme = this.schemes.find((s) => s.id === this.scheme);
    const tierName = (sec: number, i: number) =>
      label(scheme?.tiers[i]?.label) || `${Math.round(sec / 60)} min`;
    const bar = (v: number, i: number) =>
      h(
        'div',
        { class: 'bar' },
        h('i', { '--pct': `${Math.max(0, Math.min(100, v))}%`, '--tier': COLORS.tiers[i] }),
      );
    const tierRows = (tiers: TierShare[]) =>
      tiers.map((tier, i) =>
        h(
          'tr',
          {},
          h('td', {}, tierName(tier.sec, i)),
          h('td', {}, bar(tier.roadKmPct, i)),
          h('td', { class: 'num' }, pct(tier.roadKmPct)),
          h('td', { class: 'num' }, pct(tier.areaPct)),
        ),
      );
    const blindSpots = asFeatureCollection(c?.blindSpots);
    let body: Node;
    if (this.coverageState === 'loading') body = h('p', { class: 'muted' }, '…');
    else if (!c) body = h('p', { class: 'coverage-na', id: 'coverage-na' }, t('coverageNA'));
    else
      body = h(
        'div',
        { id: 'coverage' },
        h(
          'p',
          { class: 'muted' },
          t('coverageComputed', { at: clock(c.computedAt), units: c.units }),
        ),
        h(
          'table',
          { class: 'coverage-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, ''),
              h('th', {}, ''),
              h('th', {}, t('roadKm')),
              h('th', {}, t('area')),
            ),
          ),
          h('tbody', {}, tierRows(c.tiers)),
        ),
        blindSpots
          ? h(
              'p',
              { class: 'blind' },
              h('i', { class: 'swatch blind' }),
              `${t('blindSpots')}: ${blindSpots.features.length}`,
            )
          : null,
        c.districts.length
          ? h(
              'section',
              {},
              h('h3', {}, t('districts')),
              h(
                'table',
                { class: 'coverage-table districts' },
                h(
                  'tbody',
                  {},
                  c.districts.map((d) =>
                    h(
                      'tr',
                      {},
                      h('td', {}, d.name),
                      ...d.tiers.map((tier, i) =>
                        h(
                          'td',
                          { class: 'num tier-text', '--tier': COLORS.tiers[i] },
                          pct(tier.roadKmPct),
                        ),
                      ),
                    ),
                  ),
                ),
              ),
            )
          : null,
      );
    render(
      this.ctx.right,
      h('div', { class: 'coverage-panel' }, h('h2', {}, t('coverage')), schemeSelect, body),
    );
    if (blindSpots) this.ctx.map.set('blind-spots', blindSpots);
    else this.ctx.map.clear('blind-spots');
  }
}
