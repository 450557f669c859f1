// 部署岗位 on 警务通 (issue #17 item 3): a phone-sized Chromium signs in as a patrol car; the
// commander proposes a shift deployment for it and confirms: the phone shows its post (the
// standby point's name and the shift window, zh-CN and English) and draws the post on its map
// (checked by pixels); a reload keeps it; the recall clears it (and GET /terminal/posts).
// Screenshots go to test-results/terminal/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../bench/lib/chromium';
import { gridRoads, POSTS, seedDeploymentGrid } from '../support/deployment-grid';
import { buildWorld, type World } from '../support/fixtures';
import { createStack, SERVICES_MODE, sleep, type Stack } from '../support/harness';
import { ensureConsoleBuilt, ROOT } from './console-browser';

jest.setTimeout(300_000);

const SHOTS = join(ROOT, 'test-results', 'terminal');

/** The RGB of the terminal map's canvas at a place (null off the canvas). */
async function pixelAt(page: Page, p: { lon: number; lat: number }) {
  return page.evaluate(
    ([lon, lat]) =>
      new Promise<number[] | null>((resolve) => {
        const m = (globalThis as any).__terminalMap;
        const read = () => {
          const { x, y } = m.project([lon, lat]);
          const canvas = m.getCanvas();
          const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
          const ratio = canvas.width / canvas.clientWidth;
          const px = Math.round(x * ratio);
          const py = canvas.height - Math.round(y * ratio) - 1;
          if (px < 0 || py < 0 || px >= canvas.width || py >= canvas.height) return resolve(null);
          const out = new Uint8Array(4);
          gl.readPixels(px, py, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, out);
          resolve([out[0], out[1], out[2]]);
        };
        // read right after a frame is drawn (the buffer is not kept between frames)
        m.once('render', read);
        m.triggerRepaint();
      }),
    [p.lon, p.lat],
  );
}

const isCyan = (c: number[] | null) =>
  !!c && c[2] > 150 && c[1] > 130 && c[0] < 90 && Math.abs(c[1] - c[2]) < 90;

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>) {
  const end = Date.now() + 30_000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe(`a deployment post on 警务通 (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;
  let dir: string;
  let phoneDir: string;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ensureConsoleBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ringcad-post-'));
    const roads = join(dir, 'grid.geojson');
    writeFileSync(roads, JSON.stringify(gridRoads()));
    stack = await createStack({
      ROAD_NETWORK: roads,
      COVERAGE_PUSH_SEC: '0',
      POSITION_STALE_SEC: '3600',
    });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 2);
    await seedDeploymentGrid(world);
    phoneDir = mkdtempSync(join(tmpdir(), 'ringcad-post-phone-'));
    const u = world.units[0];
    context = await chromium.launchPersistentContext(phoneDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      geolocation: { longitude: u.lon, latitude: u.lat, accuracy: 10 },
      permissions: ['geolocation'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  });

  afterAll(async () => {
    await context?.close();
    await stack?.close();
    for (const d of [dir, phoneDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('shows the post with its shift window on the list and the map, keeps it over a reload, and clears it on recall', async () => {
    const u = world.units[0];
    await page.goto(`${base}/m`);
    await page.locator('#token').fill(u.token);
    await page.locator('#signin-form button[type=submit]').tap();
    await page.locator('body[data-online="true"]').waitFor();
    expect(await page.locator('#posts').count()).toBe(0);

    const shiftStart = new Date(Date.now() - 10 * 60_000);
    const shiftEnd = new Date(Date.now() + 2 * 3600_000);
    const proposed = await world.commander.post('/api/v1/deployment-plans', {
      shiftStart: shiftStart.toISOString(),
      shiftEnd: shiftEnd.toISOString(),
      units: [u.id],
    });
    expect(proposed.status).toBe(201);
    const plan = proposed.body;
    expect(plan.posts).toHaveLength(1);
    const post = plan.posts[0] as {
      standbyPointName: string;
      location: { lon: number; lat: number };
    };
    const name = post.standbyPointName;
    const where = post.location;
    expect(Object.keys(POSTS).map((k) => `岗${k}`)).toContain(name);
    expect(
      (await world.commander.post(`/api/v1/deployment-plans/${plan.id}/confirm`, { count: 1 }))
        .status,
    ).toBe(200);

    // the list: the standby point and the shift window in Beijing time
    const item = page.locator('#posts li.post');
    await item.waitFor();
    await page.locator('#posts h2', { hasText: '部署岗位' }).waitFor();
    expect(await item.textContent()).toContain(name);
    const hhmm = (d: Date) =>
      d.toLocaleTimeString('zh-CN', {
        hour: '2-digit',
        minute: '2-digit',
        timeZone: 'Asia/Shanghai',
      });
    expect(await item.textContent()).toContain(hhmm(shiftStart));
    expect(await item.textContent()).toContain(hhmm(shiftEnd));
    // the map: a cyan marker on the standby point
    await page.locator('body[data-roads]').waitFor();
    await until('post marker drawn', async () => isCyan(await pixelAt(page, where)));
    await page.screenshot({ path: join(SHOTS, 'post-assigned.png') });

    // English
    await page.locator('button[data-action="lang"]').tap();
    await page.locator('#posts h2', { hasText: 'Deployment post' }).waitFor();
    expect(await item.textContent()).toMatch(/On post/);
    await page.locator('button[data-action="lang"]').tap();
    await page.locator('#posts h2', { hasText: '部署岗位' }).waitFor();

    // a reload keeps it. The phone's own read of its posts after the reload is held back until
    // the recall below has reached it: a list read before an event must not undo the event
    let postReads = 0;
    let staleRead!: () => void;
    const staleReadDone = new Promise<void>((r) => (staleRead = r));
    let releaseStale!: () => void;
    const staleReleased = new Promise<void>((r) => (releaseStale = r));
    await page.route('**/api/v1/terminal/posts', async (route) => {
      if (postReads++) return route.continue();
      const stale = await route.fetch();
      staleRead();
      await staleReleased;
      await route.fulfill({ response: stale });
    });
    await page.reload();
    await page.locator('body[data-online="true"]').waitFor();
    await page.locator('#posts li.post', { hasText: name }).waitFor();
    await staleReadDone;

    const posts = async () =>
      (await (
        await fetch(`${base}/api/v1/terminal/posts`, {
          headers: { authorization: `Bearer ${u.token}` },
        })
      ).json()) as { posts: { planId: string }[] };
    expect((await posts()).posts.map((p: { planId: string }) => p.planId)).toEqual([plan.id]);
    expect(
      (await world.commander.post(`/api/v1/deployment-plans/${plan.id}/recall`, {})).status,
    ).toBe(200);
    await until('post cleared', async () => (await page.locator('#posts').count()) === 0);
    // the read sent before the recall (it still lists the post) arrives now: it is read again
    // (the phone reads its messages next, then draws what it read)
    const messagesRead = page.waitForResponse((r) => r.url().includes('/api/v1/messages'));
    releaseStale();
    await messagesRead;
    await sleep(500);
    expect(await page.locator('#posts').count()).toBe(0);
    // with no task and no patrol plan the phone shows no map, and the post is off the store
    expect(await page.locator('#map').count()).toBe(0);
    expect(await posts()).toEqual({ posts: [] });
    await page.screenshot({ path: join(SHOTS, 'post-recalled.png') });
    expect(problems).toEqual([]);
  });
});
