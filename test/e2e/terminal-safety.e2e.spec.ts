import {
  buildWorld,
  DISTRICT_BOUNDARY,
  INCIDENT_POINT,
  rebind,
  type World,
} from '../support/fixtures';
import {
  client,
  connectSocket,
  createStack,
  emitWithAck,
  SERVICES_MODE,
  sleep,
  type Stack,
} from '../support/harness';

/** 警务通 (issue #14): device-time stage actions, 点对点 messages, the emergency button, on-scene check-in. */
describe(`terminal, messages and officer safety (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;

  async function restart() {
    await stack.stopApi();
    if (SERVICES_MODE) await stack.stopWorker();
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    rebind(world, base);
  }

  async function dispatchTo(unitIdx: number, category = 'public_order') {
    const r = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category,
      priority: 2,
      description: '测试',
    });
    expect(r.status).toBe(201);
    const incidentId = r.body.incident.id as string;
    const a = await world.dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, {
      unitIds: [world.units[unitIdx].id],
    });
    expect(a.status).toBe(201);
    return { incidentId, assignmentId: a.body.assignments[0].id as string };
  }

  const timeline = async (incidentId: string) =>
    (await world.dispatcher.get(`/api/v1/incidents/${incidentId}/timeline`)).body;

  beforeAll(async () => {
    // check-in: prompt after 2 s on scene (public_order), 1 s to answer; ack timers out of the way
    stack = await createStack({
      CHECK_IN_SEC: '600',
      CHECK_IN_SEC_BY_CATEGORY: 'public_order=2',
      CHECK_IN_GRACE_SEC: '5',
      ACK_TIMEOUT_P2_SEC: '3600',
    });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 8);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('records device and receipt time of stage actions taken offline, and feedback with a disposition', async () => {
    const { incidentId, assignmentId } = await dispatchTo(0, 'dispute');
    const terminal = await connectSocket(base, '/terminal', world.units[0].token);
    const t0 = Date.now();
    // acted offline a minute ago, sent now in order
    const acts = [
      { type: 'ack', at: new Date(t0 - 60_000).toISOString() },
      { type: 'depart', at: new Date(t0 - 50_000).toISOString() },
      { type: 'arrive', at: new Date(t0 - 20_000).toISOString() },
    ];
    for (const a of acts)
      expect((await emitWithAck(terminal.socket, 'task.event', { assignmentId, ...a })).ok).toBe(
        true,
      );
    const clear = await client(base, world.units[0].token).post(
      `/api/v1/assignments/${assignmentId}/events`,
      {
        type: 'clear',
        at: new Date().toISOString(),
        disposition: 'mediated',
        text: '双方已调解',
      },
    );
    expect(clear.status).toBe(200);
    // a device time far in the future is refused and changes nothing
    const { incidentId: otherIncident, assignmentId: other } = await dispatchTo(1, 'dispute');
    const bad = await client(base, world.units[1].token).post(
      `/api/v1/assignments/${other}/events`,
      { type: 'ack', at: '2099-01-01T00:00:00Z' },
    );
    expect(bad.status).toBe(400);
    // an unknown disposition code is refused
    expect(
      (
        await client(base, world.units[1].token).post(`/api/v1/assignments/${other}/events`, {
          type: 'decline',
          disposition: 'no-such-code',
        })
      ).status,
    ).toBe(400);
    // another unit's token can neither act on this unit's task nor see its route
    expect(
      (
        await client(base, world.units[0].token).post(`/api/v1/assignments/${other}/events`, {
          type: 'ack',
        })
      ).status,
    ).toBe(403);
    expect(
      (await client(base, world.units[0].token).get(`/api/v1/assignments/${other}/route`)).status,
    ).toBe(403);
    expect(
      (await client(base, world.units[0].token).get(`/api/v1/incidents/${otherIncident}/notes`))
        .status,
    ).toBe(403);
    expect(
      (
        await client(base, world.units[0].token).post(`/api/v1/incidents/${otherIncident}/notes`, {
          text: 'x',
        })
      ).status,
    ).toBe(403);
    expect(
      (await timeline(otherIncident)).assignments.find((a: { id: string }) => a.id === other)
        .status,
    ).toBe('assigned');
    const tl = await timeline(incidentId);
    const ev = tl.events.filter((e: { type: string }) => e.type.startsWith('assignment.'));
    expect(ev.map((e: { type: string }) => e.type)).toEqual([
      'assignment.ack',
      'assignment.depart',
      'assignment.arrive',
      'assignment.clear',
    ]);
    expect(ev.slice(0, 3).map((e: { data: { deviceAt: string } }) => e.data.deviceAt)).toEqual(
      acts.map((a) => a.at),
    );
    expect(
      ev
        .slice(0, 3)
        .every(
          (e: { data: { offline: boolean; receivedAt: string } }) =>
            e.data.offline && Date.parse(e.data.receivedAt) >= t0,
        ),
    ).toBe(true);
    expect(ev[3].data).toMatchObject({
      disposition: 'mediated',
      text: '双方已调解',
      offline: false,
    });
    terminal.close();
  });

  it("delivers messages to a unit, a district and an incident's units, with read receipts and a reply", async () => {
    const consoleRec = await connectSocket(base, '/console', world.tokens.dispatcher);
    const [u2, u3] = [world.units[2], world.units[3]];
    const t2 = await connectSocket(base, '/terminal', u2.token);
    const t3 = await connectSocket(base, '/terminal', u3.token);
    // to one unit
    const one = await world.dispatcher.post('/api/v1/messages', {
      to: { unitIds: [u2.id] },
      text: '请到春熙路口待命',
    });
    expect(one.status).toBe(201);
    expect(one.body.message.recipients.map((r: { unitId: string }) => r.unitId)).toEqual([u2.id]);
    const got = await t2.waitFor(
      (e) => e.event === 'message' && e.payload.id === one.body.message.id,
    );
    expect(got.payload.text).toBe('请到春熙路口待命');
    expect(
      t3.events.some((e) => e.event === 'message' && e.payload.id === one.body.message.id),
    ).toBe(false);
    // read receipt over the socket reaches the console
    expect(
      (await emitWithAck(t2.socket, 'message.read', { messageId: one.body.message.id })).ok,
    ).toBe(true);
    const receipt = await consoleRec.waitFor(
      (e) => e.event === 'message.read' && e.payload.messageId === one.body.message.id,
    );
    expect(receipt.payload.unitId).toBe(u2.id);
    // another unit cannot mark it read, nor read the thread of u2
    const foreign = await client(base, u3.token).post(
      `/api/v1/messages/${one.body.message.id}/read`,
    );
    expect(foreign.status).toBe(404);
    expect((await client(base, u3.token).get(`/api/v1/messages?unitId=${u2.id}`)).status).toBe(403);
    // reply from the terminal goes to the desk
    const reply = await client(base, u2.token).post('/api/v1/messages', {
      text: '收到，已到位',
      replyTo: one.body.message.id,
      clientId: 'c-1',
    });
    expect(reply.status).toBe(201);
    expect(reply.body.message).toMatchObject({
      toDesk: true,
      replyTo: one.body.message.id,
      from: { kind: 'unit', id: u2.id },
    });
    await consoleRec.waitFor(
      (e) => e.event === 'message' && e.payload.id === reply.body.message.id,
    );
    // a resend after being offline lands once
    const again = await client(base, u2.token).post('/api/v1/messages', {
      text: '收到，已到位',
      replyTo: one.body.message.id,
      clientId: 'c-1',
    });
    expect(again.body.message.id).toBe(reply.body.message.id);
    // a terminal may not address other units
    expect(
      (
        await client(base, u2.token).post('/api/v1/messages', {
          to: { unitIds: [u3.id] },
          text: 'x',
        })
      ).status,
    ).toBe(403);
    // to the district: every on-duty unit whose station lies in it (the fixture's units have none: 409, nothing written)
    expect(
      (
        await world.dispatcher.post('/api/v1/messages', {
          to: { jurisdictionId: world.districtId },
          text: '全区注意',
        })
      ).status,
    ).toBe(409);
    const station = await world.admin.post('/api/v1/jurisdictions', {
      name: '春熙路派出所',
      kind: 'station',
      parentId: world.districtId,
      boundary: DISTRICT_BOUNDARY,
    });
    expect(station.status).toBe(201);
    const local = await world.admin.post('/api/v1/units', {
      callsign: '川A-所01',
      kind: 'patrol_car',
      stationId: station.body.id,
    });
    expect(local.status).toBe(201);
    const localToken = local.body.terminalToken as string;
    expect(
      (
        await client(base, localToken).post(`/api/v1/units/${local.body.unit.id}/status`, {
          status: 'available',
        })
      ).status,
    ).toBe(200);
    const tl = await connectSocket(base, '/terminal', localToken);
    const district = await world.dispatcher.post('/api/v1/messages', {
      to: { jurisdictionId: world.districtId },
      text: '全区注意',
    });
    expect(district.status).toBe(201);
    expect(district.body.message.recipients.map((r: { unitId: string }) => r.unitId)).toEqual([
      local.body.unit.id,
    ]);
    expect(district.body.message.to.jurisdictionId).toBe(world.districtId);
    await tl.waitFor((e) => e.event === 'message' && e.payload.id === district.body.message.id);
    tl.close();
    // to an incident's units
    const { incidentId } = await dispatchTo(3);
    const inc = await world.commander.post('/api/v1/messages', {
      to: { incidentId },
      text: '注意嫌疑人持械',
    });
    expect(inc.status).toBe(201);
    expect(inc.body.message.recipients.map((r: { unitId: string }) => r.unitId)).toEqual([u3.id]);
    await t3.waitFor((e) => e.event === 'message' && e.payload.id === inc.body.message.id);
    const thread = await world.dispatcher.get(`/api/v1/messages?incidentId=${incidentId}`);
    expect(thread.body.messages.map((m: { id: string }) => m.id)).toEqual([inc.body.message.id]);
    const unitThread = await world.dispatcher.get(`/api/v1/messages?unitId=${u2.id}`);
    expect(unitThread.body.messages.map((m: { id: string }) => m.id)).toEqual([
      one.body.message.id,
      reply.body.message.id,
    ]);
    expect(unitThread.body.messages[0].recipients[0].readAt).not.toBeNull();
    // bad input and roles
    expect((await world.dispatcher.post('/api/v1/messages', { to: {}, text: 'x' })).status).toBe(
      400,
    );
    expect(
      (await world.dispatcher.post('/api/v1/messages', { to: { unitIds: [u2.id] }, text: '' }))
        .status,
    ).toBe(400);
    expect(
      (await world.calltaker.post('/api/v1/messages', { to: { unitIds: [u2.id] }, text: 'x' }))
        .status,
    ).toBe(403);
    const count = (await world.dispatcher.get('/api/v1/messages')).body.messages.length;
    expect(count).toBe(4);
    // unread messages are delivered again on reconnect
    const late = await world.dispatcher.post('/api/v1/messages', {
      to: { unitIds: [u3.id] },
      text: '回来后请回电',
    });
    t3.close();
    const t3b = await connectSocket(base, '/terminal', u3.token);
    await t3b.waitFor((e) => e.event === 'message' && e.payload.id === late.body.message.id);
    t3b.close();
    t2.close();
    consoleRec.close();
  });

  it('raises an emergency: alert on the console, an incident at the unit, the nearest units; cleared only with a reason', async () => {
    const consoleRec = await connectSocket(base, '/console', world.tokens.dispatcher);
    const u = world.units[4];
    const other = world.units[5];
    // another unit's terminal cannot raise it for this unit
    expect(
      (await client(base, other.token).post(`/api/v1/units/${u.id}/emergency`, {})).status,
    ).toBe(403);
    const pos = { lon: u.lon + 0.001, lat: u.lat };
    const r = await client(base, u.token).post(`/api/v1/units/${u.id}/emergency`, {
      position: pos,
      at: new Date().toISOString(),
    });
    expect(r.status).toBe(201);
    expect(r.body.created).toBe(true);
    const alert = await consoleRec.waitFor(
      (e) => e.event === 'alert' && e.payload.kind === 'emergency' && e.payload.unitId === u.id,
    );
    expect(alert.payload.incidentId).toBe(r.body.emergency.incidentId);
    const incident = (
      await world.dispatcher.get(`/api/v1/incidents/${r.body.emergency.incidentId}`)
    ).body;
    expect(incident).toMatchObject({ category: 'officer_in_danger', priority: 1, location: pos });
    expect(r.body.nearest.length).toBeGreaterThan(0);
    expect(r.body.nearest.some((n: { unitId: string }) => n.unitId === u.id)).toBe(false);
    // nearest first: unit 5 stands 400 m from unit 4, the others further
    expect(r.body.nearest[0].unitId).toBe(world.units[5].id);
    // a second press makes nothing new
    const again = await client(base, u.token).post(`/api/v1/units/${u.id}/emergency`, {});
    expect(again.status).toBe(200);
    expect(again.body.emergency.id).toBe(r.body.emergency.id);
    // not acknowledged away, not cleared by the terminal nor without a reason
    expect((await world.dispatcher.post(`/api/v1/alerts/${alert.payload.id}/ack`)).status).toBe(
      409,
    );
    expect(
      (await client(base, u.token).post(`/api/v1/units/${u.id}/emergency/clear`, { reason: 'ok' }))
        .status,
    ).toBe(403);
    expect((await world.dispatcher.post(`/api/v1/units/${u.id}/emergency/clear`, {})).status).toBe(
      400,
    );
    expect((await world.dispatcher.get('/api/v1/emergencies')).body.emergencies).toHaveLength(1);
    const cleared = await world.dispatcher.post(`/api/v1/units/${u.id}/emergency/clear`, {
      reason: '已确认安全，误触',
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body.clearReason).toBe('已确认安全，误触');
    await consoleRec.waitFor(
      (e) => e.event === 'alert.acknowledged' && e.payload.id === alert.payload.id,
    );
    expect((await world.dispatcher.get('/api/v1/emergencies')).body.emergencies).toHaveLength(0);
    const tl = await timeline(incident.id);
    expect(tl.events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['emergency.raised', 'emergency.cleared']),
    );
    consoleRec.close();
  });

  it('prompts a silent unit on scene, alerts the desk once when unanswered, and survives a restart', async () => {
    const consoleRec = await connectSocket(base, '/console', world.tokens.dispatcher);
    const u = world.units[6];
    const term = client(base, u.token);
    const { incidentId, assignmentId } = await dispatchTo(6);
    const t = await connectSocket(base, '/terminal', u.token);
    for (const type of ['ack', 'depart', 'arrive'])
      expect((await term.post(`/api/v1/assignments/${assignmentId}/events`, { type })).status).toBe(
        200,
      );
    // restart while the prompt timer is pending: it still fires
    t.close();
    await restart();
    const t2 = await connectSocket(base, '/terminal', u.token);
    await t2.waitFor(
      (e) => e.event === 'check-in.prompt' && e.payload.assignmentId === assignmentId,
      30_000,
    );
    const consoleRec2 = await connectSocket(base, '/console', world.tokens.dispatcher);
    // the alert comes live, or (fired before this console joined) in its sync
    const overdue = (a: { kind: string; incidentId: string | null }) =>
      a.kind === 'check_in_overdue' && a.incidentId === incidentId;
    const seen = await consoleRec2.waitFor(
      (e) =>
        (e.event === 'alert' && overdue(e.payload)) ||
        (e.event === 'sync' && e.payload.alerts.some(overdue)),
      30_000,
    );
    const alert = seen.event === 'alert' ? seen.payload : seen.payload.alerts.find(overdue);
    expect(alert.unitId).toBe(u.id);
    await sleep(3000);
    const tl = await timeline(incidentId);
    expect(
      tl.events.filter((e: { type: string }) => e.type === 'alert.check_in_overdue'),
    ).toHaveLength(1);
    expect(
      consoleRec2.events.filter(
        (e) =>
          e.event === 'alert' &&
          e.payload.kind === 'check_in_overdue' &&
          e.payload.incidentId === incidentId,
      ),
    ).toHaveLength(seen.event === 'alert' ? 1 : 0);
    t2.close();
    consoleRec.close();
    consoleRec2.close();
  });

  it('a note from the unit on scene cancels the check-in; a check-in answer re-arms it', async () => {
    const u = world.units[7];
    const term = client(base, u.token);
    const { incidentId, assignmentId } = await dispatchTo(7);
    for (const type of ['ack', 'depart', 'arrive'])
      expect((await term.post(`/api/v1/assignments/${assignmentId}/events`, { type })).status).toBe(
        200,
      );
    // keep talking: a note every second for 4 s (the prompt is due 2 s after the last word)
    for (let i = 0; i < 4; i++) {
      await sleep(1000);
      expect(
        (await term.post(`/api/v1/incidents/${incidentId}/notes`, { text: `现场情况平稳 ${i}` }))
          .status,
      ).toBe(201);
    }
    const checkIn = await term.post(`/api/v1/assignments/${assignmentId}/check-in`, {
      text: '平安',
    });
    expect(checkIn.status).toBe(200);
    expect(Date.parse(checkIn.body.nextPromptAt)).toBeGreaterThan(Date.now());
    // another unit cannot check in on it
    expect(
      (
        await client(base, world.units[0].token).post(
          `/api/v1/assignments/${assignmentId}/check-in`,
          {},
        )
      ).status,
    ).toBe(403);
    // clear: nothing more is armed
    expect(
      (await term.post(`/api/v1/assignments/${assignmentId}/events`, { type: 'clear' })).status,
    ).toBe(200);
    await sleep(4500);
    const tl = await timeline(incidentId);
    expect(tl.events.filter((e: { type: string }) => e.type === 'check_in.prompted')).toHaveLength(
      0,
    );
    expect(
      tl.events.filter((e: { type: string }) => e.type === 'alert.check_in_overdue'),
    ).toHaveLength(0);
  });

  it('issues a terminal link with a QR code; the old token is refused and its terminals are disconnected at once, on every api instance', async () => {
    const u = world.units[1];
    const oldToken = u.token;
    // the unit's terminal on this instance and, in services mode, one on a second instance
    const terminals = [await connectSocket(base, '/terminal', oldToken)];
    if (SERVICES_MODE)
      terminals.push(await connectSocket((await stack.startApi(1)).url, '/terminal', oldToken));
    for (const t of terminals) await t.waitFor((e) => e.event === 'terminal.hello');
    const closed = terminals.map(
      (t) => new Promise<string>((resolve) => t.socket.once('disconnect', resolve)),
    );
    expect((await world.dispatcher.post(`/api/v1/units/${u.id}/terminal-link`)).status).toBe(403);
    expect(terminals.every((t) => t.socket.connected)).toBe(true);
    const r = await world.admin.post(`/api/v1/units/${u.id}/terminal-link`);
    expect(r.status).toBe(200);
    expect(r.body.url).toContain('/m/#token=');
    expect(r.body.qrSvg).toMatch(/^<svg/);
    // told why, then closed by the server (not a network drop)
    expect(await Promise.all(closed)).toEqual(terminals.map(() => 'io server disconnect'));
    for (const t of terminals)
      expect(t.events.find((e) => e.event === 'terminal.revoked')?.payload).toEqual({
        reason: 'token_replaced',
      });
    // the old token: refused over HTTP and for a new socket
    expect((await client(base, oldToken).get('/api/v1/emergencies')).status).toBe(401);
    await expect(connectSocket(base, '/terminal', oldToken)).rejects.toThrow('UNAUTHENTICATED');
    // the new one works for both
    expect((await client(base, r.body.terminalToken).get('/api/v1/emergencies')).status).toBe(200);
    const fresh = await connectSocket(base, '/terminal', r.body.terminalToken);
    expect((await fresh.waitFor((e) => e.event === 'terminal.hello')).payload.unitId).toBe(u.id);
    fresh.close();
    if (SERVICES_MODE) await stack.stopApi(1);
    u.token = r.body.terminalToken;
  });
});
