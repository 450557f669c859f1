import { consoleEventSchemas, terminalEventSchemas, type IncidentView } from '@ringcad/contracts';
import { decodePositionFrame } from '@ringcad/domain';
import { RealtimePublisher, type BroadcastTarget } from './realtime';

interface Sent {
  ns: 'console' | 'terminal';
  rooms: string[] | 'all';
  event: string;
  payload: unknown;
}

/** The bus as the outside world: records what was emitted where. */
function recordingTarget(sent: Sent[]): BroadcastTarget {
  const namespace = (ns: Sent['ns']) => ({
    to: (rooms: string | string[]) => ({
      emit: (event: string, payload: unknown) =>
        sent.push({ ns, rooms: ([] as string[]).concat(rooms), event, payload }),
    }),
    emit: (event: string, payload: unknown) => sent.push({ ns, rooms: 'all', event, payload }),
  });
  return { console: namespace('console'), terminal: namespace('terminal') };
}

const incident: IncidentView = {
  id: 'i1',
  number: '110-20260101-000001',
  status: 'new',
  category: 'theft',
  priority: 2,
  schemeId: '1-3-8',
  exercise: false,
  location: { lon: 121.47, lat: 31.23 },
  address: null,
  callerNumber: '13812345678',
  callerName: '张三',
  description: null,
  jurisdiction: { districtId: 'D', stationId: 'S', gridId: null },
  receivedAt: '2026-01-01T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z',
  dispatchedAt: null,
  closedAt: null,
  version: 1,
};

describe('RealtimePublisher', () => {
  it('sends an incident to its jurisdictions and the city, masked to seats without caller rights', () => {
    const sent: Sent[] = [];
    const publisher = new RealtimePublisher();
    publisher.bind(recordingTarget(sent));
    publisher.incident('incident.created', incident);
    expect(sent).toHaveLength(2);
    const [pii, masked] = sent;
    expect(pii).toMatchObject({
      ns: 'console',
      rooms: ['pii:all', 'pii:j:D', 'pii:j:S'],
      event: 'incident.created',
    });
    expect(pii.payload).toEqual(incident);
    expect(masked.rooms).toEqual(['mask:all', 'mask:j:D', 'mask:j:S']);
    expect((masked.payload as IncidentView).callerNumber).not.toBe(incident.callerNumber);
    // what goes out is what the contract says the event carries
    for (const s of sent)
      expect(consoleEventSchemas['incident.created'].safeParse(s.payload).success).toBe(true);
  });

  it('sends positions as the JSON array and as a packed ArrayBuffer frame', () => {
    const sent: Sent[] = [];
    const publisher = new RealtimePublisher();
    publisher.bind(recordingTarget(sent));
    publisher.positions([
      {
        unitId: 'u1',
        num: 7,
        lon: 121.5,
        lat: 31.2,
        at: '2026-01-01T00:00:01.000Z',
        atMs: Date.parse('2026-01-01T00:00:01.000Z'),
      },
    ]);
    const json = sent.find((s) => s.event === 'units.positions');
    const packed = sent.find((s) => s.event === 'units.positions.packed');
    expect(json?.payload).toEqual([
      { unitId: 'u1', lon: 121.5, lat: 31.2, at: '2026-01-01T00:00:01.000Z' },
    ]);
    expect(consoleEventSchemas['units.positions.packed'].safeParse(packed?.payload).success).toBe(
      true,
    );
    expect(packed?.payload).toBeInstanceOf(ArrayBuffer);
    const nums: number[] = [];
    expect(decodePositionFrame(packed?.payload as ArrayBuffer, (num) => nums.push(num))).toBe(1);
    expect(nums).toEqual([7]);
  });

  it("sends a terminal event to the unit's room only", () => {
    const sent: Sent[] = [];
    const publisher = new RealtimePublisher();
    publisher.bind(recordingTarget(sent));
    const payload = { assignmentId: 'a1', incidentId: 'i1', reason: 'recalled' };
    publisher.toTerminal('u1', 'task.cancelled', payload);
    expect(sent).toEqual([
      { ns: 'terminal', rooms: ['unit:u1'], event: 'task.cancelled', payload },
    ]);
    expect(terminalEventSchemas['task.cancelled'].safeParse(payload).success).toBe(true);
  });

  it('refuses at compile time what the event map does not allow', () => {
    const publisher = new RealtimePublisher();
    const typeErrors = () => {
      // @ts-expect-error a unit view is not what incident.note carries
      publisher.toConsoles({ event: 'incident.note', payload: { id: 'u1' } });
      // @ts-expect-error no such console event
      publisher.toConsoles({ event: 'incident.deleted', payload: incident });
      const wrongMask = {
        event: 'incident.updated',
        payload: incident,
        masked: { callerNumber: null },
      } as const;
      // @ts-expect-error the masked copy must have the payload's shape too
      publisher.toConsoles(wrongMask);
      // @ts-expect-error task.cancelled needs a reason
      publisher.toTerminal('u1', 'task.cancelled', { assignmentId: 'a1', incidentId: 'i1' });
      // @ts-expect-error a console event is no terminal event
      publisher.toTerminal('u1', 'incident.updated', incident);
    };
    expect(typeof typeErrors).toBe('function');
  });
});
