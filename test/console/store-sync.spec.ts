// The console's store against the race at (re)connect: the server joins the socket to its rooms,
// then reads the sync snapshot, so live events of that moment can arrive before the snapshot and be
// older or newer than it. They are applied again on top of it: an incident filed meanwhile stays in
// the queue, one closed meanwhile stays closed, and the later version of an incident wins.
import type { ConsoleSync, IncidentView } from '@ringcad/contracts';

// the store schedules its redraws on the browser's frame clock: give it the globals it reads
Object.assign(globalThis, {
  document: { visibilityState: 'hidden' },
  requestAnimationFrame: (fn: () => void) => setTimeout(fn, 0),
});

type StoreLike = {
  incidents: Map<string, IncidentView>;
  expectSync(): void;
  applySync(s: ConsoleSync): void;
  applyIncident(i: IncidentView): void;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Store } = require('../../apps/console/src/store') as { Store: new () => StoreLike };

const T0 = '2026-12-05T08:00:00.000Z';
const T1 = '2026-12-05T08:00:01.000Z';

const incident = (id: string, version: number, status = 'new') =>
  ({ id, createdAt: T0, version, status }) as unknown as IncidentView;
const snapshot = (at: string, incidents: IncidentView[]) =>
  ({
    at,
    incidents,
    assignments: [],
    units: [],
    alerts: [],
    notes: [],
    positionStaleSec: 60,
  }) as unknown as ConsoleSync;

describe('console store: a sync snapshot never undoes what arrived live while it was awaited', () => {
  it('keeps an incident filed while the snapshot was being read (not in it)', () => {
    const s = new Store();
    s.expectSync();
    s.applyIncident(incident('new-one', 1));
    s.applySync(snapshot(T1, [incident('old', 3)]));
    expect([...s.incidents.keys()].sort()).toEqual(['new-one', 'old']);
  });

  it('an incident closed live stays closed when the snapshot still lists it open', () => {
    const s = new Store();
    s.applySync(snapshot(T0, [incident('a', 1)]));
    s.expectSync();
    s.applyIncident(incident('a', 2, 'closed'));
    s.applySync(snapshot(T1, [incident('a', 1)]));
    expect(s.incidents.has('a')).toBe(false);
  });

  it('keeps the later version of an incident; the snapshot wins over older events', () => {
    const s = new Store();
    s.expectSync();
    s.applyIncident(incident('a', 5, 'dispatched'));
    s.applyIncident(incident('b', 1));
    s.applySync(snapshot(T1, [incident('a', 4), incident('b', 2, 'dispatched')]));
    expect(s.incidents.get('a')).toMatchObject({ version: 5, status: 'dispatched' });
    expect(s.incidents.get('b')).toMatchObject({ version: 2, status: 'dispatched' });
  });

  it('outside the wait for a snapshot, the snapshot is the truth (closed ones go)', () => {
    const s = new Store();
    s.applyIncident(incident('gone', 2));
    s.applySync(snapshot(T1, []));
    expect(s.incidents.size).toBe(0);
    // and the events of one wait are not replayed into the next
    s.expectSync();
    s.applyIncident(incident('x', 1));
    s.applySync(snapshot(T1, [incident('x', 1)]));
    s.applyIncident(incident('x', 2, 'closed'));
    s.expectSync();
    s.applySync(snapshot(T1, []));
    expect(s.incidents.size).toBe(0);
  });
});
