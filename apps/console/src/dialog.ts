// Modal questions for actions that cannot be taken back or that send many units: keyboard first
// (Enter confirms, Esc cancels, the seat's shortcuts are silent meanwhile), the failure shown in
// the dialog in the seat's language so the dispatcher can correct and try again.
import { h, render } from './dom';
import { t } from './i18n';
import { errorMessage } from './errors';

/** A refusal the dialog itself found (a missing reason): shown as written, already translated. */
export class DialogRefusal extends Error {}

export interface DialogSpec<T> {
  /** Element id, for people who script the console and for its tests. */
  id: string;
  title: string;
  body: (Node | string | null)[];
  confirmLabel: string;
  /** Destructive: the confirm button reads as a warning. */
  danger?: boolean;
  hint?: string;
  /** In a text area Enter saves (Shift+Enter breaks the line); otherwise Ctrl+Enter saves. */
  enterSavesText?: boolean;
  /** A key that confirms as Enter does (the key that opened the dialog, pressed again). */
  confirmKey?: string;
  /** Keys the body handles itself (↑↓ in a list, digits); true when handled. */
  onKey?: (e: KeyboardEvent) => boolean;
  /** What gets the focus first (the confirm button when not given). */
  focus?: HTMLElement;
  /** Runs on confirm; the dialog stays open while it runs and when it throws. */
  submit: () => Promise<T> | T;
}

/** A click on the confirm button this soon after opening is the tail of the click that opened it. */
const CLICK_GUARD_MS = 400;
const open = new Set<HTMLDialogElement>();

/** Resolves with what `submit` returned, or null when the user backed out. */
export function openDialog<T>(spec: DialogSpec<T>): Promise<T | null> {
  return new Promise((resolve) => {
    const before = document.activeElement as HTMLElement | null;
    const openedAt = performance.now();
    const error = h('p', { class: 'form-error', role: 'alert' });
    const confirm = h(
      'button',
      { type: 'button', class: spec.danger ? 'primary danger' : 'primary', 'data-role': 'confirm' },
      spec.confirmLabel,
    );
    const cancel = h(
      'button',
      { type: 'button', class: 'ghost', 'data-role': 'cancel' },
      t('cancel'),
    );
    const dialog = h(
      'dialog',
      { class: 'modal', id: spec.id, 'aria-labelledby': `${spec.id}-title` },
      h('h3', { id: `${spec.id}-title` }, spec.title),
      h('div', { class: 'modal-body' }, spec.body),
      error,
      h(
        'div',
        { class: 'modal-actions' },
        confirm,
        cancel,
        h('small', { class: 'muted' }, spec.hint ?? t('confirmKeys')),
      ),
    );
    let busy = false;
    const finish = (value: T | null) => {
      open.delete(dialog);
      dialog.close();
      dialog.remove();
      if (before?.isConnected) before.focus();
      resolve(value);
    };
    const run = async () => {
      if (busy) return;
      busy = true;
      confirm.disabled = true;
      render(error);
      try {
        finish(await spec.submit());
      } catch (err) {
        render(error, err instanceof DialogRefusal ? err.message : errorMessage(err));
        confirm.disabled = false;
        busy = false;
      }
    };
    confirm.addEventListener('click', () => {
      if (performance.now() - openedAt < CLICK_GUARD_MS) return;
      void run();
    });
    cancel.addEventListener('click', () => finish(null));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      if (!busy) finish(null);
    });
    dialog.addEventListener('keydown', (e) => {
      // the seat underneath must not act on keys meant for the dialog
      e.stopPropagation();
      if (spec.onKey?.(e)) {
        e.preventDefault();
        return;
      }
      const target = e.target as HTMLElement;
      if (e.key === 'Escape') {
        e.preventDefault();
        if (!busy) finish(null);
      } else if (spec.confirmKey && e.key === spec.confirmKey) {
        e.preventDefault();
        void run();
      } else if (e.key === 'Enter') {
        if (target === cancel) return;
        if (
          target.tagName === 'TEXTAREA' &&
          !(e.ctrlKey || e.metaKey) &&
          (!spec.enterSavesText || e.shiftKey)
        )
          return;
        e.preventDefault();
        void run();
      }
    });
    document.body.append(dialog);
    open.add(dialog);
    dialog.showModal();
    (spec.focus ?? confirm).focus();
  });
}

/** A seat leaving closes what it asked. */
export function closeDialogs() {
  for (const d of [...open]) d.dispatchEvent(new Event('cancel', { cancelable: true }));
}

export function dialogOpen(): boolean {
  return open.size > 0;
}

/** A ↑↓ / digit picker inside a dialog: returns the list element and a key handler. */
export function pickList<T>(
  items: T[],
  row: (item: T, index: number) => (Node | string | null)[],
  opts: { id: string; initial?: number; onChange?: (item: T) => void },
): { element: HTMLElement; onKey: (e: KeyboardEvent) => boolean; selected: () => T | undefined } {
  let index = Math.min(Math.max(opts.initial ?? 0, 0), items.length - 1);
  const list = h('ul', { class: 'pick-list', role: 'listbox', id: opts.id });
  const paint = () => {
    render(
      list,
      items.map((item, i) =>
        h(
          'li',
          {
            role: 'option',
            class: i === index ? 'active' : '',
            'aria-selected': String(i === index),
            onmousedown: (e: Event) => {
              e.preventDefault();
              index = i;
              paint();
              opts.onChange?.(items[index]);
            },
          },
          h('kbd', {}, i < 9 ? String(i + 1) : ''),
          row(item, i),
        ),
      ),
    );
    list.querySelector('li.active')?.scrollIntoView({ block: 'nearest' });
  };
  paint();
  const onKey = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    // digits are text in a field; ↑↓ still pick from a one-line field (radio buttons keep theirs)
    const inField = target.tagName === 'TEXTAREA' || target.tagName === 'INPUT';
    const arrowsFree = !inField || (target instanceof HTMLInputElement && target.type === 'text');
    if (!items.length) return false;
    const digit = Number(e.key);
    if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && arrowsFree)
      index = (index + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
    else if (
      !inField &&
      Number.isInteger(digit) &&
      digit >= 1 &&
      digit <= Math.min(9, items.length)
    )
      index = digit - 1;
    else return false;
    paint();
    opts.onChange?.(items[index]);
    return true;
  };
  return { element: list, onKey, selected: () => items[index] };
}
