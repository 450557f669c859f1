import { Injectable, Logger } from '@nestjs/common';
import {
  type AssignmentView,
  type ConsoleServerToClientEvents,
  type IncidentView,
  type TerminalServerToClientEvents,
} from '@ringcad/contracts';
import { encodePositionFrame, type PackedFix } from '@ringcad/domain';
import { jurisdictionIdsOf, maskIncident } from './views';

/** Server → client events of `/console` and their payloads, from the contract's event map. */
export type ConsoleEvent = keyof ConsoleServerToClientEvents;
export type ConsolePayload<E extends ConsoleEvent> = Parameters<ConsoleServerToClientEvents[E]>[0];
/** Server → client events of `/terminal` and their payloads. */
export type TerminalEvent = keyof TerminalServerToClientEvents;
export type TerminalPayload<E extends TerminalEvent> = Parameters<
  TerminalServerToClientEvents[E]
>[0];

/** socket.io's own shape for an event map (`EventsMap`): any listener per event name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EventsMap = Record<string, any>;
type Emit<M extends EventsMap> = <E extends keyof M & string>(
  event: E,
  ...args: Parameters<M[E]>
) => unknown;

/**
 * One namespace, typed by its event map: what a socket.io `Namespace<…, M>` and a
 * @socket.io/redis-emitter `Emitter<M>` both are.
 */
export interface Broadcaster<M extends EventsMap> {
  to(rooms: string | string[]): { emit: Emit<M> };
  emit: Emit<M>;
}

/** Where the publisher sends: the `/console` and `/terminal` namespaces of the bus. */
export interface BroadcastTarget {
  console: Broadcaster<ConsoleServerToClientEvents>;
  terminal: Broadcaster<TerminalServerToClientEvents>;
  /** This process's viewport consoles (an api; the worker has none). */
  viewports?: { deliver(moved: readonly PackedFix[]): unknown };
  /** Sends a tick's whole packed frame to the other api instances (services mode). */
  shareTick?: (frame: Uint8Array) => void;
}

/**
 * Console rooms: `pii:` rooms see caller numbers, `mask:` rooms see them masked; `:all` rooms
 * see the whole city, `:j:<id>` rooms only their jurisdiction.
 */
export const consoleRoom = (pii: boolean, jurisdictionId: string | null) =>
  `${pii ? 'pii' : 'mask'}:${jurisdictionId ? `j:${jurisdictionId}` : 'all'}`;

/**
 * Rooms of the seats that act on district alerts (dispatchers and commanders: they acknowledge
 * alerts and move units), by scope as in {@link consoleRoom}; a call-taker's console is not in them.
 */
export const actingRoom = (jurisdictionId: string | null) =>
  `act:${jurisdictionId ? `j:${jurisdictionId}` : 'all'}`;

export const terminalRoom = (unitId: string) => `unit:${unitId}`;

/**
 * Every console is in exactly one positions room, by the format it asked for in its handshake
 * (`auth.positions`): `units.positions` as the contract's JSON array, or packed binary frames.
 * Positions are not personal data and every seat draws the whole fleet, so neither the PII nor
 * the jurisdiction rooms apply.
 */
export type PositionsFormat = 'json' | 'packed';
export const positionsRoom = (format: PositionsFormat) => `positions:${format}`;

// --- viewport positions: a packed console that sends `positions.viewport` gets only its tiles ---
/** Every this many ticks, viewport consoles get every unit moved since (lists and staleness stay right). */
export const REST_FRAME_EVERY_TICKS = 10;
/** The room of viewport consoles' slow frame of everything else. */
export const positionsRestRoom = 'positions:packed:rest';
/** The event between api instances that carries a tick's whole packed frame (base64). */
export const POSITIONS_TICK_EVENT = 'positions.tick';
// --- end viewport positions ---

export interface MovedUnit {
  unitId: string;
  num: number;
  lon: number;
  lat: number;
  at: string;
  /** `at` in epoch ms (what the packed frame carries). */
  atMs: number;
}

interface ConsoleMessageOf<E extends ConsoleEvent> {
  event: E;
  payload: ConsolePayload<E>;
  /** What roles without access to personal data get instead (defaults to `payload`). */
  masked?: ConsolePayload<E>;
  /**
   * Jurisdictions the subject lies in; scoped consoles of other jurisdictions do not get it.
   * Without any, only city-level consoles get it (fail closed), unless `everyone`.
   */
  jurisdictionIds?: (string | null)[];
  /** Shared with every console whatever its scope (the fleet: every seat draws every unit). */
  everyone?: boolean;
  /** Only the seats that act on it (dispatchers, commanders) in those scopes; carries no personal data. */
  actingSeatsOnly?: boolean;
}

/** One `/console` event with the payload the contract gives it (a union over the event names). */
export type ConsoleMessage = { [E in ConsoleEvent]: ConsoleMessageOf<E> }[ConsoleEvent];

/**
 * The namespaces as the publisher's own code drives them: a message is a union over event names,
 * which TypeScript cannot pair with the map's per-event signature, so the pairing is checked at
 * the publisher's public methods (ConsoleMessage, toTerminal) and emitted untyped here.
 */
interface Untyped {
  to(rooms: string | string[]): { emit(event: string, payload: unknown): unknown };
  emit(event: string, payload: unknown): unknown;
}
const untyped = (b: object) => b as Untyped;

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
      const ns = untyped(target.console);
      if (msg.everyone) {
        if (msg.masked !== undefined)
          throw new Error(`${msg.event}: personal data is never sent to every console`);
        return ns.emit(msg.event, msg.payload);
      }
      if (msg.actingSeatsOnly) {
        if (msg.masked !== undefined)
          throw new Error(`${msg.event}: acting-seat messages carry no personal data`);
        return ns.to(scopes.map((j) => actingRoom(j))).emit(msg.event, msg.payload);
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
      if (r instanceof Promise)
        r.catch((err: Error) => this.logger.warn(`${event} not broadcast: ${err.message}`));
    } catch (err) {
      this.logger.warn(`${event} not broadcast: ${(err as Error).message}`);
    }
  }

  /** Moved since the last rest frame, by unit number. */
  private restPending = new Map<number, MovedUnit>();
  private ticks = 0;

  /**
   * One tick's moved units (only those that moved), encoded once per format: the JSON array and
   * the whole-city packed frame for consoles without a viewport (rooms, through the bus); for
   * viewport consoles the frame goes to this process's {@link BroadcastTarget.viewports} and to
   * the other api instances (`shareTick`), each cutting one frame per console from it; every
   * REST_FRAME_EVERY_TICKS ticks they get one frame of everything moved since.
   */
  positions(moved: MovedUnit[]) {
    const target = this.target;
    if (!target || !moved.length) return;
    for (const m of moved) this.restPending.set(m.num, m);
    const rest =
      ++this.ticks % REST_FRAME_EVERY_TICKS === 0 ? [...this.restPending.values()] : null;
    if (rest) this.restPending = new Map();
    const whole = encodePositionFrame(moved);
    this.safely('units.positions', () => {
      const ns = target.console;
      ns.to(positionsRoom('json')).emit(
        'units.positions',
        moved.map((m) => ({ unitId: m.unitId, lon: m.lon, lat: m.lat, at: m.at })),
      );
      // an ArrayBuffer, as the contract has it (socket.io sends it as the same binary frame)
      ns.to(positionsRoom('packed')).emit('units.positions.packed', whole.buffer as ArrayBuffer);
      target.viewports?.deliver(moved);
      target.shareTick?.(whole);
      if (rest)
        ns.to(positionsRestRoom).emit(
          'units.positions.packed',
          encodePositionFrame(rest).buffer as ArrayBuffer,
        );
    });
  }

  incident(event: 'incident.created' | 'incident.updated', view: IncidentView) {
    this.toConsoles({
      event,
      payload: view,
      masked: maskIncident(view),
      jurisdictionIds: jurisdictionIdsOf(view),
    });
  }

  assignment(view: AssignmentView, incident: IncidentView) {
    this.toConsoles({
      event: 'assignment.updated',
      payload: { ...view, version: incident.version },
      jurisdictionIds: jurisdictionIdsOf(incident),
    });
  }

  toTerminal<E extends TerminalEvent>(unitId: string, event: E, payload: TerminalPayload<E>) {
    const target = this.target;
    if (target)
      this.safely(event, () =>
        untyped(target.terminal).to(terminalRoom(unitId)).emit(event, payload),
      );
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
