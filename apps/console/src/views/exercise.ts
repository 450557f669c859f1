// 演练 on the commander's seat (commander, admin): start an exercise — random incidents in a
// window over a district, or a scripted list (minute, place, category, priority per line) —
// through POST /exercises; the running and latest exercises with their score per district (rings
// met), kept fresh while the screen is open; stop a running one.
import type { ExerciseView, JurisdictionView, StartExerciseRequest } from '@ringcad/contracts';
import { INCIDENT_CATEGORIES, type IncidentCategory, type Priority } from '@ringcad/domain';
import type { FeatureCollection } from 'geojson';
import { api } from '../api';
import { h, render } from '../dom';
import { errorMessage } from '../errors';
import { mmss } from '../format';
import { t } from '../i18n';
import { scoreBar, table } from './safety-index';

type Key = Parameters<typeof t>[0];

/** How often the open screen re-reads the exercises (filed incidents, scores). */
const REFRESH_MS = 2000;
const MAX_COUNT = 500;
const MAX_WINDOW_MIN = 24 * 60;

/** Why the form cannot be sent: a code the seat reads in its language (ex_err_<code>). */
export type ExerciseFormProblem =
  | 'EX_NAME_REQUIRED'
  | 'EX_AREA_REQUIRED'
  | 'EX_COUNT_RANGE'
  | 'EX_WINDOW_RANGE'
  | 'EX_SCRIPT_EMPTY'
  | 'EX_SCRIPT_LINE'
  | 'EX_SCRIPT_AFTER_WINDOW';

export interface ExerciseForm {
  name: string;
  jurisdictionId: string;
  mode: 'random' | 'scripted';
  windowMin: string;
  count: string;
  script: string;
}

const isInt = (s: string) => /^\d+$/.test(s.trim());

/**
 * The form as typed, checked before sending: the request, or the first problem (with the script
 * line it is on). Script lines: `minute, lon, lat, category, priority` (category by its id).
 */
export function exerciseRequest(
  f: ExerciseForm,
): { ok: StartExerciseRequest } | { problem: ExerciseFormProblem; line?: number } {
  const name = f.name.trim();
  if (!name) return { problem: 'EX_NAME_REQUIRED' };
  if (!isInt(f.windowMin) || +f.windowMin < 1 || +f.windowMin > MAX_WINDOW_MIN)
    return { problem: 'EX_WINDOW_RANGE' };
  const windowMin = Number(f.windowMin);
  const jurisdictionId = f.jurisdictionId || undefined;
  if (f.mode === 'random') {
    if (!jurisdictionId) return { problem: 'EX_AREA_REQUIRED' };
    if (!isInt(f.count) || +f.count < 1 || +f.count > MAX_COUNT)
      return { problem: 'EX_COUNT_RANGE' };
    return { ok: { name, jurisdictionId, random: { count: Number(f.count), windowMin } } };
  }
  const lines = f.script
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (!lines.length) return { problem: 'EX_SCRIPT_EMPTY' };
  if (lines.length > MAX_COUNT) return { problem: 'EX_COUNT_RANGE' };
  const incidents: NonNullable<StartExerciseRequest['scenario']>['incidents'] = [];
  for (const [i, l] of lines.entries()) {
    const [min, lon, lat, category, priority, ...rest] = l.split(/[,，\s]+/);
    const nums = [min, lon, lat].map(Number);
    if (
      rest.length ||
      !isInt(min ?? '') ||
      nums.some((n) => !Number.isFinite(n)) ||
      Math.abs(nums[1]) > 180 ||
      Math.abs(nums[2]) > 90 ||
      !(INCIDENT_CATEGORIES as readonly string[]).includes(category ?? '') ||
      !['1', '2', '3'].includes(priority ?? '')
    )
      return { problem: 'EX_SCRIPT_LINE', line: i + 1 };
    if (nums[0] > windowMin) return { problem: 'EX_SCRIPT_AFTER_WINDOW', line: i + 1 };
    incidents.push({
      atSec: nums[0] * 60,
      location: { lon: nums[1], lat: nums[2] },
      category: category as IncidentCategory,
      priority: Number(priority) as Priority,
    });
  }
  return { ok: { name, jurisdictionId, scenario: { incidents } } };
}

/** The commander's launcher: one button that opens the exercise screen. */
export function mountExerciseLauncher(host: HTMLElement): () => void {
  const section = h(
    'section',
    { class: 'exercise-launcher', id: 'exercise-launcher' },
    h(
      'button',
      { type: 'button', class: 'small', id: 'open-exercises', onclick: () => openExercises() },
      t('ex_open'),
    ),
  );
  host.append(section);
  return () => {
    section.remove();
    document.getElementById('exercises')?.remove();
  };
}

/** Opens the exercise screen over the workspace. */
export function openExercises() {
  document.getElementById('exercises')?.remove();
  const page = h('section', { class: 'exercise-screen', id: 'exercises' });
  let timer = 0;
  const close = () => {
    window.clearInterval(timer);
    page.remove();
    document.removeEventListener('keydown', onKey);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') close();
  };
  document.addEventListener('keydown', onKey);

  const stamp = new Date().toTimeString().slice(0, 5);
  const name = h('input', {
    id: 'ex-name',
    value: `${t('ex_open')} ${stamp}`,
    maxlength: '100',
  });
  const area = h('select', { id: 'ex-area' }, h('option', { value: '' }, t('ex_city')));
  const random = h('input', {
    type: 'radio',
    name: 'ex-mode',
    id: 'ex-mode-random',
    value: 'random',
  });
  random.checked = true;
  const scripted = h('input', {
    type: 'radio',
    name: 'ex-mode',
    id: 'ex-mode-scripted',
    value: 'scripted',
  });
  const windowMin = h('input', {
    type: 'number',
    id: 'ex-window',
    min: '1',
    max: String(MAX_WINDOW_MIN),
    value: '60',
  });
  const count = h('input', {
    type: 'number',
    id: 'ex-count',
    min: '1',
    max: String(MAX_COUNT),
    value: '5',
  });
  const script = h('textarea', {
    id: 'ex-script',
    rows: '5',
    placeholder: t('ex_scriptHint', { categories: INCIDENT_CATEGORIES.join(' ') }),
  });
  const countRow = h('label', { id: 'ex-count-row' }, t('ex_count'), ' ', count);
  const scriptRow = h('label', { id: 'ex-script-row', class: 'ex-script' }, t('ex_script'), script);
  const syncMode = () => {
    countRow.hidden = !random.checked;
    scriptRow.hidden = random.checked;
  };
  random.addEventListener('change', syncMode);
  scripted.addEventListener('change', syncMode);
  syncMode();
  const error = h('p', { class: 'ex-error', id: 'ex-error', role: 'alert' });
  const start = h('button', { type: 'submit', id: 'ex-start' }, t('ex_start'));
  const list = h('div', { id: 'ex-list' });

  let shown = '';
  const refresh = async () => {
    try {
      const all = await api.get<ExerciseView[]>('/exercises');
      // redrawn only when something changed, so a button is never replaced under the pointer
      const now = JSON.stringify(all);
      if (now !== shown) renderList(list, all, refresh);
      shown = now;
      page.dataset.ready = '1';
    } catch (err) {
      render(list, h('p', { class: 'ex-error' }, errorMessage(err)));
    }
  };

  const form = h(
    'form',
    { class: 'ex-form', id: 'ex-form', novalidate: '' },
    h('label', {}, t('ex_name'), ' ', name),
    h('label', {}, t('ex_area'), ' ', area),
    h(
      'fieldset',
      { class: 'ex-mode' },
      h('legend', {}, t('ex_mode')),
      h('label', {}, random, ' ', t('ex_random')),
      h('label', {}, scripted, ' ', t('ex_scripted')),
    ),
    h('label', {}, t('ex_window'), ' ', windowMin),
    countRow,
    scriptRow,
    h('div', { class: 'ex-actions' }, start, error),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const checked = exerciseRequest({
      name: name.value,
      jurisdictionId: area.value,
      mode: random.checked ? 'random' : 'scripted',
      windowMin: windowMin.value,
      count: count.value,
      script: script.value,
    });
    if ('problem' in checked) {
      error.dataset.code = checked.problem;
      error.textContent = `${t(`ex_err_${checked.problem}` as Key, {
        line: checked.line ?? '',
        max: MAX_COUNT,
        maxWindow: MAX_WINDOW_MIN,
      })} (${checked.problem})`;
      return;
    }
    delete error.dataset.code;
    error.textContent = '';
    start.setAttribute('disabled', '');
    api
      .post<ExerciseView>('/exercises', checked.ok)
      .then(() => refresh())
      .catch((err: unknown) => {
        error.dataset.code = 'SERVER';
        error.textContent = errorMessage(err);
      })
      .finally(() => start.removeAttribute('disabled'));
  });

  render(
    page,
    h(
      'header',
      {},
      h('h2', {}, t('ex_title')),
      h('span', { class: 'muted' }, t('exerciseHint')),
      h('span', { class: 'spacer' }),
      h(
        'button',
        { type: 'button', class: 'ghost small', id: 'ex-close', onclick: close },
        t('rep_close'),
      ),
    ),
    h('div', { class: 'ex-layout' }, form, h('div', {}, h('h3', {}, t('ex_list')), list)),
  );
  document.body.append(page);
  void api
    .get<FeatureCollection>('/jurisdictions')
    .then((fc) => {
      for (const f of fc.features) {
        const j = f.properties as JurisdictionView | null;
        if (j?.kind === 'district') area.append(h('option', { value: j.id }, j.name));
      }
    })
    .catch(() => undefined);
  void refresh();
  timer = window.setInterval(() => void refresh(), REFRESH_MS);
}

function renderList(el: HTMLElement, all: ExerciseView[], refresh: () => Promise<void>) {
  if (!all.length) {
    render(el, h('p', { class: 'muted', id: 'ex-none' }, t('ex_none')));
    return;
  }
  render(
    el,
    all.map((e) => {
      const stop = h(
        'button',
        {
          type: 'button',
          class: 'ghost small danger ex-stop',
          onclick: () => {
            stop.setAttribute('disabled', '');
            api
              .post<ExerciseView>(`/exercises/${e.id}/stop`, {})
              .then(() => refresh())
              .catch((err: unknown) => {
                stop.removeAttribute('disabled');
                stop.title = errorMessage(err);
              });
          },
        },
        t('ex_stop'),
      );
      return h(
        'article',
        { class: `ex-item ex-${e.status}`, 'data-exercise-id': e.id, 'data-status': e.status },
        h(
          'header',
          {},
          h('strong', {}, e.name),
          h('span', { class: 'ex-status' }, t(`ex_status_${e.status}` as Key)),
          h(
            'span',
            { class: 'muted ex-progress' },
            t('ex_progress', { filed: e.filed, planned: e.planned }),
          ),
          e.failed ? h('span', { class: 'ex-error' }, t('ex_failed', { n: e.failed })) : null,
          e.status === 'running' ? stop : null,
        ),
        e.score.length
          ? table(
              { class: 'ex-score' },
              [t('si_district'), t('ex_incidents'), t('ex_arrived'), t('ex_ringMet'), t('ex_p90')],
              e.score.map((s) =>
                h(
                  'tr',
                  { 'data-district-id': s.districtId ?? '' },
                  h('td', {}, s.districtName ?? t('ex_noDistrict')),
                  h('td', { class: 'num' }, String(s.incidents)),
                  h('td', { class: 'num' }, String(s.arrived)),
                  h(
                    'td',
                    {},
                    scoreBar(
                      s.ringMetPct,
                      { bar: 'ex-ring-bar', label: 'ex-ring-met' },
                      s.ringMetPct === null
                        ? t('si_noData')
                        : `${s.ringMet}/${s.arrived} · ${s.ringMetPct}%`,
                    ),
                  ),
                  h('td', { class: 'num' }, mmss(s.arriveP90Sec)),
                ),
              ),
            )
          : h('p', { class: 'muted' }, t('ex_noScore')),
        // injects that could not be filed, with the server's code (e.g. outside the service area)
        e.errors.length
          ? h(
              'p',
              { class: 'ex-error ex-inject-errors' },
              e.errors.map((x) => `#${x.seq + 1} ${x.error}`).join(' · '),
            )
          : null,
      );
    }),
  );
}
