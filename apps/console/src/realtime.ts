// The live feed: socket.io `/console` with the session token. Every (re)connect brings a `sync`
// snapshot, so a dropped connection heals itself without a reload. The socket is typed by the
// contract's event maps: an event the server renames or reshapes fails this file's compile.
import { io, type Socket } from 'socket.io-client';
import type {
  ConsoleClientToServerEvents,
  ConsoleServerToClientEvents,
  CoverageView,
  PerimeterReadinessView,
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
  s.on('connect', () => store.setConnection('online'));
  s.on('disconnect', () => store.setConnection('offline'));
  s.on('connect_error', (err) => {
    store.setConnection('offline');
    // the server refuses the handshake for a bad token: reconnecting will not help
    if (err.message === 'UNAUTHENTICATED') {
      s.close();
      onAuthFailed();
    }
  });
  s.on('sync', (snap) => store.applySync(snap));
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
    s.close();
    if (socket === s) socket = null;
  };
}
