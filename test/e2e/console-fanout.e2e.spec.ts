import { decodePositionFrame } from '@ringcad/domain';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { connectSocket, createStack, SERVICES_MODE, sleep, type Stack } from '../support/harness';

// The console fan-out at scale (#16): many consoles syncing at once, and viewport position frames.
describe(`console fan-out (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;

  beforeAll(async () => {
    stack = await createStack();
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 2);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('gives every one of 40 consoles connecting at once its snapshot, and another on sync.request', async () => {
    const consoles = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        connectSocket(base, '/console', i % 2 ? world.tokens.dispatcher : world.tokens.calltaker, {
          positions: 'packed',
        }),
      ),
    );
    const syncs = await Promise.all(
      consoles.map(async (c) => (await c.waitFor((e) => e.event === 'sync', 30_000)).payload),
    );
    for (const s of syncs) expect(s.units.length).toBe(world.units.length);
    const first = consoles[0];
    const before = first.events.filter((e) => e.event === 'sync').length;
    first.socket.emit('sync.request');
    await first.waitFor(
      () => first.events.filter((e) => e.event === 'sync').length > before,
      30_000,
    );
    for (const c of consoles) c.close();
  });

  it('sends a console with a viewport the units moving in it each tick, and the rest of the fleet only now and then', async () => {
    const unit = async (callsign: string) =>
      (await world.admin.post('/api/v1/units', { callsign, kind: 'patrol_car' })).body.unit
        .id as string;
    const near = { id: await unit('视窗内'), ...INCIDENT_POINT };
    // ≈ 10 km east: tiles away from the viewport
    const far = {
      id: await unit('视窗外'),
      lon: INCIDENT_POINT.lon + 0.1,
      lat: INCIDENT_POINT.lat,
    };
    const viewport = await connectSocket(base, '/console', world.tokens.dispatcher, {
      positions: 'packed',
    });
    const whole = await connectSocket(base, '/console', world.tokens.dispatcher, {
      positions: 'packed',
    });
    const sync = (await viewport.waitFor((e) => e.event === 'sync', 30_000)).payload as {
      units: { id: string; num: number }[];
    };
    await whole.waitFor((e) => e.event === 'sync', 30_000);
    const num = new Map(sync.units.map((u) => [u.id, u.num]));
    const d = 0.002;
    viewport.socket.emit('positions.viewport', [
      near.lon - d,
      near.lat - d,
      near.lon + d,
      near.lat + d,
    ]);
    await sleep(500);
    const from = { viewport: viewport.events.length, whole: whole.events.length };
    /** Frames (after the viewport was set) that carried this unit. */
    const framesWith = (c: typeof viewport, start: number, unitNum: number | undefined) =>
      c.events.slice(start).filter((e) => {
        if (e.event !== 'units.positions.packed') return false;
        let has = false;
        decodePositionFrame(e.payload as Buffer, (n) => (has ||= n === unitNum));
        return has;
      }).length;
    // both move every 300 ms for 12 s: twelve or so ticks of the per-second broadcast
    const started = Date.now();
    for (let k = 0; Date.now() - started < 12_000; k++) {
      const at = new Date().toISOString();
      const step = k * 1e-5;
      const r = await world.admin.post('/api/v1/units/positions', {
        positions: [
          { unitId: near.id, lon: near.lon + step, lat: near.lat, at },
          { unitId: far.id, lon: far.lon + step, lat: far.lat, at },
        ],
      });
      expect(r.status).toBe(202);
      await sleep(300);
    }
    // the whole-city console got both every tick; the viewport console the near unit every tick
    // and the far one only in the slow frame of the rest (every 10 ticks)
    const deadline = Date.now() + 20_000;
    while (framesWith(viewport, from.viewport, num.get(far.id)) < 1 && Date.now() < deadline)
      await sleep(200);
    const nearTicks = framesWith(viewport, from.viewport, num.get(near.id));
    const farTicks = framesWith(viewport, from.viewport, num.get(far.id));
    const wholeFarTicks = framesWith(whole, from.whole, num.get(far.id));
    expect(farTicks).toBeGreaterThanOrEqual(1);
    expect(farTicks).toBeLessThanOrEqual(3);
    expect(nearTicks).toBeGreaterThan(farTicks);
    expect(wholeFarTicks).toBeGreaterThan(farTicks);
    // back to the whole city
    viewport.socket.emit('positions.viewport', null);
    await sleep(500);
    const again = viewport.events.length;
    await world.admin.post('/api/v1/units/positions', {
      positions: [
        { unitId: far.id, lon: far.lon, lat: far.lat + 1e-4, at: new Date().toISOString() },
      ],
    });
    const end = Date.now() + 10_000;
    while (framesWith(viewport, again, num.get(far.id)) < 1 && Date.now() < end) await sleep(200);
    expect(framesWith(viewport, again, num.get(far.id))).toBe(1);
    viewport.close();
    whole.close();
  });
});
