import { ModulesContainer } from '@nestjs/core';
import { sql } from 'kysely';
import { DatabaseService } from '@ringcad/core';
import { routeScopes, type RouteScope } from '../../apps/api/src/auth/route-scopes';
import {
  ADMIN_PASSWORD,
  client,
  connectSocket,
  createStack,
  login,
  SERVICES_MODE,
  sleep,
  type HttpResult,
  type Recorder,
  type Stack,
} from '../support/harness';

type Client = ReturnType<typeof client>;

/** Two districts side by side, west (W) and east (E), each with a station covering its south half. */
const square = (w: number, s: number, e: number, n: number) => ({
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
const WEST = {
  district: square(104.03, 30.63, 104.07, 30.71),
  station: square(104.03, 30.63, 104.07, 30.67),
};
const EAST = {
  district: square(104.07, 30.63, 104.11, 30.71),
  station: square(104.07, 30.63, 104.11, 30.67),
};
const W_POINT = { lon: 104.05, lat: 30.65 };
const E_POINT = { lon: 104.09, lat: 30.65 };

function ok<T = any>(r: HttpResult<T>, status: number, what: string): T {
  if (r.status !== status)
    throw new Error(`${what}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

describe(`jurisdiction scope on every route (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let base: string;
  let admin: Client;
  let city: { dispatcher: Client; commander: Client };
  let west: Record<'dispatcher' | 'calltaker' | 'commander' | 'admin', Client>;
  const tokens: Record<string, string> = {};
  const ids = {} as Record<
    | 'wDistrict'
    | 'wStation'
    | 'eDistrict'
    | 'eStation'
    | 'incW'
    | 'incW2'
    | 'incE'
    | 'incENumber'
    | 'asgE'
    | 'alertE'
    | 'checkpointE'
    | 'planE'
    | 'deployPlanE'
    | 'perimeterE'
    | 'activationE'
    | 'exerciseE',
    string
  >;
  const units = {} as Record<'w1' | 'w2' | 'e1' | 'e2' | 'cityUnit', { id: string; token: string }>;
  let westConsole: Recorder;

  const roles: Record<keyof typeof west, string> = {
    dispatcher: 'dispatcher',
    calltaker: 'calltaker',
    commander: 'commander',
    admin: 'admin',
  };

  async function user(username: string, role: string, jurisdictionId: string | null) {
    ok(
      await admin.post('/api/v1/users', {
        username,
        password: `${username}-password`,
        roles: [role],
        jurisdictionId,
      }),
      201,
      username,
    );
    const r = ok(
      await client(base).post('/api/v1/auth/login', { username, password: `${username}-password` }),
      200,
      `login ${username}`,
    );
    tokens[username] = r.accessToken;
    return client(base, r.accessToken);
  }

  async function unit(
    callsign: string,
    stationId: string | null,
    at: { lon: number; lat: number },
  ) {
    const r = ok(
      await admin.post('/api/v1/units', { callsign, kind: 'patrol_car', stationId }),
      201,
      callsign,
    );
    const u = { id: r.unit.id as string, token: r.terminalToken as string };
    ok(
      await admin.post('/api/v1/units/positions', {
        positions: [{ unitId: u.id, ...at, at: new Date().toISOString() }],
      }),
      202,
      'position',
    );
    ok(
      await client(base, u.token).post(`/api/v1/units/${u.id}/status`, { status: 'available' }),
      200,
      'on duty',
    );
    return u;
  }

  const incident = async (who: Client, at: { lon: number; lat: number }) =>
    ok(
      await who.post('/api/v1/incidents', { location: at, category: 'public_order', priority: 1 }),
      201,
      'incident',
    ).incident;

  async function openAlertFor(incidentId: string) {
    for (let i = 0; i < 100; i++) {
      const list = ok<{ id: string; incidentId: string | null }[]>(
        await city.commander.get('/api/v1/alerts'),
        200,
        'alerts',
      );
      const found = list.find((a) => a.incidentId === incidentId);
      if (found) return found.id;
      await sleep(200);
    }
    throw new Error(`no alert for incident ${incidentId}`);
  }

  /** What a refused request must not have changed. */
  async function rowCounts() {
    const db = stack.api().app.get(DatabaseService).db;
    const r = await sql<Record<string, string | number>>`SELECT
      (SELECT count(*) FROM incidents) AS incidents, (SELECT coalesce(sum(version), 0) FROM incidents) AS incident_versions,
      (SELECT count(*) FROM incident_events) AS incident_events, (SELECT count(*) FROM assignments) AS assignments,
      (SELECT coalesce(sum(version), 0) FROM units) AS unit_versions, (SELECT count(*) FROM units) AS units,
      (SELECT count(*) FROM alerts WHERE acknowledged_at IS NOT NULL) AS acked_alerts,
      (SELECT count(*) FROM defense_level_changes) AS defense_levels, (SELECT count(*) FROM audit_events) AS audit,
      (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM jurisdictions) AS jurisdictions,
      (SELECT count(*) FROM agency_notifications) AS agency_notifications`.execute(db);
    return Object.fromEntries(Object.entries(r.rows[0]).map(([k, v]) => [k, Number(v)]));
  }

  beforeAll(async () => {
    // P1 units must 签收 within 1 s (so alerts exist); nothing else writes on its own while the
    // walk counts rows: no coverage pushes, and the P1 incidents' first ring deadline (5 min) is
    // later than this file runs
    stack = await createStack({ ACK_TIMEOUT_P1_SEC: '1', COVERAGE_PUSH_SEC: '0' });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    const j = async (name: string, kind: string, boundary: unknown, parentId?: string) =>
      ok(await admin.post('/api/v1/jurisdictions', { name, kind, boundary, parentId }), 201, name)
        .id as string;
    ids.wDistrict = await j('西区', 'district', WEST.district);
    ids.wStation = await j('西区一所', 'station', WEST.station, ids.wDistrict);
    ids.eDistrict = await j('东区', 'district', EAST.district);
    ids.eStation = await j('东区一所', 'station', EAST.station, ids.eDistrict);
    ids.checkpointE = ok(
      await admin.post('/api/v1/checkpoints', {
        name: '东卡点',
        location: { lon: 104.1, lat: 30.66 },
      }),
      201,
      'checkpoint',
    ).id;
    ids.planE = ok(
      await admin.post('/api/v1/patrol-plans', {
        name: '东区巡逻',
        jurisdictionId: ids.eDistrict,
        shift: { start: '08:00', end: '20:00' },
        points: [{ ...E_POINT, visitsPerShift: 2 }],
      }),
      201,
      'patrol plan',
    ).id;
    city = {
      dispatcher: await user('city-dispatcher', 'dispatcher', null),
      commander: await user('city-commander', 'commander', null),
    };
    west = {
      dispatcher: await user('w-dispatcher', 'dispatcher', ids.wDistrict),
      calltaker: await user('w-calltaker', 'calltaker', ids.wDistrict),
      commander: await user('w-commander', 'commander', ids.wDistrict),
      admin: await user('w-admin', 'admin', ids.wDistrict),
    };
    units.w1 = await unit('西-01', ids.wStation, { lon: 104.05, lat: 30.655 });
    units.w2 = await unit('西-02', ids.wStation, { lon: 104.05, lat: 30.66 });
    units.e1 = await unit('东-01', ids.eStation, { lon: 104.09, lat: 30.655 });
    units.e2 = await unit('东-02', ids.eStation, { lon: 104.09, lat: 30.66 });
    units.cityUnit = await unit('特-01', null, { lon: 104.07, lat: 30.66 });
    westConsole = await connectSocket(base, '/console', tokens['w-dispatcher']);
    await westConsole.waitFor((e) => e.event === 'sync');

    const incE = await incident(city.dispatcher, E_POINT);
    ids.incE = incE.id;
    ids.incENumber = incE.number;
    expect(incE.jurisdiction).toMatchObject({ districtId: ids.eDistrict, stationId: ids.eStation });
    ids.incW = (await incident(west.calltaker, W_POINT)).id;
    ids.incW2 = (await incident(west.dispatcher, W_POINT)).id;
    // the east incident's unit never acknowledges: an east alert
    const asg = ok(
      await city.dispatcher.post(`/api/v1/incidents/${ids.incE}/assignments`, {
        unitIds: [units.e1.id],
      }),
      201,
      'assign E',
    );
    ids.asgE = asg.assignments[0].id;
    ids.alertE = await openAlertFor(ids.incE);
    ok(
      await city.commander.post('/api/v1/defense-levels', {
        jurisdictionId: ids.eDistrict,
        level: 2,
        reason: '东区安保',
      }),
      201,
      'E level',
    );
    // a deployment plan of the east (this stack has no road network to propose one through the api)
    const plan = await sql<{ id: string }>`INSERT INTO deployment_plans (shift_start, shift_end,
      scheme_id, jurisdiction_id, level, tier_sec, target_road_km_pct, road_km_pct, covered_pct, method,
      evaluations, demand, took_ms, created_at) VALUES (now(), now() + interval '8 hours', '1-3-8',
      ${ids.eDistrict}, 4, 180, 70, 0, 0, 'x', 0, '{}', 0, now()) RETURNING id`.execute(
      stack.api().app.get(DatabaseService).db,
    );
    ids.deployPlanE = plan.rows[0].id;
    // a standing perimeter of the east, one activation of it, and an east exercise (stopped, so
    // it files nothing while the walk counts rows)
    ids.perimeterE = ok(
      await admin.post('/api/v1/perimeters', {
        name: '东区封控圈',
        jurisdictionId: ids.eDistrict,
        checkpointIds: [ids.checkpointE],
        tiersSec: [600, 1200],
        targetPct: [80, 100],
      }),
      201,
      'E perimeter',
    ).id;
    const db = stack.api().app.get(DatabaseService).db;
    ids.activationE = (
      await sql<{ id: string }>`INSERT INTO perimeter_activations (perimeter_id, incident_id,
        assignments, activated_at) VALUES (${ids.perimeterE}, ${ids.incE}, '[]', now())
        RETURNING id`.execute(db)
    ).rows[0].id;
    ids.exerciseE = (
      await sql<{ id: string }>`INSERT INTO exercises (name, status, jurisdiction_id, started_at,
        stopped_at, created_by_name, filed_by, spec) VALUES ('东区演练', 'stopped', ${ids.eDistrict},
        now(), now(), 'admin', '{}', '{}') RETURNING id`.execute(db)
    ).rows[0].id;
  });

  afterAll(async () => {
    westConsole?.close();
    await stack?.close();
  });

  const routes = (): RouteScope[] => routeScopes(stack.api().app.get(ModulesContainer));

  it('enumerates every route the app serves, and every one declares its scope rule', () => {
    const declared = routes();
    expect(declared.length).toBeGreaterThan(40);
    const undeclared = declared.filter((r) => !r.rule?.scope);
    expect(undeclared.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    // the table is what Express serves: no route registered around Nest's metadata
    const router = (
      stack.api().app.getHttpAdapter().getInstance() as {
        router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
      }
    ).router;
    const served = router.stack
      .filter((l) => l.route)
      .flatMap((l) =>
        Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${l.route!.path}`),
      );
    const known = new Set(declared.map((r) => `${r.method} ${r.path}`));
    expect(served.filter((s) => !known.has(s))).toEqual([]);
    expect(served.length).toBeGreaterThanOrEqual(declared.length);
  });

  /** A request on the east's objects that only the scope check stands in the way of. */
  function eastRequest(r: RouteScope): { path: string; body?: unknown } {
    const rules = [r.rule?.scope ?? []].flat();
    const param = rules.includes('perimeter:param:id')
      ? ids.perimeterE
      : rules.includes('perimeter-activation:param:id')
        ? ids.activationE
        : rules.includes('exercise:param:id')
          ? ids.exerciseE
          : rules.includes('patrol-plan:param:id')
            ? ids.planE
            : rules.includes('deployment-plan:param:id')
              ? ids.deployPlanE
              : rules.includes('assignment:param:id')
                ? ids.asgE
                : rules.includes('unit:param:id')
                  ? units.e2.id
                  : rules.includes('alert:param:id')
                    ? ids.alertE
                    : rules.includes('incident:param:id')
                      ? ids.incE
                      : '00000000-0000-4000-8000-000000000000';
    let path = r.path.replace(':id', param);
    if (rules.includes('district:query')) path += `?districtId=${ids.eDistrict}`;
    if (rules.includes('jurisdiction:query')) path += `?jurisdictionId=${ids.eDistrict}`;
    if (r.path.endsWith('/route')) path += `?unitId=${units.e2.id}`;
    if (r.path === '/api/v1/intake/context') path += `?lon=${E_POINT.lon}&lat=${E_POINT.lat}`;
    const bodies: Record<string, unknown> = {
      'POST /api/v1/incidents/:id/assignments': { unitIds: [units.e2.id] },
      'POST /api/v1/assignments/:id/events': { type: 'ack' },
      'POST /api/v1/incidents/:id/close': { disposition: 'x' },
      'POST /api/v1/incidents/:id/cancel': { reason: 'x' },
      'POST /api/v1/units/:id/status': { status: 'out_of_service' },
      'POST /api/v1/messages': { to: { unitIds: [units.e2.id] }, text: 'x' },
      'POST /api/v1/units/positions': {
        positions: [{ unitId: units.e2.id, ...E_POINT, at: new Date().toISOString() }],
      },
      'POST /api/v1/defense-levels': { jurisdictionId: ids.eDistrict, level: 1, reason: 'x' },
      'POST /api/v1/incidents/:id/agencies': { agency: '120' },
      'POST /api/v1/incidents/:id/sealing/dispatch': {
        assignments: [{ checkpointId: ids.checkpointE, unitId: units.e2.id }],
      },
      'POST /api/v1/incidents/:id/plan/confirm': { unitIds: [units.e2.id] },
      'POST /api/v1/units': { callsign: 'X-1', kind: 'foot', stationId: ids.eStation },
      'POST /api/v1/users': {
        username: 'sneaky',
        password: 'sneaky-password',
        roles: ['dispatcher'],
        jurisdictionId: ids.eDistrict,
      },
    };
    return { path, body: r.method === 'GET' ? undefined : (bodies[`${r.method} ${r.path}`] ?? {}) };
  }

  it("refuses a district's dispatcher, call-taker, commander and admin everything of another district, and writes nothing", async () => {
    const before = await rowCounts();
    const eastMarkers = [
      ids.incE,
      ids.incENumber,
      ids.asgE,
      ids.alertE,
      ids.eDistrict,
      ids.eStation,
      units.e1.id,
      ids.planE,
    ];
    const failures: string[] = [];
    let refusedOutOfScope = 0;
    for (const r of routes()) {
      if (r.rule?.public) continue;
      // signing out touches only one's own session, and would end the walk's sessions
      if (r.path === '/api/v1/auth/logout') continue;
      const rules = [r.rule?.scope ?? []].flat();
      const { path, body } = eastRequest(r);
      for (const [who, c] of Object.entries(west) as [keyof typeof west, Client][]) {
        const res = await c.raw(r.method, path, body);
        const label = `${who} ${r.method} ${path} [${rules.join(',')}] → ${res.status} ${JSON.stringify(res.body)?.slice(0, 160)}`;
        const roleAllowed = !r.rule?.roles || r.rule.roles.includes(roles[who] as never);
        if (!roleAllowed) {
          if (res.status !== 403) failures.push(`role not refused: ${label}`);
        } else if (rules.every((x) => x === 'none')) {
          // open to every scope: any answer but a crash (coverage is 503 without a road network)
          if (res.status === 500) failures.push(`server error: ${label}`);
        } else if (rules.every((x) => x === 'filtered')) {
          const text = JSON.stringify(res.body);
          if (res.status !== 200) failures.push(`list failed: ${label}`);
          const leaked = eastMarkers.filter((m) => text.includes(m));
          if (leaked.length) failures.push(`list leaks ${leaked.join(', ')}: ${label}`);
        } else if (res.status !== 403 || res.body?.error?.code !== 'OUT_OF_SCOPE') {
          failures.push(`not refused as OUT_OF_SCOPE: ${label}`);
        } else {
          refusedOutOfScope++;
        }
      }
    }
    expect(failures).toEqual([]);
    expect(refusedOutOfScope).toBeGreaterThan(20);
    // mixed requests are refused whole: one east unit among west ones assigns nothing
    const mixed = await west.dispatcher.post(`/api/v1/incidents/${ids.incW}/assignments`, {
      unitIds: [units.w2.id, units.e2.id],
    });
    expect(mixed).toMatchObject({ status: 403, body: { error: { code: 'OUT_OF_SCOPE' } } });
    // a unit with no station belongs to the city centre
    const cityUnit = await west.dispatcher.post(`/api/v1/incidents/${ids.incW}/assignments`, {
      unitIds: [units.cityUnit.id],
    });
    expect(cityUnit).toMatchObject({ status: 403, body: { error: { code: 'OUT_OF_SCOPE' } } });
    // the whole city's level is the city centre's
    const cityLevel = await west.commander.post('/api/v1/defense-levels', {
      jurisdictionId: null,
      level: 1,
      reason: 'x',
    });
    expect(cityLevel).toMatchObject({ status: 403, body: { error: { code: 'OUT_OF_SCOPE' } } });
    await sleep(300);
    expect(await rowCounts()).toEqual(before);
    // and the east's objects are as they were
    const e2 = ok<{ id: string; status: string }[]>(
      await admin.get('/api/v1/units'),
      200,
      'units',
    ).find((u) => u.id === units.e2.id);
    expect(e2?.status).toBe('available');
  });

  it('lets the same accounts act on their own district (stations and all)', async () => {
    const d = west.dispatcher;
    ok(await d.get(`/api/v1/incidents/${ids.incW}`), 200, 'get');
    ok(await d.get(`/api/v1/incidents/${ids.incW}/timeline`), 200, 'timeline');
    ok(await d.get(`/api/v1/incidents/${ids.incW}/recommendation`), 200, 'recommendation');
    ok(await west.calltaker.get(`/api/v1/incidents/${ids.incW}`), 200, 'calltaker get');
    const assigned = ok(
      await d.post(`/api/v1/incidents/${ids.incW}/assignments`, { unitIds: [units.w1.id] }),
      201,
      'assign own unit',
    );
    const alertW = await openAlertFor(ids.incW);
    ok(await d.post(`/api/v1/alerts/${alertW}/ack`), 200, 'ack own alert');
    ok(
      await d.post(`/api/v1/assignments/${assigned.assignments[0].id}/events`, { type: 'ack' }),
      200,
      'ack own assignment',
    );
    ok(
      await d.post(`/api/v1/units/${units.w2.id}/status`, { status: 'out_of_service' }),
      200,
      'own unit off',
    );
    ok(
      await d.post(`/api/v1/units/${units.w2.id}/status`, { status: 'available' }),
      200,
      'own unit on',
    );
    ok(
      await d.post(`/api/v1/incidents/${ids.incW2}/cancel`, { reason: '重复报警' }),
      200,
      'cancel own',
    );
    ok(
      await west.commander.post('/api/v1/defense-levels', {
        jurisdictionId: ids.wDistrict,
        level: 2,
        reason: '西区安保',
      }),
      201,
      'own level',
    );
    ok(
      await west.commander.post('/api/v1/defense-levels', {
        jurisdictionId: ids.wStation,
        level: 1,
        reason: '所内',
      }),
      201,
      'station level',
    );
    ok(
      await west.commander.get(`/api/v1/replay/area?districtId=${ids.wDistrict}`),
      200,
      'replay own',
    );
    ok(await west.commander.get(`/api/v1/replay/incidents/${ids.incW}`), 200, 'replay incident');
    ok(
      await west.admin.post('/api/v1/units/positions', {
        positions: [
          { unitId: units.w2.id, lon: 104.05, lat: 30.661, at: new Date().toISOString() },
        ],
      }),
      202,
      'own positions',
    );
    // and the city centre still acts anywhere
    ok(
      await city.commander.post('/api/v1/defense-levels', {
        jurisdictionId: null,
        level: 3,
        reason: '全市',
      }),
      201,
      'city level',
    );
    ok(
      await city.dispatcher.post(`/api/v1/incidents/${ids.incW}/assignments`, {
        unitIds: [units.cityUnit.id],
      }),
      201,
      'city unit',
    );
  });

  it("lists only the scope's incidents, alerts and levels; the city sees both districts", async () => {
    const listed = ok<{ id: string }[]>(
      await west.dispatcher.get('/api/v1/incidents?status=all'),
      200,
      'list',
    ).map((i) => i.id);
    expect(listed).toEqual(expect.arrayContaining([ids.incW, ids.incW2]));
    expect(listed).not.toContain(ids.incE);
    const cityListed = ok<{ id: string }[]>(
      await city.dispatcher.get('/api/v1/incidents?status=all'),
      200,
      'city list',
    ).map((i) => i.id);
    expect(cityListed).toEqual(expect.arrayContaining([ids.incW, ids.incE]));
    const alerts = ok<{ id: string; incidentId: string }[]>(
      await west.commander.get('/api/v1/alerts'),
      200,
      'alerts',
    );
    expect(alerts.map((a) => a.id)).not.toContain(ids.alertE);
    expect(
      ok<{ id: string }[]>(await city.commander.get('/api/v1/alerts'), 200, 'city alerts').map(
        (a) => a.id,
      ),
    ).toContain(ids.alertE);
    const levels = ok<{ jurisdictionId: string | null }[]>(
      await west.commander.get('/api/v1/defense-levels'),
      200,
      'levels',
    ).map((l) => l.jurisdictionId);
    expect(levels).toEqual(expect.arrayContaining([null, ids.wDistrict, ids.wStation]));
    expect(levels).not.toContain(ids.eDistrict);
    const report = ok<{ groups: { key: string }[] }>(
      await west.commander.get('/api/v1/reports/response-times?groupBy=district'),
      200,
      'report',
    );
    expect(report.groups.map((g) => g.key)).toEqual([ids.wDistrict]);
    // a call is never refused for where it happened; the incident goes to the district it lies in
    const taken = await incident(west.calltaker, E_POINT);
    expect((await west.calltaker.get(`/api/v1/incidents/${taken.id}`)).body.error.code).toBe(
      'OUT_OF_SCOPE',
    );
  });

  it("never pushes another district's incidents, assignments or alerts to a scoped console, and shares the fleet", async () => {
    const eastMarkers = [ids.incE, ids.asgE, ids.alertE];
    const seen = westConsole.events.filter(
      (e) => e.event !== 'units.positions' && e.event !== 'units.positions.packed',
    );
    const leaked = seen.filter((e) =>
      eastMarkers.some((m) => JSON.stringify(e.payload).includes(m)),
    );
    expect(leaked.map((e) => e.event)).toEqual([]);
    // it did get its own district's news and every unit's status (the test can fail)
    expect(seen.some((e) => e.event === 'incident.updated' && e.payload.id === ids.incW)).toBe(
      true,
    );
    expect(seen.some((e) => e.event === 'alert' && e.payload.incidentId === ids.incW)).toBe(true);
    expect(
      seen.some((e) => e.event === 'alert.acknowledged' && e.payload.incidentId === ids.incW),
    ).toBe(true);
    expect(seen.some((e) => e.event === 'unit.updated' && e.payload.id === units.e1.id)).toBe(true);
    // and its snapshot is its own
    westConsole.socket.emit('sync.request');
    const sync = (
      await westConsole.waitFor(
        (e) =>
          e.event === 'sync' && e.payload.incidents.some((i: { id: string }) => i.id === ids.incW),
      )
    ).payload;
    expect(sync.incidents.map((i: { id: string }) => i.id)).not.toContain(ids.incE);
    expect(sync.alerts.map((a: { id: string }) => a.id)).not.toContain(ids.alertE);
  });
});
