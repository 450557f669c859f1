import { join, resolve } from 'node:path';
import { DEFAULT_SPEED_PROFILE, peakFactorAt } from '@ringcad/routing';
import { buildWorld, type World } from '../support/fixtures';
import { connectSocket, createStack, SERVICES_MODE, type Stack } from '../support/harness';

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(__dirname, '../../../shared/data');

describe(`live ring coverage and move-ups (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;

  beforeAll(async () => {
    stack = await createStack({
      ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
      COVERAGE_PUSH_SEC: '1',
    });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 5);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('reports road km and area within each tier, per district, with blind spots', async () => {
    // coverage may be served from a cache up to 2 s old: wait for one that sees the five units
    let r = await world.commander.get('/api/v1/coverage?scheme=1-3-8');
    for (let i = 0; i < 30 && r.body.units !== 5; i++) {
      await new Promise((res) => setTimeout(res, 200));
      r = await world.commander.get('/api/v1/coverage?scheme=1-3-8');
    }
    expect(r.status).toBe(200);
    expect(r.body.scheme.id).toBe('1-3-8');
    expect(r.body.units).toBe(5);
    expect(r.body.tiers.map((t: { sec: number }) => t.sec)).toEqual([60, 180, 480]);
    const pcts = r.body.tiers.map((t: { roadKmPct: number }) => t.roadKmPct);
    expect(pcts[0]).toBeGreaterThan(0);
    expect(pcts[0]).toBeLessThanOrEqual(pcts[1]);
    expect(pcts[1]).toBeLessThanOrEqual(pcts[2]);
    expect(pcts[2]).toBeLessThan(100); // five units near Tianfu Square cannot cover the whole centre in 8 min
    for (const t of r.body.tiers) {
      expect(t.areaPct).toBeGreaterThanOrEqual(0);
      expect(t.areaPct).toBeLessThanOrEqual(100);
    }
    expect(r.body.districts).toHaveLength(1);
    expect(r.body.districts[0].id).toBe(world.districtId);
    expect(r.body.blindSpots.type).toBe('FeatureCollection');
    expect(r.body.blindSpots.features.length).toBeGreaterThan(0);
  });

  it('shrinks when units are dispatched, and is pushed to consoles', async () => {
    const c = await connectSocket(base, '/console', world.tokens.commander);
    const pushed = await c.waitFor((e) => e.event === 'coverage.updated', 15_000);
    expect(pushed.payload.tiers.length).toBeGreaterThan(0);
    const before = (await world.commander.get('/api/v1/coverage?scheme=5-10-30')).body;
    const inc = await world.calltaker.post('/api/v1/incidents', {
      location: { lon: 104.0657, lat: 30.6574 },
      category: 'fire',
      priority: 2,
    });
    await world.dispatcher.post(`/api/v1/incidents/${inc.body.incident.id}/assignments`, {
      unitIds: world.units.slice(0, 4).map((u) => u.id),
    });
    await new Promise((r) => setTimeout(r, 2100)); // past the 2 s cache
    const after = (await world.commander.get('/api/v1/coverage?scheme=5-10-30')).body;
    expect(after.units).toBe(1);
    for (let i = 0; i < before.tiers.length; i++)
      expect(after.tiers[i].roadKmPct).toBeLessThanOrEqual(before.tiers[i].roadKmPct);
    expect(after.tiers[0].roadKmPct).toBeLessThan(before.tiers[0].roadKmPct);
    await world.dispatcher.post(`/api/v1/incidents/${inc.body.incident.id}/cancel`, {
      reason: 'test',
    });
    c.close();
  });

  it('moves a unit from the crowded centre to the empty standby point', async () => {
    const far = await world.admin.post('/api/v1/standby-points', {
      name: '东北角备勤点',
      location: { lon: 104.115, lat: 30.715 },
    });
    const near = await world.admin.post('/api/v1/standby-points', {
      name: '天府广场岗亭',
      location: { lon: 104.0657, lat: 30.6574 },
    });
    expect(far.status).toBe(201);
    expect(near.status).toBe(201);
    const r = await world.dispatcher.get('/api/v1/coverage/move-ups?scheme=1-3-8');
    expect(r.status).toBe(200);
    expect(r.body.length).toBeGreaterThanOrEqual(1);
    expect(world.units.map((u) => u.id)).toContain(r.body[0].unitId);
    expect(r.body[0].gainPct).toBeGreaterThan(0);
    // greedy: the first move is the one that gains most, and later ones gain no more
    const gains = r.body.map((m: { gainPct: number }) => m.gainPct);
    expect([...gains].sort((a, b) => b - a)).toEqual(gains);
    if (peakFactorAt(DEFAULT_SPEED_PROFILE, new Date()) === 1) {
      // off-peak the units north of the square reach it in time: the empty corner gains most
      expect(r.body[0].to.standbyPointId).toBe(far.body.id);
    } else {
      // 早晚高峰 (speeds × 0.6) the square itself falls out of the ring and may come first; the
      // empty corner still gets a unit
      expect(r.body.map((m: { to: { standbyPointId: string } }) => m.to.standbyPointId)).toContain(
        far.body.id,
      );
    }
    const one = await world.dispatcher.get('/api/v1/coverage/move-ups?scheme=1-3-8&max=1');
    expect(one.body).toHaveLength(1);
    expect(one.body[0]).toEqual(r.body[0]);
  });

  it('refuses unknown schemes and tiers', async () => {
    expect((await world.commander.get('/api/v1/coverage?scheme=9-9-9')).status).toBe(400);
    expect(
      (await world.commander.get('/api/v1/coverage/move-ups?scheme=1-3-8&tier=7')).status,
    ).toBe(400);
    expect(
      (await world.commander.get('/api/v1/coverage/move-ups?scheme=1-3-8&tier=x')).status,
    ).toBe(400);
  });
});
