import { Client } from 'pg';
import IORedis from 'ioredis';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import {
  client,
  connectSocket,
  createStack,
  SERVICES_MODE,
  sleep,
  type Stack,
} from '../support/harness';
import { TestClock } from '../support/test-clock';

/** Alerts an incident's timeline recorded, by kind. */
async function alertEvents(world: World, incidentId: string, kind: string) {
  const tl = await world.dispatcher.get(`/api/v1/incidents/${incidentId}/timeline`);
  return tl.body.events.filter((e: { type: string }) => e.type === `alert.${kind}`);
}

/** Timers are swept every 0.2 s here; a pending timer fires once it is this late. */
const SWEEP_SEC = 0.2;
const GRACE_MS = 5_000;
/** Long enough for a few sweeps and any queue job to have run after an alert. */
const SETTLE_MS = 1_200;

async function waitUntil(what: string, check: () => Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function newIncident(world: World, priority = 1) {
  const r = await world.calltaker.post('/api/v1/incidents', {
    location: INCIDENT_POINT,
    category: 'public_order',
    priority,
  });
  expect(r.status).toBe(201);
  return r.body.incident.id as string;
}

describe(`timers (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;
  // one injected clock for the api and the worker: deadlines are reached by moving it, not by
  // waiting, and the product's timer lengths stay what they are in production
  const clock = new TestClock();

  async function restart(whileDown?: () => void) {
    await stack.stopApi();
    if (SERVICES_MODE) await stack.stopWorker();
    whileDown?.();
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    // sessions survive a restart: they are rows, not memory
    world.dispatcher = client(base, world.tokens.dispatcher);
    world.calltaker = client(base, world.tokens.calltaker);
    world.admin = client(base, world.tokens.admin);
  }

  beforeAll(async () => {
    // P1 units must 签收 within 60 s; P1 incidents run the 5-10-30 scheme
    stack = await createStack(
      { ACK_TIMEOUT_P1_SEC: '60', TIMER_SWEEP_SEC: String(SWEEP_SEC) },
      { clock },
    );
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 8);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('alerts when a terminal does not acknowledge in time, and not when it does', async () => {
    const consoleRec = await connectSocket(base, '/console', world.tokens.dispatcher);
    const incidentId = await newIncident(world);
    const [quick, silent] = world.units;
    const r = await world.dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, {
      unitIds: [quick.id, silent.id],
    });
    expect(r.status).toBe(201);
    const quickA = r.body.assignments.find((a: { unitId: string }) => a.unitId === quick.id);
    expect(
      (
        await client(base, quick.token).post(`/api/v1/assignments/${quickA.id}/events`, {
          type: 'ack',
        })
      ).status,
    ).toBe(200);
    // 55 s later nothing is overdue yet
    clock.advance(55_000);
    await sleep(SETTLE_MS);
    expect(await alertEvents(world, incidentId, 'ack_overdue')).toHaveLength(0);
    clock.advance(5_000 + GRACE_MS + 1_000);
    const alert = await consoleRec.waitFor(
      (e) =>
        e.event === 'alert' &&
        e.payload.kind === 'ack_overdue' &&
        e.payload.incidentId === incidentId,
      15_000,
    );
    expect(alert.payload.unitId).toBe(silent.id);
    expect(alert.payload.data.waitedSec).toBeGreaterThanOrEqual(60);
    await sleep(SETTLE_MS);
    const recorded = await alertEvents(world, incidentId, 'ack_overdue');
    expect(recorded).toHaveLength(1);
    expect(recorded[0].data.callsign).toBe(silent.callsign);
    expect(
      consoleRec.events.filter(
        (e) =>
          e.event === 'alert' &&
          e.payload.kind === 'ack_overdue' &&
          e.payload.incidentId === incidentId,
      ),
    ).toHaveLength(1);
    // the alert is in the snapshot until a dispatcher acknowledges it
    const ack = await world.dispatcher.post(`/api/v1/alerts/${alert.payload.id}/ack`);
    expect(ack.status).toBe(200);
    expect(ack.body.acknowledgedAt).not.toBeNull();
    consoleRec.close();
  });

  it('misses a ring tier only when too few units are on scene by its deadline', async () => {
    const incidentId = await newIncident(world);
    const u = world.units[2];
    const r = await world.dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, {
      unitIds: [u.id],
    });
    const a = r.body.assignments[0];
    const terminal = client(base, u.token);
    for (const type of ['ack', 'depart', 'arrive']) {
      expect((await terminal.post(`/api/v1/assignments/${a.id}/events`, { type })).status).toBe(
        200,
      );
    }
    // past the 10-minute tier, before the 30-minute one
    clock.advance(10 * 60_000 + GRACE_MS + 1_000);
    await waitUntil(
      'tier 1 missed',
      async () => (await alertEvents(world, incidentId, 'tier_missed')).length > 0,
    );
    await sleep(SETTLE_MS);
    const missed = await alertEvents(world, incidentId, 'tier_missed');
    // tier 0 (one unit within 5 min) was met; tier 1 (two units within 10 min) was not
    expect(missed.map((e: { data: { tierIndex: number } }) => e.data.tierIndex)).toEqual([1]);
  });

  it('fires a pending timer exactly once across a restart between assignment and deadline', async () => {
    const incidentId = await newIncident(world);
    const u = world.units[3];
    const r = await world.dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, {
      unitIds: [u.id],
    });
    expect(r.status).toBe(201);
    // the deadline passes while nothing runs: on start the restored queue job (due at once) and the
    // sweeper both reach the timer; it fires once
    await restart(() => clock.advance(60_000 + GRACE_MS + 1_000));
    await waitUntil(
      'ack overdue after restart',
      async () => (await alertEvents(world, incidentId, 'ack_overdue')).length > 0,
    );
    await sleep(SETTLE_MS);
    expect(await alertEvents(world, incidentId, 'ack_overdue')).toHaveLength(1);
  });

  it('fires a timer whose deadline comes after a restart (the restored job waits, the sweeper catches it)', async () => {
    const incidentId = await newIncident(world);
    const u = world.units[5];
    const r = await world.dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, {
      unitIds: [u.id],
    });
    expect(r.status).toBe(201);
    await restart();
    clock.advance(30_000);
    await sleep(SETTLE_MS);
    expect(await alertEvents(world, incidentId, 'ack_overdue')).toHaveLength(0);
    clock.advance(30_000 + GRACE_MS + 1_000);
    await waitUntil(
      'ack overdue',
      async () => (await alertEvents(world, incidentId, 'ack_overdue')).length > 0,
    );
    await sleep(SETTLE_MS);
    expect(await alertEvents(world, incidentId, 'ack_overdue')).toHaveLength(1);
  });

  it('re-creates timers from the database when the queue lost them', async () => {
    await stack.stopApi();
    if (SERVICES_MODE) await stack.stopWorker();
    base = (await stack.startApi()).url;
    world.dispatcher = client(base, world.tokens.dispatcher);
    world.calltaker = client(base, world.tokens.calltaker);
    const incidentId = await newIncident(world);
    const u = world.units[4];
    const r = await world.dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, {
      unitIds: [u.id],
    });
    expect(r.status).toBe(201);
    await stack.stopApi();
    // lose every queued job
    if (SERVICES_MODE) {
      const redis = new IORedis(process.env.REDIS_URL as string);
      const keys = await redis.keys(`${stack.config.REDIS_PREFIX}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    } else {
      const { PGlite } = await import('@electric-sql/pglite');
      const { postgis } = await import('@electric-sql/pglite-postgis');
      const pg = await PGlite.create({ dataDir: stack.config.DATA_DIR, extensions: { postgis } });
      const deleted = await pg.query<{ n: number }>(
        `WITH d AS (DELETE FROM bullmq.job RETURNING 1) SELECT count(*)::int AS n FROM d`,
      );
      expect(deleted.rows[0].n).toBeGreaterThan(0);
      await pg.close();
    }
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world.dispatcher = client(base, world.tokens.dispatcher);
    clock.advance(60_000 + GRACE_MS + 1_000);
    await waitUntil(
      'ack overdue from the database',
      async () => (await alertEvents(world, incidentId, 'ack_overdue')).length > 0,
    );
    await sleep(SETTLE_MS);
    expect(await alertEvents(world, incidentId, 'ack_overdue')).toHaveLength(1);
    void Client;
  });
});
