import { join, resolve } from 'node:path';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import {
  connectSocket,
  createStack,
  SERVICES_MODE,
  sleep,
  type Recorder,
  type Stack,
} from '../support/harness';
import { TestClock } from '../support/test-clock';

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(__dirname, '../../../shared/data');
const GRACE_SEC = 60;

/** A lon/lat box as a GeoJSON polygon. */
const box = (w: number, s: number, e: number, n: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [w, s],
      [e, s],
      [e, n],
      [w, n],
      [w, s],
    ],
  ],
});

interface AlertEvent {
  id: string;
  kind: string;
  data: { districtId?: string };
}

describe(`coverage alerts at start: grace period, staffed districts only, acknowledged per district, acting seats only (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  const clock = new TestClock();
  let stack: Stack;
  let world: World;
  let base: string;
  let small: string;
  let empty: string;
  const sockets: Recorder[] = [];
  let dispatcherSocket: Recorder;
  let commanderSocket: Recorder;
  let calltakerSocket: Recorder;

  beforeAll(async () => {
    stack = await createStack(
      {
        ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
        COVERAGE_PUSH_SEC: '1',
        COVERAGE_SCHEMES: '1-3-8',
        COVERAGE_ALERT_GRACE_SEC: String(GRACE_SEC),
        // the test moves the clock past the grace period: positions must stay fresh across it
        POSITION_STALE_SEC: '3600',
      },
      { clock },
    );
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    // 锦江区 with five units 400 m … 2 km north of the incident point
    world = await buildWorld(base, 5);
    // a small district holding the first two units, and one nobody is stationed in or stands in
    const dLat = (m: number) => m / 111_320;
    const dLon = (m: number) => m / (111_320 * Math.cos((INCIDENT_POINT.lat * Math.PI) / 180));
    const s = await world.admin.post('/api/v1/jurisdictions', {
      name: '小区A',
      kind: 'district',
      boundary: box(
        INCIDENT_POINT.lon - dLon(500),
        INCIDENT_POINT.lat + dLat(200),
        INCIDENT_POINT.lon + dLon(500),
        INCIDENT_POINT.lat + dLat(1000),
      ),
    });
    expect(s.status).toBe(201);
    small = s.body.id;
    const e = await world.admin.post('/api/v1/jurisdictions', {
      name: '空区',
      kind: 'district',
      boundary: box(104.09, 30.69, 104.1, 30.7),
    });
    expect(e.status).toBe(201);
    empty = e.body.id;
    dispatcherSocket = await connectSocket(base, '/console', world.tokens.dispatcher);
    commanderSocket = await connectSocket(base, '/console', world.tokens.commander);
    calltakerSocket = await connectSocket(base, '/console', world.tokens.calltaker);
    sockets.push(dispatcherSocket, commanderSocket, calltakerSocket);
  }, 240_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack?.close();
  });

  const coverageAlerts = (r: Recorder, districtId?: string) =>
    r.events.filter(
      (e) =>
        e.event === 'alert' &&
        (e.payload as AlertEvent).kind === 'coverage_below_target' &&
        (!districtId || (e.payload as AlertEvent).data.districtId === districtId),
    );
  const openDistrictAlerts = async (who: World['commander'], districtId?: string) =>
    ((await who.get('/api/v1/alerts')).body as AlertEvent[]).filter(
      (a) =>
        a.kind === 'coverage_below_target' && (!districtId || a.data.districtId === districtId),
    );
  const setLevel = async (jurisdictionId: string | null, level: number) =>
    expect(
      (
        await world.commander.post('/api/v1/defense-levels', {
          jurisdictionId,
          level,
          reason: 'test',
        })
      ).status,
    ).toBe(201);

  it('raises nothing during the grace period although every district falls short', async () => {
    // level 1 demands 8 available units per district: every district is short of it
    await setLevel(null, 1);
    await commanderSocket.waitFor((e) => e.event === 'coverage.updated', 15_000);
    await sleep(4000); // four coverage pushes, each judged while the grace period lasts
    for (const s of sockets) expect(coverageAlerts(s)).toEqual([]);
    expect(await openDistrictAlerts(world.commander)).toEqual([]);
  }, 60_000);

  it('after the grace period: one alert per staffed district, to dispatchers and commanders only', async () => {
    clock.advance((GRACE_SEC + 1) * 1000);
    await dispatcherSocket.waitFor(
      (e) =>
        e.event === 'alert' &&
        e.payload.kind === 'coverage_below_target' &&
        e.payload.data.districtId === small,
      15_000,
    );
    await commanderSocket.waitFor(
      (e) =>
        e.event === 'alert' &&
        e.payload.kind === 'coverage_below_target' &&
        e.payload.data.districtId === world.districtId,
      15_000,
    );
    await sleep(3000); // more pushes while the breaches last
    for (const s of [dispatcherSocket, commanderSocket]) {
      expect(coverageAlerts(s, small)).toHaveLength(1);
      expect(coverageAlerts(s, world.districtId)).toHaveLength(1);
      // a district nobody is stationed in or stands in is not judged
      expect(coverageAlerts(s, empty)).toEqual([]);
    }
    // the call-taker's seat gets none: not pushed, not listed, not in its sync snapshot
    expect(coverageAlerts(calltakerSocket)).toEqual([]);
    expect(await openDistrictAlerts(world.calltaker)).toEqual([]);
    expect(await openDistrictAlerts(world.dispatcher)).toHaveLength(2);
    const fresh = await connectSocket(base, '/console', world.tokens.calltaker);
    const sync = await fresh.waitFor((e) => e.event === 'sync');
    fresh.close();
    expect(
      (sync.payload.alerts as AlertEvent[]).filter((a) => a.kind === 'coverage_below_target'),
    ).toEqual([]);
    const commanderSync = await connectSocket(base, '/console', world.tokens.commander);
    const cs = await commanderSync.waitFor((e) => e.event === 'sync');
    commanderSync.close();
    expect(
      (cs.payload.alerts as AlertEvent[]).filter((a) => a.kind === 'coverage_below_target'),
    ).toHaveLength(2);
  }, 60_000);

  it('acknowledged per district: quiet while the breach lasts, alerts again on the next breach, never two open for one district', async () => {
    const [alert] = await openDistrictAlerts(world.dispatcher, small);
    // a call-taker does not acknowledge alerts
    expect((await world.calltaker.post(`/api/v1/alerts/${alert.id}/ack`, {})).status).toBe(403);
    const ack = await world.dispatcher.post(`/api/v1/alerts/${alert.id}/ack`, {});
    expect(ack.status).toBe(200);
    await commanderSocket.waitFor(
      (e) => e.event === 'alert.acknowledged' && e.payload.id === alert.id,
    );
    expect(calltakerSocket.events.filter((e) => e.event === 'alert.acknowledged')).toEqual([]);
    await sleep(3000); // the breach goes on: nothing new for this district
    expect(coverageAlerts(dispatcherSocket, small)).toHaveLength(1);
    expect(await openDistrictAlerts(world.dispatcher, small)).toEqual([]);
    // the other district's alert is still open: acknowledging one district leaves the others
    expect(await openDistrictAlerts(world.dispatcher, world.districtId)).toHaveLength(1);

    // it recovers (everyday level 4: two units, 70 % of its roads within 3 min) …
    await setLevel(small, 4);
    await sleep(3000);
    expect(coverageAlerts(dispatcherSocket, small)).toHaveLength(1);
    // … and breaches again: a new alert
    await setLevel(small, 1);
    await dispatcherSocket.waitFor(
      (e) =>
        e.event === 'alert' &&
        e.payload.kind === 'coverage_below_target' &&
        e.payload.data.districtId === small &&
        e.payload.id !== alert.id,
      15_000,
    );
    const second = await openDistrictAlerts(world.dispatcher, small);
    expect(second).toHaveLength(1);
    // left unacknowledged, recovering and breaching again does not add a second open alert
    await setLevel(small, 4);
    await sleep(3000);
    await setLevel(small, 1);
    await sleep(3000);
    expect(coverageAlerts(dispatcherSocket, small)).toHaveLength(2);
    expect((await openDistrictAlerts(world.dispatcher, small)).map((a) => a.id)).toEqual([
      second[0].id,
    ]);
    expect(coverageAlerts(calltakerSocket)).toEqual([]);
  }, 90_000);
});
