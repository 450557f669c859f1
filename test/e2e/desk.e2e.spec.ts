import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import {
  client,
  connectSocket,
  createStack,
  SERVICES_MODE,
  sleep,
  type Recorder,
  type Stack,
} from '../support/harness';
import { TestClock } from '../support/test-clock';

/** Offsets a point by metres (north, east). */
const near = (north: number, east = 0) => ({
  lon: INCIDENT_POINT.lon + east / (111_320 * Math.cos((INCIDENT_POINT.lat * Math.PI) / 180)),
  lat: INCIDENT_POINT.lat + north / 111_320,
});

describe(`the desk's lifecycle: correct, annotate, merge, recall, close (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;
  let consoleSocket: Recorder;
  const clock = new TestClock();

  const patch = (who: ReturnType<typeof client>, path: string, body: unknown) =>
    who.raw('PATCH', path, body);
  const file = async (extra: Record<string, unknown> = {}) => {
    const r = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'dispute',
      priority: 3,
      address: '天府广场',
      callerNumber: '13800001111',
      callerName: '李女士',
      ...extra,
    });
    expect(r.status).toBe(201);
    return r.body.incident as { id: string; number: string; version: number; schemeId: string };
  };
  const counts = async (id: string) => {
    const t = await world.dispatcher.get(`/api/v1/incidents/${id}/timeline`);
    return { version: t.body.incident.version, events: t.body.events.length };
  };
  const freeUnit = async () => {
    const units = (await world.dispatcher.get('/api/v1/units')).body as {
      id: string;
      status: string;
    }[];
    const u = world.units.find((w) => units.find((x) => x.id === w.id)?.status === 'available');
    if (!u) throw new Error('no free unit left');
    return u;
  };

  beforeAll(async () => {
    // tier deadlines are reached by moving the injected clock; overdue timers are swept every 0.2 s
    stack = await createStack(
      { TIMER_SWEEP_SEC: '0.2', SEALING_MAX_UNITS_PER_INCIDENT: '2' },
      { clock },
    );
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 8);
    consoleSocket = await connectSocket(base, '/console', world.tokens.dispatcher);
    await consoleSocket.waitFor((e) => e.event === 'sync');
  });
  afterAll(async () => {
    consoleSocket?.close();
    await stack?.close();
  });

  it('corrects an incident: scheme and recommendation follow, tier timers are re-armed, the log keeps before and after', async () => {
    const incident = await file();
    expect(incident.schemeId).toBe('1-3-8');
    const unit = await freeUnit();
    const assigned = await world.dispatcher.post(`/api/v1/incidents/${incident.id}/assignments`, {
      unitIds: [unit.id],
    });
    expect(assigned.status).toBe(201);
    const version = (await world.dispatcher.get(`/api/v1/incidents/${incident.id}`)).body.version;

    // the caller rings back: it is a fight with a knife, 300 m further north
    const moved = near(300);
    const r = await patch(world.dispatcher, `/api/v1/incidents/${incident.id}`, {
      expectedVersion: version,
      priority: 1,
      category: 'criminal',
      location: moved,
      address: '天府广场北 300 米',
    });
    expect(r.status).toBe(200);
    expect(r.body.incident).toMatchObject({
      priority: 1,
      category: 'criminal',
      schemeId: '5-10-30',
      version: version + 1,
    });
    expect(r.body.incident.location.lat).toBeCloseTo(moved.lat, 6);
    expect(r.body.recommendation.scheme.id).toBe('5-10-30');
    expect(r.body.changed).toEqual(
      expect.arrayContaining(['priority', 'category', 'location', 'address', 'schemeId']),
    );
    await consoleSocket.waitFor(
      (e) =>
        e.event === 'incident.updated' &&
        e.payload.id === incident.id &&
        e.payload.version === version + 1,
    );

    const t = await world.dispatcher.get(`/api/v1/incidents/${incident.id}/timeline`);
    const ev = t.body.events.find((e: { type: string }) => e.type === 'incident.updated');
    expect(ev.data.changes.priority).toEqual({ before: 3, after: 1 });
    expect(ev.data.changes.schemeId).toEqual({ before: '1-3-8', after: '5-10-30' });

    // the first tier deadline now comes at 5-10-30's 5 min, never at 1-3-8's 1 min
    const tierAlerts = () =>
      consoleSocket.events.filter(
        (e) =>
          e.event === 'alert' &&
          e.payload.kind === 'tier_missed' &&
          e.payload.incidentId === incident.id,
      );
    clock.advance(3 * 60_000 + 6_000);
    await sleep(1_500);
    expect(tierAlerts()).toHaveLength(0);
    clock.advance(2 * 60_000);
    const alert = await consoleSocket.waitFor(
      (e) =>
        e.event === 'alert' &&
        e.payload.kind === 'tier_missed' &&
        e.payload.incidentId === incident.id,
      30_000,
    );
    expect(alert.payload.data.schemeId).toBe('5-10-30');
    expect(alert.payload.data.tierSec).toBe(300);
  }, 60_000);

  it('refuses a stale form with STALE_VERSION; of two dispatchers saving at once, one wins', async () => {
    const incident = await file();
    const before = await counts(incident.id);
    const stale = await patch(world.dispatcher, `/api/v1/incidents/${incident.id}`, {
      expectedVersion: incident.version + 4,
      address: 'x',
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('STALE_VERSION');
    expect(await counts(incident.id)).toEqual(before);

    const [a, b] = await Promise.all([
      patch(world.dispatcher, `/api/v1/incidents/${incident.id}`, {
        expectedVersion: incident.version,
        description: '甲',
      }),
      patch(world.calltaker, `/api/v1/incidents/${incident.id}`, {
        expectedVersion: incident.version,
        description: '乙',
      }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const after = await counts(incident.id);
    expect(after.version).toBe(before.version + 1);
  });

  it('refuses bad updates and writes nothing', async () => {
    const incident = await file();
    const before = await counts(incident.id);
    for (const body of [
      {},
      { expectedVersion: incident.version },
      { expectedVersion: incident.version, priority: 7 },
      { expectedVersion: incident.version, status: 'closed' },
      { expectedVersion: incident.version, location: { lon: 500, lat: 0 } },
      { expectedVersion: 'one', address: 'x' },
    ]) {
      const r = await patch(world.dispatcher, `/api/v1/incidents/${incident.id}`, body);
      expect({ body, status: r.status, code: r.body.error?.code }).toEqual({
        body,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    // a commander may read but not correct
    const byCommander = await patch(world.commander, `/api/v1/incidents/${incident.id}`, {
      expectedVersion: incident.version,
      address: 'x',
    });
    expect(byCommander.status).toBe(403);
    expect(await counts(incident.id)).toEqual(before);
  });

  it('keeps a running log that reaches consoles, the sync snapshot and the terminals of the units working it', async () => {
    const incident = await file();
    const unit = await freeUnit();
    const other = world.units.find((u) => u.id !== unit.id) as World['units'][number];
    expect(
      (
        await world.dispatcher.post(`/api/v1/incidents/${incident.id}/assignments`, {
          unitIds: [unit.id],
        })
      ).status,
    ).toBe(201);
    const terminal = await connectSocket(base, '/terminal', unit.token);
    try {
      const r = await world.dispatcher.post(`/api/v1/incidents/${incident.id}/notes`, {
        text: '报警人称对方持刀',
      });
      expect(r.status).toBe(201);
      expect(r.body.note).toMatchObject({
        text: '报警人称对方持刀',
        actor: { kind: 'user', name: 'dispatcher' },
      });
      await consoleSocket.waitFor(
        (e) => e.event === 'incident.note' && e.payload.note.id === r.body.note.id,
      );
      await terminal.waitFor(
        (e) => e.event === 'incident.note' && e.payload.note.id === r.body.note.id,
      );

      // the unit radios back through its terminal; a unit not on the incident may not write
      const fromUnit = await client(base, unit.token).post(
        `/api/v1/incidents/${incident.id}/notes`,
        { text: '已到场，双方已分开' },
      );
      expect(fromUnit.status).toBe(201);
      expect(fromUnit.body.note.actor).toMatchObject({ kind: 'unit', id: unit.id });
      const stranger = await client(base, other.token).post(
        `/api/v1/incidents/${incident.id}/notes`,
        { text: '?' },
      );
      expect(stranger.status).toBe(403);

      const later = await connectSocket(base, '/console', world.tokens.commander);
      const sync = await later.waitFor((e) => e.event === 'sync');
      later.close();
      const mine = sync.payload.notes.filter(
        (n: { incidentId: string }) => n.incidentId === incident.id,
      );
      expect(mine.map((n: { text: string }) => n.text)).toEqual([
        '报警人称对方持刀',
        '已到场，双方已分开',
      ]);
      const timeline = await world.dispatcher.get(`/api/v1/incidents/${incident.id}/timeline`);
      expect(
        timeline.body.events.filter((e: { type: string }) => e.type === 'incident.note'),
      ).toHaveLength(2);
    } finally {
      terminal.close();
    }
  });

  it('attaches a second call and merges a duplicate into its master: calls, notes and units come over', async () => {
    const master = await file({ description: '两人打架' });
    const dup = await world.calltaker.post('/api/v1/incidents', {
      location: near(40),
      category: 'dispute',
      priority: 3,
      callerNumber: '13900002222',
      description: '有人打架',
    });
    expect(dup.status).toBe(201);
    expect(dup.body.possibleDuplicates.map((d: { id: string }) => d.id)).toContain(master.id);
    const dupId = dup.body.incident.id as string;
    const call = await world.calltaker.post(`/api/v1/incidents/${dupId}/calls`, {
      callerNumber: '13700003333',
      note: '路人报警',
    });
    expect(call.status).toBe(201);
    expect(
      (await world.dispatcher.post(`/api/v1/incidents/${dupId}/notes`, { text: '第二起报警' }))
        .status,
    ).toBe(201);
    const unit = await freeUnit();
    const assigned = await world.dispatcher.post(`/api/v1/incidents/${dupId}/assignments`, {
      unitIds: [unit.id],
    });
    expect(assigned.status).toBe(201);
    const terminal = await connectSocket(base, '/terminal', unit.token);
    try {
      // refusals first: into itself, by a call-taker, into an unknown incident
      expect(
        (await world.dispatcher.post(`/api/v1/incidents/${dupId}/merge`, { intoIncidentId: dupId }))
          .status,
      ).toBe(409);
      expect(
        (
          await world.calltaker.post(`/api/v1/incidents/${dupId}/merge`, {
            intoIncidentId: master.id,
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await world.dispatcher.post(`/api/v1/incidents/${dupId}/merge`, {
            intoIncidentId: '00000000-0000-4000-8000-000000000000',
          })
        ).status,
      ).toBe(404);
      expect((await world.dispatcher.get(`/api/v1/incidents/${dupId}`)).body.status).toBe(
        'dispatched',
      );

      const merged = await world.dispatcher.post(`/api/v1/incidents/${dupId}/merge`, {
        intoIncidentId: master.id,
      });
      expect(merged.status).toBe(200);
      expect(merged.body.incident.status).toBe('merged');
      expect(merged.body.into.status).toBe('dispatched');

      const calls = (await world.dispatcher.get(`/api/v1/incidents/${master.id}/calls`)).body
        .calls as { callerNumber: string; mergedFrom: string | null }[];
      expect(calls.map((c) => c.callerNumber).sort()).toEqual([
        '13700003333',
        '13800001111',
        '13900002222',
      ]);
      expect(calls.filter((c) => c.mergedFrom === dupId)).toHaveLength(2);
      const notes = (await world.dispatcher.get(`/api/v1/incidents/${master.id}/notes`)).body
        .notes as { text: string }[];
      expect(notes.map((n) => n.text)).toContain('第二起报警');
      // the unit now works the master; its terminal was told
      const handed = await terminal.waitFor(
        (e) => e.event === 'task.updated' && e.payload.incident.id === master.id,
      );
      expect(handed.payload.assignmentId).toBe(assigned.body.assignments[0].id);
      const masterTimeline = await world.dispatcher.get(`/api/v1/incidents/${master.id}/timeline`);
      expect(masterTimeline.body.assignments.map((a: { unitId: string }) => a.unitId)).toContain(
        unit.id,
      );
      expect(
        masterTimeline.body.events.some((e: { type: string }) => e.type === 'incident.merged_in'),
      ).toBe(true);
      // and the duplicate's own log is listed on the master
      const listed = masterTimeline.body.merged.find(
        (m: { incidentId: string }) => m.incidentId === dupId,
      );
      expect(listed.events.map((e: { type: string }) => e.type)).toEqual(
        expect.arrayContaining([
          'incident.created',
          'call.attached',
          'incident.note',
          'units.assigned',
          'incident.merged',
        ]),
      );
      // the duplicate's own events are kept
      const dupTimeline = await world.dispatcher.get(`/api/v1/incidents/${dupId}/timeline`);
      expect(dupTimeline.body.events.map((e: { type: string }) => e.type)).toEqual(
        expect.arrayContaining([
          'incident.created',
          'call.attached',
          'incident.note',
          'units.assigned',
          'incident.merged',
        ]),
      );
      // a merged incident takes no more action
      expect(
        (
          await world.dispatcher.post(`/api/v1/incidents/${dupId}/merge`, {
            intoIncidentId: master.id,
          })
        ).status,
      ).toBe(409);
      expect(
        (await world.calltaker.post(`/api/v1/incidents/${dupId}/calls`, { note: 'x' })).status,
      ).toBe(409);
      const other = await freeUnit();
      expect(
        (
          await world.dispatcher.post(`/api/v1/incidents/${dupId}/assignments`, {
            unitIds: [other.id],
          })
        ).status,
      ).toBe(409);
    } finally {
      terminal.close();
    }
  });

  it('recalls a unit sent by mistake: the terminal is told, the unit is free, the event is kept', async () => {
    const incident = await file();
    const unit = await freeUnit();
    const assigned = await world.dispatcher.post(`/api/v1/incidents/${incident.id}/assignments`, {
      unitIds: [unit.id],
    });
    const assignmentId = assigned.body.assignments[0].id as string;
    const terminal = await connectSocket(base, '/terminal', unit.token);
    try {
      expect(
        (
          await world.calltaker.post(`/api/v1/assignments/${assignmentId}/cancel`, {
            reason: '派错',
          })
        ).status,
      ).toBe(403);
      expect(
        (await world.dispatcher.post(`/api/v1/assignments/${assignmentId}/cancel`, {})).status,
      ).toBe(400);
      const r = await world.dispatcher.post(`/api/v1/assignments/${assignmentId}/cancel`, {
        reason: '派错车辆',
      });
      expect(r.status).toBe(200);
      expect(r.body.assignment.status).toBe('cancelled');
      await terminal.waitFor(
        (e) => e.event === 'task.cancelled' && e.payload.assignmentId === assignmentId,
      );
      const units = (await world.dispatcher.get('/api/v1/units')).body as {
        id: string;
        status: string;
      }[];
      expect(units.find((u) => u.id === unit.id)?.status).toBe('available');
      expect((await world.dispatcher.get(`/api/v1/incidents/${incident.id}`)).body.status).toBe(
        'new',
      );
      const again = await world.dispatcher.post(`/api/v1/assignments/${assignmentId}/cancel`, {
        reason: '再撤',
      });
      expect(again.status).toBe(409);
      const t = await world.dispatcher.get(`/api/v1/incidents/${incident.id}/timeline`);
      expect(
        t.body.events.find((e: { type: string }) => e.type === 'assignment.cancelled').data.reason,
      ).toBe('派错车辆');
    } finally {
      terminal.close();
    }
  });

  it('closes only with a known disposition code; a 12345 matter is handed over', async () => {
    const list = await world.calltaker.get('/api/v1/dispositions');
    expect(list.status).toBe(200);
    const codes = list.body.map((d: { code: string }) => d.code);
    expect(codes).toEqual(
      expect.arrayContaining([
        'handled_on_scene',
        'mediated',
        'duplicate',
        'false_report',
        'non_police_12345',
      ]),
    );
    expect(list.body.find((d: { code: string }) => d.code === 'mediated').label).toEqual({
      zh: '调解处理',
      en: 'Mediated',
    });

    const incident = await file();
    const before = await counts(incident.id);
    const unknown = await world.dispatcher.post(`/api/v1/incidents/${incident.id}/close`, {
      disposition: '处理完毕',
    });
    expect(unknown.status).toBe(400);
    expect(await counts(incident.id)).toEqual(before);

    const closed = await world.dispatcher.post(`/api/v1/incidents/${incident.id}/close`, {
      disposition: 'non_police_12345',
      note: '噪音投诉',
    });
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');
    const t = await world.dispatcher.get(`/api/v1/incidents/${incident.id}/timeline`);
    const types = t.body.events.map((e: { type: string }) => e.type);
    expect(types).toContain('incident.closed');
    // no 12345 webhook is configured here: the hand-over is on the record as not sent
    expect(
      t.body.events.find((e: { type: string }) => e.type === 'agency.unconfigured').data,
    ).toMatchObject({ agency: '12345', mode: 'transfer' });

    // admins extend the list
    expect(
      (
        await world.dispatcher.post('/api/v1/dispositions', {
          code: 'x_y',
          label: { zh: '甲', en: 'A' },
        })
      ).status,
    ).toBe(403);
    const added = await world.admin.post('/api/v1/dispositions', {
      code: 'referred_school',
      label: { zh: '移交学校', en: 'Referred to school' },
    });
    expect(added.status).toBe(201);
    expect(
      (
        await world.admin.post('/api/v1/dispositions', {
          code: 'referred_school',
          label: { zh: '移交学校', en: 'x' },
        })
      ).status,
    ).toBe(409);
  });

  it('keeps a scoped dispatcher to their district', async () => {
    const east = await world.admin.post('/api/v1/jurisdictions', {
      name: '东区',
      kind: 'district',
      boundary: {
        type: 'Polygon',
        coordinates: [
          [
            [104.2, 30.63],
            [104.3, 30.63],
            [104.3, 30.71],
            [104.2, 30.71],
            [104.2, 30.63],
          ],
        ],
      },
    });
    expect(east.status).toBe(201);
    expect(
      (
        await world.admin.post('/api/v1/users', {
          username: 'east-dispatcher',
          password: 'east-dispatcher-pw',
          roles: ['dispatcher'],
          jurisdictionId: east.body.id,
        })
      ).status,
    ).toBe(201);
    const login = await client(base).post('/api/v1/auth/login', {
      username: 'east-dispatcher',
      password: 'east-dispatcher-pw',
    });
    const eastDispatcher = client(base, login.body.accessToken);
    const incident = await file();
    const before = await counts(incident.id);
    const refused = [
      await patch(eastDispatcher, `/api/v1/incidents/${incident.id}`, {
        expectedVersion: incident.version,
        address: 'x',
      }),
      await eastDispatcher.post(`/api/v1/incidents/${incident.id}/notes`, { text: 'x' }),
      await eastDispatcher.post(`/api/v1/incidents/${incident.id}/calls`, { note: 'x' }),
    ];
    expect(refused.map((r) => [r.status, r.body.error.code])).toEqual([
      [403, 'OUT_OF_SCOPE'],
      [403, 'OUT_OF_SCOPE'],
      [403, 'OUT_OF_SCOPE'],
    ]);
    expect(await counts(incident.id)).toEqual(before);
  });

  it('knows the place before sending: history, the caller, open incidents nearby and premise flags', async () => {
    const place = near(-2000, 1500);
    const first = await world.calltaker.post('/api/v1/incidents', {
      location: place,
      category: 'dispute',
      priority: 3,
      callerNumber: '13611112222',
    });
    expect(first.status).toBe(201);
    const closedOne = await world.calltaker.post('/api/v1/incidents', {
      location: near(-1960, 1500),
      category: 'public_order',
      priority: 3,
    });
    expect(
      (
        await world.dispatcher.post(`/api/v1/incidents/${closedOne.body.incident.id}/close`, {
          disposition: 'no_trace',
        })
      ).status,
    ).toBe(200);
    // a premise flag 20 m away, an area flag covering the place, a far one that must not show
    const danger = await world.dispatcher.post('/api/v1/premises', {
      name: '某化工仓库',
      level: 'danger',
      text: '存放危险化学品',
      location: near(-2020, 1500),
    });
    expect(danger.status).toBe(201);
    const area = await world.admin.post('/api/v1/premises', {
      name: '某小区',
      level: 'caution',
      text: '住户有持械前科',
      area: {
        type: 'Polygon',
        coordinates: [
          [
            [place.lon - 0.001, place.lat - 0.001],
            [place.lon + 0.001, place.lat - 0.001],
            [place.lon + 0.001, place.lat + 0.001],
            [place.lon - 0.001, place.lat + 0.001],
            [place.lon - 0.001, place.lat - 0.001],
          ],
        ],
      },
    });
    expect(area.status).toBe(201);
    expect(
      (
        await world.admin.post('/api/v1/premises', {
          name: '远处',
          level: 'info',
          text: 'x',
          location: near(3000),
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await world.calltaker.post('/api/v1/premises', {
          name: 'x',
          level: 'info',
          text: 'x',
          location: place,
        })
      ).status,
    ).toBe(403);
    expect(
      (await world.admin.post('/api/v1/premises', { name: 'x', level: 'info', text: 'x' })).status,
    ).toBe(400);

    const q = `lon=${place.lon}&lat=${place.lat}&callerNumber=13611112222&category=dispute`;
    const ctx = await world.calltaker.get(`/api/v1/intake/context?${q}`);
    expect(ctx.status).toBe(200);
    expect(ctx.body.possibleDuplicates.map((d: { id: string }) => d.id)).toEqual([
      first.body.incident.id,
    ]);
    expect(ctx.body.priorIncidents.map((d: { id: string }) => d.id).sort()).toEqual(
      [first.body.incident.id, closedOne.body.incident.id].sort(),
    );
    expect(ctx.body.callerHistory.map((h: { incidentId: string }) => h.incidentId)).toEqual([
      first.body.incident.id,
    ]);
    expect(
      ctx.body.premises.map((p: { name: string; level: string }) => [p.name, p.level]),
    ).toEqual([
      ['某化工仓库', 'danger'],
      ['某小区', 'caution'],
    ]);
    expect((await world.calltaker.get(`/api/v1/intake/context?lon=999&lat=0`)).status).toBe(400);
    expect((await world.commander.get(`/api/v1/intake/context?${q}`)).status).toBe(403);

    // the flags travel with the task to the terminal
    const unit = await freeUnit();
    const terminal = await connectSocket(base, '/terminal', unit.token);
    try {
      expect(
        (
          await world.dispatcher.post(`/api/v1/incidents/${first.body.incident.id}/assignments`, {
            unitIds: [unit.id],
          })
        ).status,
      ).toBe(201);
      const task = await terminal.waitFor(
        (e) => e.event === 'task.assigned' && e.payload.incident.id === first.body.incident.id,
      );
      expect(task.payload.premises.map((p: { text: string }) => p.text)).toEqual([
        '存放危险化学品',
        '住户有持械前科',
      ]);
    } finally {
      terminal.close();
    }
    // kept up to date and removed by dispatchers and admins
    const updated = await world.dispatcher.raw('PUT', `/api/v1/premises/${danger.body.id}`, {
      name: '某化工仓库',
      level: 'caution',
      text: '已清空',
      location: near(-2020, 1500),
    });
    expect(updated.status).toBe(200);
    expect(updated.body.level).toBe('caution');
    expect(
      (await world.dispatcher.raw('DELETE', `/api/v1/premises/${danger.body.id}`)).status,
    ).toBe(204);
    expect((await world.dispatcher.get(`/api/v1/premises/${danger.body.id}`)).status).toBe(404);
  });

  it('sends checkpoint units only as listed and up to a cap; closing releases them and tells their terminals', async () => {
    const incident = await file({ category: 'criminal', priority: 1 });
    const checkpoints: string[] = [];
    for (const [i, north] of [1500, 1800, 2100].entries()) {
      const cp = await world.admin.post('/api/v1/checkpoints', {
        name: `卡点${i + 1}`,
        location: near(north, 800),
      });
      expect(cp.status).toBe(201);
      checkpoints.push(cp.body.id);
    }
    const free = (await world.dispatcher.get('/api/v1/units')).body.filter(
      (u: { status: string }) => u.status === 'available',
    ) as { id: string }[];
    expect(free.length).toBeGreaterThanOrEqual(3);
    const before = await counts(incident.id);
    const tooMany = await world.dispatcher.post(
      `/api/v1/incidents/${incident.id}/sealing/dispatch`,
      {
        assignments: checkpoints.map((checkpointId, i) => ({ checkpointId, unitId: free[i].id })),
      },
    );
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.error.details).toMatchObject({ cap: 2, requested: 3 });
    expect(await counts(incident.id)).toEqual(before);

    const sent = await world.dispatcher.post(`/api/v1/incidents/${incident.id}/sealing/dispatch`, {
      assignments: checkpoints
        .slice(0, 2)
        .map((checkpointId, i) => ({ checkpointId, unitId: free[i].id })),
    });
    expect(sent.status).toBe(201);
    const token = world.units.find((u) => u.id === free[0].id)?.token as string;
    const terminal = await connectSocket(base, '/terminal', token);
    try {
      await terminal.waitFor((e) => e.event === 'task.assigned');
      // checkpoint units do not hold the incident open: it closes, and they are released
      const closed = await world.dispatcher.post(`/api/v1/incidents/${incident.id}/close`, {
        disposition: 'case_filed',
      });
      expect(closed.status).toBe(200);
      await terminal.waitFor((e) => e.event === 'task.cancelled');
      const units = (await world.dispatcher.get('/api/v1/units')).body as {
        id: string;
        status: string;
      }[];
      for (const u of free.slice(0, 2))
        expect(units.find((x) => x.id === u.id)?.status).toBe('available');
      const t = await world.dispatcher.get(`/api/v1/incidents/${incident.id}/timeline`);
      expect(
        t.body.assignments
          .filter((a: { role: string }) => a.role === 'checkpoint')
          .map((a: { status: string }) => a.status),
      ).toEqual(['cancelled', 'cancelled']);
    } finally {
      terminal.close();
    }
  });
});
