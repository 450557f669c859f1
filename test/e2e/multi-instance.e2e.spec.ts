import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { connectSocket, createStack, SERVICES_MODE, type Stack } from '../support/harness';

// Two api instances only make sense against a shared PostgreSQL and Redis.
const describeServices = SERVICES_MODE ? describe : describe.skip;
if (!SERVICES_MODE) {
  console.info('multi-instance e2e runs in services mode only (DATABASE_URL and REDIS_URL unset)');
}

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
});
