import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snapPoint } from '@ringcad/routing';
import { haversineM } from '@ringcad/domain';
import { DEFAULT_CITY_SEED, demoCity } from '../../apps/simulator/src/demo-city';
import { inBox } from '../../apps/simulator/src/geo';
import { RoadMovementModel } from '../../apps/simulator/src/movement';
import { Simulator, type SimulatorOptions } from '../../apps/simulator/src/simulator';
import type { SimLogger } from '../../apps/simulator/src/logger';
import {
  ADMIN_PASSWORD,
  createStack,
  login,
  SERVICES_MODE,
  sleep,
  type Stack,
} from '../support/harness';

const PASSWORDS = {
  calltaker: 'calltaker-sim-pass',
  dispatcher: 'dispatcher-sim-pass',
  commander: 'commander-sim-pass',
};

/** Polls `probe` until it returns something truthy; the last value explains a timeout. */
async function eventually<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

function recordingLogger() {
  const lines: { level: 'info' | 'warn' | 'error'; message: string }[] = [];
  const log: SimLogger = {
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
  };
  return { log, lines };
}

/** The demo city the api routes on with DEMO=1, and its road graph (built as the api builds it). */
const city = demoCity(DEFAULT_CITY_SEED);
const roads = RoadMovementModel.fromRoads(city.roads).graph;
/** Metres from `p` to the nearest road of the demo city (Infinity beyond 200 m). */
const offRoadM = (p: { lon: number; lat: number }) =>
  snapPoint(roads, p, { maxSnapM: 200, component: 'any' })?.distanceM ?? Infinity;

describe(`the simulator (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let base: string;
  let dir: string;
  let sim: Simulator | undefined;
  let options: SimulatorOptions;
  const recorded = recordingLogger();

  beforeAll(async () => {
    // DEMO=1: the api loads the synthetic city of seed 110 as its road network, the simulator's city
    // the simulator compresses time 30×, so its units really do cover ground 30× too fast for the
    // jump filter's 250 km/h: raise the limit accordingly
    stack = await createStack({ DEMO: '1', MAX_PLAUSIBLE_SPEED_KMH: String(250 * 30) });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    dir = mkdtempSync(join(tmpdir(), 'ringcad-sim-'));
    options = {
      apiUrl: base,
      adminPassword: ADMIN_PASSWORD,
      passwords: PASSWORDS,
      stateFile: join(dir, 'state', 'simulator-state.json'),
      seed: DEFAULT_CITY_SEED,
      speed: 30,
      units: 6,
      positionIntervalMs: 500,
      callsPerHour: 0,
      autoDispatch: true,
      // 2 s of real time: room for the test to read the recommendation the dispatcher will follow
      autoDispatchAfterSec: 60,
      log: recorded.log,
    };
    sim = new Simulator(options);
    await sim.start();
    // the api imports the 10,000-node demo city on first start: seconds, more on PGlite
  }, 120_000);

  afterAll(async () => {
    await sim?.stop();
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('seeds an empty city through the public API: accounts, districts, places and units on duty', async () => {
    expect(sim!.summary()).toMatchObject({ seeded: true, unitsSimulated: 6 });
    const commander = await login(base, 'commander', PASSWORDS.commander);
    await login(base, 'calltaker', PASSWORDS.calltaker);
    await login(base, 'dispatcher', PASSWORDS.dispatcher);

    const fc = (await commander.get('/api/v1/jurisdictions')).body;
    const districts = fc.features.filter((f: any) => f.properties.kind === 'district');
    const stations = fc.features.filter((f: any) => f.properties.kind === 'station');
    expect(districts.map((d: any) => d.properties.name).sort()).toEqual(
      city.districts.map((d) => d.name).sort(),
    );
    const stationCount = city.districts.reduce((n, d) => n + d.stations.length, 0);
    expect(stations).toHaveLength(stationCount);
    for (const s of stations)
      expect(districts.map((d: any) => d.properties.id)).toContain(s.properties.parentId);
    // not in API.md yet (only POST is): see the report
    const checkpoints = await commander.get('/api/v1/checkpoints');
    expect(checkpoints.status).toBe(200);
    expect(checkpoints.body).toHaveLength(city.checkpoints.length);

    // the api routes on the simulator's city: the road network it loaded is the same graph
    const network = await commander.get('/api/v1/road-network');
    expect(network.status).toBe(200);
    expect(network.body).toMatchObject({
      nodes: roads.stats.nodes,
      segments: roads.stats.segments,
    });

    const units = (await commander.get('/api/v1/units')).body as any[];
    expect(units).toHaveLength(6);
    expect(units.map((u) => u.callsign)).toContain('川A-巡01');
    expect(new Set(units.map((u) => u.kind))).toContain('patrol_car');
    for (const u of units) expect(u.status).toBe('available');

    // every terminal is online and reporting: positions are fresh and keep coming
    await eventually('all terminals online', async () => sim!.summary().unitsOnline === 6);
    const seen = Date.now();
    const fresh = await eventually('fresh positions from every unit', async () => {
      const list = (await commander.get('/api/v1/units')).body as any[];
      return list.every((u) => u.position && !u.position.stale && Date.parse(u.position.at) > seen)
        ? list
        : null;
    });
    for (const u of fresh) {
      // in the city and on its streets: units start at standby points and drive on roads
      expect(inBox(u.position, city.box)).toBe(true);
      expect(offRoadM(u.position)).toBeLessThan(5);
    }

    const state = JSON.parse(readFileSync(options.stateFile, 'utf8'));
    expect(state.seedComplete).toBe(true);
    expect(state.units.map((u: any) => u.id).sort()).toEqual(units.map((u) => u.id).sort());
    for (const u of state.units) expect(u.token).toEqual(expect.any(String));
  });

  it('dispatches a call nobody takes, and the unit acks, departs, arrives and clears; then it is closed', async () => {
    const calltaker = await login(base, 'calltaker', PASSWORDS.calltaker);
    const dispatcher = await login(base, 'dispatcher', PASSWORDS.dispatcher);
    // the call comes from a place on a street 1-3 km from the nearest unit: a real drive, which
    // takes seconds at speed 30
    const units = (await dispatcher.get('/api/v1/units')).body as any[];
    const nearestUnitM = (p: { lon: number; lat: number }) =>
      Math.min(...units.filter((u) => u.position).map((u) => haversineM(u.position, p)));
    const place = [...city.standbyPoints, ...city.checkpoints]
      .map((p) => ({ ...p, nearestM: nearestUnitM(p.location) }))
      .filter((p) => p.nearestM >= 1000 && p.nearestM <= 3000)
      .sort((a, b) => a.nearestM - b.nearestM)[0];
    expect(place).toBeDefined();
    const created = await calltaker.post('/api/v1/incidents', {
      location: place.location,
      category: 'dispute',
      priority: 2,
      address: '锦城区红星路88号',
      callerNumber: '13800001111',
      description: '邻里纠纷',
    });
    expect(created.status).toBe(201);
    const id = created.body.incident.id as string;
    // what the dispatcher will follow: ETAs over the road network for units on its streets
    const rec = await dispatcher.get(`/api/v1/incidents/${id}/recommendation`);
    expect(rec.status).toBe(200);
    expect(rec.body.candidates.length).toBeGreaterThan(0);

    const timeline = await eventually(
      'the assignment to be cleared',
      async () => {
        const tl = await dispatcher.get(`/api/v1/incidents/${id}/timeline`);
        return tl.body.events.some((e: any) => e.type === 'assignment.clear') ? tl.body : null;
      },
      60_000,
    );
    const closed = await eventually('the incident to be closed', async () => {
      const r = await dispatcher.get(`/api/v1/incidents/${id}`);
      return r.body.status === 'closed' ? r.body : null;
    });
    expect(closed.status).toBe('closed');

    // tracks are persisted by a background job: wait until the drive's last fixes are stored
    const final = await eventually('the drive to be on the record', async () => {
      const tl = (await dispatcher.get(`/api/v1/incidents/${id}/timeline`)).body;
      const uid = tl.assignments[0]?.unitId;
      const pts = tl.tracks.find((t: any) => t.unitId === uid)?.points ?? [];
      const lastPt = pts[pts.length - 1];
      return pts.length > 2 &&
        lastPt &&
        haversineM({ lon: lastPt[0], lat: lastPt[1] }, place.location) < 30
        ? tl
        : null;
    });
    const types = final.events.map((e: any) => e.type);
    expect(types).toEqual([
      'incident.created',
      'units.assigned',
      'assignment.ack',
      'assignment.depart',
      'assignment.arrive',
      'assignment.clear',
      'incident.closed',
    ]);
    const byType = Object.fromEntries(final.events.map((e: any) => [e.type, e]));
    expect(byType['units.assigned'].actor.name).toBe('dispatcher');
    expect(byType['incident.closed'].actor.name).toBe('dispatcher');
    const unitId = timeline.assignments[0].unitId;
    for (const t of [
      'assignment.ack',
      'assignment.depart',
      'assignment.arrive',
      'assignment.clear',
    ]) {
      expect(byType[t].actor).toMatchObject({ kind: 'unit', id: unitId });
    }
    expect(final.assignments).toHaveLength(1);
    expect(final.metrics.dispatchSec).toBeGreaterThanOrEqual(0);
    expect(final.metrics.firstArriveSec).toBeGreaterThanOrEqual(final.metrics.ackSec);
    // the recommendation routed the assigned unit over the roads
    const candidate = rec.body.candidates.find((c: any) => c.unitId === unitId);
    expect(candidate).toMatchObject({ method: 'road' });
    // the unit reported its drive: its track is on the incident's record, along the streets from
    // where it was to the incident
    const track = final.tracks.find((t: any) => t.unitId === unitId);
    expect(track?.points.length).toBeGreaterThan(2);
    const points = (track.points as [number, number, number][]).map(([lon, lat]) => ({ lon, lat }));
    for (const p of points) expect(offRoadM(p)).toBeLessThan(5);
    const distinct = new Set(points.map((p) => `${p.lon},${p.lat}`));
    expect(distinct.size).toBeGreaterThan(2);
    expect(haversineM(points[0], place.location)).toBeGreaterThan(500);
    expect(haversineM(points[points.length - 1], place.location)).toBeLessThan(30);

    const unit = ((await dispatcher.get('/api/v1/units')).body as any[]).find(
      (u) => u.id === unitId,
    );
    expect(unit.status).toBe('available');
    // the simulator counts an answer when it arrives, which may be just after the server committed
    await eventually(
      'the simulator to count the closed incident',
      async () => sim!.summary().closes === 1,
    );
    expect(sim!.summary()).toMatchObject({
      dispatches: 1,
      tasksReceived: 1,
      tasksCompleted: 1,
      closes: 1,
      taskRefusals: 0,
    });
  });

  it('restarts with the units and tokens of its state file instead of seeding again', async () => {
    await sim!.stop();
    sim = new Simulator(options);
    await sim.start();
    expect(sim.summary()).toMatchObject({ seeded: false, unitsSimulated: 6 });
    const commander = await login(base, 'commander', PASSWORDS.commander);
    expect((await commander.get('/api/v1/units')).body).toHaveLength(6);
    expect((await commander.get('/api/v1/jurisdictions')).body.features).toHaveLength(
      city.districts.length + city.districts.reduce((n, d) => n + d.stations.length, 0),
    );
    await eventually(
      'terminals back online with their saved tokens',
      async () => sim!.summary().unitsOnline === 6,
    );
    const restarted = Date.now();
    await eventually('positions after the restart', async () => {
      const list = (await commander.get('/api/v1/units')).body as any[];
      return list.every((u) => u.position && Date.parse(u.position.at) > restarted);
    });
    expect(recorded.lines.filter((l) => l.level === 'error')).toEqual([]);
    // the api and the simulator agree on the city: no road network warning
    expect(recorded.lines.filter((l) => /road network/.test(l.message))).toEqual([]);
  });
});
