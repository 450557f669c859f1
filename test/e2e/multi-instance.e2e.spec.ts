import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { decodePositionFrame } from '@ringcad/domain';
import {
  connectSocket,
  createStack,
  describeInServices,
  sleep,
  type Stack,
} from '../support/harness';

// Two api instances only make sense against a shared PostgreSQL and Redis.
const describeServices = describeInServices(
  'multi-instance e2e',
  'DATABASE_URL and REDIS_URL unset',
);

describeServices('two api instances behind one Redis', () => {
  let stack: Stack;
  let world: World;

  beforeAll(async () => {
    stack = await createStack({ ACK_TIMEOUT_P1_SEC: '2' });
    await stack.startApi(0);
    await stack.startApi(1);
    await stack.startWorker();
    world = await buildWorld(stack.api(0).url);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('delivers an assignment made through instance A to a console and a terminal on instance B', async () => {
    const onB = await connectSocket(stack.api(1).url, '/console', world.tokens.dispatcher);
    await onB.waitFor((e) => e.event === 'sync');
    const u = world.units[0];
    const terminalOnB = await connectSocket(stack.api(1).url, '/terminal', u.token);
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'traffic',
      priority: 1,
    });
    const id = created.body.incident.id;
    await onB.waitFor((e) => e.event === 'incident.created' && e.payload.id === id);
    const assigned = await world.dispatcher.post(`/api/v1/incidents/${id}/assignments`, {
      unitIds: [u.id],
    });
    expect(assigned.status).toBe(201);
    const seen = await onB.waitFor(
      (e) => e.event === 'assignment.updated' && e.payload.incidentId === id,
    );
    expect(seen.payload.unitId).toBe(u.id);
    const task = await terminalOnB.waitFor((e) => e.event === 'task.assigned');
    expect(task.payload.incident.id).toBe(id);
    // the worker (a third process) fires the ack-overdue timer; its alert reaches B through Redis
    const alert = await onB.waitFor(
      (e) => e.event === 'alert' && e.payload.incidentId === id,
      15_000,
    );
    expect(alert.payload.kind).toBe('ack_overdue');
    onB.close();
    terminalOnB.close();
  });

  it("cuts the positions posted through instance A into a frame a tick for B's viewport consoles", async () => {
    const unit = async (callsign: string) =>
      (await world.admin.post('/api/v1/units', { callsign, kind: 'patrol_car' })).body.unit
        .id as string;
    const near = { id: await unit('B视窗内'), ...INCIDENT_POINT };
    const far = {
      id: await unit('B视窗外'),
      lon: INCIDENT_POINT.lon + 0.1,
      lat: INCIDENT_POINT.lat,
    };
    const onB = await connectSocket(stack.api(1).url, '/console', world.tokens.dispatcher, {
      positions: 'packed',
    });
    const sync = (await onB.waitFor((e) => e.event === 'sync', 30_000)).payload as {
      units: { id: string; num: number }[];
    };
    const num = new Map(sync.units.map((u) => [u.id, u.num]));
    const d = 0.002;
    onB.socket.emit('positions.viewport', [near.lon - d, near.lat - d, near.lon + d, near.lat + d]);
    await sleep(500);
    const from = onB.events.length;
    const started = Date.now();
    for (let k = 0; Date.now() - started < 6_000; k++) {
      const at = new Date().toISOString();
      const r = await world.admin.post('/api/v1/units/positions', {
        positions: [
          { unitId: near.id, lon: near.lon + k * 1e-5, lat: near.lat, at },
          { unitId: far.id, lon: far.lon + k * 1e-5, lat: far.lat, at },
        ],
      });
      expect(r.status).toBe(202);
      await sleep(300);
    }
    await sleep(1500);
    const frames = onB.events.slice(from).filter((e) => e.event === 'units.positions.packed');
    const nums = frames.map((e) => {
      const n: number[] = [];
      decodePositionFrame(e.payload as Buffer, (x) => n.push(x));
      return n;
    });
    // a frame each tick with the unit in view; the one out of view only in the slow rest frame
    const withNear = nums.filter((n) => n.includes(num.get(near.id) as number));
    expect(withNear.length).toBeGreaterThanOrEqual(3);
    expect(nums.filter((n) => n.includes(num.get(far.id) as number)).length).toBeLessThanOrEqual(1);
    onB.close();
  });
});
