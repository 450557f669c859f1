import gcoord from 'gcoord';
import { formatIncidentNumber } from '@ringcad/domain';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import {
  connectSocket,
  createStack,
  emitWithAck,
  SERVICES_MODE,
  type Recorder,
  type Stack,
} from '../support/harness';

describe(`the 110 loop end to end (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;

  beforeAll(async () => {
    stack = await createStack({ ACK_TIMEOUT_P1_SEC: '30' });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('takes a GCJ-02 call to a closed incident with every step live and on the record', async () => {
    const console1: Recorder = await connectSocket(base, '/console', world.tokens.dispatcher);
    const sync = await console1.waitFor((e) => e.event === 'sync');
    expect(sync.payload.units).toHaveLength(5);

    // call-taker enters the location as a Chinese map SDK gives it (GCJ-02)
    const [gLon, gLat] = gcoord.transform<[number, number]>(
      [INCIDENT_POINT.lon, INCIDENT_POINT.lat],
      gcoord.WGS84,
      gcoord.GCJ02,
    );
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: { lon: gLon, lat: gLat, crs: 'GCJ02' },
      category: 'criminal',
      priority: 1,
      address: '天府广场东侧',
      callerNumber: '13812345678',
      callerName: '张先生',
      description: '抢劫，嫌疑人向东逃离',
    });
    expect(created.status).toBe(201);
    const incident = created.body.incident;
    const [expLon, expLat] = gcoord.transform<[number, number]>(
      [gLon, gLat],
      gcoord.GCJ02,
      gcoord.WGS84,
    );
    expect(incident.location.lon).toBeCloseTo(expLon, 7);
    expect(incident.location.lat).toBeCloseTo(expLat, 7);
    expect(Math.abs(incident.location.lon - INCIDENT_POINT.lon)).toBeLessThan(1e-5);
    expect(incident.number).toMatch(/^110-\d{8}-\d{6}$/);
    // numbered in SQL: the same form as the domain's formatter, on the CST day of its creation
    expect(incident.number).toBe(
      formatIncidentNumber(new Date(incident.createdAt), Number(incident.number.slice(-6))),
    );
    expect(incident.status).toBe('new');
    expect(incident.jurisdiction.districtId).toBe(world.districtId);
    expect(incident.callerNumber).toBe('13812345678');

    // recommendation: available units by ETA with ring tiers of the incident's scheme (P1 → 5-10-30)
    const rec = created.body.recommendation;
    expect(rec.scheme.id).toBe('5-10-30');
    expect(rec.candidates).toHaveLength(5);
    expect(rec.unranked).toEqual({ beyondSearch: 0, notRanked: 0 });
    const etas = rec.candidates.map((c: { etaSec: number }) => c.etaSec);
    expect([...etas].sort((a, b) => a - b)).toEqual(etas);
    for (const c of rec.candidates) {
      const tierSecs = rec.scheme.tiers.map((t: { sec: number }) => t.sec);
      const expected = tierSecs.findIndex((s: number) => c.etaSec <= s);
      expect(c.tier).toBe(expected === -1 ? null : expected);
      expect(c.method).toBe('straight');
    }
    const again = await world.dispatcher.get(
      `/api/v1/incidents/${incident.id}/recommendation?scheme=1-3-8`,
    );
    expect(again.status).toBe(200);
    expect(again.body.scheme.id).toBe('1-3-8');

    const created1 = await console1.waitFor(
      (e) => e.event === 'incident.created' && e.payload.id === incident.id,
    );
    expect(created1.payload.callerNumber).toBe('13812345678');

    // terminals of the two nearest units are connected before dispatch
    const [first, second] = rec.candidates
      .slice(0, 2)
      .map((c: { unitId: string }) => world.units.find((u) => u.id === c.unitId)!);
    const t1 = await connectSocket(base, '/terminal', first.token);
    const t2 = await connectSocket(base, '/terminal', second.token);

    const assigned = await world.dispatcher.post(`/api/v1/incidents/${incident.id}/assignments`, {
      unitIds: [first.id, second.id],
    });
    expect(assigned.status).toBe(201);
    expect(assigned.body.assignments).toHaveLength(2);
    for (const a of assigned.body.assignments) {
      expect(a.status).toBe('assigned');
      expect(a.etaSec).toBeGreaterThan(0);
    }
    const a1 = assigned.body.assignments.find((a: { unitId: string }) => a.unitId === first.id);
    const a2 = assigned.body.assignments.find((a: { unitId: string }) => a.unitId === second.id);

    const task1 = await t1.waitFor((e) => e.event === 'task.assigned');
    const task2 = await t2.waitFor((e) => e.event === 'task.assigned');
    expect(task1.payload.assignmentId).toBe(a1.id);
    expect(task1.payload.incident.number).toBe(incident.number);
    expect(task2.payload.assignmentId).toBe(a2.id);

    // unit 1 works the task over its socket; unit 2 declines over HTTP with its terminal token
    for (const type of ['ack', 'depart', 'arrive', 'clear']) {
      const res = await emitWithAck(t1.socket, 'task.event', { assignmentId: a1.id, type });
      expect(res).toMatchObject({ ok: true });
    }
    const declined = await fetch(`${base}/api/v1/assignments/${a2.id}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${second.token}` },
      body: JSON.stringify({ type: 'decline' }),
    });
    expect(declined.status).toBe(200);

    const resolved = await console1.waitFor(
      (e) =>
        e.event === 'incident.updated' &&
        e.payload.id === incident.id &&
        e.payload.status === 'resolved',
    );
    expect(resolved.payload.version).toBeGreaterThan(1);

    // the console saw every change to the incident in order, versions never going back
    const mine = console1.events.filter((e) =>
      e.event === 'incident.created' || e.event === 'incident.updated'
        ? e.payload.id === incident.id
        : e.event === 'assignment.updated' && e.payload.incidentId === incident.id,
    );
    const versions = mine.map((e) => e.payload.version);
    for (let i = 1; i < versions.length; i++)
      expect(versions[i]).toBeGreaterThanOrEqual(versions[i - 1]);
    const a1Statuses = mine
      .filter((e) => e.event === 'assignment.updated' && e.payload.id === a1.id)
      .map((e) => e.payload.status);
    expect(a1Statuses).toEqual(['assigned', 'acknowledged', 'en_route', 'on_scene', 'cleared']);
    const a2Statuses = mine
      .filter((e) => e.event === 'assignment.updated' && e.payload.id === a2.id)
      .map((e) => e.payload.status);
    expect(a2Statuses).toEqual(['assigned', 'declined']);
    const incidentVersions = mine
      .filter((e) => e.event !== 'assignment.updated')
      .map((e) => e.payload.version);
    expect(new Set(incidentVersions).size).toBe(incidentVersions.length);
    expect(
      console1.events.some(
        (e) =>
          e.event === 'unit.updated' &&
          e.payload.id === first.id &&
          e.payload.status === 'on_scene',
      ),
    ).toBe(true);

    const closed = await world.dispatcher.post(`/api/v1/incidents/${incident.id}/close`, {
      disposition: 'case_filed',
      note: '嫌疑人已抓获',
    });
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');

    const tl = await world.commander.get(`/api/v1/incidents/${incident.id}/timeline`);
    expect(tl.status).toBe(200);
    const types = tl.body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual([
      'incident.created',
      'units.assigned',
      'assignment.ack',
      'assignment.depart',
      'assignment.arrive',
      'assignment.clear',
      'assignment.decline',
      'incident.closed',
    ]);
    const seqs = tl.body.events.map((e: { seq: number }) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const times = tl.body.events.map((e: { at: string }) => Date.parse(e.at));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
    expect(tl.body.events[0].actor.name).toBe('calltaker');
    expect(tl.body.events[2].actor).toMatchObject({ kind: 'unit', id: first.id });
    expect(tl.body.incident.callerNumber).toBe('138****5678'); // commanders see it masked
    expect(tl.body.assignments).toHaveLength(2);
    expect(tl.body.metrics.dispatchSec).toBeGreaterThanOrEqual(0);
    expect(tl.body.metrics.ackSec).toBeGreaterThanOrEqual(0);
    expect(tl.body.metrics.firstArriveSec).toBeGreaterThanOrEqual(tl.body.metrics.ackSec);
    expect(tl.body.metrics.tiersMet).toEqual([true, false, false]);
    expect(tl.body.tracks.map((t: { unitId: string }) => t.unitId).sort()).toEqual(
      [first.id, second.id].sort(),
    );

    const unitsNow = await world.dispatcher.get('/api/v1/units');
    expect(unitsNow.body.find((u: { id: string }) => u.id === first.id).status).toBe('available');
    expect(unitsNow.body.find((u: { id: string }) => u.id === second.id).status).toBe('available');
    for (const r of [console1, t1, t2]) r.close();
  });

  it('flags possible duplicates: same category within the radius and time window', async () => {
    const first = await world.calltaker.post('/api/v1/incidents', {
      location: { lon: 104.08, lat: 30.67 },
      category: 'traffic',
      priority: 2,
    });
    // about 150 m east: the same crash reported by another caller
    const near = await world.calltaker.post('/api/v1/incidents', {
      location: { lon: 104.0816, lat: 30.67 },
      category: 'traffic',
      priority: 2,
    });
    expect(near.body.possibleDuplicates.map((d: { id: string }) => d.id)).toContain(
      first.body.incident.id,
    );
    const dup = near.body.possibleDuplicates.find(
      (d: { id: string }) => d.id === first.body.incident.id,
    );
    expect(dup.distanceM).toBeGreaterThan(100);
    expect(dup.distanceM).toBeLessThan(200);
    expect(dup.number).toBe(first.body.incident.number);
    expect(dup.minutesAgo).toBeLessThan(1);
    // another category at the same spot, or the same category 1 km away, is not a duplicate
    const other = await world.calltaker.post('/api/v1/incidents', {
      location: { lon: 104.08, lat: 30.67 },
      category: 'dispute',
      priority: 3,
    });
    expect(other.body.possibleDuplicates).toEqual([]);
    const far = await world.calltaker.post('/api/v1/incidents', {
      location: { lon: 104.09, lat: 30.67 },
      category: 'traffic',
      priority: 2,
    });
    expect(far.body.possibleDuplicates).toEqual([]);
    for (const r of [first, near, other, far]) {
      await world.dispatcher.post(`/api/v1/incidents/${r.body.incident.id}/cancel`, {
        reason: 'test',
      });
    }
  });

  it('gives a reconnecting console a fresh snapshot and a reconnecting terminal its open task', async () => {
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'dispute',
      priority: 3,
    });
    const u = world.units[4];
    await world.dispatcher.post(`/api/v1/incidents/${created.body.incident.id}/assignments`, {
      unitIds: [u.id],
    });
    const c = await connectSocket(base, '/console', world.tokens.commander);
    const sync = await c.waitFor((e) => e.event === 'sync');
    const inSync = sync.payload.incidents.find(
      (i: { id: string }) => i.id === created.body.incident.id,
    );
    expect(inSync.status).toBe('dispatched');
    expect(sync.payload.assignments.some((a: { unitId: string }) => a.unitId === u.id)).toBe(true);
    const t = await connectSocket(base, '/terminal', u.token);
    const task = await t.waitFor((e) => e.event === 'task.assigned');
    expect(task.payload.incident.id).toBe(created.body.incident.id);
    // cancelling the incident withdraws the task and frees the unit
    const cancelled = await world.dispatcher.post(
      `/api/v1/incidents/${created.body.incident.id}/cancel`,
      { reason: '报警人撤警' },
    );
    expect(cancelled.status).toBe(200);
    await t.waitFor((e) => e.event === 'task.cancelled');
    await c.waitFor(
      (e) =>
        e.event === 'unit.updated' && e.payload.id === u.id && e.payload.status === 'available',
    );
    c.close();
    t.close();
  });
});
