// 演练 badge and the 平安指数 board in a real browser: a dispatcher's queue shows the exercise
// incident with its badge; a commander opens the board over a known week and the score bars have
// the colours of their bands (checked by pixels of the screenshots). Screenshots go to
// artifacts/browser/.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import {
  buildWorld,
  INCIDENT_POINT,
  INNER_DISTRICT_BOUNDARY as B_BOUNDARY,
  INNER_DISTRICT_POINT as B_POINT,
  type World,
} from '../support/fixtures';
import { createStack, SERVICES_MODE, type Stack } from '../support/harness';
import { TestClock } from '../support/test-clock';
import {
  ensureConsoleBuilt,
  launchBrowser,
  ROOT,
  SHOTS,
  signIn,
  watch,
  type BrowserSession,
  type Watched,
} from './console-browser';

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(ROOT, '../shared/data');
jest.setTimeout(180_000);

/** The colour at the centre of an element, read from its screenshot (decoded by the browser). */
async function centreColour(page: Page, el: Locator, name: string): Promise<number[]> {
  const png = await el.screenshot({ path: join(SHOTS, `${name}.png`) });
  return page.evaluate(async (b64) => {
    const g = globalThis as any;
    const img = new g.Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = g.document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(Math.floor(img.width / 2), Math.floor(img.height / 2), 1, 1).data;
    return [d[0], d[1], d[2]];
  }, png.toString('base64'));
}

const near = (got: number[], want: number[]) =>
  got.every((v, i) => Math.abs(v - want[i]) <= 12) ? 'match' : `${got.join(',')}`;

describe(`exercise badge and safety index board (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  const clock = new TestClock(0.001);
  let stack: Stack;
  let world: World;
  let base: string;
  let pc: BrowserSession;
  let seat: Watched;
  let exerciseId = '';

  async function respond(at: { lon: number; lat: number }, unit: number, arriveAfterSec: number) {
    const inc = await world.calltaker.post('/api/v1/incidents', {
      location: at,
      category: 'dispute',
      priority: 2,
    });
    const aid = (
      await world.dispatcher.post(`/api/v1/incidents/${inc.body.incident.id}/assignments`, {
        unitIds: [world.units[unit].id],
      })
    ).body.assignments[0].id as string;
    for (const type of ['ack', 'depart'])
      await world.dispatcher.post(`/api/v1/assignments/${aid}/events`, { type });
    clock.advance(arriveAfterSec * 1000);
    for (const type of ['arrive', 'clear'])
      await world.dispatcher.post(`/api/v1/assignments/${aid}/events`, { type });
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ensureConsoleBuilt();
    stack = await createStack(
      {
        ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
        COVERAGE_PUSH_SEC: '0',
        INDEX_SAMPLE_SEC: '0',
        POSITION_STALE_SEC: '3600',
      },
      { clock },
    );
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 5);
    await world.admin.post('/api/v1/jurisdictions', {
      name: '青羊区',
      kind: 'district',
      boundary: B_BOUNDARY,
    });
    // known week: 锦江区 a car in 250 s (no tier; index 30.1, red); 青羊区 on foot in 50 s (97.7, green)
    await respond(INCIDENT_POINT, 0, 250);
    await respond(B_POINT, 3, 50);
    const ex = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'dispute',
      priority: 2,
      exercise: true,
    });
    exerciseId = ex.body.incident.id;
    pc = await launchBrowser();
    seat = await watch(pc, 'seat');
  });

  afterAll(async () => {
    await pc?.close();
    await stack?.close();
  });

  it('the dispatcher’s queue shows the exercise incident with its 演练 badge', async () => {
    const page = seat.page;
    await signIn(page, base, 'dispatcher', 'dispatcher-password');
    const item = page.locator(`.queue-item[data-incident-id="${exerciseId}"]`);
    await item.waitFor();
    const badge = item.locator('.exercise-badge');
    expect(await badge.textContent()).toBe('演练');
    await page.screenshot({ path: join(SHOTS, 'exercise-01-queue.png') });
    // the badge's purple, not the queue's background
    expect(near(await centreColour(page, badge, 'exercise-02-badge'), [0x3b, 0x07, 0x64])).toBe(
      'match',
    );
    // the real incidents of the same place carry none
    expect(await page.locator('.queue-item .exercise-badge').count()).toBe(1);
  });

  it('the commander’s 平安指数 board ranks the known week with coloured bars and says what is not available', async () => {
    const page = seat.page;
    await page.evaluate(() => {
      const g = globalThis as any;
      g.localStorage.clear();
      g.sessionStorage.clear();
    });
    await signIn(page, base, 'commander', 'commander-password');
    await page.locator('#open-safety-index').click();
    await page.locator('#safety-index[data-ready="1"]').waitFor();
    const rows = page.locator('#si-table tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).locator('td').nth(1).textContent()).toBe('青羊区');
    expect(await rows.nth(0).locator('.si-score-num').textContent()).toBe('97.7');
    expect(await rows.nth(1).locator('.si-score-num').textContent()).toBe('30.1');
    await page.screenshot({ path: join(SHOTS, 'safety-index-01-board.png') });
    // bars by pixels: green for 97.7, red for 30.1
    expect(
      near(
        await centreColour(page, rows.nth(0).locator('.si-bar'), 'safety-index-02-good-bar'),
        [0x22, 0xc5, 0x5e],
      ),
    ).toBe('match');
    expect(
      near(
        await centreColour(page, rows.nth(1).locator('.si-bar'), 'safety-index-03-poor-bar'),
        [0xef, 0x44, 0x44],
      ),
    ).toBe('match');
    // parts not measured are said to be so, with weight 0
    const visibility = page.locator('#si-explain li[data-component="visibility"]');
    expect(await visibility.textContent()).toContain('暂不可用');
    expect(await visibility.textContent()).toContain('权重 0');
    // printable: under print media only the board shows, on white
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.topbar').isVisible()).toBe(false);
    expect(await page.locator('#si-print').isVisible()).toBe(false);
    const bg = await page.evaluate(
      () =>
        (globalThis as any).getComputedStyle(
          (globalThis as any).document.getElementById('safety-index'),
        ).backgroundColor,
    );
    expect(bg).toBe('rgb(255, 255, 255)');
    await page.screenshot({ path: join(SHOTS, 'safety-index-04-print.png'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    expect(seat.problems).toEqual([]);
  });
});
