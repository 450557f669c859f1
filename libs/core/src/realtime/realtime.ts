import { Injectable, Logger } from '@nestjs/common';
import { CONSOLE_NAMESPACE, TERMINAL_NAMESPACE, type AssignmentView, type IncidentView } from '@ringcad/contracts';
import { encodePositionFrame } from '@ringcad/domain';
import { jurisdictionIdsOf, maskIncident } from './views';

/** What both a socket.io Server and a @socket.io/redis-emitter Emitter offer. */
export interface BroadcastTarget {
  of(namespace: string): {
    to(rooms: string | string[]): { emit(event: string, ...args: unknown[]): unknown };
    emit(event: string, ...args: unknown[]): unknown;
  };
}

/**
 * Console rooms: `pii:` rooms see caller numbers, `mask:` rooms see them masked; `:all` rooms
 * see the whole city, `:j:<id>` rooms only their jurisdiction.
 */
export const consoleRoom = (pii: boolean, jurisdictionId: string | null) =>
  `${pii ? 'pii' : 'mask'}:${jurisdictionId ? `j:${jurisdictionId}` : 'all'}`;

export const terminalRoom = (unitId: string) => `unit:${unitId}`;

/**
 * Every console is in exactly one positions room, by the format it asked for in its handshake
 * (`auth.positions`): `units.positions` as the contract's JSON array, or packed binary frames.
 * Positions are not personal data and every seat draws the whole fleet, so neither the PII nor
 * the jurisdiction rooms apply.
 */
export type PositionsFormat = 'json' | 'packed';
export const positionsRoom = (format: PositionsFormat) => `positions:${format}`;

export interface MovedUnit {
  unitId: string;
  num: number;
  lon: number;
  lat: number;
  at: string;
  /** `at` in epoch ms (what the packed frame carries). */
  atMs: number;
}

export interface ConsoleMessage {
  event: string;
  payload: unknown;
  /** What roles without access to personal data get instead (defaults to `payload`). */
  masked?: unknown;
  /**
   * Jurisdictions the subject lies in; scoped consoles of other jurisdictions do not get it.
   * Without any, only city-level consoles get it (fail closed), unless `everyone`.
   */
  jurisdictionIds?: (string | null)[];
  /** Shared with every console whatever its scope (the fleet: every seat draws every unit). */
  everyone?: boolean;
}

/**
 * Publishes realtime events. The api binds it to its socket.io server (with the Redis adapter in
 * services mode); the worker binds it to a Redis emitter. Only ever called after commit.
 */
@Injectable()
export class RealtimePublisher {
  private readonly logger = new Logger(RealtimePublisher.name);
  private target: BroadcastTarget | null = null;

  // --- alert delivery: whether (and when) a delivery path exists ---
  private connected: () => boolean = () => true;
  private readonly onBind: (() => void)[] = [];

  /**
   * `connected` tells whether what is emitted now reaches the bus (the worker's Redis emitter
   * drops nothing while Redis reconnects, but the alert outbox must not mark alerts delivered
   * on a link it knows is down).
   */
  bind(target: BroadcastTarget, options: { connected?: () => boolean } = {}) {
    this.target = target;
    if (options.connected) this.connected = options.connected;
    for (const fn of this.onBind.splice(0)) fn();
  }

  get bound(): boolean {
    return this.target !== null;
  }

  /** Whether an event published now has a delivery path. */
  get ready(): boolean {
    return this.target !== null && this.connected();
  }

  /** Runs `fn` once a target is bound (at once if it already is): nothing fires into the void. */
  whenBound(fn: () => void) {
    if (this.target) fn();
    else this.onBind.push(fn);
  }
  // --- end alert delivery ---

  toConsoles(msg: ConsoleMessage) {
    const target = this.target;
    if (!target) return this.logger.debug(`no realtime target yet, ${msg.event} not sent`);
    const scopes = [null, ...(msg.jurisdictionIds ?? []).filter((j): j is string => !!j)];
    this.safely(msg.event, () => {
      const ns = target.of(CONSOLE_NAMESPACE);
      if (msg.everyone) {
        if (msg.masked !== undefined) throw new Error(`${msg.event}: personal data is never sent to every console`);
        return ns.emit(msg.event, msg.payload);
      }
      ns.to(scopes.map((j) => consoleRoom(true, j))).emit(msg.event, msg.payload);
      ns.to(scopes.map((j) => consoleRoom(false, j))).emit(msg.event, msg.masked ?? msg.payload);
    });
  }

  /**
   * A broadcast must never fail the committed change it reports (e.g. Redis going away while the
   * process shuts down): consoles resynchronise from `sync` on reconnect anyway.
   */
  private safely(event: string, emit: () => unknown) {
    try {
      const r = emit();
      if (r instanceof Promise) r.catch((err: Error) => this.logger.warn(`${event} not broadcast: ${err.message}`));
    } catch (err) {
      this.logger.warn(`${event} not broadcast: ${(err as Error).message}`);
    }
  }

  /** One batch of moved units, encoded once per format for every console. */
  positions(moved: MovedUnit[]) {
    const target = this.target;
    if (!target || !moved.length) return;
    this.safely('units.positions', () => {
      const ns = target.of(CONSOLE_NAMESPACE);
      ns.to(positionsRoom('json')).emit('units.positions', moved.map((m) => ({ unitId: m.unitId, lon: m.lon, lat: m.lat, at: m.at })));
      const frame = encodePositionFrame(moved);
      ns.to(positionsRoom('packed')).emit('units.positions.packed', Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    });
  }

  incident(event: 'incident.created' | 'incident.updated', view: IncidentView) {
    this.toConsoles({ event, payload: view, masked: maskIncident(view), jurisdictionIds: jurisdictionIdsOf(view) });
  }

  assignment(view: AssignmentView, incident: IncidentView) {
    this.toConsoles({
      event: 'assignment.updated',
      payload: { ...view, version: incident.version },
      jurisdictionIds: jurisdictionIdsOf(incident),
    });
  }

  toTerminal(unitId: string, event: string, payload: unknown) {
    const target = this.target;
    if (target) this.safely(event, () => target.of(TERMINAL_NAMESPACE).to(terminalRoom(unitId)).emit(event, payload));
  }
}

/** Side effects collected inside a transaction and run only once it has committed. */
export class AfterCommit {
  private readonly tasks: (() => unknown)[] = [];
  add(task: () => unknown) {
    this.tasks.push(task);
  }
  async run(): Promise<void> {
    for (const task of this.tasks) await task();
  }
}
