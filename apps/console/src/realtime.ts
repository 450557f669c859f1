// The live feed: socket.io `/console` with the session token. Every (re)connect brings a `sync`
// snapshot, so a dropped connection heals itself without a reload. The socket is typed by the
// contract's event maps: an event the server renames or reshapes fails this file's compile.
import { io, type Socket } from 'socket.io-client';
import type {
  ConsoleClientToServerEvents,
  ConsoleServerToClientEvents,
  CoverageView,
  PerimeterReadinessView,
  PositionsViewport,
  TrainingSimulationView,
} from '@ringcad/contracts';
import { CONSOLE_NAMESPACE } from '@ringcad/contracts/constants';
import { store } from './store';

type ConsoleSocket = Socket<ConsoleServerToClientEvents, ConsoleClientToServerEvents>;

/** Subscribers to pushed coverage (the commander seat). */
export const coverageEvents = {
  listeners: new Set<(c: CoverageView) => void>(),
  on(fn: (c: CoverageView) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  },
};

/** Subscribers to the 训练模拟 switch (the top bar's toggle). */
export const trainingEvents = {
  listeners: new Set<(v: TrainingSimulationView) => void>(),
  on(fn: (v: TrainingSimulationView) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  },
};

/** Subscribers to pushed standing-perimeter readiness (the commander's perimeter panel). */
export const perimeterEvents = {
  listeners: new Set<(r: PerimeterReadinessView) => void>(),
  on(fn: (r: PerimeterReadinessView) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  },
};

let socket: ConsoleSocket | null = null;
const SYNC_RETRY_FIRST_MS = 8000;
const SYNC_RETRY_MAX_MS = 60_000;
/** The box the map draws (sent again on every reconnect); undefined until the map reports one. */
let viewport: PositionsViewport | undefined;

/**
 * Live positions only for what the map shows (padded by half a screen each way), the rest of the
 * fleet every 10 s: the server sends per-tile frames.
 */
export function setPositionsViewport(bounds: { w: number; s: number; e: number; n: number }) {
  const dx = (bounds.e - bounds.w) / 2;
  const dy = (bounds.n - bounds.s) / 2;
  const clamp = (v: number, m: number) => Math.max(-m, Math.min(m, v));
  viewport = [
    clamp(bounds.w - dx, 180),
    clamp(bounds.s - dy, 90),
    clamp(bounds.e + dx, 180),
    clamp(bounds.n + dy, 90),
  ];
  if (socket?.connected) socket.emit('positions.viewport', viewport);
}

export function connectRealtime(token: string, onAuthFailed: () => void): () => void {
  socket?.close();
  store.setConnection('connecting');
  const s: ConsoleSocket = io(CONSOLE_NAMESPACE, {
    // packed binary position frames: a sixth of the bytes of the JSON array, and no parsing
    auth: { token, positions: 'packed' },
    transports: ['websocket', 'polling'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });
  socket = s;
  // the engine.io transport is open (the namespace's connect, with the token's check, comes next)
  s.io.once('open', () => performance.mark('ringcad:socket-open'));
  // a connect brings a sync; if none comes (the server's database was busy), ask again with backoff
  let syncTimer: ReturnType<typeof setTimeout> | undefined;
  const awaitSync = (waitMs: number) => {
    clearTimeout(syncTimer);
    syncTimer = setTimeout(() => {
      if (!s.connected) return;
      store.expectSync();
      s.emit('sync.request');
      awaitSync(Math.min(waitMs * 2, SYNC_RETRY_MAX_MS));
    }, waitMs);
  };
  s.on('connect', () => {
    if (!performance.getEntriesByName('ringcad:socket-connected').length)
      performance.mark('ringcad:socket-connected');
    refusedHandshakes = 0;
    store.expectSync();
    store.setConnection('online');
    awaitSync(SYNC_RETRY_FIRST_MS);
    if (viewport !== undefined) s.emit('positions.viewport', viewport);
  });
  s.on('disconnect', () => {
    clearTimeout(syncTimer);
    store.setConnection('offline');
  });
  let refusedHandshakes = 0;
  s.on('connect_error', (err) => {
    store.setConnection('offline');
    // the server refuses the handshake for a bad token: reconnecting will not help
    if (err.message === 'UNAUTHENTICATED') {
      s.close();
      onAuthFailed();
      return;
    }
    // refused for another reason (UNAVAILABLE: the server's database was busy): socket.io does
    // not retry a refused handshake by itself, so the console does, with backoff
    if (!s.active)
      setTimeout(
        () => {
          if (socket === s) s.connect();
        },
        Math.min(500 * 2 ** refusedHandshakes++, SYNC_RETRY_MAX_MS),
      );
  });
  s.on('sync', (snap) => {
    clearTimeout(syncTimer);
    store.applySync(snap);
  });
  s.on('incident.created', (i) => store.applyIncident(i));
  s.on('incident.updated', (i) => store.applyIncident(i));
  s.on('assignment.updated', (a) => store.applyAssignment(a));
  s.on('unit.updated', (u) => store.applyUnit(u));
  s.on('units.positions', (ps) => store.applyPositions(ps));
  s.on('units.positions.packed', (frame) => {
    try {
      store.applyPackedPositions(frame);
    } catch (err) {
      // a frame this build cannot read (a newer server): positions still arrive with unit.updated
      console.warn('position frame not applied', err);
    }
  });
  s.on('incident.note', (e) => store.applyNote(e));
  s.on('message', (m) => store.applyMessages([m]));
  s.on('message.read', (r) => store.applyMessageRead(r));
  s.on('alert', (a) => store.applyAlert(a));
  s.on('alert.acknowledged', (a) =>
    store.applyAlert({ ...a, acknowledgedAt: a.acknowledgedAt ?? new Date().toISOString() }),
  );
  s.on('coverage.updated', (c) => coverageEvents.listeners.forEach((fn) => fn(c)));
  s.on('perimeter.readiness', (r) => perimeterEvents.listeners.forEach((fn) => fn(r)));
  s.on('training.updated', (v) => trainingEvents.listeners.forEach((fn) => fn(v)));
  return () => {
    clearTimeout(syncTimer);
    s.close();
    if (socket === s) socket = null;
  };
}
