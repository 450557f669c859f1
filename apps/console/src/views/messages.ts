// 点对点 messages (issue #14) in the dispatcher's incident panel: the incident's thread with who
// has read each message, a message to every unit working the incident, and a unit's own thread
// (everything to and from it) with a message to that unit alone.
import { api, qs } from '../api';
import { DialogRefusal, openDialog } from '../dialog';
import { h } from '../dom';
import { clock } from '../format';
import { t } from '../i18n';
import { store } from '../store';
import type { MessageView } from '@ringcad/contracts';

const loaded = new Set<string>();

/** Fetches a thread once per console session (later changes arrive over the socket). */
function load(f: { incidentId?: string; unitId?: string }) {
  const key = f.incidentId ? `i:${f.incidentId}` : `u:${f.unitId}`;
  if (loaded.has(key)) return;
  loaded.add(key);
  api
    .get<{ messages: MessageView[] }>(
      `/messages${qs({ incidentId: f.incidentId, unitId: f.unitId })}`,
    )
    .then((r) => store.applyMessages(r.messages))
    .catch(() => loaded.delete(key));
}

function messageItem(m: MessageView): HTMLElement {
  return h(
    'li',
    { class: `message ${m.toDesk ? 'from-unit' : 'from-desk'}`, 'data-message-id': m.id },
    h('time', {}, clock(m.at)),
    h(
      'span',
      { class: `actor ${m.from.kind}` },
      m.from.name,
      m.toDesk ? ` ${t('messageToDesk')}` : '',
    ),
    h('span', { class: 'text' }, m.text),
    m.recipients.length
      ? h(
          'span',
          { class: 'receipts' },
          m.recipients.map((r) =>
            h(
              'span',
              {
                class: r.readAt ? 'read' : 'unread',
                'data-unit-id': r.unitId,
                title: r.readAt ? clock(r.readAt) : '',
              },
              `${r.callsign} ${r.readAt ? `✓${t('messageRead')}` : t('messageUnread')}`,
            ),
          ),
        )
      : null,
  );
}

async function compose(
  title: string,
  to: { incidentId?: string; unitIds?: string[] },
  thread?: MessageView[],
) {
  const text = h('textarea', {
    id: 'message-text',
    rows: 3,
    maxlength: 2000,
    placeholder: t('messagePlaceholder'),
  });
  const done = await openDialog({
    id: 'message-dialog',
    title,
    body: [
      thread?.length ? h('ol', { class: 'messages unit-thread' }, thread.map(messageItem)) : null,
      text,
    ],
    confirmLabel: t('messageSend'),
    enterSavesText: true,
    focus: text,
    submit: () => {
      if (!text.value.trim()) throw new DialogRefusal(t('messagesEmpty'));
      return api.post<{ message: MessageView }>('/messages', { to, text: text.value.trim() });
    },
  });
  if (done) store.applyMessages([done.message]);
}

/** A unit's whole thread, in a dialog, with a message to that unit. */
export async function openUnitThread(unitId: string) {
  load({ unitId });
  const r = await api
    .get<{ messages: MessageView[] }>(`/messages${qs({ unitId })}`)
    .catch(() => null);
  if (r) store.applyMessages(r.messages);
  const callsign = store.units.get(unitId)?.callsign ?? unitId;
  await compose(
    `${t('messages')} · ${callsign}`,
    { unitIds: [unitId] },
    store.messagesOf({ unitId }),
  );
}

/** The incident's thread (re-rendered by the seat on the `messages` topic). */
export function messageSection(incidentId: string, unitIds: string[]): HTMLElement {
  load({ incidentId });
  const thread = store.messagesOf({ incidentId });
  return h(
    'section',
    { class: 'log messages-section', id: 'incident-messages' },
    h(
      'h4',
      {},
      t('messages'),
      h('span', { class: 'count' }, String(thread.length)),
      unitIds.length
        ? h(
            'button',
            {
              class: 'link',
              type: 'button',
              id: 'message-incident',
              onclick: () => void compose(t('messages'), { incidentId }),
            },
            t('messageSend'),
          )
        : null,
    ),
    unitIds.length
      ? h(
          'div',
          { class: 'unit-threads' },
          unitIds.map((u) =>
            h(
              'button',
              {
                class: 'chip',
                type: 'button',
                'data-unit-thread': u,
                onclick: () => void openUnitThread(u),
              },
              store.units.get(u)?.callsign ?? u,
            ),
          ),
        )
      : null,
    thread.length
      ? h('ol', { class: 'messages', id: 'messages' }, thread.map(messageItem))
      : h('p', { class: 'muted empty-log' }, t('messagesEmpty')),
  );
}
