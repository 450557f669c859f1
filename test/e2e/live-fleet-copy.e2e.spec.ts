// Services mode: a desk instance ranks the fleet from a copy of the live positions (one Redis
// read a second however many recommendations ask). A copy a little past its second is served at
// once while it is read again, so no recommendation waits for the whole fleet's read; a copy
// older than RECENT_FLEET_SERVE_MS (a quiet spell) is read again before it is served. Positions
// are reported through another instance (the AVL gateway), as in production.
import { LiveFleetService, RECENT_FLEET_MS, RECENT_FLEET_SERVE_MS } from '@ringcad/core';
import IORedis from 'ioredis';
import { buildWorld, type World } from '../support/fixtures';
import { createStack, describeInServices, sleep, type Stack } from '../support/harness';

const describeServices = describeInServices(
  'live-fleet-copy e2e',
  'the copy is of the fleet shared in Redis',
);

describeServices("a desk's copy of the live fleet (services mode)", () => {
  let stack: Stack;
  let world: World;
  let live: LiveFleetService;

  beforeAll(async () => {
    // no road network: no keeper reading every second, so only these asks read the fleet
    stack = await createStack({ COVERAGE_PUSH_SEC: '0' });
    await stack.startApi(0); // the desk
    await stack.startApi(1); // the AVL gateway
    world = await buildWorld(stack.api(1).url, 2);
    live = stack.api(0).app.get(LiveFleetService);
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
  });

  const report = async (lon: number) => {
    const u = world.units[0];
    const r = await world.admin.post('/api/v1/units/positions', {
      positions: [{ unitId: u.id, lon, lat: u.lat, at: new Date().toISOString() }],
    });
    expect(r.status).toBe(202);
  };
  const lonSeen = async () => (await live.recent()).get(world.units[0].id)?.lon;

  it('serves a copy a little old at once and reads it again behind the ask', async () => {
    const u = world.units[0];
    await report(u.lon + 0.001);
    await sleep(RECENT_FLEET_SERVE_MS + 200);
    // too old to serve: read before answering
    expect(await lonSeen()).toBe(u.lon + 0.001);
    await report(u.lon + 0.002);
    // young: served as it is
    expect(await lonSeen()).toBe(u.lon + 0.001);
    await sleep(RECENT_FLEET_MS + 200);
    // past its second: still served at once, the newer report read behind it
    expect(await lonSeen()).toBe(u.lon + 0.001);
    const deadline = Date.now() + 5000;
    let seen = await lonSeen();
    while (seen !== u.lon + 0.002 && Date.now() < deadline) {
      await sleep(20);
      seen = await lonSeen();
    }
    expect(seen).toBe(u.lon + 0.002);
  });

  it('updates its copy in place: a report handed in is copied, a unit gone from the store leaves', async () => {
    const [a, b] = world.units;
    const redis = new IORedis(process.env.REDIS_URL as string);
    try {
      const key = `${stack.config.REDIS_PREFIX}:live-fleet`;
      const t = Date.now();
      await live.readRecent();
      // this instance's own report: kept in the copy as a copy (the object is the caller's)
      const mine = { lon: a.lon + 0.003, lat: a.lat, atMs: t, speedKmh: null, headingDeg: null };
      await live.update(new Map([[a.id, mine]]));
      // a newer fix of the same unit reaches the store from elsewhere; the other unit leaves it
      await redis.hset(key, a.id, `${a.lon + 0.004},${a.lat},${t + 1000},12,90`);
      await redis.hdel(key, b.id);
      const copy = await live.readRecent();
      expect(copy.get(a.id)).toEqual({
        lon: a.lon + 0.004,
        lat: a.lat,
        atMs: t + 1000,
        speedKmh: 12,
        headingDeg: 90,
      });
      expect(mine.lon).toBe(a.lon + 0.003);
      expect(copy.has(b.id)).toBe(false);
      // an older fix in the store never overwrites the newer one the copy holds
      await redis.hset(key, a.id, `${a.lon + 0.005},${a.lat},${t - 1000},,`);
      expect((await live.readRecent()).get(a.id)?.lon).toBe(a.lon + 0.004);
    } finally {
      redis.disconnect();
    }
  });
});
