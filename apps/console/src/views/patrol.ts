// 见警率 on the commander's map: the jurisdiction's streets coloured by minutes since a unit
// passed (live from the tracks, refreshed every minute), with a legend, and the patrol plans
// (点线面) of the seat's scope with this shift's compliance.
import type { FeatureCollection } from 'geojson';
import type {
  JurisdictionView,
  LiveVisibilityView,
  PatrolComplianceView,
  PatrolPlanView,
} from '@ringcad/contracts';
import { api, qs } from '../api';
import { h, render } from '../dom';
import { errorMessage } from '../errors';
import { pct } from '../format';
import { t } from '../i18n';
import { PATROL_HEAT_STEPS } from '../map/style';
import type { SeatContext } from './seat';

const REFRESH_MS = 60_000;

/** The live layer as map features: one LineString per street passed, with its minutes since. */
export function heatFeatures(v: LiveVisibilityView): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: v.segments.map((s) => ({
      type: 'Feature',
      properties: { minutesSince: s.minutesSince },
      geometry: { type: 'LineString', coordinates: s.coordinates },
    })),
  };
}

function legend(): HTMLElement {
  return h(
    'ul',
    { class: 'patrol-legend', 'aria-label': t('patrolHeatLegend') },
    PATROL_HEAT_STEPS.map((s, i) => {
      const next = PATROL_HEAT_STEPS[i + 1];
      return h(
        'li',
        {},
        h('i', { class: 'swatch', style: `background:${s.color}` }),
        next
          ? t('patrolHeatUnder', { to: next.fromMin })
          : t('patrolHeatStep', { from: s.fromMin }),
      );
    }),
    h('li', { class: 'muted' }, t('patrolHeatNone')),
  );
}

/** Mounts the panel into `host` and the heat layer on the map; returns its cleanup. */
export function mountPatrolPanel(host: HTMLElement, ctx: SeatContext): () => void {
  const box = h('section', { class: 'patrol-panel', id: 'patrol-panel' });
  host.append(box);
  let jurisdictions: JurisdictionView[] = [];
  let chosen: string | null = null;
  let live: LiveVisibilityView | null = null;
  let problem: string | null = null;
  let plans: { plan: PatrolPlanView; compliance: PatrolComplianceView | null }[] = [];

  const draw = () => {
    const select = h(
      'select',
      {
        id: 'patrol-jurisdiction',
        'aria-label': t('patrolPickJurisdiction'),
        onchange: (e: Event) => {
          chosen = (e.target as HTMLSelectElement).value;
          void refresh();
        },
      },
      jurisdictions.map((j) =>
        h('option', { value: j.id, selected: j.id === chosen }, `${j.name}`),
      ),
    );
    const summary = live
      ? h(
          'p',
          { class: 'muted', id: 'patrol-seen' },
          t('patrolHeatSeen', {
            window: live.windowMin,
            seen: live.streetKmSeen.toFixed(1),
            total: live.streetKm.toFixed(1),
            pct: pct(live.streetKm ? (100 * live.streetKmSeen) / live.streetKm : null),
          }),
        )
      : h('p', { class: 'muted' }, problem ?? '…');
    const planRows = plans.length
      ? h(
          'ul',
          { class: 'patrol-plans' },
          plans.map(({ plan, compliance: c }) =>
            h(
              'li',
              { 'data-plan': plan.id },
              h('strong', {}, plan.name),
              ' ',
              h(
                'span',
                { class: 'muted' },
                t('patrolPlanShift', { start: plan.shift.start, end: plan.shift.end }),
              ),
              c
                ? h(
                    'div',
                    { class: 'patrol-compliance' },
                    t('patrolPlanCompliance', {
                      points: pct(c.plan.pointsMetPct),
                      lines: pct(c.plan.lineDrivenPct),
                      areas: pct(c.plan.areaSweptPct),
                    }),
                  )
                : null,
            ),
          ),
        )
      : h('p', { class: 'muted' }, t('patrolPlanNone'));
    render(
      box,
      h('h2', {}, t('patrolHeat')),
      select,
      summary,
      h('h3', {}, t('patrolHeatLegend')),
      legend(),
      h('h3', {}, t('patrolPlans')),
      planRows,
    );
  };

  const refresh = async () => {
    if (!chosen) return draw();
    try {
      live = await api.get<LiveVisibilityView>(
        `/patrol/visibility/live${qs({ jurisdictionId: chosen })}`,
      );
      problem = null;
      ctx.map.set('patrol-heat', heatFeatures(live));
    } catch (err) {
      live = null;
      problem = `${t('patrolNA')}: ${errorMessage(err)}`;
      ctx.map.clear('patrol-heat');
    }
    try {
      const list = (await api.get<{ plans: PatrolPlanView[] }>('/patrol-plans')).plans;
      plans = await Promise.all(
        list.slice(0, 20).map(async (plan) => ({
          plan,
          compliance: await api
            .get<PatrolComplianceView>(`/patrol-plans/${plan.id}/compliance`)
            .catch(() => null),
        })),
      );
    } catch {
      plans = [];
    }
    draw();
  };

  draw();
  void api
    .get<FeatureCollection>('/jurisdictions')
    .then((fc) => {
      jurisdictions = fc.features
        .map((f) => f.properties as JurisdictionView)
        .filter((j) => j.kind === 'district' || j.kind === 'grid');
      const mine = ctx.session.user.jurisdictionId;
      chosen =
        jurisdictions.find((j) => j.id === mine)?.id ??
        jurisdictions.find((j) => j.kind === 'district')?.id ??
        null;
      return refresh();
    })
    .catch(() => draw());
  const timer = window.setInterval(() => void refresh(), REFRESH_MS);
  return () => {
    clearInterval(timer);
    box.remove();
    ctx.map.clear('patrol-heat');
  };
}
