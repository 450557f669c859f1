// Services mode: positions reported through one api instance (the AVL gateway behind the L7
// rule) reach the desk instance's road snaps before anyone asks. A call created on the desk
// after a quiet spell is recommended from units snapped ahead in its routing thread, none
// snapped on its event loop (ringcad_unit_snaps_total by source, read from the desk's own
// metrics registry).
import { join, resolve } from 'node:path';
import { MetricsService } from '@ringcad/core';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { client, createStack, describeInServices, sleep, type Stack } from '../support/harness';

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(__dirname, '../../../shared/data');
const describeServices = describeInServices(
  'desk-snaps e2e',
  'reports reach the desk through Redis',
);

describeServices('a desk instance keeps the moving fleet snapped (services mode)', () => {
  let stack: Stack;
  let world: World;

  beforeAll(async () => {
    stack = await createStack({
      ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
      COVERAGE_PUSH_SEC: '0',
    });
    await stack.startApi(0); // the desk
    await stack.startApi(1); // the AVL gateway
    // the world is built through the gateway: its units' reports are taken there
    world = await buildWorld(stack.api(1).url, 5);
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
  });

  const snaps = async () => {
    const metric = stack
      .api(0)
      .app.get(MetricsService)
      .registry.getSingleMetric('ringcad_unit_snaps_total');
    const values = (await metric?.get())?.values ?? [];
    const of = (source: string) => values.find((v) => v.labels.source === source)?.value ?? 0;
    return { ahead: of('ahead'), onTheSpot: of('on_the_spot') };
  };

  it('recommends a call after a quiet spell from snaps made ahead, none on the event loop', async () => {
    // the units move (reported through the gateway), then nobody asks anything for a while
    const moved = await world.admin.post('/api/v1/units/positions', {
      positions: world.units.map((u) => ({
        unitId: u.id,
        lon: u.lon + 0.001,
        lat: u.lat,
        at: new Date().toISOString(),
      })),
    });
    expect(moved.status).toBe(202);
    await sleep(6000);
    const before = await snaps();
    const desk = client(stack.api(0).url, world.tokens.calltaker);
    const created = await desk.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'dispute',
      priority: 2,
    });
    expect(created.status).toBe(201);
    // the create's answer ranked every unit on the roads
    expect(created.body.recommendation.candidates).toHaveLength(world.units.length);
    const after = await snaps();
    expect(after.onTheSpot - before.onTheSpot).toBe(0);
    expect(after.ahead - before.ahead).toBe(world.units.length);
  }, 60_000);
});
