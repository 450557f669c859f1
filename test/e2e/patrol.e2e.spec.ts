import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  patrolAt,
  patrolBox,
  patrolDriveEast,
  patrolGrid,
} from '../../libs/routing/src/patrol.fixture';
import {
  buildRoadGraph,
  importGeoJsonRoads,
  inArea,
  patrolVisibility,
} from '../../libs/routing/src';
import {
  ADMIN_PASSWORD,
  client,
  createStack,
  login,
  SERVICES_MODE,
  sleep,
  type Stack,
} from '../support/harness';

type Http = ReturnType<typeof client>;
const MIN = 60_000;
const at = (x: number, y: number) => {
  const p = patrolAt(x, y);
  return [p.lon, p.lat] as [number, number];
};

/**
 * 见警率 and 巡逻方案 through the routes on a 3 × 3 street grid (2.4 street-km, worked out on
 * paper in libs/routing/src/patrol.fixture.ts): a district with a west grid (0.7 km of street)
 * and an east grid (1.7 km); unit 1 drove the middle street (0.4 km: 0.1 west, 0.3 east)
 * 29 minutes ago, unit 2 the north street two minutes ago.
 */
describe(`patrol visibility and plans (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let dir: string;
  let base: string;
  let admin: Http;
  let commander: Http;
  let dispatcher: Http;
  let calltaker: Http;
  let otherCommander: Http;
  const ids = {} as Record<'district' | 'station' | 'west' | 'east' | 'other', string>;
  const unit: { id: string; token: string }[] = [];
  let t0: number;
  let planId: string;

  const post = async (c: Http, path: string, body: unknown, status = 201) => {
    const r = await c.post(path, body);
    if (r.status !== status) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const plan = (over: Record<string, unknown> = {}) => ({
    name: '东网格日班',
    jurisdictionId: ids.east,
    shift: { start: '00:00', end: '23:59' },
    unitIds: [unit[0].id],
    points: [
      { name: '十字路口', ...patrolAt(200, 200), visitsPerShift: 1 },
      { name: '东南角', ...patrolAt(400, 0), visitsPerShift: 1 },
      { name: '西口', ...patrolAt(0, 200), visitsPerShift: 2 },
    ],
    lines: [
      { name: '中街', coordinates: [at(0, 200), at(400, 200)] },
      { name: '北街', coordinates: [at(0, 400), at(400, 400)] },
    ],
    areas: [{ name: '西片', geometry: patrolBox(-50, -50, 100, 450) }],
    ...over,
  });
  const window = () =>
    `from=${new Date(t0).toISOString()}&to=${new Date(t0 + 20 * MIN).toISOString()}`;

  const report = (u: number, points: ReturnType<typeof patrolDriveEast>) =>
    post(
      admin,
      '/api/v1/units/positions',
      {
        positions: points.map((p) => ({
          unitId: unit[u].id,
          lon: p.lon,
          lat: p.lat,
          headingDeg: p.headingDeg,
          at: new Date(p.ms).toISOString(),
        })),
      },
      202,
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ringcad-patrol-'));
    const roads = join(dir, 'grid.geojson');
    writeFileSync(roads, JSON.stringify(patrolGrid()));
    stack = await createStack({ ROAD_NETWORK: roads, MAX_PLAUSIBLE_SPEED_KMH: '5000' });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    const j = async (name: string, kind: string, boundary: unknown, parentId?: string) =>
      (await post(admin, '/api/v1/jurisdictions', { name, kind, boundary, parentId })).id as string;
    ids.district = await j('网格区', 'district', patrolBox(-100, -100, 500, 500));
    ids.station = await j('网格所', 'station', patrolBox(-100, -100, 500, 500), ids.district);
    ids.west = await j('西网格', 'grid', patrolBox(-50, -50, 100, 450), ids.station);
    ids.east = await j('东网格', 'grid', patrolBox(100, -50, 450, 450), ids.station);
    ids.other = await j('别区', 'district', patrolBox(5000, 5000, 6000, 6000));
    const users: [string, string, string | undefined][] = [
      ['commander', 'commander', undefined],
      ['dispatcher', 'dispatcher', undefined],
      ['calltaker', 'calltaker', undefined],
      ['other', 'commander', ids.other],
    ];
    for (const [username, role, jurisdictionId] of users)
      await post(admin, '/api/v1/users', {
        username,
        password: `${username}-password`,
        roles: [role],
        jurisdictionId,
      });
    commander = await login(base, 'commander', 'commander-password');
    dispatcher = await login(base, 'dispatcher', 'dispatcher-password');
    calltaker = await login(base, 'calltaker', 'calltaker-password');
    otherCommander = await login(base, 'other', 'other-password');
    for (const callsign of ['巡1', '巡2']) {
      const u = await post(admin, '/api/v1/units', {
        callsign,
        kind: 'patrol_car',
        stationId: ids.station,
      });
      unit.push({ id: u.unit.id, token: u.terminalToken });
    }
    t0 = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;
    await report(0, patrolDriveEast(t0 + MIN));
    await report(1, patrolDriveEast(Date.now() - 2 * MIN, 1000, 400));
    planId = (await post(commander, '/api/v1/patrol-plans', plan())).id;
    // tracks are written by the positions queue: wait until both drives are in
    for (const end = Date.now() + 20_000; Date.now() < end; await sleep(200)) {
      const live = await commander.get(
        `/api/v1/patrol/visibility/live?jurisdictionId=${ids.district}`,
      );
      if (live.body?.segments?.length >= 4) break;
    }
  }, 300_000);
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the visibility worked out on paper, per slot and grid', async () => {
    const r = await commander.get(
      `/api/v1/patrol/visibility?jurisdictionId=${ids.district}&${window()}&slotMin=10`,
    );
    expect(r.status).toBe(200);
    expect(r.body.method).toMatch(/HMM/);
    const [s0, s1] = r.body.slots;
    expect(r.body.slots).toHaveLength(2);
    expect(s0.from).toBe(new Date(t0).toISOString());
    expect(s0.streetKmPct).toBeCloseTo((100 * 0.4) / 2.4, 0);
    const grid = (s: typeof s0, id: string) =>
      s.byGrid.find((g: { jurisdictionId: string }) => g.jurisdictionId === id);
    expect(grid(s0, ids.west)).toMatchObject({ name: '西网格', streetKm: 0.7, streetKmSeen: 0.1 });
    expect(grid(s0, ids.east)).toMatchObject({ streetKm: 1.7, streetKmSeen: 0.3 });
    // the plan's points: the crossing (east) and the west end are passed, the SE corner is not
    expect(grid(s0, ids.east)).toMatchObject({ points: 2, pointsVisited: 1 });
    expect(grid(s0, ids.west)).toMatchObject({ points: 1, pointsVisited: 1 });
    expect(s0.pointsVisitedPct).toBeCloseTo(66.7, 1);
    expect([s1.streetKmPct, s1.pointsVisitedPct]).toEqual([0, 0]);
    // looking back 20 minutes, the second slot still sees the drive
    const longer = await commander.get(
      `/api/v1/patrol/visibility?jurisdictionId=${ids.district}&${window()}&slotMin=10&windowMin=20`,
    );
    expect(longer.body.slots[1].streetKmPct).toBe(s0.streetKmPct);
    // one grid alone
    const east = await dispatcher.get(
      `/api/v1/patrol/visibility?jurisdictionId=${ids.east}&${window()}&slotMin=20`,
    );
    expect(east.body.slots[0].streetKmPct).toBeCloseTo((100 * 0.3) / 1.7, 0);
  });

  it('colours the live streets by minutes since a unit passed', async () => {
    const r = await commander.get(`/api/v1/patrol/visibility/live?jurisdictionId=${ids.district}`);
    expect(r.status).toBe(200);
    expect(r.body.streetKm).toBeCloseTo(2.4, 2);
    expect(r.body.streetKmSeen).toBeCloseTo(0.8, 2);
    const ages = r.body.segments
      .map((s: { minutesSince: number }) => s.minutesSince)
      .sort((a: number, b: number) => a - b);
    expect(ages).toHaveLength(4);
    expect(ages[0]).toBeLessThan(3);
    expect(ages[1]).toBeLessThan(3);
    expect(ages[2]).toBeGreaterThan(26);
    expect(ages[3]).toBeLessThan(31);
  });

  it('scores the plan: points by frequency, lines driven, the area swept, per unit and grid', async () => {
    const r = await commander.get(`/api/v1/patrol-plans/${planId}/compliance?${window()}`);
    expect(r.status).toBe(200);
    expect(
      r.body.plan.points.map((p: { visits: number; met: boolean }) => [p.visits, p.met]),
    ).toEqual([
      [1, true],
      [0, false],
      [1, false],
    ]);
    expect(r.body.plan).toMatchObject({ pointsMetPct: 33.3, lineDrivenPct: 50 });
    expect(r.body.plan.areaSweptPct).toBeCloseTo((100 * 0.1) / 0.7, 0);
    expect(r.body.units).toHaveLength(1);
    expect(r.body.units[0]).toMatchObject({
      unitId: unit[0].id,
      callsign: '巡1',
      lineDrivenPct: 50,
    });
    expect(r.body.grid).toMatchObject({
      jurisdictionId: ids.east,
      streetKm: 1.7,
      streetKmSeen: 0.3,
    });
    // over the last ten minutes: unit 2 drove the north street, not a unit of the plan
    const recent = await commander.get(
      `/api/v1/patrol-plans/${planId}/compliance?from=${new Date(Date.now() - 10 * MIN).toISOString()}&to=${new Date(Date.now() + MIN).toISOString()}`,
    );
    expect(recent.body.plan.lineDrivenPct).toBe(0);
    const u2 = recent.body.units.find((u: { unitId: string }) => u.unitId === unit[1].id);
    expect(u2.lineDrivenPct).toBe(50);
  });

  it("shows a unit its plan on its terminal, and no one else's", async () => {
    const mine = await client(base, unit[0].token).get('/api/v1/terminal/patrol-plan');
    expect(mine.status).toBe(200);
    expect(mine.body.plan).toMatchObject({ id: planId, name: '东网格日班' });
    expect(mine.body.plan.points).toHaveLength(3);
    const other = await client(base, unit[1].token).get('/api/v1/terminal/patrol-plan');
    expect(other.body).toEqual({ plan: null });
    expect((await commander.get('/api/v1/terminal/patrol-plan')).status).toBe(403);
  });

  it('refuses other roles, other districts and bad input with codes, and writes nothing', async () => {
    const list = async () => (await admin.get('/api/v1/patrol-plans')).body.plans.length;
    const before = await list();
    const q = `jurisdictionId=${ids.district}`;
    const refusals: [Http, string, string | null, unknown, number, string][] = [
      [calltaker, 'GET', `/api/v1/patrol/visibility?${q}`, undefined, 403, 'FORBIDDEN'],
      [otherCommander, 'GET', `/api/v1/patrol/visibility?${q}`, undefined, 403, 'OUT_OF_SCOPE'],
      [
        otherCommander,
        'GET',
        `/api/v1/patrol/visibility/live?${q}`,
        undefined,
        403,
        'OUT_OF_SCOPE',
      ],
      [otherCommander, 'GET', `/api/v1/patrol-plans/${planId}`, undefined, 403, 'OUT_OF_SCOPE'],
      [
        otherCommander,
        'GET',
        `/api/v1/patrol-plans/${planId}/compliance`,
        undefined,
        403,
        'OUT_OF_SCOPE',
      ],
      [otherCommander, 'DELETE', `/api/v1/patrol-plans/${planId}`, undefined, 403, 'OUT_OF_SCOPE'],
      [otherCommander, 'POST', '/api/v1/patrol-plans', plan(), 403, 'OUT_OF_SCOPE'],
      [dispatcher, 'POST', '/api/v1/patrol-plans', plan(), 403, 'FORBIDDEN'],
      [
        commander,
        'GET',
        `/api/v1/patrol/visibility?${q}&from=2026-12-05T02:00:00Z&to=2026-12-05T01:00:00Z`,
        undefined,
        400,
        'VALIDATION_FAILED',
      ],
      [
        commander,
        'GET',
        `/api/v1/patrol/visibility?${q}&from=2026-12-01T00:00:00Z&to=2026-12-04T00:00:00Z`,
        undefined,
        400,
        'VALIDATION_FAILED',
      ],
      [
        commander,
        'GET',
        `/api/v1/patrol/visibility?${q}&slotMin=2`,
        undefined,
        400,
        'VALIDATION_FAILED',
      ],
      [
        commander,
        'GET',
        `/api/v1/patrol/visibility?${q}&from=2026-12-01T00:00:00Z&to=2026-12-03T00:00:00Z&slotMin=5`,
        undefined,
        400,
        'VALIDATION_FAILED',
      ],
      [
        commander,
        'GET',
        '/api/v1/patrol/visibility?jurisdictionId=nope',
        undefined,
        400,
        'VALIDATION_FAILED',
      ],
      [
        commander,
        'GET',
        `/api/v1/patrol/visibility?jurisdictionId=${planId}`,
        undefined,
        404,
        'NOT_FOUND',
      ],
      [
        commander,
        'POST',
        '/api/v1/patrol-plans',
        plan({ points: [{ lon: 104, lat: 30, visitsPerShift: 0 }] }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        commander,
        'POST',
        '/api/v1/patrol-plans',
        plan({ shift: { start: '25:00', end: '08:00' } }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        commander,
        'POST',
        '/api/v1/patrol-plans',
        plan({ jurisdictionId: planId }),
        404,
        'NOT_FOUND',
      ],
      [
        commander,
        'POST',
        '/api/v1/patrol-plans',
        plan({ unitIds: [ids.other] }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        commander,
        'GET',
        `/api/v1/patrol-plans/${planId}/compliance?from=2026-12-05T02:00:00Z&to=2026-12-05T01:00:00Z`,
        undefined,
        400,
        'VALIDATION_FAILED',
      ],
    ];
    const failures: string[] = [];
    for (const [c, method, path, body, status, code] of refusals) {
      const r = await c.raw(method, path as string, body);
      if (r.status !== status || r.body?.error?.code !== code)
        failures.push(`${method} ${path} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    expect(await list()).toBe(before);
    // the other district's commander lists nothing of ours
    expect((await otherCommander.get('/api/v1/patrol-plans')).body.plans).toEqual([]);
  });

  it('answers from the matched store exactly what matching the tracks at request time answers, late points included', async () => {
    // the direct computation (the oracle): every posted track matched here, on the same grid
    const graph = buildRoadGraph(importGeoJsonRoads(patrolGrid()));
    const areas = [patrolBox(-50, -50, 100, 450), patrolBox(100, -50, 450, 450)];
    const areaIds = [ids.west, ids.east];
    const plans = (await commander.get('/api/v1/patrol-plans')).body.plans as {
      points: { lon: number; lat: number }[];
    }[];
    const points = plans.flatMap((pl, j) =>
      pl.points
        .map((p, i) => ({
          id: `${j}:${i}`,
          lon: p.lon,
          lat: p.lat,
          area: areas.findIndex((a) => inArea(a, p.lon, p.lat)),
        }))
        .filter((p) => p.area >= 0),
    );
    // twenty minutes before t0, a chunk boundary 30 s into a drive: east, north and back west
    const T = Math.floor((t0 - 20 * MIN) / (5 * MIN)) * 5 * MIN - 30_000;
    const north = (startMs: number, x: number) =>
      Array.from({ length: 21 }, (_, i) => ({
        ...patrolAt(x, i * 20),
        ms: startMs + i * 4000,
        headingDeg: 0,
      }));
    const tracks: Record<number, { lon: number; lat: number; ms: number; headingDeg: number }[]> = {
      0: [
        ...patrolDriveEast(t0 + MIN),
        ...patrolDriveEast(T, 3000, 0),
        ...north(T + 2 * MIN, 400),
        ...patrolDriveEast(T + 9 * MIN, 5000, 400)
          .reverse()
          .map((p, i) => ({ ...p, ms: T + 9 * MIN + i * 5000, headingDeg: 270 })),
      ],
      1: [...north(T + 4 * MIN, 200), ...patrolDriveEast(T + 21 * MIN, 6000, 200)],
    };
    // minutes (a 7-minute look-back) and hour roll-ups (65 minutes, from a time off the minute)
    const byMinute = { from: T - 10 * MIN, to: T + 30 * MIN, slotMin: 5, windowMin: 7 };
    const byHour = { from: T - 10 * MIN + 17_000, to: T + 50 * MIN, slotMin: 10, windowMin: 65 };
    const direct = (query = byMinute) =>
      patrolVisibility(
        graph,
        Object.entries(tracks).map(([u, pts]) => ({
          unitId: u,
          points: [...pts].sort((a, b) => a.ms - b.ms),
        })),
        {
          areas,
          points,
          fromMs: query.from,
          toMs: query.to,
          slotMs: query.slotMin * MIN,
          windowMs: query.windowMin * MIN,
        },
      ).map((s) => ({
        from: new Date(s.fromMs).toISOString(),
        streetKmPct: s.streetKmPct,
        pointsVisitedPct: s.pointsVisitedPct,
        byGrid: s.byArea.map(({ area, ...x }) => ({ jurisdictionId: areaIds[area], ...x })),
      }));
    const stored = async (query = byMinute) => {
      const r = await commander.get(
        `/api/v1/patrol/visibility?jurisdictionId=${ids.district}&from=${new Date(query.from).toISOString()}&to=${new Date(query.to).toISOString()}&slotMin=${query.slotMin}&windowMin=${query.windowMin}`,
      );
      expect(r.status).toBe(200);
      return (
        r.body.slots as {
          from: string;
          streetKmPct: number;
          pointsVisitedPct: number;
          byGrid: { jurisdictionId: string; name: string }[];
        }[]
      ).map(({ from, streetKmPct, pointsVisitedPct, byGrid }) => ({
        from,
        streetKmPct,
        pointsVisitedPct,
        byGrid: [...byGrid]
          .sort((a, b) => areaIds.indexOf(a.jurisdictionId) - areaIds.indexOf(b.jurisdictionId))
          .map(({ name: _name, ...x }) => x),
      }));
    };
    // tracks reach unit_tracks through the positions queue: ask until the store has them all
    const settle = async (want: ReturnType<typeof direct>, query = byMinute) => {
      let got: Awaited<ReturnType<typeof stored>> = [];
      for (const end = Date.now() + 30_000; Date.now() < end; await sleep(300)) {
        got = await stored(query);
        if (JSON.stringify(got) === JSON.stringify(want)) break;
      }
      return got;
    };
    await report(0, tracks[0].slice(21));
    await report(1, tracks[1]);
    const before = direct();
    expect(before.some((s) => s.streetKmPct > 0)).toBe(true);
    expect(before.some((s) => s.pointsVisitedPct > 0)).toBe(true);
    expect(await settle(before)).toEqual(before);
    expect(await settle(direct(byHour), byHour)).toEqual(direct(byHour));
    // a late report (a terminal back from a dead zone) into chunks already matched and read
    tracks[1].push(...north(T + 14 * MIN, 0));
    await report(1, north(T + 14 * MIN, 0));
    const after = direct();
    expect(after).not.toEqual(before);
    expect(await settle(after)).toEqual(after);
    expect(direct(byHour).some((x) => x.streetKmPct > 0 && x.pointsVisitedPct > 0)).toBe(true);
    expect(await settle(direct(byHour), byHour)).toEqual(direct(byHour));
  });

  it('replaces and deletes a plan', async () => {
    const put = await commander.raw(
      'PUT',
      `/api/v1/patrol-plans/${planId}`,
      plan({ name: '东网格夜班', shift: { start: '20:00', end: '08:00' }, unitIds: [] }),
    );
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: planId, name: '东网格夜班', unitIds: [] });
    expect((await client(base, unit[0].token).get('/api/v1/terminal/patrol-plan')).body).toEqual({
      plan: null,
    });
    const listed = await dispatcher.get(`/api/v1/patrol-plans?jurisdictionId=${ids.east}`);
    expect(listed.body.plans.map((p: { name: string }) => p.name)).toEqual(['东网格夜班']);
    expect((await admin.raw('DELETE', `/api/v1/patrol-plans/${planId}`)).status).toBe(204);
    expect((await commander.get(`/api/v1/patrol-plans/${planId}`)).status).toBe(404);
  });
});
