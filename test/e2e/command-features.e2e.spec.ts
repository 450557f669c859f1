import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SEALING_CHECKPOINTS,
  SEALING_UNITS,
  sealingAt,
  sealingCross,
  SEALING_ORIGIN,
} from '../../libs/routing/src/sealing.fixture';
import {
  ADMIN_PASSWORD,
  client,
  connectSocket,
  createStack,
  login,
  SERVICES_MODE,
  sleep,
  type Recorder,
  type Stack,
} from '../support/harness';

type Http = ReturnType<typeof client>;

/** The outside world: 119 fails twice then acknowledges, 120 never does, 122 always does. */
function webhookReceiver() {
  const calls: { path: string; key: string; body: any; status: number }[] = [];
  const failuresLeft: Record<string, number> = { '/flaky': 2 };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      let status = 200;
      if (path === '/down') status = 503;
      if ((failuresLeft[path] ?? 0) > 0) {
        failuresLeft[path]--;
        status = 500;
      }
      calls.push({
        path,
        key: String(req.headers['idempotency-key'] ?? ''),
        body: JSON.parse(raw || 'null'),
        status,
      });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return { server, calls };
}

async function eventually<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await sleep(150);
  }
}

describe(`command features: sealing, plans, defense levels, agencies (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let base: string;
  let dir: string;
  let hooks: ReturnType<typeof webhookReceiver>;
  let admin: Http;
  let calltaker: Http;
  let dispatcher: Http;
  let commander: Http;
  let commanderToken: string;
  let console: Recorder;
  let districtId: string;
  const cp: Record<string, string> = {};
  const unit: Record<string, { id: string; token: string }> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ringcad-sealing-'));
    const roads = join(dir, 'cross.geojson');
    writeFileSync(roads, JSON.stringify(sealingCross()));
    hooks = webhookReceiver();
    await new Promise<void>((r) => hooks.server.listen(0, '127.0.0.1', () => r()));
    const hookBase = `http://127.0.0.1:${(hooks.server.address() as { port: number }).port}`;
    stack = await createStack({
      ROAD_NETWORK: roads,
      COVERAGE_PUSH_SEC: '1',
      COVERAGE_SCHEMES: '1-3-8',
      // the start's grace period is coverage-alerts.e2e's subject; here alerts are due at once
      COVERAGE_ALERT_GRACE_SEC: '0',
      AGENCY_WEBHOOKS: JSON.stringify({
        '119': `${hookBase}/flaky`,
        '120': `${hookBase}/down`,
        '122': `${hookBase}/ok`,
        '12345': `${hookBase}/ok`,
      }),
      AGENCY_MAX_ATTEMPTS: '3',
      AGENCY_BACKOFF_MS: '100',
    });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    for (const role of ['calltaker', 'dispatcher', 'commander']) {
      expect(
        (
          await admin.post('/api/v1/users', {
            username: role,
            password: `${role}-password`,
            roles: [role],
          })
        ).status,
      ).toBe(201);
    }
    calltaker = await login(base, 'calltaker', 'calltaker-password');
    dispatcher = await login(base, 'dispatcher', 'dispatcher-password');
    commanderToken = (
      await client(base).post('/api/v1/auth/login', {
        username: 'commander',
        password: 'commander-password',
      })
    ).body.accessToken;
    commander = client(base, commanderToken);
    for (const [name, location] of Object.entries(SEALING_CHECKPOINTS)) {
      const r = await admin.post('/api/v1/checkpoints', { name, location });
      expect(r.status).toBe(201);
      cp[name] = r.body.id;
    }
    const fleet: [string, string, { lon: number; lat: number }][] = [
      ...Object.entries(SEALING_UNITS).map(
        ([name, p]): [string, string, { lon: number; lat: number }] => [name, 'patrol_car', p],
      ),
      ['F1', 'foot', sealingAt(200, 0)],
    ];
    for (const [name, kind, p] of fleet) {
      const r = await admin.post('/api/v1/units', { callsign: name, kind });
      expect(r.status).toBe(201);
      unit[name] = { id: r.body.unit.id, token: r.body.terminalToken };
      const at = new Date().toISOString();
      expect(
        (
          await admin.post('/api/v1/units/positions', {
            positions: [{ unitId: r.body.unit.id, ...p, at }],
          })
        ).status,
      ).toBe(202);
      expect(
        (
          await client(base, r.body.terminalToken).post(`/api/v1/units/${r.body.unit.id}/status`, {
            status: 'available',
          })
        ).status,
      ).toBe(200);
    }
    // after the units (a district with no units yet would rightly be in breach): a 4.8 km square
    // around the junction (8 km of road): F1 and U2 stand in it
    const [w, s] = [sealingAt(-2400, -2400), sealingAt(2400, 2400)];
    const d = await admin.post('/api/v1/jurisdictions', {
      name: '中心区',
      kind: 'district',
      boundary: {
        type: 'Polygon',
        coordinates: [
          [
            [w.lon, w.lat],
            [s.lon, w.lat],
            [s.lon, s.lat],
            [w.lon, s.lat],
            [w.lon, w.lat],
          ],
        ],
      },
    });
    expect(d.status).toBe(201);
    districtId = d.body.id;
    console = await connectSocket(base, '/console', commanderToken);
  });

  afterAll(async () => {
    console?.close();
    await stack?.close();
    await new Promise<void>((r) => hooks.server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const districtAlerts = async () =>
    ((await commander.get('/api/v1/alerts')).body as any[]).filter(
      (a) => a.kind === 'coverage_below_target' && a.data.districtId === districtId,
    );

  it('a defense level change alters the coverage alerts: one alert per breach', async () => {
    // level 4 (everyday): 70 % of road km within 3 min and 2 units — F1 and U2 give ~90 %
    const initial = await commander.get('/api/v1/defense-levels');
    expect(initial.status).toBe(200);
    expect(initial.body[0]).toMatchObject({ jurisdictionId: null, level: 4 });
    await console.waitFor((e) => e.event === 'coverage.updated', 15_000);
    await sleep(2500);
    expect(await districtAlerts()).toHaveLength(0);

    // refused: nothing changes
    expect(
      (
        await commander.post('/api/v1/defense-levels', {
          jurisdictionId: districtId,
          level: 5,
          reason: 'x',
        })
      ).status,
    ).toBe(400);
    expect(
      (await commander.post('/api/v1/defense-levels', { jurisdictionId: districtId, level: 1 }))
        .status,
    ).toBe(400);
    expect(
      (
        await dispatcher.post('/api/v1/defense-levels', {
          jurisdictionId: null,
          level: 1,
          reason: 'x',
        })
      ).status,
    ).toBe(403);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(
      (
        await commander.post('/api/v1/defense-levels', {
          jurisdictionId: unknown,
          level: 1,
          reason: 'x',
        })
      ).status,
    ).toBe(404);
    expect((await commander.get('/api/v1/defense-levels')).body).toHaveLength(1);

    // level 1: 95 % and 8 units — the district falls short at once
    const set = await commander.post('/api/v1/defense-levels', {
      jurisdictionId: districtId,
      level: 1,
      reason: '重大活动安保',
    });
    expect(set.status).toBe(201);
    expect(set.body).toMatchObject({
      jurisdictionId: districtId,
      level: 1,
      by: 'commander',
      policy: { minRoadKmPct: 95 },
    });
    await console.waitFor((e) => e.event === 'defense-level.changed' && e.payload.level === 1);
    const alert = await console.waitFor(
      (e) => e.event === 'alert' && e.payload.kind === 'coverage_below_target',
      15_000,
    );
    expect(alert.payload).toMatchObject({
      incidentId: null,
      data: { districtId, level: 1, minAvailableUnits: 8 },
    });
    expect(alert.payload.data.roadKmPct).toBeGreaterThanOrEqual(70);
    await sleep(3000); // three more pushes while the breach lasts: no new alert
    expect(await districtAlerts()).toHaveLength(1);
    const levels = (await commander.get('/api/v1/defense-levels')).body;
    expect(levels.find((l: any) => l.jurisdictionId === districtId)).toMatchObject({
      level: 1,
      reason: '重大活动安保',
    });
    // back to everyday: the breach closes, a later one would alert again
    expect(
      (
        await commander.post('/api/v1/defense-levels', {
          jurisdictionId: districtId,
          level: 4,
          reason: '活动结束',
        })
      ).status,
    ).toBe(201);
  });

  it('sealing: the checkpoints on each ring, who can man them first, and the roads left open', async () => {
    const inc = await calltaker.post('/api/v1/incidents', {
      location: SEALING_ORIGIN,
      category: 'criminal',
      priority: 1,
    });
    expect(inc.status).toBe(201);
    const id = inc.body.incident.id;
    const r = await dispatcher.get(`/api/v1/incidents/${id}/sealing?scheme=seal-10-20`);
    expect(r.status).toBe(200);
    expect(r.body.incidentId).toBe(id);
    expect(r.body.tiers.map((t: any) => t.sec)).toEqual([600, 1200]);
    const [inner, outer] = r.body.tiers;
    expect(inner.checkpoints.map((c: any) => c.name)).toEqual(['E1', 'N1']);
    expect(outer.checkpoints.map((c: any) => c.name)).toEqual(['W1', 'S1']);
    const byName = Object.fromEntries(
      [...inner.checkpoints, ...outer.checkpoints].map((c: any) => [c.name, c]),
    );
    expect(byName.E1).toMatchObject({
      checkpointId: cp.E1,
      sealable: true,
      bestUnit: { unitId: unit.U1.id, callsign: 'U1' },
    });
    expect(Math.abs(byName.E1.vehicleEtaSec - 400)).toBeLessThanOrEqual(2);
    expect(byName.N1).toMatchObject({ sealable: true, bestUnit: { callsign: 'U4' } });
    expect(byName.W1).toMatchObject({ sealable: true, bestUnit: { callsign: 'U3' } });
    expect(byName.S1.sealable).toBe(false); // U2 is 18.5 km away, the vehicle 16.5 km at 1.2× speed
    expect(['Polygon', 'MultiPolygon']).toContain(inner.boundary.type);
    expect(inner.crossings.map((c: any) => c.roadName).sort()).toEqual([
      '东大道',
      '南大道',
      '西大道',
    ]);
    expect(outer.crossings).toHaveLength(4);

    // 包围圈: the 30-minute tier of 5-10-30 alone (window 900–1800 s)
    const ring = await dispatcher.get(`/api/v1/incidents/${id}/sealing?scheme=5-10-30&tiers=2`);
    expect(ring.status).toBe(200);
    expect(ring.body.tiers.map((t: any) => t.sec)).toEqual([1800]);
    expect(ring.body.tiers[0].checkpoints.map((c: any) => c.name)).toEqual(['S1', 'FAR']);

    expect((await dispatcher.get(`/api/v1/incidents/${id}/sealing?scheme=nope`)).status).toBe(400);
    expect(
      (await dispatcher.get(`/api/v1/incidents/${id}/sealing?scheme=seal-10-20&tiers=5`)).status,
    ).toBe(400);
    expect((await dispatcher.get(`/api/v1/incidents/${id}/sealing?tiers=a`)).status).toBe(400);
    expect(
      (await dispatcher.get(`/api/v1/incidents/00000000-0000-4000-8000-000000000000/sealing`))
        .status,
    ).toBe(404);

    // one action sends U1 to E1 and U4 to N1; each terminal gets the checkpoint's location
    const t1 = await connectSocket(base, '/terminal', unit.U1.token);
    const before = (await admin.get('/api/v1/units')).body;
    const bad = [
      [calltaker, { assignments: [{ checkpointId: cp.E1, unitId: unit.U1.id }] }, 403],
      [dispatcher, { assignments: [] }, 400],
      [
        dispatcher,
        {
          assignments: [
            { checkpointId: cp.E1, unitId: unit.U1.id },
            { checkpointId: cp.N1, unitId: unit.U1.id },
          ],
        },
        400,
      ],
      [
        dispatcher,
        {
          assignments: [
            { checkpointId: '00000000-0000-4000-8000-000000000000', unitId: unit.U1.id },
          ],
        },
        404,
      ],
      [
        dispatcher,
        {
          assignments: [
            { checkpointId: cp.E1, unitId: unit.U1.id },
            { checkpointId: cp.N1, unitId: '00000000-0000-4000-8000-000000000000' },
          ],
        },
        404,
      ],
    ] as const;
    for (const [who, body, status] of bad)
      expect((await who.post(`/api/v1/incidents/${id}/sealing/dispatch`, body)).status).toBe(
        status,
      );
    expect((await admin.get('/api/v1/units')).body).toEqual(before);
    const sent = await dispatcher.post(`/api/v1/incidents/${id}/sealing/dispatch`, {
      assignments: [
        { checkpointId: cp.E1, unitId: unit.U1.id },
        { checkpointId: cp.N1, unitId: unit.U4.id },
      ],
    });
    expect(sent.status).toBe(201);
    expect(sent.body.assignments).toHaveLength(2);
    expect(sent.body.assignments.find((a: any) => a.unitId === unit.U1.id)).toMatchObject({
      role: 'checkpoint',
      checkpointId: cp.E1,
    });
    const task = await t1.waitFor((e) => e.event === 'task.assigned');
    expect(task.payload.checkpoint).toMatchObject({ id: cp.E1, name: 'E1' });
    expect(task.payload.checkpoint.location.lon).toBeCloseTo(SEALING_CHECKPOINTS.E1.lon, 6);
    expect(Math.abs(task.payload.etaSec - 80)).toBeLessThanOrEqual(60); // to the checkpoint, not the incident
    t1.close();
    // U1 is busy now: the whole request is refused
    const again = await dispatcher.post(`/api/v1/incidents/${id}/sealing/dispatch`, {
      assignments: [
        { checkpointId: cp.W1, unitId: unit.U3.id },
        { checkpointId: cp.S1, unitId: unit.U1.id },
      ],
    });
    expect(again.status).toBe(409);
    expect(
      (await admin.get('/api/v1/units')).body.find((u: any) => u.id === unit.U3.id).status,
    ).toBe('available');
    const timeline = (await dispatcher.get(`/api/v1/incidents/${id}/timeline`)).body;
    const assigned = timeline.events.filter((e: any) => e.type === 'units.assigned');
    expect(assigned).toHaveLength(1);
    expect(assigned[0].data.role).toBe('checkpoint');
    // the sealing view no longer offers the units that are out at checkpoints
    const now = (await dispatcher.get(`/api/v1/incidents/${id}/sealing`)).body;
    const offered = now.tiers.flatMap((t: any) =>
      t.checkpoints.map((c: any) => c.bestUnit?.unitId),
    );
    expect(offered).not.toContain(unit.U1.id);
    expect(offered).not.toContain(unit.U4.id);
    expect(
      (await dispatcher.post(`/api/v1/incidents/${id}/cancel`, { reason: 'test' })).status,
    ).toBe(200);
  });

  it('response plans: admin CRUD with validation; a new incident gets the plan filled; one action confirms', async () => {
    const plan = {
      name: '持械抢劫',
      category: 'criminal',
      priority: 2,
      scheme: '5-10-30',
      units: [
        { kind: 'patrol_car', count: 2, tier: 2 },
        { kind: 'swat', count: 1, tier: 2 },
      ],
      notify: ['122'],
    };
    for (const [body, status] of [
      [{ ...plan, units: [{ kind: 'tank', count: 1, tier: 0 }] }, 400],
      [{ ...plan, units: [{ kind: 'swat', count: 1, tier: 3 }] }, 400],
      [{ ...plan, scheme: '9-9-9' }, 400],
      [{ ...plan, notify: ['119', '119'] }, 400],
      [{ ...plan, jurisdictionId: '00000000-0000-4000-8000-000000000000' }, 404],
    ] as const) {
      expect((await admin.post('/api/v1/response-plans', body)).status).toBe(status);
    }
    expect((await dispatcher.post('/api/v1/response-plans', plan)).status).toBe(403);
    expect((await admin.get('/api/v1/response-plans')).body).toHaveLength(0);
    const created = await admin.post('/api/v1/response-plans', plan);
    expect(created.status).toBe(201);
    expect((await admin.post('/api/v1/response-plans', plan)).status).toBe(409);
    const other = await admin.post('/api/v1/response-plans', { ...plan, priority: 3 });
    expect(other.status).toBe(201);
    expect(
      (await admin.raw('PUT', `/api/v1/response-plans/${other.body.id}`, { ...plan, priority: 2 }))
        .status,
    ).toBe(409);
    expect((await admin.raw('DELETE', `/api/v1/response-plans/${other.body.id}`)).status).toBe(204);
    expect((await admin.raw('DELETE', `/api/v1/response-plans/${other.body.id}`)).status).toBe(404);
    expect((await admin.get('/api/v1/response-plans')).body.map((p: any) => p.id)).toEqual([
      created.body.id,
    ]);

    const inc = await calltaker.post('/api/v1/incidents', {
      location: SEALING_ORIGIN,
      category: 'criminal',
      priority: 2,
    });
    expect(inc.status).toBe(201);
    const id = inc.body.incident.id;
    // the two fastest patrol cars (U2 2 km, U4 5 km); no SWAT unit exists; F1 walks and is no car
    expect(inc.body.plan.planId).toBe(created.body.id);
    expect(inc.body.plan.proposed.map((p: any) => [p.unitId, p.kind, p.tier])).toEqual([
      [unit.U2.id, 'patrol_car', 2],
      [unit.U4.id, 'patrol_car', 2],
    ]);
    expect(inc.body.plan.missing).toEqual([{ kind: 'swat', count: 1, tier: 2 }]);
    // the plan's 122 notification is delivered on its own
    const delivered = await eventually(
      () => dispatcher.get(`/api/v1/incidents/${id}/agencies`),
      (r) => r.body[0]?.status === 'delivered',
    );
    expect(delivered.body).toMatchObject([
      { agency: '122', mode: 'notify', status: 'delivered', attempts: 1 },
    ]);

    expect(
      (await dispatcher.post(`/api/v1/incidents/${id}/plan/confirm`, { unitIds: [unit.U3.id] }))
        .status,
    ).toBe(409);
    expect((await calltaker.post(`/api/v1/incidents/${id}/plan/confirm`, {})).status).toBe(403);
    const confirmed = await dispatcher.post(`/api/v1/incidents/${id}/plan/confirm`, {});
    expect(confirmed.status).toBe(201);
    expect(confirmed.body.assignments.map((a: any) => a.unitId).sort()).toEqual(
      [unit.U2.id, unit.U4.id].sort(),
    );
    // the cars at work now fill the plan: nothing more is proposed, the SWAT team is still missing,
    // and a second confirm (a double click) assigns nobody
    const after = await dispatcher.get(`/api/v1/incidents/${id}/plan`);
    expect(after.status).toBe(200);
    expect(after.body.plan.proposed).toEqual([]);
    expect(after.body.plan.missing).toEqual([{ kind: 'swat', count: 1, tier: 2 }]);
    expect(after.body.plan.working.map((w: any) => w.unitId).sort()).toEqual(
      [unit.U2.id, unit.U4.id].sort(),
    );
    expect((await dispatcher.post(`/api/v1/incidents/${id}/plan/confirm`, {})).status).toBe(409);
    const plain = await calltaker.post('/api/v1/incidents', {
      location: SEALING_ORIGIN,
      category: 'dispute',
      priority: 3,
    });
    expect(plain.body.plan).toBeNull();
    expect(
      (await dispatcher.post(`/api/v1/incidents/${plain.body.incident.id}/plan/confirm`, {}))
        .status,
    ).toBe(409);
    for (const i of [id, plain.body.incident.id])
      await dispatcher.post(`/api/v1/incidents/${i}/cancel`, { reason: 'test' });
  });

  it('agency linkage: delivered exactly once through failures, or given up with an alert', async () => {
    const inc = await calltaker.post('/api/v1/incidents', {
      location: SEALING_ORIGIN,
      category: 'fire',
      priority: 1,
    });
    const id = inc.body.incident.id;
    for (const [who, body, status] of [
      [dispatcher, { agency: '999' }, 400],
      [dispatcher, { agency: '119', mode: 'forward' }, 400],
      [calltaker, { agency: '119' }, 403],
    ] as const) {
      expect((await who.post(`/api/v1/incidents/${id}/agencies`, body)).status).toBe(status);
    }
    expect(
      (
        await dispatcher.post('/api/v1/incidents/00000000-0000-4000-8000-000000000000/agencies', {
          agency: '119',
        })
      ).status,
    ).toBe(404);
    expect((await dispatcher.get(`/api/v1/incidents/${id}/agencies`)).body).toEqual([]);

    const fire = await dispatcher.post(`/api/v1/incidents/${id}/agencies`, {
      agency: '119',
      mode: 'transfer',
      note: '三楼起火',
    });
    expect(fire.status).toBe(201);
    expect(fire.body).toMatchObject({ agency: '119', mode: 'transfer', status: 'pending' });
    const ambulance = await commander.post(`/api/v1/incidents/${id}/agencies`, { agency: '120' });
    expect(ambulance.status).toBe(201);

    const done = await eventually(
      () => dispatcher.get(`/api/v1/incidents/${id}/agencies`),
      (r) => r.body.every((n: any) => n.status !== 'pending'),
    );
    const byAgency = Object.fromEntries(done.body.map((n: any) => [n.agency, n]));
    expect(byAgency['119']).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(byAgency['120']).toMatchObject({ status: 'failed', attempts: 3, lastError: 'HTTP 503' });
    const fireCalls = hooks.calls.filter((c) => c.key === fire.body.id);
    expect(fireCalls.map((c) => c.status)).toEqual([500, 500, 200]);
    expect(fireCalls[2].body).toMatchObject({
      agency: '119',
      mode: 'transfer',
      note: '三楼起火',
      incident: { id, category: 'fire' },
    });
    expect(fireCalls[2].body.incident.callerNumber).toBeUndefined();
    const alert = await console.waitFor(
      (e) => e.event === 'alert' && e.payload.kind === 'agency_undelivered',
    );
    expect(alert.payload).toMatchObject({ incidentId: id, data: { agency: '120', attempts: 3 } });
    await sleep(500); // nothing is sent again once settled
    expect(hooks.calls.filter((c) => c.key === fire.body.id)).toHaveLength(3);
    expect(hooks.calls.filter((c) => c.key === ambulance.body.id)).toHaveLength(3);
    const events = (await dispatcher.get(`/api/v1/incidents/${id}/timeline`)).body.events.map(
      (e: any) => e.type,
    );
    expect(events.filter((t: string) => t === 'agency.requested')).toHaveLength(2);
    expect(events.filter((t: string) => t === 'agency.delivered')).toHaveLength(1);
    expect(events.filter((t: string) => t === 'agency.undelivered')).toHaveLength(1);

    expect(
      (await dispatcher.post(`/api/v1/incidents/${id}/cancel`, { reason: 'test' })).status,
    ).toBe(200);
    expect(
      (await dispatcher.post(`/api/v1/incidents/${id}/agencies`, { agency: '122' })).status,
    ).toBe(409);
    expect((await dispatcher.get(`/api/v1/incidents/${id}/agencies`)).body).toHaveLength(2);
  });

  it('a non-police matter closed with its disposition is handed to the 12345 hotline and delivered', async () => {
    const inc = await calltaker.post('/api/v1/incidents', {
      location: SEALING_ORIGIN,
      category: 'public_order',
      priority: 3,
    });
    const id = inc.body.incident.id;
    const closed = await dispatcher.post(`/api/v1/incidents/${id}/close`, {
      disposition: 'non_police_12345',
      note: '噪音投诉',
    });
    expect(closed.status).toBe(200);
    const done = await eventually(
      () => dispatcher.get(`/api/v1/incidents/${id}/agencies`),
      (r) => r.body.length === 1 && r.body[0].status !== 'pending',
    );
    expect(done.body[0]).toMatchObject({ agency: '12345', mode: 'transfer', status: 'delivered' });
  });
});
