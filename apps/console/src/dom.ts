// A tiny DOM builder and a keyed list: enough structure without a framework. Styles live in
// styles.css; the only values set from here are CSS custom properties (`'--name': value`) for
// what comes from data (a status colour, a bar's length).
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k.startsWith('--')) el.style.setProperty(k, String(v));
    else if (k === 'class') el.className = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: (Child | Child[])[]) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces the children of `el`. */
export function render(el: Element, ...children: (Child | Child[])[]) {
  el.replaceChildren();
  append(el, children);
}

export interface KeyedRows<T> {
  /** The row's identity (an incident id, a unit id). */
  key: (item: T) => string;
  /**
   * What the row shows, as a string: a row whose signature has not changed is left alone
   * (neither rebuilt nor touched), so a burst of events repaints only the rows it changed.
   */
  signature: (item: T) => string;
  /** Builds the row's element (called for new rows and rows whose signature changed). */
  row: (item: T) => HTMLElement;
}

interface KeyedState {
  els: Map<string, HTMLElement>;
  signatures: Map<string, string>;
}
const keyedState = new WeakMap<Element, KeyedState>();

/**
 * Makes `parent`'s children the rows of `items`, in order, reusing the element of every row
 * whose key and signature are unchanged and moving only what moved. `parent` holds nothing else.
 * A row whose content changed is replaced in place (its listeners come with the new element).
 */
export function keyedList<T>(parent: Element, items: readonly T[], spec: KeyedRows<T>) {
  let state = keyedState.get(parent);
  if (!state) {
    state = { els: new Map(), signatures: new Map() };
    keyedState.set(parent, state);
    parent.replaceChildren();
  }
  const next = new Map<string, HTMLElement>();
  const signatures = new Map<string, string>();
  for (const item of items) {
    const key = spec.key(item);
    if (next.has(key)) continue;
    const sig = spec.signature(item);
    const old = state.els.get(key);
    let el: HTMLElement;
    if (old && state.signatures.get(key) === sig) el = old;
    else {
      el = spec.row(item);
      if (old) old.replaceWith(el);
    }
    next.set(key, el);
    signatures.set(key, sig);
  }
  for (const [key, el] of state.els) if (next.get(key) !== el) el.remove();
  // put rows in order, moving only those out of place
  let cursor: ChildNode | null = parent.firstChild;
  for (const el of next.values()) {
    if (cursor === el) cursor = el.nextSibling;
    else parent.insertBefore(el, cursor);
  }
  state.els = next;
  state.signatures = signatures;
}

/** Sets a text only when it differs (no mutation, no layout, no lost selection otherwise). */
export function setText(el: Node, text: string) {
  if (el.textContent !== text) el.textContent = text;
}

/** True when a key press is meant for a text field or an open dialog, not for a console shortcut. */
export function isTyping(e: KeyboardEvent): boolean {
  if (document.querySelector('dialog[open]')) return true;
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  return (
    t.tagName === 'INPUT' ||
    t.tagName === 'TEXTAREA' ||
    t.tagName === 'SELECT' ||
    t.isContentEditable
  );
}
