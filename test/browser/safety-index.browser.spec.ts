// 演练 badge and the 平安指数 board in a real browser: a dispatcher's queue shows the exercise
// incident with its badge; a commander opens the board over a known week and the score bars have
// the colours of their bands (checked by pixels of the screenshots). On the patrol grid with the
// sampler running: an admin edits a weight on the board (a bad one refused with its code) and the
// ranking turns in place; a commander starts a scripted exercise on the exercise screen, sees it
// running, its incident answered and scored (rings met, the bar's colour by pixels), and stops it.
// Screenshots go to artifacts/browser/.
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
import { createStack, login, SERVICES_MODE, type Stack } from '../support/harness';
import { createIndexGrid, type IndexGrid } from '../support/index-grid';
import { TestClock } from '../support/test-clock';
import { patrolAt } from '../../libs/routing/src/patrol.fixture';
import {
  ensureConsoleBuilt,
  launchBrowser,
  ROOT,
  SHOTS,
  signIn,
  until,
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

/**
 * 'match' once the element's centre shows the wanted colour (until's error gives the last colour
 * read otherwise). A live console may shift its layout between the element's box being taken and
 * the capture (a queue item arriving above it), so the read is repeated for up to 5 s.
 */
const colourAt = (page: Page, el: Locator, name: string, want: number[]) =>
  until(
    async () => near(await centreColour(page, el, name), want),
    (v) => v === 'match',
    5_000,
  );

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
    expect(await colourAt(page, badge, 'exercise-02-badge', [0x3b, 0x07, 0x64])).toBe('match');
    // the real incidents of the same place carry none
    expect(await page.locator('.queue-item .exercise-badge').count()).toBe(1);
  });

  it('the commander’s 平安指数 board ranks the known week with coloured bars and says which parts have no data', async () => {
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
      await colourAt(
        page,
        rows.nth(0).locator('.si-bar'),
        'safety-index-02-good-bar',
        [0x22, 0xc5, 0x5e],
      ),
    ).toBe('match');
    expect(
      await colourAt(
        page,
        rows.nth(1).locator('.si-bar'),
        'safety-index-03-poor-bar',
        [0xef, 0x44, 0x44],
      ),
    ).toBe('match');
    // sampled parts without samples this week: each district's cell says no data (not a value),
    // and the explanation says its weight goes to the other parts
    for (const r of [0, 1])
      expect(await rows.nth(r).locator('td[data-component="visibility"]').textContent()).toBe(
        '无数据',
      );
    const visibility = page.locator('#si-explain li[data-component="visibility"]');
    expect(await visibility.textContent()).toContain('记为无数据，其权重分给其他项');
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

describe(`safety index weights and the exercise screen (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  const clock = new TestClock(0.001);
  let grid: IndexGrid;
  let pc: BrowserSession;
  let seat: Watched;

  type Row = {
    districtId: string;
    rank: number | null;
    parts: { component: string; raw: number | null; samples?: number }[];
  };
  const indexRows = async () =>
    (await grid.commander.get(`/api/v1/safety-index?week=${grid.week}`)).body.districts as Row[];
  const firstRowDistrict = (page: Page) =>
    page.locator('#si-table tbody tr').first().getAttribute('data-district-id');

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ensureConsoleBuilt();
    grid = await createIndexGrid(clock);
    // the sampler (every second) has the drive and the perimeter in: west first (see index-grid)
    await until(
      indexRows,
      (rows) => {
        const west = rows.find((r) => r.districtId === grid.ids.west);
        const p = (c: string) => west?.parts.find((x) => x.component === c);
        return p('visibility')?.raw === 14.3 && Boolean(p('perimeterReadiness')?.samples);
      },
      60_000,
    );
    pc = await launchBrowser();
    seat = await watch(pc, 'seat');
  }, 300_000);

  afterAll(async () => {
    await pc?.close();
    await grid?.close();
  });

  it('an admin edits a weight on the board: a bad one is refused with its code, a good one turns the ranking in place', async () => {
    const page = seat.page;
    // an admin who also commands: the commander seat's perimeter panel reads readiness, a route
    // open to dispatchers and commanders only (a pure admin there gets 403s from that panel)
    await grid.admin.post('/api/v1/users', {
      username: 'chief',
      password: 'chief-password',
      roles: ['admin', 'commander'],
    });
    await signIn(page, grid.base, 'chief', 'chief-password');
    await page.locator('[data-seat="commander"]').click();
    await page.locator('#open-safety-index').click();
    await page.locator('#safety-index[data-ready="1"]').waitFor();
    await page.locator('#si-week').fill(grid.week);
    await page.locator('#si-week').dispatchEvent('change');
    await until(
      () => firstRowDistrict(page),
      (id) => id === grid.ids.west,
    );
    // the week's board is the last one drawn (no load still under way to replace the form)
    await page.locator('#safety-index[data-ready="1"]:not([data-loading])').waitFor();
    // the west leads on readiness; the east has none (no data, shown so)
    const east = page.locator(`#si-table tr[data-district-id="${grid.ids.east}"]`);
    expect(await east.locator('td[data-component="perimeterReadiness"]').textContent()).toBe(
      '无数据',
    );
    expect(await east.locator('.si-score-num').textContent()).toBe('17.6');
    await page.screenshot({ path: join(SHOTS, 'safety-index-05-weights-before.png') });
    // marks this page: a full reload would lose it
    await page.evaluate(() => ((globalThis as any).__sameBoard = 1));

    const readiness = page.locator('#si-w-perimeterReadiness');
    await readiness.fill('150');
    await page.locator('#si-weights-save').click();
    const error = page.locator('#si-weights-error');
    expect(await error.getAttribute('data-code')).toBe('WEIGHT_OUT_OF_RANGE');
    expect(await error.textContent()).toContain('权重须在 0 到 100 之间');
    expect(await readiness.getAttribute('aria-invalid')).toBe('true');
    // refused in the form: nothing was sent
    expect(
      (await grid.commander.get(`/api/v1/safety-index?week=${grid.week}`)).body.weightsUpdatedAt,
    ).toBeNull();

    await readiness.fill('0');
    await page.locator('#si-weights-save').click();
    await until(
      () => firstRowDistrict(page),
      (id) => id === grid.ids.east,
    );
    const rows = page.locator('#si-table tbody tr');
    expect(await rows.nth(0).locator('.si-score-num').textContent()).toBe('17.6');
    expect(await rows.nth(1).locator('.si-score-num').textContent()).toBe('14.3');
    expect(await rows.nth(1).getAttribute('data-district-id')).toBe(grid.ids.west);
    expect(await page.evaluate(() => (globalThis as any).__sameBoard)).toBe(1);
    expect(await page.locator('#si-weights-error').textContent()).toBe('');
    expect(
      await page.locator('#si-explain li[data-component="perimeterReadiness"]').textContent(),
    ).toContain('权重 0');
    await page.screenshot({ path: join(SHOTS, 'safety-index-06-weights-after.png') });
    expect(seat.problems).toEqual([]);
  });

  it('a commander starts a scripted exercise, sees it running and scored, and stops it', async () => {
    const page = seat.page;
    await page.evaluate(() => {
      const g = globalThis as any;
      g.localStorage.clear();
      g.sessionStorage.clear();
    });
    await grid.admin.post('/api/v1/users', {
      username: 'dispatcher',
      password: 'dispatcher-password',
      roles: ['dispatcher'],
    });
    const dispatcher = await login(grid.base, 'dispatcher', 'dispatcher-password');
    await signIn(page, grid.base, 'commander', 'commander-password');
    await page.locator('#open-exercises').click();
    await page.locator('#exercises[data-ready="1"]').waitFor();
    expect(await page.locator('#ex-none').isVisible()).toBe(true);

    await page.locator('#ex-name').fill('西区夜间演练');
    await page.locator('#ex-mode-scripted').check();
    await page.locator('#ex-window').fill('10');
    // an empty script is refused in the form, with its code
    await page.locator('#ex-start').click();
    expect(await page.locator('#ex-error').getAttribute('data-code')).toBe('EX_SCRIPT_EMPTY');
    // one incident now, one at minute 5 (keeps the exercise running)
    const p = patrolAt(0, 0);
    await page
      .locator('#ex-script')
      .fill(`0,${p.lon},${p.lat},criminal,2\n5,${p.lon},${p.lat},dispute,2`);
    await page.locator('#ex-start').click();
    const item = page.locator('.ex-item').first();
    await item.locator('.ex-progress', { hasText: '已生成 1/2' }).waitFor();
    expect(await item.getAttribute('data-status')).toBe('running');
    expect(await item.locator('.ex-status').textContent()).toBe('进行中');
    const exerciseId = (await item.getAttribute('data-exercise-id')) as string;

    // the filed incident is answered: the car on scene in 100 s (the 3-minute tier met)
    const filed = (await dispatcher.get('/api/v1/incidents?status=open')).body as {
      id: string;
      exercise: boolean;
      description: string;
    }[];
    const inc = filed.find((i) => i.description === '演练 西区夜间演练 #1')!;
    expect(inc.exercise).toBe(true);
    const asg = await dispatcher.post(`/api/v1/incidents/${inc.id}/assignments`, {
      unitIds: [grid.unitId],
    });
    expect(asg.status).toBe(201);
    const aid = asg.body.assignments[0].id as string;
    for (const type of ['ack', 'depart'])
      expect((await dispatcher.post(`/api/v1/assignments/${aid}/events`, { type })).status).toBe(
        200,
      );
    clock.advance(100_000);
    expect(
      (await dispatcher.post(`/api/v1/assignments/${aid}/events`, { type: 'arrive' })).status,
    ).toBe(200);

    const score = item.locator(`.ex-score tr[data-district-id="${grid.ids.west}"]`);
    await score.locator('.ex-ring-met', { hasText: '1/1 · 100%' }).waitFor();
    expect(await score.locator('td').first().textContent()).toBe('西区');
    await page.screenshot({ path: join(SHOTS, 'exercise-03-scored.png') });
    // the rings-met bar in the good band's green, by its pixels
    expect(
      await colourAt(
        page,
        score.locator('.ex-ring-bar'),
        'exercise-04-ring-bar',
        [0x22, 0xc5, 0x5e],
      ),
    ).toBe('match');

    await item.locator('.ex-stop').click();
    await page
      .locator(`.ex-item[data-exercise-id="${exerciseId}"][data-status="stopped"]`)
      .waitFor();
    expect(await page.locator(`.ex-item[data-exercise-id="${exerciseId}"] .ex-stop`).count()).toBe(
      0,
    );
    const read = await grid.commander.get(`/api/v1/exercises/${exerciseId}`);
    expect(read.body).toMatchObject({ status: 'stopped', filed: 1, planned: 2 });
    await page.screenshot({ path: join(SHOTS, 'exercise-05-stopped.png') });
    expect(seat.problems).toEqual([]);
  });
});
