// 警务通 in a real browser (issue 14): a phone-sized Chromium with emulated geolocation signs in
// with its unit's terminal token, gets a task assigned by a dispatcher (it rings and vibrates),
// works it with the stage buttons, goes offline, moves and acts, reloads while offline (nothing
// is lost), comes back (every position and action arrives in order with its device time), sends
// feedback with a disposition, reads and answers a message, and raises an emergency with a long
// press. Every outcome is checked through the API; screenshots go to test-results/terminal/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../bench/lib/chromium';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { client, createStack, SERVICES_MODE, sleep, type Stack } from '../support/harness';
import { ensureConsoleBuilt, launchBrowser, ROOT, signIn, watch } from './console-browser';

jest.setTimeout(240_000);

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(ROOT, '../shared/data');
const SHOTS = join(ROOT, 'test-results', 'terminal');
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

/** page.evaluate has no timeout of its own: a stuck page must fail the step, not the whole test. */
function deadline<T>(what: string, p: Promise<T>, ms = 15_000): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms),
    ),
  ]);
}

async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe(`警务通 terminal in a phone browser (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const external: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ensureConsoleBuilt();
    // on-scene check-in: public_order units are prompted 3 s after arriving (the others after 10 min)
    stack = await createStack({
      ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
      POSITION_STALE_SEC: '3600',
      COVERAGE_PUSH_SEC: '0',
      CHECK_IN_SEC: '600',
      CHECK_IN_SEC_BY_CATEGORY: 'public_order=3',
      CHECK_IN_GRACE_SEC: '600',
    });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 4);
    dir = mkdtempSync(join(tmpdir(), 'ringcad-phone-'));
    const u = world.units[0];
    context = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      geolocation: { longitude: u.lon, latitude: u.lat, accuracy: 10 },
      permissions: ['geolocation'],
    });
    // navigator.vibrate is recorded (a headless phone has no motor)
    await context.addInitScript(() => {
      const g = globalThis as any;
      g.__vibrations = [];
      g.navigator.vibrate = (p: unknown) => {
        g.__vibrations.push(p);
        return true;
      };
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (
        msg.type() === 'error' &&
        !/ERR_INTERNET_DISCONNECTED|Failed to load resource|WebSocket/.test(msg.text())
      )
        problems.push(`console: ${msg.text()}`);
    });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (
        /^https?:\/\/127\.0\.0\.1[:/]/.test(url) ||
        url.startsWith('data:') ||
        url.startsWith('blob:')
      )
        return route.continue();
      external.push(url);
      return route.abort();
    });
  });

  afterAll(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await stack?.close();
  });

  it('signs in with the typed token, rings for a task, works it online and offline, and loses nothing', async () => {
    const u = world.units[0];
    const terminal = client(base, u.token);
    await page.goto(`${base}/m`);
    await page.locator('#token').fill(u.token);
    await page.locator('#signin-form button[type=submit]').tap();
    await page.locator('body[data-online="true"]').waitFor();
    await page.locator('.callsign', { hasText: u.callsign }).waitFor();
    // its position arrives from the phone's geolocation
    await until('first position', async () => {
      const units = (await world.dispatcher.get('/api/v1/units')).body as {
        id: string;
        position: { at: string } | null;
      }[];
      const me = units.find((x) => x.id === u.id);
      return me?.position && Date.parse(me.position.at) > Date.now() - 60_000;
    });

    // a task from the dispatcher rings and vibrates
    const inc = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'dispute',
      priority: 2,
      address: '天府广场东侧',
      description: '两人争吵，情绪激动',
      callerNumber: '13812345678',
      callerName: '张三',
    });
    const incidentId = inc.body.incident.id as string;
    const assigned = await world.dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, {
      unitIds: [u.id],
    });
    expect(assigned.status).toBe(201);
    const assignmentId = assigned.body.assignments[0].id as string;
    await page.locator('body[data-rings="1"]').waitFor();
    await page.locator('#task-address', { hasText: '天府广场东侧' }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).__vibrations.length)).toBeGreaterThan(0);
    // the caller is masked on the terminal
    const caller = await page.locator('#task-caller').textContent();
    expect(caller).not.toContain('13812345678');
    expect(caller).toMatch(/138/);
    // the road route is drawn (from our engine) and the phone's navigation app is one tap away
    await until(
      'route',
      async () =>
        (await page.evaluate(() =>
          (globalThis as any).document.querySelector('.nav')?.getAttribute('href'),
        )) as string,
    );
    expect(await page.locator('.nav').getAttribute('href')).toMatch(/^geo:30\.65/);
    // the offline basemap (the road network from our api) is drawn, with the route on it
    await page.locator('body[data-roads]').waitFor();
    await until('route drawn', async () =>
      page.evaluate(() => {
        const m = (globalThis as any).__terminalMap;
        return (
          m.querySourceFeatures('route').length > 0 && m.querySourceFeatures('incident').length > 0
        );
      }),
    );
    await page.evaluate(
      () =>
        new Promise<void>((r) => {
          const m = (globalThis as any).__terminalMap;
          if (m.loaded() && m.areTilesLoaded() && !m.isMoving()) return r();
          m.once('idle', () => r());
          setTimeout(r, 5000);
        }),
    );
    await shot(page, '1-task');

    const statusOf = async () =>
      (
        await world.dispatcher.get(`/api/v1/incidents/${incidentId}/timeline`)
      ).body.assignments.find((a: { id: string }) => a.id === assignmentId).status as string;
    await page.locator('#stage[data-type="ack"]').tap();
    await until('acknowledged', async () => (await statusOf()) === 'acknowledged');
    await page.locator('#stage[data-type="depart"]').tap();
    await until('en route', async () => (await statusOf()) === 'en_route');

    // ── offline: move, act, move, reload ──
    await deadline('setOffline(true)', context.setOffline(true));
    await deadline(
      'offline event',
      page.evaluate(() =>
        (globalThis as any).dispatchEvent(new (globalThis as any).Event('offline')),
      ),
    );
    await page.locator('body[data-online="false"]').waitFor();
    const p1 = { longitude: u.lon, latitude: u.lat - 0.001, accuracy: 10 };
    const p2 = { longitude: u.lon, latitude: u.lat - 0.002, accuracy: 10 };
    await sleep(5500);
    await context.setGeolocation(p1);
    await until(
      'first offline fix queued',
      async () =>
        Number(await page.evaluate(() => (globalThis as any).document.body.dataset.queued)) >= 1,
    );
    const actedAt = Date.now();
    await page.locator('#stage[data-type="arrive"]').tap();
    await until(
      'arrive queued',
      async () =>
        Number(await page.evaluate(() => (globalThis as any).document.body.dataset.queued)) >= 2,
    );
    await sleep(5500);
    await context.setGeolocation(p2);
    await until(
      'second offline fix queued',
      async () =>
        Number(await page.evaluate(() => (globalThis as any).document.body.dataset.queued)) >= 3,
    );
    expect(await statusOf()).toBe('en_route');
    await deadline('reload', page.reload(), 30_000);
    await page.locator('#task-address', { hasText: '天府广场东侧' }).waitFor();
    await page.locator('#task-status', { hasText: '在现场' }).waitFor();
    const queuedAfterReload = Number(
      await page.evaluate(() => (globalThis as any).document.body.dataset.queued),
    );
    expect(queuedAfterReload).toBeGreaterThanOrEqual(3);
    await shot(page, '2-offline-after-reload');

    // ── back online: everything arrives, in order, with its device time ──
    const back = Date.now();
    await deadline('setOffline(false)', context.setOffline(false));
    await deadline(
      'online event',
      page.evaluate(() =>
        (globalThis as any).dispatchEvent(new (globalThis as any).Event('online')),
      ),
    );
    await page.locator('body[data-queued="0"]').waitFor({ timeout: 30_000 });
    expect(await statusOf()).toBe('on_scene');
    const tl = (await world.dispatcher.get(`/api/v1/incidents/${incidentId}/timeline`)).body;
    const arrive = tl.events.find((e: { type: string }) => e.type === 'assignment.arrive');
    expect(arrive.data.offline).toBe(true);
    expect(Date.parse(arrive.data.deviceAt)).toBeGreaterThanOrEqual(actedAt - 1000);
    expect(Date.parse(arrive.data.deviceAt)).toBeLessThan(back);
    expect(Date.parse(arrive.data.receivedAt)).toBeGreaterThanOrEqual(back);
    // both offline fixes are in the unit's track with their device times, around the arrival
    const track = (tl.tracks.find((x: { unitId: string }) => x.unitId === u.id)?.points ?? []) as [
      number,
      number,
      number,
    ][];
    const near = (p: { latitude: number }) =>
      track.find((pt) => Math.abs(pt[1] - p.latitude) < 1e-6);
    const t1 = near(p1);
    const t2 = near(p2);
    expect(t1 && t2).toBeTruthy();
    expect(t1![2]).toBeLessThan(Date.parse(arrive.data.deviceAt));
    expect(t2![2]).toBeGreaterThan(Date.parse(arrive.data.deviceAt));
    expect(t2![2]).toBeLessThan(back);

    // ── the dispatcher's console marks the arrival as taken offline, with its device time ──
    const pc = await launchBrowser();
    try {
      const desk = await watch(pc, 'dispatcher-offline-mark');
      await signIn(desk.page, base, 'dispatcher', 'dispatcher-password');
      await desk.page.locator(`.queue-item[data-incident-id="${incidentId}"]`).click();
      const row = desk.page.locator(
        `#incident-detail .assignment[data-assignment-id="${assignmentId}"]`,
      );
      const mark = row.locator('.offline-mark[data-offline-step="on_scene"]');
      await mark.waitFor();
      const hms = (iso: string) =>
        new Date(iso).toLocaleTimeString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });
      expect(await mark.textContent()).toBe(`离线操作 · 设备时间 ${hms(arrive.data.deviceAt)}`);
      expect(await mark.getAttribute('title')).toContain(`中心收到 ${hms(arrive.data.receivedAt)}`);
      // the stages taken online carry no mark
      expect(await row.locator('.offline-mark').count()).toBe(1);
      await desk.page.screenshot({ path: join(SHOTS, '2b-console-offline-mark.png') });
      // and in English
      await desk.page.locator('#lang').click();
      await row
        .locator('.offline-mark', { hasText: `Offline · device time ${hms(arrive.data.deviceAt)}` })
        .waitFor();
      expect(desk.problems).toEqual([]);
      expect(desk.external).toEqual([]);
    } finally {
      await pc.close();
    }

    // ── feedback with a disposition code ──
    await page.locator('#stage[data-type="clear"]').tap();
    await page.locator('#disposition').selectOption('mediated');
    await page.locator('#feedback-text').fill('双方已调解离开');
    await shot(page, '3-feedback');
    await page.locator('#feedback-send').tap();
    await until('cleared', async () => (await statusOf()) === 'cleared');
    const cleared = (
      await world.dispatcher.get(`/api/v1/incidents/${incidentId}/timeline`)
    ).body.events.find((e: { type: string }) => e.type === 'assignment.clear');
    expect(cleared.data).toMatchObject({ disposition: 'mediated', text: '双方已调解离开' });
    // the terminal's own HTTP calls stay possible for the same unit only
    expect((await terminal.get(`/api/v1/messages?unitId=${world.units[1].id}`)).status).toBe(403);
  });

  it('shows a message from the desk, sends the read receipt and a reply', async () => {
    const u = world.units[0];
    const sent = await world.dispatcher.post('/api/v1/messages', {
      to: { unitIds: [u.id] },
      text: '请回所里取执法记录仪',
    });
    expect(sent.status).toBe(201);
    await page.locator('#unread').waitFor();
    await page.locator('#messages-btn').tap();
    await page.locator('#thread li', { hasText: '请回所里取执法记录仪' }).waitFor();
    await until('read receipt', async () => {
      const thread = (await world.dispatcher.get(`/api/v1/messages?unitId=${u.id}`)).body
        .messages as { id: string; recipients: { readAt: string | null }[] }[];
      return thread.find((m) => m.id === sent.body.message.id)?.recipients[0].readAt;
    });
    await page.locator('#reply').fill('收到，马上回去');
    await page.locator('#reply-send').tap();
    const reply = await until('reply at the desk', async () => {
      const thread = (await world.dispatcher.get(`/api/v1/messages?unitId=${u.id}`)).body
        .messages as { text: string; toDesk: boolean; replyTo: string | null }[];
      return thread.find((m) => m.toDesk && m.text === '收到，马上回去');
    });
    expect(reply.replyTo).toBe(sent.body.message.id);
    await shot(page, '4-messages');
    await page.locator('[data-action="back"]').first().tap();
  });

  it('prompts the officer on scene to check in, and the answer reaches the timeline', async () => {
    const u = world.units[0];
    const inc = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'public_order',
      priority: 3,
      address: '春熙路',
    });
    const incidentId = inc.body.incident.id as string;
    expect(
      (
        await world.dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, {
          unitIds: [u.id],
        })
      ).status,
    ).toBe(201);
    await page.locator('#task-address', { hasText: '春熙路' }).waitFor();
    for (const type of ['ack', 'depart', 'arrive']) {
      await page.locator(`#stage[data-type="${type}"]`).tap();
      await page.locator(`#stage:not([data-type="${type}"])`).waitFor();
    }
    await page.locator('#check-in').waitFor({ timeout: 30_000 });
    await shot(page, '5-check-in');
    await page.locator('#check-in-ok').tap();
    await until('check-in recorded', async () => {
      const tl = (await world.dispatcher.get(`/api/v1/incidents/${incidentId}/timeline`)).body;
      return tl.events.some((e: { type: string }) => e.type === 'unit.check_in');
    });
    const tl = (await world.dispatcher.get(`/api/v1/incidents/${incidentId}/timeline`)).body;
    expect(tl.events.filter((e: { type: string }) => e.type === 'check_in.prompted')).toHaveLength(
      1,
    );
    // done with it: cancel so the next test starts without a task
    expect(
      (
        await world.dispatcher.post(`/api/v1/incidents/${incidentId}/cancel`, {
          reason: '测试结束',
        })
      ).status,
    ).toBe(200);
    await page.locator('#notice', { hasText: '任务已撤回' }).waitFor();
  });

  it('raises an emergency with a long press on the button', async () => {
    const u = world.units[0];
    const sos = page.locator('#sos');
    // a short tap does nothing
    await sos.dispatchEvent('pointerdown');
    await sleep(500);
    await sos.dispatchEvent('pointerup');
    await sleep(2000);
    expect((await world.dispatcher.get('/api/v1/emergencies')).body.emergencies).toHaveLength(0);
    await sos.dispatchEvent('pointerdown');
    await sleep(2300);
    await sos.dispatchEvent('pointerup');
    // the emergency is listed the moment it is claimed; its incident is filed right after
    const emergency = await until('emergency with its incident', async () => {
      const e = (await world.dispatcher.get('/api/v1/emergencies')).body.emergencies[0];
      return e?.incidentId ? e : null;
    });
    expect(emergency.unitId).toBe(u.id);
    await page.locator('#emergency-state').waitFor();
    await shot(page, '6-emergency');
    const incident = (await world.dispatcher.get(`/api/v1/incidents/${emergency.incidentId}`)).body;
    expect(incident.category).toBe('officer_in_danger');
    expect(
      (await world.dispatcher.post(`/api/v1/units/${u.id}/emergency/clear`, { reason: '演练' }))
        .status,
    ).toBe(200);
    await page.locator('#emergency-state').waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
    expect(external).toEqual([]);
  });
});
