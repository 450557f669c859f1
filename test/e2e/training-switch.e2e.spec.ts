import { join, resolve } from 'node:path';
import { ApiClient } from '../../apps/simulator/src/api-client';
import { AutoDispatcher } from '../../apps/simulator/src/auto-dispatcher';
import type { SimLogger } from '../../apps/simulator/src/logger';
import { deriveRng } from '../../apps/simulator/src/random';
import { emptyStats } from '../../apps/simulator/src/stats';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import {
  connectSocket,
  createStack,
  SERVICES_MODE,
  sleep,
  type Recorder,
  type Stack,
} from '../support/harness';

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(__dirname, '../../../shared/data');

describe(`训练模拟: 自动派警 — the simulator dispatches only while switched on (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;
  let commanderSocket: Recorder;
  let auto: AutoDispatcher | undefined;
  const stats = emptyStats();
  const lines: string[] = [];
  const log: SimLogger = {
    info: (m) => lines.push(m),
    warn: (m) => lines.push(m),
    error: (m) => lines.push(m),
  };

  beforeAll(async () => {
    stack = await createStack({
      ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
      COVERAGE_PUSH_SEC: '0',
    });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 3);
    commanderSocket = await connectSocket(base, '/console', world.tokens.commander);
  }, 240_000);

  afterAll(async () => {
    await auto?.stop();
    commanderSocket?.close();
    await stack?.close();
  });

  it('is off on a new system; dispatchers and commanders set it, others are refused, bad input changes nothing', async () => {
    const initial = await world.calltaker.get('/api/v1/training/simulation');
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({
      autoDispatch: false,
      demo: false,
      updatedAt: null,
      updatedBy: null,
    });
    const refused = await world.calltaker.raw('PUT', '/api/v1/training/simulation', {
      autoDispatch: true,
    });
    expect(refused.status).toBe(403);
    for (const body of [{}, { autoDispatch: 'yes' }, { autoDispatch: true, extra: 1 }]) {
      const bad = await world.dispatcher.raw('PUT', '/api/v1/training/simulation', body);
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await world.dispatcher.get('/api/v1/training/simulation')).body.autoDispatch).toBe(
      false,
    );
    expect(commanderSocket.events.filter((e) => e.event === 'training.updated')).toEqual([]);
  });

  it('the auto-dispatcher leaves incidents to the dispatcher while off, and takes them once switched on', async () => {
    const dispatcher = await ApiClient.login(base, 'dispatcher', 'dispatcher-password');
    auto = new AutoDispatcher({
      dispatcher,
      dispatchAfterMs: 500,
      closeAfterMs: 60_000,
      retryMs: 1000,
      rng: deriveRng(110, 'dispatcher'),
      log,
      stats,
    });
    auto.start();
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'dispute',
      priority: 2,
    });
    expect(created.status).toBe(201);
    const id = created.body.incident.id as string;
    await sleep(4000); // eight times its wait: the switch is off
    expect((await world.dispatcher.get(`/api/v1/incidents/${id}`)).body.status).toBe('new');
    expect(stats.dispatches).toBe(0);

    // a commander switches it on: every console hears it, the simulator acts
    const on = await world.dispatcher.raw('PUT', '/api/v1/training/simulation', {
      autoDispatch: true,
    });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ autoDispatch: true, updatedBy: 'dispatcher' });
    await commanderSocket.waitFor(
      (e) => e.event === 'training.updated' && e.payload.autoDispatch === true,
    );
    for (let i = 0; i < 160 && stats.dispatches === 0; i++) await sleep(250);
    expect(stats.dispatches).toBe(1);
    expect((await world.dispatcher.get(`/api/v1/incidents/${id}`)).body.status).not.toBe('new');

    // switched off again: a new incident stays with the dispatcher
    expect(
      (await world.commander.raw('PUT', '/api/v1/training/simulation', { autoDispatch: false }))
        .status,
    ).toBe(200);
    for (let i = 0; i < 40 && auto.switchedOn; i++) await sleep(100);
    expect(auto.switchedOn).toBe(false);
    const second = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'dispute',
      priority: 2,
    });
    await sleep(3000);
    expect(
      (await world.dispatcher.get(`/api/v1/incidents/${second.body.incident.id}`)).body.status,
    ).toBe('new');
    expect(stats.dispatches).toBe(1);
    // the human's first assignment succeeds
    const mine = await world.dispatcher.post(
      `/api/v1/incidents/${second.body.incident.id}/assignments`,
      { unitIds: [world.units[2].id] },
    );
    expect(mine.status).toBe(201);
  }, 90_000);
});
