// 演练: an exercise incident carries this badge wherever the console shows it.
import { h } from '../dom';
import { t } from '../i18n';

export function exerciseBadge(i: { exercise?: boolean }): HTMLElement | null {
  return i.exercise
    ? h('span', { class: 'exercise-badge', title: t('exerciseHint') }, t('exercise'))
    : null;
}
