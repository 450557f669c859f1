import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { DatabaseService } from '@ringcad/core';
import {
  SEALING_CHECKPOINTS,
  SEALING_ORIGIN,
  SEALING_UNITS,
  sealingAt,
  sealingCross,
} from '../../libs/routing/src/sealing.fixture';
import {
  ADMIN_PASSWORD,
  client,
  connectSocket,
  createStack,
  login,
  SERVICES_MODE,
  type Recorder,
  type Stack,
} from '../support/harness';
import { TestClock } from '../support/test-clock';
import { placeCheckpointsAndUnits, reportPosition, toNextNoon } from '../support/perimeter-world';

type Http = ReturnType<typeof client>;

/**
 * 环城封控圈 on the sealing cross (four 20 km primary roads, 12.5 m/s off-peak): a ring of the
 * checkpoints E1 (6 km east), N1 (8.85 km north), W1 (12 km west) and S1 (16.5 km south); the
 * patrol cars U1 (1 km from E1: 80 s), U4 (3.85 km from N1: 308 s), U3 (2 km from W1: 160 s) and
 * U2 (2 km north of the junction: nothing within 20 minutes of S1, its nearest free post).
 * Tiers 300 s and 1200 s: E1 and W1 within 5 minutes (50 %), N1 too within 20 (75 %).
 */
describe(`standing perimeters (环城封控圈): config, readiness, push, alerts, activation (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  const clock = new TestClock();
  let stack: Stack;
  let base: string;
  let dir: string;
  let admin: Http;
  let calltaker: Http;
  let dispatcher: Http;
  let commander: Http;
  let scopedCommander: Http;
  const tokens: Record<string, string> = {};
  const sockets: Recorder[] = [];
  let commanderSocket: Recorder;
  let dispatcherSocket: Recorder;
  let calltakerSocket: Recorder;
  let districtId: string;
  let ringId: string;
  let districtRingId: string;
  const cp: Record<string, string> = {};
  const unit: Record<string, { id: string; token: string }> = {};

  const count = async (table: string) => {
    const db = stack.api().app.get(DatabaseService).db;
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(
      db,
    );
    return Number(r.rows[0].n);
  };
  const moveUnit = (name: string, p: { lon: number; lat: number }) =>
    reportPosition(base, clock, unit[name], p);
  const readinessOf = (r: Recorder, pred: (p: any) => boolean, timeoutMs = 20_000) =>
    r.waitFor(
      (e) =>
        e.event === 'perimeter.readiness' && e.payload.perimeterId === ringId && pred(e.payload),
      timeoutMs,
    );

  beforeAll(async () => {
    // noon in Chengdu (04:00 UTC), off-peak: the ETAs are metres ÷ 12.5 m/s
    toNextNoon(clock);
    dir = mkdtempSync(join(tmpdir(), 'ringcad-perimeter-'));
    const roads = join(dir, 'cross.geojson');
    writeFileSync(roads, JSON.stringify(sealingCross()));
    stack = await createStack(
      {
        ROAD_NETWORK: roads,
        PERIMETER_PUSH_SEC: '1',
        COVERAGE_PUSH_SEC: '0',
        COVERAGE_ALERT_GRACE_SEC: '0',
        POSITION_STALE_SEC: '3600',
      },
      { clock },
    );
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    admin = await login(base, 'admin', ADMIN_PASSWORD);
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
    for (const [username, role, jurisdictionId] of [
      ['calltaker', 'calltaker', null],
      ['dispatcher', 'dispatcher', null],
      ['commander', 'commander', null],
      ['d-commander', 'commander', districtId],
    ] as const) {
      const r = await admin.post('/api/v1/users', {
        username,
        password: `${username}-password`,
        roles: [role],
        jurisdictionId,
      });
      expect(r.status).toBe(201);
      tokens[username] = (
        await client(base).post('/api/v1/auth/login', {
          username,
          password: `${username}-password`,
        })
      ).body.accessToken;
    }
    calltaker = client(base, tokens.calltaker);
    dispatcher = client(base, tokens.dispatcher);
    commander = client(base, tokens.commander);
    scopedCommander = client(base, tokens['d-commander']);
    const placed = await placeCheckpointsAndUnits(base, admin, clock, SEALING_CHECKPOINTS, [
      ...Object.entries(SEALING_UNITS).map(
        ([name, p]): [string, string, { lon: number; lat: number }] => [name, 'patrol_car', p],
      ),
      // on foot beside E1's road: foot patrols do not man checkpoints
      ['F1', 'foot', sealingAt(5800, 0)],
    ]);
    Object.assign(cp, placed.cp);
    Object.assign(unit, placed.unit);
    commanderSocket = await connectSocket(base, '/console', tokens.commander);
    dispatcherSocket = await connectSocket(base, '/console', tokens.dispatcher);
    calltakerSocket = await connectSocket(base, '/console', tokens.calltaker);
    sockets.push(commanderSocket, dispatcherSocket, calltakerSocket);
  }, 240_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('admins configure perimeters; bad input is refused with codes and writes nothing', async () => {
    const good = {
      name: '环城封控圈',
      checkpointIds: [cp.E1, cp.N1, cp.W1, cp.S1],
      tiersSec: [300, 1200],
      targetPct: [50, 75],
    };
    const before = { perimeters: await count('perimeters'), audit: await count('audit_events') };
    const refusals: [string, unknown, string][] = [
      ['empty ring', { ...good, checkpointIds: [] }, 'checkpointIds'],
      ['tiers not ascending', { ...good, tiersSec: [1200, 300] }, 'tiersSec'],
      ['a target per tier', { ...good, targetPct: [50] }, 'targetPct'],
      ['a checkpoint twice', { ...good, checkpointIds: [cp.E1, cp.E1] }, 'checkpointIds'],
      ['unknown checkpoint', { ...good, checkpointIds: [cp.E1, unit.U1.id] }, 'checkpointIds.1'],
      ['unknown jurisdiction', { ...good, jurisdictionId: unit.U1.id }, 'jurisdictionId'],
      ['unknown field', { ...good, colour: 'red' }, ''],
    ];
    for (const [what, body, path] of refusals) {
      const r = await admin.post('/api/v1/perimeters', body);
      expect([what, r.status, r.body.error?.code]).toEqual([what, 400, 'VALIDATION_FAILED']);
      if (path)
        expect([what, JSON.stringify(r.body.error.details)]).toEqual([
          what,
          expect.stringContaining(`"${path}`),
        ]);
    }
    // only admins write; call-takers do not even read
    expect((await dispatcher.post('/api/v1/perimeters', good)).status).toBe(403);
    expect((await commander.post('/api/v1/perimeters', good)).status).toBe(403);
    expect((await calltaker.get('/api/v1/perimeters')).status).toBe(403);
    expect({
      perimeters: await count('perimeters'),
      audit: await count('audit_events'),
    }).toEqual(before);

    const created = await admin.post('/api/v1/perimeters', good);
    expect(created.status).toBe(201);
    ringId = created.body.id;
    expect(created.body).toMatchObject({
      name: '环城封控圈',
      jurisdictionId: null,
      tiers: [
        { sec: 300, targetPct: 50 },
        { sec: 1200, targetPct: 75 },
      ],
    });
    expect(created.body.checkpoints.map((c: any) => c.name)).toEqual(['E1', 'N1', 'W1', 'S1']);
    const local = await admin.post('/api/v1/perimeters', {
      name: '中心区卡口',
      jurisdictionId: districtId,
      checkpointIds: [cp.E0],
      tiersSec: [600],
      targetPct: [0],
    });
    expect(local.status).toBe(201);
    districtRingId = local.body.id;
    // PUT replaces; a refused PUT changes nothing
    const renamed = await admin.raw('PUT', `/api/v1/perimeters/${districtRingId}`, {
      name: '中心区卡口圈',
      jurisdictionId: districtId,
      checkpointIds: [cp.E0, cp.FAR],
      tiersSec: [600],
      targetPct: [0],
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.checkpoints.map((c: any) => c.name)).toEqual(['E0', 'FAR']);
    const badPut = await admin.raw('PUT', `/api/v1/perimeters/${districtRingId}`, {
      name: 'x',
      jurisdictionId: districtId,
      checkpointIds: [],
      tiersSec: [600],
      targetPct: [0],
    });
    expect(badPut.status).toBe(400);
    expect((await dispatcher.get(`/api/v1/perimeters/${districtRingId}`)).body.name).toBe(
      '中心区卡口圈',
    );
    // a throwaway perimeter is deleted
    const tmp = await admin.post('/api/v1/perimeters', { ...good, name: 'tmp' });
    expect((await admin.raw('DELETE', `/api/v1/perimeters/${tmp.body.id}`)).status).toBe(204);
    expect((await dispatcher.get(`/api/v1/perimeters/${tmp.body.id}`)).status).toBe(404);
  });

  it('scope: a district commander sees its district’s perimeter, not the city’s', async () => {
    const list = await scopedCommander.get('/api/v1/perimeters');
    expect(list.status).toBe(200);
    expect(list.body.map((p: any) => p.id)).toEqual([districtRingId]);
    const city = await scopedCommander.get(`/api/v1/perimeters/${ringId}/readiness`);
    expect([city.status, city.body.error?.code]).toEqual([403, 'OUT_OF_SCOPE']);
    expect(
      (await scopedCommander.get(`/api/v1/perimeters/${districtRingId}/readiness`)).status,
    ).toBe(200);
    expect((await commander.get('/api/v1/perimeters')).body.map((p: any) => p.id).sort()).toEqual(
      [ringId, districtRingId].sort(),
    );
    expect((await calltaker.get(`/api/v1/perimeters/${ringId}/readiness`)).status).toBe(403);
  });

  it('readiness has the known answer: 50 % within 5 minutes, 75 % within 20', async () => {
    const r = await dispatcher.get(`/api/v1/perimeters/${ringId}/readiness`);
    expect(r.status).toBe(200);
    const [five, twenty] = r.body.tiers;
    const post = Object.fromEntries(
      twenty.checkpoints.map((c: any) => [c.name, [c.bestUnit?.callsign ?? null, c.etaSec]]),
    );
    expect(post.E1[0]).toBe('U1');
    expect(post.E1[1]).toBeCloseTo(80, -1);
    expect(post.W1[0]).toBe('U3');
    expect(post.W1[1]).toBeCloseTo(160, -1);
    expect(post.N1[0]).toBe('U4');
    expect(post.N1[1]).toBeCloseTo(308, -1);
    expect(post.S1).toEqual([null, null]);
    expect(five.checkpoints.map((c: any) => [c.name, c.coverable])).toEqual([
      ['E1', true],
      ['N1', false],
      ['W1', true],
      ['S1', false],
    ]);
    expect(r.body.tiers.map((t: any) => [t.sec, t.coverablePct, t.belowTarget])).toEqual([
      [300, 50, false],
      [1200, 75, false],
    ]);
    expect(r.body.activationCount).toBe(3);
    expect(r.body.units).toBe(4); // F1 walks
  });

  it('is pushed to commanders and dispatchers as units move; a drop below target alerts once, cleared when restored', async () => {
    await readinessOf(commanderSocket, (p) => p.tiers[0].coverablePct === 50);
    await readinessOf(dispatcherSocket, (p) => p.tiers[0].coverablePct === 50);
    const perimeterAlerts = (r: Recorder) =>
      r.events.filter(
        (e) =>
          e.event === 'alert' &&
          e.payload.kind === 'perimeter_below_target' &&
          e.payload.data.perimeterId === ringId,
      );
    expect(perimeterAlerts(commanderSocket)).toEqual([]);
    // U3 drives 8 km west of W1 (640 s): only E1 within 5 minutes, 25 % < 50 % (five minutes
    // later: a jump faster than a car drives is refused as implausible)
    clock.advance(300_000);
    await moveUnit('U3', sealingAt(-20000, 0));
    const dropped = await readinessOf(commanderSocket, (p) => p.tiers[0].coverablePct === 25);
    expect(dropped.payload.tiers[0].belowTarget).toBe(true);
    expect(dropped.payload.tiers[1].coverablePct).toBe(75);
    const alert = await commanderSocket.waitFor(
      (e) =>
        e.event === 'alert' &&
        e.payload.kind === 'perimeter_below_target' &&
        e.payload.data.perimeterId === ringId,
      15_000,
    );
    expect(alert.payload.data).toMatchObject({
      tierSec: 300,
      coverablePct: 25,
      targetPct: 50,
      uncovered: ['N1', 'W1', 'S1'],
    });
    await dispatcherSocket.waitFor(
      (e) => e.event === 'alert' && e.payload.id === alert.payload.id,
      15_000,
    );
    // further pushes while the breach lasts raise nothing more
    const pushes = commanderSocket.events.filter((e) => e.event === 'perimeter.readiness').length;
    await readinessOf(
      commanderSocket,
      () =>
        commanderSocket.events.filter((e) => e.event === 'perimeter.readiness').length >=
        pushes + 6,
    );
    expect(perimeterAlerts(commanderSocket)).toHaveLength(1);
    expect(perimeterAlerts(calltakerSocket)).toEqual([]);
    expect(calltakerSocket.events.filter((e) => e.event === 'perimeter.readiness')).toEqual([]);
    const open = (await commander.get('/api/v1/alerts')).body.filter(
      (a: any) => a.kind === 'perimeter_below_target',
    );
    expect(open.map((a: any) => a.id)).toEqual([alert.payload.id]);
    // the district commander is not told about the city's ring
    expect(
      (await scopedCommander.get('/api/v1/alerts')).body.filter(
        (a: any) => a.kind === 'perimeter_below_target',
      ),
    ).toEqual([]);
    // U3 back: restored, the alert is cleared
    clock.advance(300_000);
    await moveUnit('U3', SEALING_UNITS.U3);
    await readinessOf(commanderSocket, (p) => p.tiers[0].coverablePct === 50);
    await commanderSocket.waitFor(
      (e) => e.event === 'alert.acknowledged' && e.payload.id === alert.payload.id,
      15_000,
    );
    expect(
      (await commander.get('/api/v1/alerts')).body.filter(
        (a: any) => a.kind === 'perimeter_below_target',
      ),
    ).toEqual([]);
  }, 90_000);

  it('one action sends the best unit to each checkpoint with the count confirmed; recall withdraws them all', async () => {
    const inc = await calltaker.post('/api/v1/incidents', {
      location: SEALING_ORIGIN,
      category: 'criminal',
      priority: 1,
    });
    expect(inc.status).toBe(201);
    const incidentId = inc.body.incident.id;
    const terminals = Object.fromEntries(
      await Promise.all(
        ['U1', 'U2', 'U3', 'U4'].map(
          async (n) => [n, await connectSocket(base, '/terminal', unit[n].token)] as const,
        ),
      ),
    );
    sockets.push(...Object.values(terminals));
    const url = `/api/v1/perimeters/${ringId}/activate`;
    const before = await count('assignments');
    expect((await commander.post(url, { incidentId })).status).toBe(400);
    expect((await commander.post(url, { incidentId, expectedCount: 0 })).status).toBe(400);
    const changed = await commander.post(url, { incidentId, expectedCount: 2 });
    expect([changed.status, changed.body.error.code, changed.body.error.details.count]).toEqual([
      409,
      'CONFLICT',
      3,
    ]);
    expect((await calltaker.post(url, { incidentId, expectedCount: 3 })).status).toBe(403);
    expect((await scopedCommander.post(url, { incidentId, expectedCount: 3 })).status).toBe(403);
    expect(await count('assignments')).toBe(before);

    const auditBefore = await count('audit_events');
    const act = await commander.post(url, { incidentId, expectedCount: 3 });
    expect(act.status).toBe(201);
    expect(act.body.assignments.map((a: any) => [a.unitId, a.checkpointId]).sort()).toEqual(
      [
        [unit.U1.id, cp.E1],
        [unit.U4.id, cp.N1],
        [unit.U3.id, cp.W1],
      ].sort(),
    );
    for (const [n, c] of [
      ['U1', cp.E1],
      ['U3', cp.W1],
      ['U4', cp.N1],
    ]) {
      const task = await terminals[n].waitFor((e) => e.event === 'task.assigned', 15_000);
      expect(task.payload.checkpoint.id).toBe(c);
    }
    expect(terminals.U2.events.filter((e) => e.event === 'task.assigned')).toEqual([]);
    const units = (await dispatcher.get('/api/v1/units')).body;
    const statusOf = (id: string) => units.find((u: any) => u.id === id)?.status;
    expect(statusOf(unit.U1.id)).toBe('assigned');

    const recall = await dispatcher.post(`/api/v1/perimeters/activations/${act.body.id}/recall`);
    expect(recall.status).toBe(200);
    expect(recall.body.recalledAt).not.toBeNull();
    for (const n of ['U1', 'U3', 'U4'])
      await terminals[n].waitFor((e) => e.event === 'task.cancelled', 15_000);
    const after = (await dispatcher.get('/api/v1/units')).body;
    for (const n of ['U1', 'U3', 'U4'])
      expect(after.find((u: any) => u.id === unit[n].id).status).toBe('available');
    const again = await dispatcher.post(`/api/v1/perimeters/activations/${act.body.id}/recall`);
    expect([again.status, again.body.error.code]).toEqual([409, 'CONFLICT']);
    // activation and recall are audited
    expect(await count('audit_events')).toBe(auditBefore + 2);
    const db = stack.api().app.get(DatabaseService).db;
    const log = await sql<{ type: string }>`
      SELECT type FROM incident_events WHERE incident_id = ${incidentId} ORDER BY version`.execute(
      db,
    );
    expect(log.rows.map((e) => e.type)).toEqual(
      expect.arrayContaining(['units.assigned', 'perimeter.recalled']),
    );
  }, 90_000);
});
