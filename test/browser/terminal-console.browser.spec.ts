// The desk side of 警务通 (issue 14) in a real browser: an officer's 一键报警 sounds and flashes on
// the dispatcher's console, opens its incident and cannot be acknowledged away, only cleared with
// a reason; the incident's message thread sends to its units and shows who has read it.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import {
  client,
  connectSocket,
  createStack,
  emitWithAck,
  login,
  SERVICES_MODE,
  sleep,
  type Stack,
} from '../support/harness';
import {
  ensureConsoleBuilt,
  openSeat,
  launchBrowser,
  ROOT,
  until,
  waitForMapIdle,
  type BrowserSession,
  type Watched,
} from './console-browser';

jest.setTimeout(180_000);

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(ROOT, '../shared/data');
const SHOTS = join(ROOT, 'test-results', 'terminal');

describe(`警务通 on the dispatcher's console (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;
  let pc: BrowserSession;
  let desk: Watched;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ensureConsoleBuilt();
    stack = await createStack({
      ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
      COVERAGE_PUSH_SEC: '0',
      POSITION_STALE_SEC: '3600',
      ACK_TIMEOUT_P2_SEC: '3600',
      // a demo system (the roads are Chengdu's): the top bar has the training simulator's switch
      DEMO: '1',
    });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 4);
    pc = await launchBrowser();
    desk = await openSeat(pc, base, 'dispatcher');
  });
  afterAll(async () => {
    await pc?.close();
    await stack?.close();
  });

  it('an emergency sounds, opens its incident, and is cleared only with a reason', async () => {
    const page = desk.page;
    const u = world.units[1];
    const played = await page.evaluate(
      () => (globalThis as any).__ringcad.alertTone.played as number,
    );
    const r = await client(base, u.token).post(`/api/v1/units/${u.id}/emergency`, {
      position: { lon: u.lon, lat: u.lat },
    });
    expect(r.status).toBe(201);
    await page.locator('#alert-banner .alert-emergency').waitFor();
    await page
      .locator(`#incident-detail[data-incident-id="${r.body.emergency.incidentId}"]`)
      .waitFor();
    expect(
      await page.evaluate(() => (globalThis as any).__ringcad.alertTone.played as number),
    ).toBeGreaterThan(played);
    await page.screenshot({ path: join(SHOTS, 'console-emergency.png') });

    // the unit in danger is followed: its track since the alarm is drawn as a line, growing with
    // every position its terminal sends
    const terminal = await connectSocket(base, '/terminal', u.token);
    const sent: [number, number][] = [];
    const move = async (steps: number) => {
      for (let i = 0; i < steps; i++) {
        // the server keeps six decimals (about 0.1 m)
        const r6 = (v: number) => Math.round(v * 1e6) / 1e6;
        const p: [number, number] = [r6(u.lon + (sent.length + 1) * 0.0006), r6(u.lat + 0.0002)];
        const r = await emitWithAck(terminal.socket, 'position', {
          lon: p[0],
          lat: p[1],
          at: new Date().toISOString(),
        });
        expect(r.ok).toBe(true);
        sent.push(p);
        await sleep(1100);
      }
    };
    const trackCoords = () =>
      page.evaluate(async () => {
        const src = (globalThis as any).__ringcad.map.getSource('emergency-track');
        const data = await src.getData();
        return (data.features[0]?.geometry.coordinates ?? []) as [number, number][];
      });
    const has = (coords: [number, number][], p: [number, number]) =>
      coords.some(([x, y]) => Math.abs(x - p[0]) < 1e-6 && Math.abs(y - p[1]) < 1e-6);
    await move(3);
    const first = await until(trackCoords, (c) => sent.every((p) => has(c, p)), 15_000);
    await move(3);
    const second = await until(trackCoords, (c) => sent.every((p) => has(c, p)), 15_000);
    expect(second.length).toBeGreaterThan(first.length);
    // in time order: the newest position is the line's end
    expect(second[second.length - 1]).toEqual(sent[sent.length - 1]);
    // and it is on screen, in the track's own colour
    const trackPixels = () =>
      page.evaluate(() => {
        const g = globalThis as any;
        const src = g.__ringcad.map.getCanvas();
        const c = g.document.createElement('canvas');
        c.width = src.width;
        c.height = src.height;
        const ctx = c.getContext('2d');
        ctx.drawImage(src, 0, 0);
        const { data } = ctx.getImageData(0, 0, c.width, c.height);
        let n = 0;
        for (let i = 0; i < data.length; i += 4)
          if (
            Math.abs(data[i] - 0xff) + Math.abs(data[i + 1] - 0x2b) + Math.abs(data[i + 2] - 0xd6) <
            40
          )
            n++;
        return n;
      });
    await waitForMapIdle(page);
    expect(await until(trackPixels, (n) => n > 30, 10_000)).toBeGreaterThan(30);
    await page.screenshot({ path: join(SHOTS, 'console-emergency-track.png') });
    // a console opened mid-emergency draws the track so far (the API's track since the alarm)
    await page.reload();
    await page.locator('#connection.online').waitFor();
    await waitForMapIdle(page);
    await until(
      trackCoords,
      (c) => c.length >= sent.length && sent.every((p) => has(c, p)),
      15_000,
    );
    terminal.close();

    await page.locator('#alert-banner .alert-emergency .clear-emergency').click();
    await page.locator('#emergency-clear').waitFor();
    // no reason: refused in the dialog, nothing cleared
    await sleep(500); // the dialog ignores the tail of the click that opened it
    await page.locator('#emergency-clear [data-role="confirm"]').click();
    await sleep(300);
    expect((await world.dispatcher.get('/api/v1/emergencies')).body.emergencies).toHaveLength(1);
    await page.locator('#emergency-reason').fill('已电话确认安全');
    await page.locator('#emergency-clear [data-role="confirm"]').click();
    await page.locator('#alert-banner .alert-emergency').waitFor({ state: 'detached' });
    expect((await world.dispatcher.get('/api/v1/emergencies')).body.emergencies).toHaveLength(0);
    // cleared: the track line goes with it
    await until(trackCoords, (c) => c.length === 0, 10_000);
    const tl = (
      await world.dispatcher.get(`/api/v1/incidents/${r.body.emergency.incidentId}/timeline`)
    ).body;
    expect(
      tl.events.find((e: { type: string }) => e.type === 'emergency.cleared').data.reason,
    ).toBe('已电话确认安全');
  });

  it("sends to an incident's units from its thread and shows who has read it", async () => {
    const page = desk.page;
    const u = world.units[2];
    const inc = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'dispute',
      priority: 2,
    });
    const incidentId = inc.body.incident.id as string;
    expect(
      (
        await world.dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, {
          unitIds: [u.id],
        })
      ).status,
    ).toBe(201);
    const terminal = await connectSocket(base, '/terminal', u.token);
    await page.locator(`.queue-item[data-incident-id="${incidentId}"]`).click();
    await page
      .locator(`#incident-detail[data-incident-id="${incidentId}"] #incident-messages`)
      .waitFor();
    await page.locator('#message-incident').click();
    await page.locator('#message-text').waitFor();
    await sleep(500);
    await page.locator('#message-text').fill('注意安全，对方情绪激动');
    await page.keyboard.press('Enter');
    const got = await terminal.waitFor(
      (e) => e.event === 'message' && e.payload.text === '注意安全，对方情绪激动',
    );
    await page.locator(`#messages [data-message-id="${got.payload.id}"] .unread`).waitFor();
    expect(
      (await emitWithAck(terminal.socket, 'message.read', { messageId: got.payload.id })).ok,
    ).toBe(true);
    await page
      .locator(`#messages [data-message-id="${got.payload.id}"] .read[data-unit-id="${u.id}"]`)
      .waitFor();
    // the unit's answer appears in the same thread
    expect(
      (
        await client(base, u.token).post('/api/v1/messages', {
          text: '收到',
          replyTo: got.payload.id,
        })
      ).status,
    ).toBe(201);
    await page.locator('#messages .message.from-unit', { hasText: '收到' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'console-thread.png') });
    terminal.close();
    expect(desk.problems).toEqual([]);
    expect(desk.external).toEqual([]);
  });

  it('the demo’s training switch is in the top bar, off, and the dispatcher turns it on and off', async () => {
    const page = desk.page;
    const state = page.locator('#training-switch .training-state');
    await until(
      () => state.textContent(),
      (text) => text === '关',
    );
    expect(await page.locator('#training-switch').isVisible()).toBe(true);
    const dispatcherApi = await login(base, 'dispatcher', 'dispatcher-password');
    const serverState = async () =>
      (await dispatcherApi.get('/api/v1/training/simulation')).body.autoDispatch as boolean;
    expect(await serverState()).toBe(false);
    await page.locator('#training-autodispatch').click();
    await until(
      () => state.textContent(),
      (text) => text === '开',
    );
    expect(await serverState()).toBe(true);
    expect(await page.locator('#training-switch').getAttribute('class')).toContain('on');
    await page.screenshot({ path: join(SHOTS, 'console-training-on.png') });
    await page.locator('#training-autodispatch').click();
    await until(
      () => state.textContent(),
      (text) => text === '关',
    );
    expect(await serverState()).toBe(false);
    expect(desk.problems).toEqual([]);
  });
});
