// 训练模拟: 自动派警 — the top bar's switch for the demo's training simulator. Off by default: the
// simulator moves units, files calls and drives terminals, and dispatches only while a dispatcher
// or commander has switched this on. The state lives on the server (every seat and the simulator
// see the same); shown only when the system runs the demo (DEMO=1).
import type { TrainingSimulationView } from '@ringcad/contracts';
import { api } from '../api';
import { h } from '../dom';
import { t } from '../i18n';
import { errorMessage } from '../errors';
import { trainingEvents } from '../realtime';

export function mountTrainingSwitch(host: HTMLElement, canSwitch: boolean): () => void {
  const box = h('input', { type: 'checkbox', id: 'training-autodispatch', disabled: !canSwitch });
  const state = h('span', { class: 'training-state' });
  const wrap = h(
    'label',
    { class: 'training-switch', id: 'training-switch', hidden: true, title: t('trainingHint') },
    box,
    h('span', {}, t('trainingAutoDispatch')),
    state,
  );
  host.replaceChildren(wrap);
  const show = (v: TrainingSimulationView) => {
    wrap.hidden = !v.demo;
    box.checked = v.autoDispatch;
    state.textContent = v.autoDispatch ? t('trainingOn') : t('trainingOff');
    wrap.classList.toggle('on', v.autoDispatch);
  };
  box.addEventListener('change', () => {
    const want = box.checked;
    box.disabled = true;
    api
      .put<TrainingSimulationView>('/training/simulation', { autoDispatch: want })
      .then(show)
      .catch((err: unknown) => {
        box.checked = !want;
        wrap.title = errorMessage(err);
      })
      .finally(() => (box.disabled = !canSwitch));
  });
  const off = trainingEvents.on(show);
  void api
    .get<TrainingSimulationView>('/training/simulation')
    .then(show)
    .catch(() => undefined);
  return () => {
    off();
    host.replaceChildren();
  };
}
