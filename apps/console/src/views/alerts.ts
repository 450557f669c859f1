// Alerts that cannot be missed: a flashing banner on top of every dispatcher/commander screen and
// a tone generated with WebAudio (no audio files) repeating until someone acknowledges.
import { api } from '../api';
import { DialogRefusal, openDialog } from '../dialog';
import { h, isTyping, render } from '../dom';
import { exerciseBadge } from './exercise-badge';
import { clock } from '../format';
import { alertLabel, t } from '../i18n';
import { store } from '../store';
import type { AlertView } from '@ringcad/contracts';

const REPEAT_MS = 4000;
/** An officer's emergency (一键报警) repeats faster than any other alert. */
const URGENT_REPEAT_MS = 1500;

class AlertTone {
  private ctx: AudioContext | null = null;
  private timer: number | null = null;
  /** How many times the tone sounded (tests read it: a silent alarm is a defect). */
  played = 0;

  /** Browsers allow audio only after a user gesture; call from one (login, a key press). */
  unlock() {
    try {
      this.ctx ??= new AudioContext();
      if (this.ctx.state === 'suspended') void this.ctx.resume();
    } catch {
      this.ctx = null;
    }
  }

  private urgent = false;

  start(urgent = false) {
    if (this.timer !== null && this.urgent === urgent) return;
    this.stop();
    this.urgent = urgent;
    this.beep();
    this.timer = window.setInterval(() => this.beep(), urgent ? URGENT_REPEAT_MS : REPEAT_MS);
  }

  stop() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private beep() {
    this.unlock();
    const ctx = this.ctx;
    if (!ctx) return;
    this.played++;
    const t0 = ctx.currentTime;
    // two-tone alarm (960 Hz / 720 Hz), three pulses: distinct from any phone ring in the hall
    for (let i = 0; i < 3; i++) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = i % 2 === 0 ? 960 : 720;
      const start = t0 + i * 0.22;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.18, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.18);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 0.2);
    }
  }
}

export const alertTone = new AlertTone();

export function alertText(a: AlertView): string {
  // district alerts (coverage_below_target) have no incident: they name their district
  const incident = a.incidentId ? store.incidents.get(a.incidentId) : undefined;
  const unit = a.unitId ? store.units.get(a.unitId) : undefined;
  const parts = [
    alertLabel(a.kind),
    incident?.number ??
      (a.data as { perimeterName?: string; districtName?: string } | undefined)?.perimeterName ??
      (a.data as { districtName?: string } | undefined)?.districtName ??
      '',
    unit?.callsign ?? '',
  ];
  const tier = (a.data as { tierLabel?: string; tier?: number } | undefined)?.tier;
  if (a.kind === 'tier_missed' && typeof tier === 'number') parts.push(`#${tier + 1}`);
  return parts.filter(Boolean).join(' · ');
}

export async function acknowledgeAlert(id: string) {
  const a = await api.post<AlertView>(`/alerts/${id}/ack`);
  store.applyAlert({ ...a, acknowledgedAt: a.acknowledgedAt ?? new Date().toISOString() });
}

/** Mounts the banner; `canAck` is false for seats that may not acknowledge (call-takers). */
/** 一键报警 is not acknowledged away: a dispatcher clears it, with a reason. */
export async function clearEmergency(a: AlertView) {
  if (!a.unitId) return;
  const unitId = a.unitId;
  const reason = h('textarea', {
    id: 'emergency-reason',
    rows: 2,
    maxlength: 2000,
    placeholder: t('emergencyClearReason'),
  });
  await openDialog({
    id: 'emergency-clear',
    title: t('emergencyClearTitle', { callsign: store.units.get(unitId)?.callsign ?? '' }),
    body: [reason],
    confirmLabel: t('emergencyClear'),
    danger: true,
    enterSavesText: true,
    focus: reason,
    submit: async () => {
      if (!reason.value.trim()) throw new DialogRefusal(t('emergencyClearReason'));
      await api.post(`/units/${unitId}/emergency/clear`, { reason: reason.value.trim() });
      store.applyAlert({ ...a, acknowledgedAt: new Date().toISOString() });
    },
  });
}

export function mountAlertBanner(
  el: HTMLElement,
  opts: {
    canAck: boolean;
    onOpen: (incidentId: string) => void;
    onFollow?: (unitId: string) => void;
  },
): () => void {
  const opened = new Set<string>();
  const draw = () => {
    const alerts = [...store.alerts.values()].sort((a, b) => a.at.localeCompare(b.at));
    el.hidden = alerts.length === 0;
    const emergencies = alerts.filter((a) => a.kind === 'emergency');
    // every seat hears an officer's emergency; the other alerts sound where they can be acknowledged
    if (emergencies.length || (alerts.length && opts.canAck))
      alertTone.start(emergencies.length > 0);
    else alertTone.stop();
    // a new emergency opens its incident at once
    for (const a of emergencies) {
      if (opened.has(a.id) || !a.incidentId) continue;
      opened.add(a.id);
      opts.onOpen(a.incidentId);
    }
    render(
      el,
      h('strong', { class: 'alert-count' }, '⚠ ', t('alertsActive', { n: alerts.length })),
      h(
        'ul',
        {},
        alerts.slice(0, 4).map((a) =>
          h(
            'li',
            {
              class: `alert-item alert-${a.kind}${a.exercise ? ' alert-exercise' : ''}`,
              'data-alert-id': a.id,
            },
            exerciseBadge(a),
            h(
              'button',
              {
                class: 'link',
                type: 'button',
                onclick: () => a.incidentId && opts.onOpen(a.incidentId),
              },
              `${clock(a.at)} ${alertText(a)}`,
            ),
            a.kind === 'emergency'
              ? opts.canAck
                ? h(
                    'button',
                    {
                      class: 'ack clear-emergency',
                      type: 'button',
                      onclick: () => void clearEmergency(a).catch(() => undefined),
                    },
                    t('emergencyClear'),
                  )
                : null
              : opts.canAck
                ? h(
                    'button',
                    {
                      class: 'ack',
                      type: 'button',
                      onclick: () => void acknowledgeAlert(a.id).catch(() => undefined),
                    },
                    t('alertAck'),
                  )
                : null,
          ),
        ),
      ),
      alerts.length > 4 ? h('span', { class: 'more' }, `+${alerts.length - 4}`) : null,
    );
  };
  const onKey = (e: KeyboardEvent) => {
    alertTone.unlock();
    if (opts.canAck && !isTyping(e) && e.shiftKey && e.key.toLowerCase() === 'k') {
      const oldest = [...store.alerts.values()]
        .filter((a) => a.kind !== 'emergency')
        .sort((a, b) => a.at.localeCompare(b.at))[0];
      if (oldest) {
        e.preventDefault();
        void acknowledgeAlert(oldest.id).catch(() => undefined);
      }
    }
  };
  document.addEventListener('keydown', onKey);
  const off = store.on(['alerts', 'incidents', 'units'], draw);
  // the unit in danger is followed live on the map while its emergency is open
  const follow = () => {
    const a = [...store.alerts.values()]
      .filter((x) => x.kind === 'emergency' && x.unitId)
      .sort((x, y) => y.at.localeCompare(x.at))[0];
    if (a?.unitId) opts.onFollow?.(a.unitId);
  };
  const offFollow = store.on(['positions', 'units'], follow);
  draw();
  return () => {
    off();
    offFollow();
    document.removeEventListener('keydown', onKey);
    alertTone.stop();
  };
}
