import {
  areaReplayColumnarSchema,
  areaReplaySchema,
  columnarTrackPoints,
  decodeBinaryReplay,
  type BinaryReplayHead,
  type ColumnarTrack,
} from '@ringcad/contracts';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import {
  connectSocket,
  createStack,
  emitWithAck,
  SERVICES_MODE,
  sleep,
  type Recorder,
  type Stack,
} from '../support/harness';

describe(`incident and area replay (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;
  let terminal: Recorder;
  let incident: { id: string; number: string };
  let assignmentId: string;
  /** What the unit reported, in order: [lon, lat, epochMs]; the jump is not in here. */
  const sent: [number, number, number][] = [];
  let jump: [number, number, number];
  let windowFrom: number;

  beforeAll(async () => {
    // a brisk 50 m per 150 ms along the path is plausible here; a 50 km jump still is not
    stack = await createStack({ MAX_PLAUSIBLE_SPEED_KMH: '5000' });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base);
    const u = world.units[0];
    terminal = await connectSocket(base, '/terminal', u.token);
    await sleep(30); // the area window opens after the units went on duty
    windowFrom = Date.now();

    const created = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'criminal',
      priority: 2,
      address: '天府广场',
      callerNumber: '13800001111',
      description: '盗窃',
    });
    incident = created.body.incident;
    const assigned = await world.dispatcher.post(`/api/v1/incidents/${incident.id}/assignments`, {
      unitIds: [u.id],
    });
    expect(assigned.status).toBe(201);
    assignmentId = assigned.body.assignments[0].id;
    await terminal.waitFor((e) => e.event === 'task.assigned');
    for (const type of ['ack', 'depart'])
      expect(
        await emitWithAck(terminal.socket, 'task.event', { assignmentId, type }),
      ).toMatchObject({ ok: true });
    // drive south from the unit's post to the incident, reporting over the terminal socket
    const steps = 8;
    for (let k = 1; k <= steps; k++) {
      const p: [number, number, number] = [
        u.lon,
        u.lat + ((INCIDENT_POINT.lat - u.lat) * k) / steps,
        Date.now(),
      ];
      expect(
        await emitWithAck(terminal.socket, 'position', {
          lon: p[0],
          lat: p[1],
          at: new Date(p[2]).toISOString(),
        }),
      ).toMatchObject({ ok: true });
      sent.push(p);
      if (k === 4) {
        await sleep(20);
        jump = [u.lon + 0.5, p[1], Date.now()];
        await emitWithAck(terminal.socket, 'position', {
          lon: jump[0],
          lat: jump[1],
          at: new Date(jump[2]).toISOString(),
        });
      }
      await sleep(150);
    }
    for (const type of ['arrive', 'clear'])
      expect(
        await emitWithAck(terminal.socket, 'task.event', { assignmentId, type }),
      ).toMatchObject({ ok: true });
    await sleep(50);
    // after the task: not part of the incident's track
    await emitWithAck(terminal.socket, 'position', {
      lon: INCIDENT_POINT.lon,
      lat: INCIDENT_POINT.lat,
      at: new Date().toISOString(),
    });
  });
  afterAll(async () => {
    terminal?.close();
    await stack?.close();
  });

  /** Tracks are persisted by a queue job: wait until the timeline shows every point. */
  async function timelineWithTrack(n: number) {
    const end = Date.now() + 20_000;
    for (;;) {
      const tl = await world.commander.get(`/api/v1/incidents/${incident.id}/timeline`);
      const pts = tl.body.tracks?.[0]?.points ?? [];
      if (pts.length >= n || Date.now() > end) return tl;
      await sleep(200);
    }
  }

  it('returns the assigned unit track in order, inside the assignment window, without jumps', async () => {
    const tl = await timelineWithTrack(sent.length);
    expect(tl.status).toBe(200);
    expect(tl.body.events.map((e: { type: string }) => e.type)).toEqual([
      'incident.created',
      'units.assigned',
      'assignment.ack',
      'assignment.depart',
      'assignment.arrive',
      'assignment.clear',
    ]);
    const [track] = tl.body.tracks;
    expect(track.unitId).toBe(world.units[0].id);
    expect(track.assignmentId).toBe(assignmentId);
    const a = tl.body.assignments[0];
    const from = Date.parse(a.assignedAt);
    const to = Date.parse(a.clearedAt);
    const pts: [number, number, number][] = track.points;
    // exactly what was reported during the task, in order: not the fix from before the
    // assignment, not the jump, not the fix after the clear
    expect(pts).toHaveLength(sent.length);
    pts.forEach((p, i) => {
      expect(p[0]).toBeCloseTo(sent[i][0], 6);
      expect(p[1]).toBeCloseTo(sent[i][1], 6);
      expect(p[2]).toBe(sent[i][2]);
      expect(p[2]).toBeGreaterThanOrEqual(from);
      expect(p[2]).toBeLessThanOrEqual(to);
      if (i) expect(p[2]).toBeGreaterThan(pts[i - 1][2]);
    });
    expect(pts.some((p) => Math.abs(p[0] - jump[0]) < 1e-6)).toBe(false);
  });

  it('gives the replay: stages with durations, predicted beside actual travel', async () => {
    const r = await world.commander.get(`/api/v1/replay/incidents/${incident.id}`);
    expect(r.status).toBe(200);
    expect(r.body.stages.map((s: { stage: string }) => s.stage)).toEqual([
      'received',
      'created',
      'dispatched',
      'ack',
      'depart',
      'arrive',
      'clear',
    ]);
    for (const s of r.body.stages) {
      expect(s.at).not.toBeNull();
      expect(s.sinceReceivedSec).toBeGreaterThanOrEqual(0);
    }
    const a = r.body.assignments[0];
    expect(r.body.stages.find((s: { stage: string }) => s.stage === 'dispatched').at).toBe(
      a.assignedAt,
    );
    expect(r.body.stages.find((s: { stage: string }) => s.stage === 'arrive').at).toBe(a.arrivedAt);
    const arriveStage = r.body.stages.find((s: { stage: string }) => s.stage === 'arrive');
    // durations are given to the tenth of a second
    expect(arriveStage.stepSec).toBe(
      Math.round((Date.parse(a.arrivedAt) - Date.parse(a.departedAt)) / 100) / 10,
    );
    expect(r.body.eta).toEqual([
      expect.objectContaining({
        assignmentId,
        predictedSec: a.etaSec,
        actualSec: Math.round((Date.parse(a.arrivedAt) - Date.parse(a.assignedAt)) / 100) / 10,
        driveSec: Math.round((Date.parse(a.arrivedAt) - Date.parse(a.departedAt)) / 100) / 10,
      }),
    ]);
    expect(r.body.tracks[0].points).toHaveLength(sent.length);
    // no road network is loaded in this test: no rings rather than made-up circles
    expect(r.body.rings).toBeNull();
  });

  it('an incident that does not exist is a 404, never a 500 (its reads run side by side)', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await world.commander.get(
        `/api/v1/replay/incidents/6FEBE6F6-0F46-4E2E-86B0-5B7BF246B83${i}`,
      );
      expect(r.status).toBe(404);
    }
  });

  it('replays an area: the incident, downsampled unit tracks and status changes', async () => {
    await timelineWithTrack(sent.length);
    const from = new Date(windowFrom).toISOString();
    const to = new Date(Date.now() + 1000).toISOString();
    const q = (stepSec: number) =>
      world.commander.get(
        `/api/v1/replay/area?districtId=${world.districtId}&from=${from}&to=${to}&stepSec=${stepSec}`,
      );
    const fine = await q(1);
    expect(fine.status).toBe(200);
    expect(fine.body.district).toMatchObject({ id: world.districtId, name: '锦江区' });
    const inc = fine.body.incidents.find((i: { id: string }) => i.id === incident.id);
    expect(inc).toMatchObject({ number: incident.number, category: 'criminal', priority: 2 });
    expect(inc.dispatchedAt).not.toBeNull();
    expect(inc.assignments).toEqual([expect.objectContaining({ unitId: world.units[0].id })]);
    const unit = fine.body.units.find((u: { unitId: string }) => u.unitId === world.units[0].id);
    const fineMs = unit.points.map((p: number[]) => p[2]);
    expect([...fineMs].sort((a, b) => a - b)).toEqual(fineMs);
    expect(unit.points.some((p: number[]) => Math.abs(p[0] - jump[0]) < 1e-6)).toBe(false);
    // one point per unit per 1 s bucket at most, and at least the ~1.2 s of driving
    const buckets = new Set(fineMs.map((m: number) => Math.floor(m / 1000)));
    expect(buckets.size).toBe(fineMs.length);
    expect(fineMs.length).toBeGreaterThanOrEqual(2);
    expect(fineMs.length).toBeLessThan(sent.length + 2);
    const coarse = await q(600);
    const coarseUnit = coarse.body.units.find(
      (u: { unitId: string }) => u.unitId === world.units[0].id,
    );
    expect(coarseUnit.points.length).toBeLessThanOrEqual(2);
    expect(coarseUnit.points.length).toBeGreaterThanOrEqual(1);
    // statuses: the one at the window start, then the task's changes in order
    const statuses = unit.statuses.map((s: [number, string]) => s[1]);
    expect(statuses[0]).toBe('available');
    const order = ['assigned', 'en_route', 'on_scene', 'available'];
    expect(statuses.slice(1).filter((s: string) => order.includes(s))).toEqual(order);
  });

  it('answers the same replay columnar and binary (format=columnar, binary): decoded, exactly the plain points', async () => {
    const from = new Date(windowFrom - 60_000).toISOString();
    const to = new Date(Date.now() + 1000).toISOString();
    for (const stepSec of [1, 15, 600]) {
      const url = `/api/v1/replay/area?districtId=${world.districtId}&from=${from}&to=${to}&stepSec=${stepSec}`;
      const plain = await world.commander.get(url);
      const columnar = await world.commander.get(`${url}&format=columnar`);
      expect([plain.status, columnar.status]).toEqual([200, 200]);
      expect(columnar.body.format).toBe('columnar');
      // each is what the contract says it is
      expect(areaReplaySchema.safeParse(plain.body).error).toBeUndefined();
      expect(areaReplayColumnarSchema.safeParse(columnar.body).error).toBeUndefined();
      expect(areaReplayColumnarSchema.safeParse(plain.body).success).toBe(false);
      const { units, tookMs: _a, ...rest } = plain.body;
      const { units: cUnits, tookMs: _b, format: _f, ...cRest } = columnar.body;
      expect(cRest).toEqual(rest);
      expect(
        cUnits.map(({ track, ...u }: { track: ColumnarTrack }) => ({
          ...u,
          points: columnarTrackPoints(track),
        })),
      ).toEqual(units);
      expect(units.some((u: { points: unknown[] }) => u.points.length > 0)).toBe(true);
      // whole milliseconds and whole millionths of a degree
      for (const u of cUnits as { track: ColumnarTrack }[])
        for (const list of [u.track.t, u.track.lon, u.track.lat])
          expect(list.every(Number.isInteger)).toBe(true);

      // format=binary (the console's): its head the same, its sections decoded the same points
      const binary = await world.commander.bytes(`${url}&format=binary`);
      expect(binary.status).toBe(200);
      expect(binary.type).toMatch(/^application\/octet-stream/);
      const { head, tracks } = decodeBinaryReplay<BinaryReplayHead & Record<string, unknown>>(
        binary.body,
      );
      const { units: bUnits, tookMs: _c, format: bFormat, ...bRest } = head;
      expect(bFormat).toBe('binary');
      expect(bRest).toEqual(rest);
      expect(
        bUnits.map(({ n, ...u }, i) => {
          const { t, lon, lat } = tracks[i];
          expect(t).toHaveLength(n);
          return { ...u, points: Array.from(t, (ms, j) => [lon[j], lat[j], ms]) };
        }),
      ).toEqual(units);
    }
  });

  it('exports the incident as EIDO-inspired JSON', async () => {
    const r = await world.commander.get(`/api/v1/incidents/${incident.id}/eido`);
    expect(r.status).toBe(200);
    expect(r.body.$comment).toMatch(/EIDO-inspired/);
    expect(r.body.incidentComponent).toMatchObject({
      incidentTrackingIdentifier: incident.number,
      incidentCommonPriorityNumber: 2,
    });
    expect(r.body.callComponent[0].callbackNumber).toBe('138****1111'); // masked for a commander
    expect(r.body.locationComponent[0].locationByValue.coordinates[0]).toBeCloseTo(
      INCIDENT_POINT.lon,
      6,
    );
    const res = r.body.emergencyResourceComponent;
    expect(res).toHaveLength(1);
    expect(
      res[0].resourceStatusHistory.map(
        (h: { resourceStatusCommonRegistryText: string }) => h.resourceStatusCommonRegistryText,
      ),
    ).toEqual(['Dispatched', 'Acknowledged', 'Enroute', 'OnScene', 'Available']);
    expect(r.body.notesComponent.some((n: { noteText: string }) => n.noteText === '盗窃')).toBe(
      true,
    );
  });

  it('refuses bad replay input', async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    for (const [q, status] of [
      [`districtId=${world.districtId}&from=${iso(now)}&to=${iso(now - 60_000)}`, 400],
      [`districtId=${world.districtId}&from=${iso(now - 3 * 86_400_000)}&to=${iso(now)}`, 400],
      [`districtId=nope`, 400],
      [`districtId=${world.districtId}&stepSec=0`, 400],
      [`districtId=${world.districtId}&format=arrow`, 400],
      [`districtId=${world.districtId}&format=`, 400],
      [`districtId=nope&format=columnar`, 400],
      [`districtId=nope&format=binary`, 400],
      [`districtId=00000000-0000-4000-8000-000000000000`, 404],
    ] as const) {
      const r = await world.commander.get(`/api/v1/replay/area?${q}`);
      expect({ q, status: r.status }).toEqual({ q, status });
    }
    expect(
      (await world.calltaker.get(`/api/v1/replay/area?districtId=${world.districtId}`)).status,
    ).toBe(403);
    expect(
      (await world.commander.get(`/api/v1/replay/incidents/00000000-0000-4000-8000-000000000000`))
        .status,
    ).toBe(404);
  });
});
