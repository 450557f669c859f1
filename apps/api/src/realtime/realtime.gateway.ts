import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import {
  CONSOLE_NAMESPACE,
  TERMINAL_NAMESPACE,
  positionsViewportSchema,
  terminalPositionSchema,
  terminalTaskEventSchema,
  type AckResult,
  type ConsoleClientToServerEvents,
  type ConsoleServerToClientEvents,
  type TerminalClientToServerEvents,
  type TerminalServerToClientEvents,
} from '@ringcad/contracts';
import { decodePositionFrame, seesCallerNumber, type PackedFix } from '@ringcad/domain';
import {
  APP_CONFIG,
  AuthService,
  ConsoleSyncService,
  DatabaseService,
  DispatchService,
  IncidentsService,
  MessagesService,
  MetricsService,
  RealtimePublisher,
  SafetyService,
  UnitsService,
  actingRoom,
  actsOnDistrictAlerts,
  consoleRoom,
  createRedis,
  openAssignmentsOfUnit,
  parseInput,
  POSITIONS_TICK_EVENT,
  ViewportFanout,
  positionsRestRoom,
  positionsRoom,
  premiseFlagsNear,
  readAssignments,
  terminalRoom,
  terminalTask,
  tokenHash,
  viewportTiles,
  type AppConfig,
  type Principal,
} from '@ringcad/core';
import { errorBody } from '../common/error-filter';
import { attachTerminalExtras } from '../messages/terminal-socket';

// Each namespace typed by the contract's event maps: what the gateway emits and what it listens to
// are checked against the same types the console and the terminals compile with.
/** Between api instances (serverSideEmit): a tick's whole packed position frame, base64. */
interface ConsoleServerSideEvents {
  [POSITIONS_TICK_EVENT]: (frameBase64: string) => void;
}
type ConsoleNamespace = Namespace<
  ConsoleClientToServerEvents,
  ConsoleServerToClientEvents,
  ConsoleServerSideEvents,
  { principal: Principal & { kind: 'user' } }
>;
type TerminalNamespace = Namespace<
  TerminalClientToServerEvents,
  TerminalServerToClientEvents,
  Record<string, never>,
  { principal: Principal & { kind: 'unit' } }
>;
type TerminalSocket = Socket<
  TerminalClientToServerEvents,
  TerminalServerToClientEvents,
  Record<string, never>,
  { principal: Principal & { kind: 'unit' } }
>;

/**
 * socket.io's Server has one event map for all its namespaces; each of ours has its own, so the
 * namespace's name and its map are paired here, once.
 */
const consoleNamespace = (io: Server) => io.of(CONSOLE_NAMESPACE) as unknown as ConsoleNamespace;
const terminalNamespace = (io: Server) => io.of(TERMINAL_NAMESPACE) as unknown as TerminalNamespace;

type Ack<T> = (r: AckResult<T>) => void;

// rooms only the api uses, to find a user's or a session's consoles when they are revoked
const userRoom = (userId: string) => `user:${userId}`;
const sessionRoom = (token: string) => `session:${tokenHash(token)}`;

/**
 * socket.io on the api's HTTP server: `/console` for people, `/terminal` for unit terminals. With
 * REDIS_URL the Redis adapter joins every api instance (and the worker's emitter) into one bus.
 */
@Injectable()
export class RealtimeGateway implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(RealtimeGateway.name);
  private io?: Server;
  private redis: Redis[] = [];
  /** Socket handlers still running; shutdown waits for them before closing Redis. */
  private inFlight = 0;
  /** This instance's consoles that draw a viewport: one position frame each per tick. */
  private readonly viewports = new ViewportFanout();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly sync: ConsoleSyncService,
    private readonly dispatch: DispatchService,
    private readonly units: UnitsService,
    private readonly incidents: IncidentsService,
    private readonly database: DatabaseService,
    private readonly publisher: RealtimePublisher,
    private readonly messages: MessagesService,
    private readonly safety: SafetyService,
    private readonly metrics: MetricsService,
  ) {}

  async attach(httpServer: HttpServer) {
    const io = new Server(httpServer, {
      serveClient: true,
      cors: { origin: true, credentials: true },
    });
    if (this.config.REDIS_URL) {
      const pub = createRedis(this.config.REDIS_URL, 'pubsub', 'socket.io-pub');
      const sub = createRedis(this.config.REDIS_URL, 'pubsub', 'socket.io-sub');
      this.redis.push(pub, sub);
      io.adapter(createAdapter(pub, sub, { key: `${this.config.REDIS_PREFIX}-socket.io` }));
    }
    this.io = io;
    this.setupDefault(io);
    this.setupConsole(io);
    this.setupTerminal(io);
    this.publisher.bind({
      console: consoleNamespace(io),
      terminal: terminalNamespace(io),
      viewports: this.viewports,
      // the other instances' viewport consoles: the tick's whole frame, once per instance
      shareTick: this.config.REDIS_URL
        ? (frame) =>
            consoleNamespace(io).serverSideEmit(
              POSITIONS_TICK_EVENT,
              Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64'),
            )
        : undefined,
    });
    this.metrics.countSocketsWith(() =>
      Object.fromEntries(
        ['/', CONSOLE_NAMESPACE, TERMINAL_NAMESPACE].map((ns) => [ns, io.of(ns).sockets.size]),
      ),
    );
  }

  private async authenticate(socket: Socket): Promise<Principal | null> {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' ? auth.token : null;
    return this.auth.authenticate(token);
  }

  /**
   * Nothing is served on `/`, but socket.io accepts connections there unless told otherwise:
   * only an authenticated client gets in, so `/` is no unauthenticated foothold.
   */
  private setupDefault(io: Server) {
    io.use((socket, next) => {
      this.authenticate(socket)
        .then((p) => next(p ? undefined : new Error('UNAUTHENTICATED')))
        .catch(() => next(new Error('UNAVAILABLE')));
    });
  }

  /** Closes the consoles signed in with this session token (logout), on every api instance. */
  disconnectSession(token: string) {
    if (this.io) consoleNamespace(this.io).in(sessionRoom(token)).disconnectSockets(true);
  }

  /** Closes every console of this user (account disabled), on every api instance. */
  disconnectUser(userId: string) {
    if (this.io) consoleNamespace(this.io).in(userRoom(userId)).disconnectSockets(true);
  }

  /**
   * Closes the terminals of this unit (its token was replaced), on every api instance: each is
   * told why first, so the officer sees it. A handshake that read the old token just before the
   * change is caught by the re-check in the connection handler.
   */
  revokeTerminals(unitId: string) {
    if (!this.io) return;
    const room = terminalNamespace(this.io).in(terminalRoom(unitId));
    room.emit('terminal.revoked', { reason: 'token_replaced' });
    room.disconnectSockets(true);
  }

  private setupConsole(io: Server) {
    const ns = consoleNamespace(io);
    ns.use((socket, next) => {
      this.authenticate(socket)
        .then((p) => {
          if (!p || p.kind !== 'user') return next(new Error('UNAUTHENTICATED'));
          socket.data.principal = p;
          next();
        })
        .catch(() => next(new Error('UNAVAILABLE')));
    });
    // another instance's tick (services mode): cut into this instance's viewport consoles' frames
    ns.on(POSITIONS_TICK_EVENT, (b64: unknown) => {
      if (typeof b64 !== 'string') return;
      const moved: PackedFix[] = [];
      try {
        decodePositionFrame(Buffer.from(b64, 'base64'), (num, lon, lat, atMs) =>
          moved.push({ num, lon, lat, atMs }),
        );
      } catch (err) {
        return this.logger.warn(`position tick not delivered: ${(err as Error).message}`);
      }
      this.viewports.deliver(moved);
    });
    ns.on('connection', (socket) => {
      const p = socket.data.principal;
      const packed =
        (socket.handshake.auth as { positions?: unknown } | undefined)?.positions === 'packed';
      const token = (socket.handshake.auth as { token: string }).token;
      void socket.join([
        consoleRoom(seesCallerNumber(p.roles), p.jurisdictionId),
        // district alerts (coverage below the defense level) go to the seats that act on them
        ...(actsOnDistrictAlerts(p) ? [actingRoom(p.jurisdictionId)] : []),
        positionsRoom(packed ? 'packed' : 'json'),
        userRoom(p.id),
        sessionRoom(token),
      ]);
      this.sendSync(ns, socket.id, p, 0);
      socket.on('sync.request', () => this.sendSync(ns, socket.id, p, 0));
      socket.on('positions.viewport', (bbox: unknown) => {
        if (!packed) return;
        const parsed = positionsViewportSchema.safeParse(bbox);
        if (!parsed.success) return;
        const tiles = parsed.data ? viewportTiles(parsed.data) : null;
        if (!tiles) {
          this.viewports.unwatch(socket.id);
          void socket.leave(positionsRestRoom);
          return void socket.join(positionsRoom('packed'));
        }
        void socket.leave(positionsRoom('packed'));
        void socket.join(positionsRestRoom);
        this.viewports.watch(socket.id, tiles, (frame) =>
          socket.emit('units.positions.packed', frame),
        );
      });
      socket.on('disconnect', () => this.viewports.unwatch(socket.id));
    });
  }

  /**
   * Consoles of one scope asking together share one snapshot build (ConsoleSyncService.shared)
   * and one encoding of it: it is sent to all of them in one local broadcast. A failed build is
   * tried again for each console with backoff (0.5, 1, 2, 4, 8 s) while it is connected.
   */
  private readonly syncWaiters = new Map<Promise<unknown>, string[]>();
  private sendSync(
    ns: ConsoleNamespace,
    socketId: string,
    p: Principal & { kind: 'user' },
    attempt: number,
  ) {
    const build = this.sync.shared(p);
    const waiting = this.syncWaiters.get(build);
    if (waiting) return void waiting.push(socketId);
    const ids = [socketId];
    this.syncWaiters.set(build, ids);
    build.then(
      (snap) => {
        this.syncWaiters.delete(build);
        ns.local.to(ids).emit('sync', snap);
      },
      (err: Error) => {
        this.syncWaiters.delete(build);
        this.logger.error(`sync failed (${ids.length} consoles): ${err.message}`);
        if (attempt >= 5) return;
        setTimeout(
          () => {
            for (const id of ids) if (ns.sockets.has(id)) this.sendSync(ns, id, p, attempt + 1);
          },
          500 * 2 ** attempt,
        ).unref();
      },
    );
  }

  private setupTerminal(io: Server) {
    const ns = terminalNamespace(io);
    ns.use((socket, next) => {
      this.authenticate(socket)
        .then((p) => {
          if (!p || p.kind !== 'unit') return next(new Error('UNAUTHENTICATED'));
          socket.data.principal = p;
          next();
        })
        .catch(() => next(new Error('UNAVAILABLE')));
    });
    ns.on('connection', (socket) => {
      const p = socket.data.principal;
      void socket.join(terminalRoom(p.unitId));
      // the token may have been replaced between the handshake's check and the join above: once
      // joined, a replacement closes this socket (revokeTerminals), and before it, this re-check does
      void this.authenticate(socket).then(
        (again) => {
          if (again?.kind === 'unit' && again.unitId === p.unitId) return;
          socket.emit('terminal.revoked', { reason: 'token_replaced' });
          socket.disconnect(true);
        },
        () => undefined,
      );
      void this.redeliverTasks(socket, p.unitId);
      attachTerminalExtras(
        socket,
        p,
        { messages: this.messages, safety: this.safety, logger: this.logger },
        (ack, fn) => this.answer(ack, fn),
      );
      // the map says what a well-behaved terminal sends; what arrives is parsed before use
      socket.on('task.event', (payload: unknown, ack?: Ack<unknown>) => {
        this.answer(ack, async () => {
          const input = parseInput(terminalTaskEventSchema, payload);
          return this.dispatch.applyEvent(input.assignmentId, input.type, p, {
            deviceAt: input.at,
            disposition: input.disposition,
            text: input.text,
            offline: input.offline,
          });
        });
      });
      socket.on('position', (payload: unknown, ack?: Ack<{ accepted: number }>) => {
        this.answer(ack, async () => {
          // the unit is the socket's: a unitId in the payload is not part of the schema, so dropped
          const pos = parseInput(terminalPositionSchema, payload);
          return this.units.ingestPositions([{ ...pos, unitId: p.unitId }], p);
        });
      });
    });
  }

  /** A terminal that (re)connects gets its open tasks again; it de-duplicates by assignmentId. */
  private async redeliverTasks(socket: TerminalSocket, unitId: string) {
    try {
      const open = await openAssignmentsOfUnit(this.database.db, unitId);
      for (const a of open) {
        const incident = await this.incidents.get(a.incident_id, {
          kind: 'unit',
          unitId,
          callsign: '',
        });
        const views = await this.database.transaction((tx) => readAssignments(tx, { id: a.id }));
        socket.emit(
          'task.assigned',
          terminalTask(
            views[0],
            incident,
            await premiseFlagsNear(this.database.db, incident.location),
          ),
        );
      }
    } catch (err) {
      this.logger.error(`task redelivery failed: ${(err as Error).message}`);
    }
  }

  private answer<T>(ack: Ack<T> | undefined, fn: () => Promise<T>) {
    this.inFlight++;
    fn()
      .then((data) => ack?.({ ok: true, data }))
      .catch((err: unknown) => {
        const { body } = errorBody(err);
        ack?.({ ok: false, error: body.error });
      })
      .finally(() => this.inFlight--);
  }

  async beforeApplicationShutdown() {
    // Nest closes the HTTP server itself; open websockets would keep it from closing.
    this.io?.local.disconnectSockets(true);
    this.io?.engine.close();
    // let handlers that already started finish (they publish through Redis after commit)
    for (let waited = 0; this.inFlight > 0 && waited < 5000; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async onApplicationShutdown() {
    await Promise.all(this.redis.map((r) => r.quit().catch(() => r.disconnect())));
  }
}
