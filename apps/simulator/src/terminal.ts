import { io, type Socket } from 'socket.io-client';
import {
  TERMINAL_NAMESPACE,
  type AckResult,
  type LonLat,
  type TerminalClientEvents,
  type TerminalServerEvents,
  type TerminalTask,
} from '@ringcad/contracts';
import {
  ASSIGNMENT_STATUSES,
  haversineM,
  nextAssignmentStatus,
  type AssignmentEventType,
  type AssignmentStatus,
} from '@ringcad/domain';
import type { DemoCity } from './demo-city';
import { clampToBox, offsetM } from './geo';
import type { SimLogger } from './logger';
import { legDurationMs, legPosition, type Leg, type MovementModel } from './movement';
import { pick, uniform, type Rng } from './random';
import type { SimStats } from './stats';
import type { SimUnit } from './state-file';
import { realMs, wait } from './timing';

export interface TerminalOptions {
  apiUrl: string;
  unit: SimUnit;
  city: DemoCity;
  start: LonLat;
  movement: MovementModel;
  rng: Rng;
  speed: number;
  positionIntervalMs: number;
  log: SimLogger;
  stats: SimStats;
}

type ReportResult =
  | { ok: true; status: AssignmentStatus }
  | { ok: false; status: AssignmentStatus | null; message: string };

/** How many tasks a terminal remembers for de-duplication (the server re-sends open tasks on reconnect). */
const SEEN_LIMIT = 500;
const ACK_TIMEOUT_MS = 15_000;
/** How far (metres, each way) a foot patrol wanders from its post. */
const FOOT_BEAT_M = 800;

/**
 * One unit's terminal (警务通): patrols, reports its position, and works the tasks it is given
 * (签收 → 出发 → 到场 → 反馈) over the `/terminal` socket, exactly as a real terminal would.
 */
export class UnitTerminal {
  private socket?: Socket<TerminalServerEvents, TerminalClientEvents>;
  private leg: Leg | null = null;
  private still: LonLat;
  private activity = new AbortController();
  private stopped = false;
  private readonly seen = new Set<string>();
  private current: TerminalTask | null = null;
  private readonly queue: TerminalTask[] = [];
  private positionTimer?: NodeJS.Timeout;
  private positionInFlight = false;
  private lastPositionWarnMs = 0;
  private readonly work = new Set<Promise<unknown>>();

  constructor(private readonly o: TerminalOptions) {
    this.still = { ...o.start };
  }

  get unitId() {
    return this.o.unit.id;
  }
  get callsign() {
    return this.o.unit.callsign;
  }
  get online() {
    return this.socket?.connected ?? false;
  }
  get busyWith(): string | null {
    return this.current?.assignmentId ?? null;
  }

  start(): void {
    const { apiUrl, unit, log } = this.o;
    const socket: Socket<TerminalServerEvents, TerminalClientEvents> = io(
      `${apiUrl}${TERMINAL_NAMESPACE}`,
      {
        auth: { token: unit.token },
        transports: ['websocket'],
        reconnectionDelayMax: 10_000,
      },
    );
    this.socket = socket;
    socket.on('disconnect', (reason) => {
      if (this.stopped) return;
      log.warn(`${unit.callsign}: terminal disconnected (${reason})`);
      // the server hung up on purpose (shutdown, restart): socket.io will not retry by itself then
      if (reason === 'io server disconnect')
        setTimeout(() => !this.stopped && socket.connect(), 1000 + this.o.rng.next() * 2000);
    });
    socket.on('connect_error', (err) => {
      if (this.stopped) return;
      if (!socket.active)
        log.error(
          `${unit.callsign}: terminal refused (${err.message}); is the state file from another city?`,
        );
    });
    socket.on('task.assigned', (task) => this.onTaskAssigned(task));
    socket.on('task.cancelled', (p) => this.onTaskCancelled(p));
    // an officer reads what the desk sends, and answers a check-in prompt (报平安) after a moment
    socket.on('message', (m) => {
      setTimeout(
        () =>
          void socket
            .timeout(ACK_TIMEOUT_MS)
            .emitWithAck('message.read', { messageId: m.id })
            .catch(() => undefined),
        realMs(5 + this.o.rng.next() * 20, this.o.speed),
      );
    });
    socket.on('check-in.prompt', (p) => {
      setTimeout(
        () => void this.checkIn(p.assignmentId),
        realMs(10 + this.o.rng.next() * 30, this.o.speed),
      );
    });
    const interval = this.o.positionIntervalMs;
    // spread the units' reports over the interval instead of sending them in bursts
    this.positionTimer = setTimeout(() => {
      this.reportPosition();
      this.positionTimer = setInterval(() => this.reportPosition(), interval);
    }, this.o.rng.next() * interval);
    this.resumePatrol();
  }

  private async checkIn(assignmentId: string) {
    try {
      const r = await fetch(`${this.o.apiUrl}/api/v1/assignments/${assignmentId}/check-in`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.o.unit.token}`,
        },
        body: JSON.stringify({ at: new Date().toISOString() }),
      });
      if (!r.ok && r.status !== 409)
        this.o.log.warn(`${this.callsign}: check-in refused (${r.status})`);
    } catch {
      // the next prompt comes again; the desk is alerted meanwhile, as for a real silent unit
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.activity.abort();
    clearTimeout(this.positionTimer);
    clearInterval(this.positionTimer);
    // let reports already sent be answered before hanging up, so none is cut off half-applied
    await Promise.allSettled([...this.work]);
    this.socket?.disconnect();
  }

  /** Where the unit is now, with its speed and heading. */
  here(now = Date.now()): LonLat & { speedKmh: number; headingDeg?: number } {
    if (this.leg) return legPosition(this.leg, now);
    return { ...this.still, speedKmh: 0 };
  }

  private track(p: Promise<unknown>) {
    this.work.add(p);
    void p.finally(() => this.work.delete(p));
  }

  private onTaskAssigned(task: TerminalTask) {
    if (this.seen.has(task.assignmentId)) return;
    this.seen.add(task.assignmentId);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value as string);
    this.o.stats.tasksReceived++;
    this.o.log.info(
      `${this.callsign}: task ${task.incident.number} (P${task.incident.priority} ${task.incident.category})`,
    );
    if (this.current) this.queue.push(task);
    else this.startTask(task);
  }

  private onTaskCancelled(p: { assignmentId: string }) {
    const queued = this.queue.findIndex((t) => t.assignmentId === p.assignmentId);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (this.current?.assignmentId === p.assignmentId) {
      this.o.log.info(
        `${this.callsign}: task ${this.current.incident.number} withdrawn; back on patrol`,
      );
      this.activity.abort(); // workTask returns and the unit goes back on patrol
    }
  }

  /** Ends what the unit is doing (patrol or task) where it stands now. */
  private interrupt(): AbortSignal {
    this.activity.abort();
    if (this.leg) {
      const p = legPosition(this.leg, Date.now());
      this.still = { lon: p.lon, lat: p.lat };
      this.leg = null;
    }
    this.activity = new AbortController();
    return this.activity.signal;
  }

  private startTask(task: TerminalTask) {
    const signal = this.interrupt();
    this.current = task;
    this.track(
      this.workTask(task, signal)
        .catch((err: Error) => this.o.log.error(`${this.callsign}: task failed: ${err.message}`))
        .finally(() => {
          this.current = null;
          if (this.stopped) return;
          const next = this.queue.shift();
          if (next) this.startTask(next);
          else this.resumePatrol();
        }),
    );
  }

  private resumePatrol() {
    const signal = this.interrupt();
    this.track(
      this.patrol(signal).catch((err: Error) =>
        this.o.log.error(`${this.callsign}: patrol failed: ${err.message}`),
      ),
    );
  }

  private sim(sec: number) {
    return realMs(sec, this.o.speed);
  }

  /**
   * Works a task from whatever state it is in. The terminal assumes `assigned`; when the server
   * refuses a step and says where the assignment really is (a task re-sent after a restart), the
   * terminal carries on from there.
   */
  private async workTask(task: TerminalTask, signal: AbortSignal): Promise<void> {
    const { rng } = this.o;
    let status: AssignmentStatus = 'assigned';
    let refusals = 0;
    while (!signal.aborted) {
      let event: AssignmentEventType;
      switch (status) {
        case 'assigned':
          if (!(await wait(this.sim(uniform(rng, 3, 10)), signal))) return;
          event = 'ack';
          break;
        case 'acknowledged':
          if (!(await wait(this.sim(uniform(rng, 2, 5)), signal))) return;
          event = 'depart';
          break;
        case 'en_route':
          if (!(await this.travel(task.incident.location, signal))) return;
          event = 'arrive';
          break;
        case 'on_scene':
          if (!(await wait(this.sim(uniform(rng, 60, 240)), signal))) return;
          event = 'clear';
          break;
        case 'cleared':
        case 'declined':
        case 'cancelled':
          return;
      }
      const r = await this.report(task.assignmentId, event, status, signal);
      if (signal.aborted) return;
      if (r.ok) {
        status = r.status;
        refusals = 0;
        if (event === 'clear') this.o.stats.tasksCompleted++;
        continue;
      }
      if (r.status && r.status !== status) {
        // expected after a restart: the server re-sent a task this terminal had already worked on
        this.o.log.info(
          `${this.callsign}: ${task.incident.number} is already ${r.status}; carrying on from there`,
        );
        status = r.status;
        continue;
      }
      this.o.stats.taskRefusals++;
      this.o.log.warn(
        `${this.callsign}: ${event} on ${task.incident.number} refused: ${r.message}`,
      );
      if (++refusals >= 3) {
        this.o.log.warn(`${this.callsign}: giving up on ${task.incident.number}`);
        return;
      }
      if (!(await wait(this.sim(5), signal))) return;
    }
  }

  /**
   * Sends one task event and waits for the server's answer. Lost acknowledgements (a dropped
   * connection) are retried until an answer comes: a repeat of an event the server did apply is
   * refused with the assignment's real status, which `workTask` follows.
   */
  private async report(
    assignmentId: string,
    type: AssignmentEventType,
    from: AssignmentStatus,
    signal: AbortSignal,
  ): Promise<ReportResult> {
    for (;;) {
      if (signal.aborted) return { ok: false, status: null, message: 'aborted' };
      const socket = this.socket;
      if (!socket?.connected) {
        await wait(500, signal);
        continue;
      }
      try {
        const res = (await socket
          .timeout(ACK_TIMEOUT_MS)
          .emitWithAck('task.event', { assignmentId, type })) as AckResult<unknown>;
        if (res.ok) {
          const data = res.data as { status?: unknown } | null;
          const status = asStatus(data?.status);
          return { ok: true, status: status ?? nextAssignmentStatus(from, type) ?? from };
        }
        const details = res.error.details as { status?: unknown } | undefined;
        return {
          ok: false,
          status: asStatus(details?.status),
          message: `${res.error.code}: ${res.error.message}`,
        };
      } catch {
        // no acknowledgement in time: the connection is gone or the server is slow; ask again
        if (!(await wait(1000, signal))) return { ok: false, status: null, message: 'aborted' };
      }
    }
  }

  private async patrol(signal: AbortSignal): Promise<void> {
    const { city, unit, rng } = this.o;
    const home = city.standbyPoints[unit.home]?.location ?? this.still;
    while (!signal.aborted) {
      if (unit.kind === 'kiosk') {
        // a kiosk post stays at its 岗亭; after a task its officers walk back to it
        if (haversineM(this.still, home) > 5 && !(await this.travel(home, signal))) return;
        await wait(Number.POSITIVE_INFINITY, signal);
        return;
      }
      const toPost = rng.next() < (unit.kind === 'foot' ? 0.3 : 0.6);
      let target: LonLat;
      let dwellSec: number;
      if (toPost) {
        target = unit.kind === 'foot' ? home : pick(rng, city.standbyPoints).location;
        dwellSec = uniform(rng, 60, 300);
      } else {
        // foot patrols walk their beat around the post; vehicles roam the whole city
        const { movement } = this.o;
        if (movement.patrolTarget)
          target =
            unit.kind === 'foot'
              ? movement.patrolTarget(rng, home, FOOT_BEAT_M)
              : movement.patrolTarget(rng);
        else
          target =
            unit.kind === 'foot'
              ? clampToBox(
                  offsetM(
                    home,
                    uniform(rng, -FOOT_BEAT_M, FOOT_BEAT_M),
                    uniform(rng, -FOOT_BEAT_M, FOOT_BEAT_M),
                  ),
                  city.box,
                )
              : {
                  lon: uniform(rng, city.box.west, city.box.east),
                  lat: uniform(rng, city.box.south, city.box.north),
                };
        dwellSec = uniform(rng, 10, 60);
      }
      if (!(await this.travel(target, signal))) return;
      if (!(await wait(this.sim(dwellSec), signal))) return;
    }
  }

  /** Moves to `to` along the movement model's route; false when interrupted on the way. */
  private async travel(to: LonLat, signal: AbortSignal): Promise<boolean> {
    const route = this.o.movement.route(this.still, to, this.o.unit.kind);
    const leg: Leg = { route, startMs: Date.now(), speed: this.o.speed };
    this.leg = leg;
    const arrived = await wait(legDurationMs(leg), signal);
    // an interrupted leg is frozen by interrupt(); only a finished one ends here
    if (arrived && this.leg === leg) {
      this.still = { ...to };
      this.leg = null;
    }
    return arrived;
  }

  private reportPosition() {
    const socket = this.socket;
    if (!socket?.connected || this.positionInFlight || this.stopped) return;
    const p = this.here();
    const payload = {
      lon: Math.round(p.lon * 1e7) / 1e7,
      lat: Math.round(p.lat * 1e7) / 1e7,
      at: new Date().toISOString(),
      speedKmh: Math.round(p.speedKmh * 10) / 10,
      ...(p.headingDeg !== undefined && p.speedKmh > 0
        ? { headingDeg: Math.round(p.headingDeg) % 360 }
        : {}),
    };
    this.positionInFlight = true;
    const sent = socket
      .timeout(ACK_TIMEOUT_MS)
      .emitWithAck('position', payload)
      .then((res: AckResult<{ accepted: number }>) => {
        if (res.ok) this.o.stats.positionsSent++;
        else this.positionProblem(`${res.error.code}: ${res.error.message}`);
      })
      .catch((err: Error) => this.positionProblem(err.message))
      .finally(() => {
        this.positionInFlight = false;
      });
    this.track(sent);
  }

  private positionProblem(message: string) {
    this.o.stats.positionErrors++;
    // one line a minute per unit is enough to see a problem without drowning the log
    if (Date.now() - this.lastPositionWarnMs < 60_000) return;
    this.lastPositionWarnMs = Date.now();
    this.o.log.warn(`${this.callsign}: position report failed: ${message}`);
  }
}

function asStatus(v: unknown): AssignmentStatus | null {
  return typeof v === 'string' && (ASSIGNMENT_STATUSES as readonly string[]).includes(v)
    ? (v as AssignmentStatus)
    : null;
}
