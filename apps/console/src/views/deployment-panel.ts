// 热点与勤务部署 on the commander's seat: incident hotspots as a hexagon heat layer, and a shift
// deployment proposal drawn on the map (unit → post lines, posts coloured by their gain), sent
// with the count confirmed and recalled the same way.
import type { DeploymentPlanView, HotspotsView } from '@ringcad/contracts';
import type { Feature, FeatureCollection } from 'geojson';
import { api } from '../api';
import { openDialog } from '../dialog';
import { h, render } from '../dom';
import { errorMessage } from '../errors';
import { pct } from '../format';
import { t } from '../i18n';
import type { MapView } from '../map/map-view';
import { store } from '../store';

const fc = (features: Feature[]): FeatureCollection => ({ type: 'FeatureCollection', features });

export function hotspotFeatures(v: HotspotsView): FeatureCollection {
  const top = v.cells[0]?.density ?? 0;
  return fc(
    v.cells.map((c) => ({
      type: 'Feature',
      properties: { id: c.id, density: c.density, share: top > 0 ? c.density / top : 0 },
      geometry: { type: 'Polygon', coordinates: [c.polygon] },
    })),
  );
}

export function planFeatures(p: DeploymentPlanView): FeatureCollection {
  const top = Math.max(0, ...p.posts.map((x) => x.gainPct));
  return fc(
    p.posts.flatMap((x): Feature[] => [
      {
        type: 'Feature',
        properties: { unitId: x.unitId },
        geometry: {
          type: 'LineString',
          coordinates: [
            [x.unitLocation.lon, x.unitLocation.lat],
            [x.location.lon, x.location.lat],
          ],
        },
      },
      {
        type: 'Feature',
        properties: { standbyPointId: x.standbyPointId, share: top > 0 ? x.gainPct / top : 0 },
        geometry: { type: 'Point', coordinates: [x.location.lon, x.location.lat] },
      },
    ]),
  );
}

export function mountDeploymentPanel(host: HTMLElement, map: MapView): () => void {
  let hotspotsOn = false;
  let plan: DeploymentPlanView | null = null;
  let note = '';
  const section = h('section', { class: 'deployment-panel', id: 'deployment-panel' });
  host.append(section);
  const availableCars = () =>
    [...store.units.values()].filter((u) => u.status === 'available' && u.kind === 'patrol_car')
      .length;
  const unitsInput = h('input', {
    type: 'number',
    id: 'deploy-units',
    min: '1',
    max: '500',
    value: String(Math.max(1, availableCars())),
  });
  const hoursInput = h('input', {
    type: 'number',
    id: 'deploy-hours',
    min: '1',
    max: '24',
    value: '8',
  });

  const toggleHotspots = async () => {
    hotspotsOn = !hotspotsOn;
    note = '';
    if (!hotspotsOn) map.clear('hotspots');
    else {
      try {
        const v = await api.get<HotspotsView>('/analysis/hotspots');
        map.set('hotspots', hotspotFeatures(v));
        note = t('hotspotsSummary', {
          n: v.incidents,
          bw: v.method.bandwidthM,
          cell: v.method.cellM,
        });
      } catch (err) {
        hotspotsOn = false;
        note = errorMessage(err);
      }
    }
    draw();
  };

  const propose = async () => {
    note = '';
    try {
      const start = new Date();
      const hours = Math.min(24, Math.max(1, Number(hoursInput.value) || 8));
      plan = await api.post<DeploymentPlanView>('/deployment-plans', {
        shiftStart: start.toISOString(),
        shiftEnd: new Date(start.getTime() + hours * 3600_000).toISOString(),
        units: { patrol_car: Math.max(1, Math.round(Number(unitsInput.value) || 1)) },
      });
      map.set('deployment', planFeatures(plan));
    } catch (err) {
      note = errorMessage(err);
    }
    draw();
  };

  const act = async (action: 'confirm' | 'recall') => {
    const p = plan;
    if (!p) return;
    const done = await openDialog({
      id: action === 'confirm' ? 'deploy-confirm-dialog' : 'deploy-recall-dialog',
      title: t(action === 'confirm' ? 'deployConfirmTitle' : 'deployRecallTitle'),
      body: [
        h(
          'p',
          { 'data-count': String(p.count) },
          t(action === 'confirm' ? 'deployConfirmBody' : 'deployRecallBody', { n: p.count }),
        ),
      ],
      confirmLabel: t(action === 'confirm' ? 'deployConfirm' : 'deployRecall', { n: p.count }),
      danger: action === 'recall',
      submit: () =>
        api.post<DeploymentPlanView>(
          `/deployment-plans/${p.id}/${action}`,
          action === 'confirm' ? { count: p.count } : {},
        ),
    });
    if (!done) return;
    plan = done;
    note = action === 'confirm' ? t('deployConfirmed', { n: done.count }) : t('deployRecalled');
    if (action === 'recall') map.clear('deployment');
    draw();
  };

  function draw() {
    const p = plan;
    render(
      section,
      h('h3', {}, t('deployTitle')),
      h(
        'div',
        { class: 'replay-actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'small',
            id: 'hotspots-toggle',
            onclick: () => void toggleHotspots(),
          },
          t(hotspotsOn ? 'hotspotsHide' : 'hotspotsShow'),
        ),
      ),
      h(
        'div',
        { class: 'deploy-form' },
        h('label', {}, t('deployUnits'), unitsInput),
        h('label', {}, t('deployHours'), hoursInput),
        h(
          'button',
          { type: 'button', class: 'small', id: 'deploy-propose', onclick: () => void propose() },
          t('deployPropose'),
        ),
      ),
      note ? h('p', { class: 'muted', id: 'deploy-note' }, note) : null,
      p
        ? h(
            'div',
            { id: 'deploy-plan', 'data-status': p.status },
            h(
              'p',
              {},
              t('deployProposed', {
                n: p.count,
                pct: pct(p.coveredPct),
                tier: Math.round(p.tierSec / 60),
                level: p.level,
              }),
            ),
            h(
              'p',
              { class: 'muted' },
              t('deployRoadKm', {
                pct: pct(p.target.roadKmPct),
                target: pct(p.target.minRoadKmPct),
              }),
            ),
            h(
              'table',
              { class: 'units-table' },
              h(
                'tbody',
                {},
                p.posts.map((x) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, x.callsign),
                    h('td', {}, `→ ${x.standbyPointName}`),
                    h('td', { class: 'num' }, `+${pct(x.gainPct)}`),
                  ),
                ),
              ),
            ),
            h('p', { class: 'muted', title: p.method }, `${t('deployMethod')}: ${p.method}`),
            p.status === 'proposed'
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'primary',
                    id: 'deploy-confirm',
                    onclick: () => void act('confirm'),
                  },
                  t('deployConfirm', { n: p.count }),
                )
              : null,
            p.status === 'confirmed'
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'danger',
                    id: 'deploy-recall',
                    onclick: () => void act('recall'),
                  },
                  t('deployRecall'),
                )
              : null,
          )
        : null,
    );
  }
  draw();
  return () => {
    section.remove();
    map.clear('hotspots');
    map.clear('deployment');
  };
}
