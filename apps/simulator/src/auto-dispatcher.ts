import { io, type Socket } from 'socket.io-client';
import {
  CONSOLE_NAMESPACE,
  type ConsoleServerEvents,
  type IncidentView,
  type RecommendationCandidate,
  type TrainingSimulationView,
} from '@ringcad/contracts';
import type { ApiClient } from './api-client';
import type { SimLogger } from './logger';
import { pick, type Rng } from './random';
import type { SimStats } from './stats';

export interface AutoDispatcherOptions {
  dispatcher: ApiClient;
  /** Real ms an incident may wait as `new` before the simulator dispatches it. */
  dispatchAfterMs: number;
  /** Real ms between an incident's `resolved` and the simulator closing it. */
  closeAfterMs: number;
  /** Real ms before trying again when no unit could be assigned. */
  retryMs: number;
  rng: Rng;
  log: SimLogger;
  stats: SimStats;
}

interface Tracked {
  view: IncidentView;
  /** When we first saw it waiting for units (null while it is not `new`). */
  newSinceMs: number | null;
  timer?: NodeJS.Timeout;
  busy: boolean;
}

// codes of the built-in 警情处理结果 list (GET /api/v1/dispositions)
const DISPOSITIONS = [
  'handled_on_scene',
  'mediated',
  'transferred',
  'false_report',
  'assistance_given',
];

const SWITCH_PATH = '/api/v1/training/simulation';

/**
 * A dispatcher that takes what nobody took: it follows the `/console` stream like a screen in the
 * hall would, assigns the recommended unit(s) to incidents left `new` for a while, and closes
 * incidents once resolved. A human dispatcher acting first simply leaves it nothing to do.
 *
 * It acts only while the console's 训练模拟: 自动派警 switch is on (a server setting,
 * `GET/PUT /api/v1/training/simulation`, pushed as `training.updated`; off by default): a
 * dispatcher trying the demo is never beaten to an incident by the simulator.
 */
export class AutoDispatcher {
  private socket?: Socket<ConsoleServerEvents>;
  private readonly tracked = new Map<string, Tracked>();
  private readonly work = new Set<Promise<unknown>>();
  private stopped = false;
  /** The console switch as last read; off until the server says otherwise. */
  private enabled = false;

  constructor(private readonly o: AutoDispatcherOptions) {}

  start(): void {
    const { dispatcher, log } = this.o;
    const socket: Socket<ConsoleServerEvents> = io(`${dispatcher.baseUrl}${CONSOLE_NAMESPACE}`, {
      // read on every (re)connect: the session may have been renewed since
      auth: (cb) => cb({ token: dispatcher.currentToken() }),
      transports: ['websocket'],
      reconnectionDelayMax: 10_000,
    });
    this.socket = socket;
    // The server joins the socket to its rooms, then reads the snapshot: events of that moment
    // can arrive before it, older or newer. They are applied again on top of it (upsert ignores
    // older versions), so an incident filed meanwhile is not dropped as "not in the snapshot".
    let liveBeforeSync: IncidentView[] | null = null;
    socket.on('connect', () => (liveBeforeSync = []));
    socket.on('sync', (snapshot) => {
      const open = new Set(snapshot.incidents.map((i) => i.id));
      for (const [id, t] of this.tracked) {
        if (!open.has(id)) this.forget(id, t);
      }
      for (const i of snapshot.incidents) this.upsert(i);
      const replay = liveBeforeSync ?? [];
      liveBeforeSync = null;
      for (const i of replay) this.upsert(i);
    });
    const live = (i: IncidentView) => {
      liveBeforeSync?.push(i);
      this.upsert(i);
    };
    socket.on('sync', () => this.track(this.readSwitch()));
    socket.on('training.updated', (v) => this.setEnabled(v.autoDispatch));
    socket.on('incident.created', live);
    socket.on('incident.updated', live);
    socket.on('disconnect', (reason) => {
      if (this.stopped) return;
      log.warn(`dispatcher console disconnected (${reason})`);
      if (reason === 'io server disconnect')
        setTimeout(() => !this.stopped && socket.connect(), 2000);
    });
    socket.on('connect_error', (err) => {
      if (this.stopped || socket.active) return;
      // refused by the server (an expired session, most likely): sign in again, then retry
      log.warn(`dispatcher console refused (${err.message}); signing in again`);
      this.track(
        dispatcher
          .signIn()
          .catch((e: Error) => log.error(`dispatcher sign-in failed: ${e.message}`))
          .finally(() => setTimeout(() => !this.stopped && socket.connect(), 5000)),
      );
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.socket?.disconnect();
    for (const t of this.tracked.values()) clearTimeout(t.timer);
    this.tracked.clear();
    await Promise.allSettled([...this.work]);
  }

  /** Whether the console switch lets it dispatch (as last read). */
  get switchedOn(): boolean {
    return this.enabled;
  }

  private async readSwitch(): Promise<boolean> {
    try {
      const v = await this.o.dispatcher.get<TrainingSimulationView>(SWITCH_PATH);
      this.setEnabled(v.autoDispatch);
    } catch (err) {
      this.o.log.warn(`cannot read the auto-dispatch switch: ${(err as Error).message}`);
    }
    return this.enabled;
  }

  private setEnabled(on: boolean) {
    if (on === this.enabled || this.stopped) return;
    this.enabled = on;
    this.o.log.info(`auto-dispatch switched ${on ? 'on' : 'off'} in the console`);
    for (const t of this.tracked.values()) {
      if (t.busy) continue;
      clearTimeout(t.timer);
      t.timer = undefined;
      t.newSinceMs = null;
      this.plan(t);
    }
  }

  /** Incidents the dispatcher currently follows (for the summary line and tests). */
  get following(): number {
    return this.tracked.size;
  }

  private track(p: Promise<unknown>) {
    this.work.add(p);
    void p.finally(() => this.work.delete(p));
  }

  private forget(id: string, t: Tracked) {
    clearTimeout(t.timer);
    this.tracked.delete(id);
  }

  private upsert(view: IncidentView) {
    if (this.stopped) return;
    const known = this.tracked.get(view.id);
    if (known && known.view.version > view.version) return; // a late event: we already know better
    if (view.status === 'closed' || view.status === 'cancelled') {
      if (known) this.forget(view.id, known);
      return;
    }
    const t: Tracked = known ?? { view, newSinceMs: null, busy: false };
    const statusChanged = !known || known.view.status !== view.status;
    t.view = view;
    this.tracked.set(view.id, t);
    if (statusChanged && !t.busy) {
      clearTimeout(t.timer);
      t.timer = undefined;
    }
    this.plan(t);
  }

  /** Sets the one timer an incident needs in its current status. */
  private plan(t: Tracked) {
    if (t.busy || t.timer || this.stopped || this.tracked.get(t.view.id) !== t) return;
    // switched off: nothing waits; switched on, an incident's wait starts then
    if (!this.enabled) {
      t.newSinceMs = null;
      return;
    }
    const now = Date.now();
    switch (t.view.status) {
      case 'new': {
        t.newSinceMs ??= now;
        const due = t.newSinceMs + this.o.dispatchAfterMs;
        t.timer = setTimeout(() => this.act(t), Math.max(0, due - now));
        return;
      }
      case 'resolved':
        t.newSinceMs = null;
        t.timer = setTimeout(() => this.act(t), this.o.closeAfterMs);
        return;
      default:
        t.newSinceMs = null;
    }
  }

  private act(t: Tracked) {
    t.timer = undefined;
    if (this.stopped || this.tracked.get(t.view.id) !== t) return;
    t.busy = true;
    // the switch is read again right before acting: a dispatcher who just switched it off and
    // assigns at once must not meet the simulator's assignment
    const job = this.readSwitch().then((on) =>
      !on
        ? undefined
        : t.view.status === 'new'
          ? this.dispatch(t)
          : t.view.status === 'resolved'
            ? this.close(t)
            : undefined,
    );
    this.track(
      job
        .catch((err: Error) => {
          this.o.stats.dispatchErrors++;
          this.o.log.warn(`auto-dispatch on ${t.view.number} failed: ${err.message}`);
          this.retryLater(t);
        })
        .finally(() => {
          t.busy = false;
          this.plan(t);
        }),
    );
  }

  private retryLater(t: Tracked) {
    if (t.view.status === 'new')
      t.newSinceMs = Date.now() - this.o.dispatchAfterMs + this.o.retryMs;
  }

  private async dispatch(t: Tracked) {
    const { dispatcher, log } = this.o;
    const id = t.view.id;
    const rec = await dispatcher.get<{ candidates: RecommendationCandidate[] }>(
      `/api/v1/incidents/${id}/recommendation`,
    );
    // P1 gets a second unit straight away, as the 5-10-30 scheme wants reinforcement
    const picks = rec.candidates
      .filter((c) => c.status === 'available')
      .slice(0, t.view.priority === 1 ? 2 : 1);
    if (picks.length === 0) {
      log.warn(`no available unit for ${t.view.number}; trying again later`);
      this.retryLater(t);
      return;
    }
    const r = await dispatcher.request('POST', `/api/v1/incidents/${id}/assignments`, {
      unitIds: picks.map((c) => c.unitId),
    });
    if (r.status === 201) {
      this.o.stats.dispatches++;
      // the incident.updated that follows moves it on; until then do not dispatch it twice
      t.newSinceMs = Date.now();
      log.info(
        `auto-dispatched ${picks.map((c) => `${c.callsign} (ETA ${Math.round(c.etaSec)} s)`).join(', ')} to ${t.view.number}`,
      );
      return;
    }
    if (r.status === 409) {
      // someone (a unit, a human dispatcher) was faster; look again shortly
      this.retryLater(t);
      return;
    }
    this.o.stats.dispatchErrors++;
    log.warn(`assigning units to ${t.view.number} failed: HTTP ${r.status}`);
    this.retryLater(t);
  }

  private async close(t: Tracked) {
    const r = await this.o.dispatcher.request('POST', `/api/v1/incidents/${t.view.id}/close`, {
      disposition: pick(this.o.rng, DISPOSITIONS),
    });
    if (r.status === 200) {
      this.o.stats.closes++;
      this.o.log.info(`closed ${t.view.number}`);
      this.forget(t.view.id, t);
    } else if (r.status !== 409) {
      this.o.stats.dispatchErrors++;
      this.o.log.warn(`closing ${t.view.number} failed: HTTP ${r.status}`);
    }
  }
}
