import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { DatabaseService } from '@ringcad/core';
import { gridRoads, POSTS, seedDeploymentGrid } from '../support/deployment-grid';
import { buildWorld, type World } from '../support/fixtures';
import {
  client,
  connectSocket,
  createStack,
  SERVICES_MODE,
  type Recorder,
  type Stack,
} from '../support/harness';

describe(`hotspots and shift deployment plans (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;
  let dir: string;
  const post: Record<string, string> = {};
  let districtCommander: ReturnType<typeof client>;
  let otherDistrictId: string;
  const shift = () => ({
    shiftStart: new Date(Date.now() - 10 * 60_000).toISOString(),
    shiftEnd: new Date(Date.now() + 2 * 3600_000).toISOString(),
  });
  const counts = async () => {
    const db = stack.api().app.get(DatabaseService).db;
    const r = await sql<Record<string, string | number>>`SELECT
      (SELECT count(*) FROM deployment_plans) AS plans,
      (SELECT count(*) FROM deployment_plans WHERE status <> 'proposed') AS decided,
      (SELECT count(*) FROM audit_events WHERE action LIKE 'deployment-plan.%') AS audit`.execute(
      db,
    );
    return Object.fromEntries(Object.entries(r.rows[0]).map(([k, v]) => [k, Number(v)]));
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ringcad-deploy-'));
    const roads = join(dir, 'grid.geojson');
    writeFileSync(roads, JSON.stringify(gridRoads()));
    stack = await createStack({ ROAD_NETWORK: roads, COVERAGE_PUSH_SEC: '0' });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 5);
    Object.assign(post, await seedDeploymentGrid(world));
    const other = await world.admin.post('/api/v1/jurisdictions', {
      name: '青羊区',
      kind: 'district',
      boundary: {
        type: 'Polygon',
        coordinates: [
          [
            [103.9, 30.6],
            [104.0, 30.6],
            [104.0, 30.7],
            [103.9, 30.7],
            [103.9, 30.6],
          ],
        ],
      },
    });
    otherDistrictId = other.body.id;
    expect(
      (
        await world.admin.post('/api/v1/users', {
          username: 'jj-commander',
          password: 'jj-commander-password',
          roles: ['commander'],
          jurisdictionId: world.districtId,
        })
      ).status,
    ).toBe(201);
    const login = await client(base).post('/api/v1/auth/login', {
      username: 'jj-commander',
      password: 'jj-commander-password',
    });
    districtCommander = client(base, login.body.accessToken);
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the densest hexagon at A and states the method and bandwidth', async () => {
    // an exercise (演练) incident at B is no demand: hotspots count real incidents only
    const drill = await world.calltaker.post('/api/v1/incidents', {
      location: { lon: POSTS.B.lon, lat: POSTS.B.lat },
      category: 'public_order',
      priority: 3,
      exercise: true,
    });
    expect(drill.status).toBe(201);
    const r = await world.dispatcher.get('/api/v1/analysis/hotspots?cellM=200&bandwidthM=400');
    expect(r.status).toBe(200);
    expect(r.body.incidents).toBe(9);
    expect(r.body.method).toMatchObject({
      kind: 'kernel-density',
      kernel: 'quartic',
      bandwidthM: 400,
      cell: 'hexagon',
      cellM: 200,
    });
    const top = r.body.cells[0];
    expect(Math.abs(top.lon - POSTS.A.lon)).toBeLessThan(0.003);
    expect(Math.abs(top.lat - POSTS.A.lat)).toBeLessThan(0.003);
    expect(r.body.cells.reduce((s: number, c: { count: number }) => s + c.count, 0)).toBe(9);
    expect(top.polygon).toHaveLength(7);
    // the hour of the week filter: now's hour holds them all, the one before none
    // the calls' own hour (not now's: the clock may have crossed the hour since they were filed)
    const filed = (await world.dispatcher.get('/api/v1/incidents')).body as {
      receivedAt: string;
    }[];
    const hourOfWeek =
      (Math.floor((Date.parse(filed[filed.length - 1].receivedAt) / 1000 + 28800) / 3600) + 72) %
      168;
    const inHour = await world.commander.get(`/api/v1/analysis/hotspots?hourOfWeek=${hourOfWeek}`);
    const otherHour = await world.commander.get(
      `/api/v1/analysis/hotspots?hourOfWeek=${(hourOfWeek + 167) % 168}&category=public_order`,
    );
    expect([inHour.body.incidents, otherHour.body.incidents]).toEqual([9, 0]);
    expect(otherHour.body.cells).toEqual([]);
  });

  it('checks roles, scope and input of the hotspots', async () => {
    expect((await world.calltaker.get('/api/v1/analysis/hotspots')).status).toBe(403);
    const cityWide = await districtCommander.get('/api/v1/analysis/hotspots');
    expect([cityWide.status, cityWide.body.error.code]).toEqual([403, 'OUT_OF_SCOPE']);
    const other = await districtCommander.get(
      `/api/v1/analysis/hotspots?jurisdictionId=${otherDistrictId}`,
    );
    expect([other.status, other.body.error.code]).toEqual([403, 'OUT_OF_SCOPE']);
    const own = await districtCommander.get(
      `/api/v1/analysis/hotspots?jurisdictionId=${world.districtId}`,
    );
    expect([own.status, own.body.incidents]).toEqual([200, 9]);
    for (const q of [
      'hourOfWeek=168',
      'hourOfWeek=x',
      'category=arson',
      'from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z',
      'cellM=10',
      'jurisdictionId=nope',
    ]) {
      const r = await world.commander.get(`/api/v1/analysis/hotspots?${q}`);
      expect([q, r.status, r.body.error.code]).toEqual([q, 400, 'VALIDATION_FAILED']);
    }
  });

  it('refuses bad plans and writes nothing', async () => {
    const before = await counts();
    const cases: [ReturnType<typeof client>, unknown, number, string][] = [
      [world.dispatcher, { ...shift(), units: { patrol_car: 2 } }, 403, 'FORBIDDEN'],
      [districtCommander, { ...shift(), units: { patrol_car: 2 } }, 403, 'OUT_OF_SCOPE'],
      [
        districtCommander,
        { ...shift(), units: [world.units[0].id], jurisdictionId: world.districtId },
        403,
        'OUT_OF_SCOPE', // a city unit (no station): the city centre posts it
      ],
      [
        world.commander,
        { shiftStart: shift().shiftEnd, shiftEnd: shift().shiftStart, units: { patrol_car: 1 } },
        400,
        'VALIDATION_FAILED',
      ],
      [world.commander, { ...shift(), units: [] }, 400, 'VALIDATION_FAILED'],
      [world.commander, { ...shift(), units: { tank: 1 } }, 400, 'VALIDATION_FAILED'],
      [
        world.commander,
        { ...shift(), units: { patrol_car: 2 }, scheme: '9-9-9' },
        400,
        'VALIDATION_FAILED',
      ],
      [world.commander, { ...shift(), units: { patrol_car: 9 } }, 409, 'UNIT_UNAVAILABLE'],
      [
        world.commander,
        { ...shift(), units: [world.units[0].id, world.units[0].id] },
        400,
        'VALIDATION_FAILED',
      ],
    ];
    for (const [who, body, status, code] of cases) {
      const r = await who.post('/api/v1/deployment-plans', body);
      expect([JSON.stringify(body), r.status, r.body.error?.code]).toEqual([
        JSON.stringify(body),
        status,
        code,
      ]);
    }
    expect(await counts()).toEqual(before);
  });

  it('posts two units at A and B, confirms with the count (terminals get their posts) and recalls', async () => {
    // positions older than POSITION_STALE_SEC do not count: report them again
    const positions = world.units.map((u) => ({
      unitId: u.id,
      lon: u.lon,
      lat: u.lat,
      at: new Date().toISOString(),
    }));
    expect((await world.admin.post('/api/v1/units/positions', { positions })).status).toBe(202);
    const r = await world.commander.post('/api/v1/deployment-plans', {
      ...shift(),
      units: { patrol_car: 2 },
      cellM: 200,
      bandwidthM: 400,
    });
    expect(r.status).toBe(201);
    const plan = r.body;
    expect(plan).toMatchObject({ status: 'proposed', level: 4, tierSec: 180, count: 2 });
    expect(plan.demand).toMatchObject({ source: 'hotspots', incidents: 9 });
    expect(plan.demand.density).toMatchObject({ bandwidthM: 400, cellM: 200 });
    expect(plan.method).toMatch(/lazy evaluation/);
    expect(plan.posts.map((p: { standbyPointId: string }) => p.standbyPointId)).toEqual([
      post.A,
      post.B,
    ]);
    // A holds two thirds of the expected calls, B one third: both covered
    expect(plan.posts[0].gainPct).toBeGreaterThan(plan.posts[1].gainPct);
    expect(plan.posts[1].gainPct).toBeGreaterThan(0);
    expect(plan.coveredPct).toBeGreaterThan(95);
    expect(plan.posts[1].coveredPct).toBe(plan.coveredPct);
    const patrolCars = world.units.filter((u) => u.kind === 'patrol_car').slice(0, 2);
    expect(plan.posts.map((p: { unitId: string }) => p.unitId).sort()).toEqual(
      patrolCars.map((u) => u.id).sort(),
    );
    expect((await world.dispatcher.get(`/api/v1/deployment-plans/${plan.id}`)).body).toEqual(plan);
    const outside = await districtCommander.get(`/api/v1/deployment-plans/${plan.id}`);
    expect([outside.status, outside.body.error.code]).toEqual([403, 'OUT_OF_SCOPE']);

    const terminals: Record<string, Recorder> = {};
    for (const u of world.units) terminals[u.id] = await connectSocket(base, '/terminal', u.token);
    try {
      const before = await counts();
      const wrong = await world.commander.post(`/api/v1/deployment-plans/${plan.id}/confirm`, {
        count: 3,
      });
      expect([wrong.status, wrong.body.error.code, wrong.body.error.details]).toEqual([
        409,
        'CONFLICT',
        { count: 2 },
      ]);
      expect(
        (await world.dispatcher.post(`/api/v1/deployment-plans/${plan.id}/confirm`, { count: 2 }))
          .status,
      ).toBe(403);
      expect(await counts()).toEqual(before);
      const early = await world.commander.post(`/api/v1/deployment-plans/${plan.id}/recall`, {});
      expect([early.status, early.body.error.code]).toEqual([409, 'CONFLICT']);

      const ok = await world.commander.post(`/api/v1/deployment-plans/${plan.id}/confirm`, {
        count: 2,
      });
      expect([ok.status, ok.body.status]).toEqual([200, 'confirmed']);
      for (const p of plan.posts) {
        const e = await terminals[p.unitId].waitFor((x) => x.event === 'post.assigned');
        expect(e.payload).toMatchObject({
          planId: plan.id,
          standbyPoint: { id: p.standbyPointId, location: p.location },
        });
      }
      const unposted = world.units.filter((u) => !patrolCars.includes(u));
      for (const u of unposted)
        expect(terminals[u.id].events.some((x) => x.event === 'post.assigned')).toBe(false);
      const again = await world.commander.post(`/api/v1/deployment-plans/${plan.id}/confirm`, {
        count: 2,
      });
      expect(again.status).toBe(409);

      const recalled = await world.commander.post(`/api/v1/deployment-plans/${plan.id}/recall`);
      expect([recalled.status, recalled.body.status]).toEqual([200, 'recalled']);
      for (const p of plan.posts) {
        const e = await terminals[p.unitId].waitFor((x) => x.event === 'post.recalled');
        expect(e.payload).toEqual({ planId: plan.id, standbyPointId: p.standbyPointId });
      }
      expect(await counts()).toEqual({
        ...before,
        decided: before.decided + 1,
        audit: before.audit + 2,
      });
    } finally {
      for (const t of Object.values(terminals)) t.close();
    }
  });

  it('plans a district from its own units, and a 404 for an unknown plan', async () => {
    const missing = await world.commander.get(
      '/api/v1/deployment-plans/00000000-0000-4000-8000-000000000000',
    );
    expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);
    // the district has no stationed units: the counts cannot be met
    const r = await districtCommander.post('/api/v1/deployment-plans', {
      ...shift(),
      units: { patrol_car: 1 },
      jurisdictionId: world.districtId,
    });
    expect([r.status, r.body.error.code, r.body.error.details]).toEqual([
      409,
      'UNIT_UNAVAILABLE',
      { kind: 'patrol_car', asked: 1, available: 0 },
    ]);
  });
});
