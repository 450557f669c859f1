// 环城封控圈 in a real browser: on the sealing cross (answers worked out on paper in libs/routing's
// sealing fixture) the commander's perimeter panel shows the ring's tiers with their coverable
// share, the checkpoints drawn on the map green (coverable within the chosen tier) or red, kept
// live by the push as a unit drives away, and the one-action activation (count confirmed) and
// recall. Checked on the screen by counting the checkpoints of each colour in the map's pixels;
// screenshots go to artifacts/browser/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
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
  createStack,
  login,
  SERVICES_MODE,
  type Stack,
} from '../support/harness';
import { TestClock } from '../support/test-clock';
import { placeCheckpointsAndUnits, reportPosition, toNextNoon } from '../support/perimeter-world';
import {
  ensureConsoleBuilt,
  launchBrowser,
  mapErrors,
  SHOTS,
  shot,
  signIn,
  until,
  waitForMapIdle,
  waitText,
  watch,
  type BrowserSession,
  type Watched,
} from './console-browser';

jest.setTimeout(180_000);

const GREEN = [0x22, 0xc5, 0x5e];
const RED = [0xef, 0x44, 0x44];
const RING = ['E1', 'N1', 'W1', 'S1'] as const;

/**
 * The colour each checkpoint is drawn in on the map: the pixels around its centre (its circle is
 * 8 px), classified as green, red or neither; counted per colour.
 */
async function checkpointColours(page: Page, points: [number, number][]) {
  const colours = await page.evaluate(
    ({ pts, palette }) => {
      const g = globalThis as any;
      const map = g.__ringcad.map;
      const src = map.getCanvas();
      const copy = g.document.createElement('canvas');
      copy.width = src.width;
      copy.height = src.height;
      const ctx = copy.getContext('2d');
      ctx.drawImage(src, 0, 0);
      const scale = src.width / src.clientWidth;
      return pts.map((p: [number, number]) => {
        const px = map.project(p);
        const x = Math.round(px.x * scale);
        const y = Math.round(px.y * scale);
        if (x < 4 || y < 4 || x >= copy.width - 4 || y >= copy.height - 4) return 'off';
        const { data } = ctx.getImageData(x - 3, y - 3, 7, 7);
        const votes: Record<string, number> = {};
        for (let i = 0; i < data.length; i += 4)
          for (const [name, c] of Object.entries<number[]>(palette))
            if (
              Math.abs(data[i] - c[0]) +
                Math.abs(data[i + 1] - c[1]) +
                Math.abs(data[i + 2] - c[2]) <
              60
            )
              votes[name] = (votes[name] ?? 0) + 1;
        const best = Object.entries(votes).sort((a, b) => b[1] - a[1])[0];
        return best && best[1] >= 25 ? best[0] : 'other';
      });
    },
    { pts: points, palette: { green: GREEN, red: RED } },
  );
  return {
    byCheckpoint: Object.fromEntries(RING.map((n, i) => [n, colours[i]])),
    green: colours.filter((c) => c === 'green').length,
    red: colours.filter((c) => c === 'red').length,
  };
}

describe(`the commander's perimeter readiness panel in a real browser (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  const clock = new TestClock();
  let stack: Stack;
  let dir: string;
  let base: string;
  let admin: ReturnType<typeof client>;
  let pc: BrowserSession;
  let commander: Watched;
  let dispatcher: Watched;
  let perimeterId = '';
  const unit: Record<string, { id: string; token: string }> = {};
  const ringPoints = RING.map((n): [number, number] => [
    SEALING_CHECKPOINTS[n].lon,
    SEALING_CHECKPOINTS[n].lat,
  ]);
  const moveUnit = (name: string, p: { lon: number; lat: number }) =>
    reportPosition(base, clock, unit[name], p);
  const colours = async () => {
    await waitForMapIdle(commander.page);
    return checkpointColours(commander.page, ringPoints);
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ensureConsoleBuilt();
    // noon in Chengdu, off-peak: the ETAs of the fixture (metres ÷ 12.5 m/s)
    toNextNoon(clock);
    dir = mkdtempSync(join(tmpdir(), 'ringcad-perimeter-browser-'));
    const roads = join(dir, 'cross.geojson');
    writeFileSync(roads, JSON.stringify(sealingCross()));
    stack = await createStack(
      {
        ROAD_NETWORK: roads,
        COVERAGE_PUSH_SEC: '0',
        PERIMETER_PUSH_SEC: '1',
        POSITION_STALE_SEC: '3600',
        // the test moves a unit 8 km at once
        MAX_PLAUSIBLE_SPEED_KMH: '100000',
      },
      { clock },
    );
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    for (const role of ['calltaker', 'commander', 'dispatcher']) {
      expect(
        (
          await admin.post('/api/v1/users', {
            username: role,
            password: `${role}-password`,
            roles: [role],
          })
        ).status,
      ).toBe(201);
    }
    const placed = await placeCheckpointsAndUnits(
      base,
      admin,
      clock,
      Object.fromEntries(RING.map((n) => [n, SEALING_CHECKPOINTS[n]])),
      Object.entries(SEALING_UNITS).map(([name, p]) => [name, 'patrol_car', p]),
    );
    const cp = placed.cp;
    Object.assign(unit, placed.unit);
    const created = await admin.post('/api/v1/perimeters', {
      name: '环城封控圈',
      checkpointIds: RING.map((n) => cp[n]),
      tiersSec: [300, 1200],
      targetPct: [50, 75],
    });
    expect(created.status).toBe(201);
    perimeterId = created.body.id;
    const calltaker = await login(base, 'calltaker', 'calltaker-password');
    expect(
      (
        await calltaker.post('/api/v1/incidents', {
          location: SEALING_ORIGIN,
          category: 'criminal',
          priority: 1,
          address: '四条大道交汇处',
        })
      ).status,
    ).toBe(201);
    pc = await launchBrowser();
    commander = await watch(pc, 'commander');
    await signIn(commander.page, base, 'commander', 'commander-password');
    dispatcher = await watch(pc, 'dispatcher');
    await signIn(dispatcher.page, base, 'dispatcher', 'dispatcher-password');
  }, 360_000);

  afterAll(async () => {
    await pc?.close();
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the tiers’ coverable share and the checkpoints coloured on the map', async () => {
    const page = commander.page;
    await waitText(page, '#perimeter-panel', '环城封控圈', 20_000);
    await waitText(page, '#perimeter-panel tr[data-tier-sec="300"] .coverable-pct', '50%');
    await waitText(page, '#perimeter-panel tr[data-tier-sec="1200"] .coverable-pct', '75%');
    // 5 minutes: E1 (U1, 1:20) and W1 (U3, 2:40) green; N1 (U4, 5:08) and S1 (nobody) red
    const five = await until(colours, (c) => c.green + c.red === 4, 20_000);
    expect(five.byCheckpoint).toEqual({ E1: 'green', N1: 'red', W1: 'green', S1: 'red' });
    await shot(page, 'perimeter-readiness-5min');
    expect(await page.locator('.perimeter-checkpoints li.coverable').count()).toBe(2);
    await waitText(page, '.perimeter-checkpoints li[data-checkpoint-id]', 'U1 · 1:20');
    // 20 minutes: N1 too
    await page.locator('#perimeter-panel tr[data-tier-sec="1200"] button').click();
    const twenty = await until(colours, (c) => c.green === 3 && c.red === 1, 20_000);
    expect(twenty.byCheckpoint).toEqual({ E1: 'green', N1: 'green', W1: 'green', S1: 'red' });
    await shot(page, 'perimeter-readiness-20min');
    expect(await mapErrors(page)).toEqual([]);
  });

  it('updates live from the push as a unit drives away, on the dispatcher’s seat too', async () => {
    const page = commander.page;
    await page.locator('#perimeter-panel tr[data-tier-sec="300"] button').click();
    // the dispatcher's seat: the same panel, its checkpoints on the dispatcher's map
    const desk = dispatcher.page;
    await waitText(desk, '#perimeter-panel', '环城封控圈', 20_000);
    await waitText(desk, '#perimeter-panel tr[data-tier-sec="300"] .coverable-pct', '50%');
    const deskColours = async () => {
      await waitForMapIdle(desk);
      return checkpointColours(desk, ringPoints);
    };
    const deskBefore = await until(deskColours, (c) => c.green + c.red === 4, 20_000);
    expect(deskBefore.byCheckpoint).toEqual({ E1: 'green', N1: 'red', W1: 'green', S1: 'red' });
    // dispatchers may activate (the api's rule): the action is there
    expect(await desk.locator('#perimeter-activate').count()).toBe(1);
    await shot(desk, 'perimeter-readiness-dispatcher');
    // U3 8 km west of W1 (10:40): within 20 minutes still, no longer within 5
    await moveUnit('U3', sealingAt(-20000, 0));
    await waitText(page, '#perimeter-panel tr[data-tier-sec="300"] .coverable-pct', '25%', 20_000);
    // pushed to the dispatcher as well, with no reload
    await waitText(desk, '#perimeter-panel tr[data-tier-sec="300"] .coverable-pct', '25%', 20_000);
    const deskAfter = await until(deskColours, (c) => c.green === 1 && c.red === 3, 20_000);
    expect(deskAfter.byCheckpoint).toEqual({ E1: 'green', N1: 'red', W1: 'red', S1: 'red' });
    await shot(desk, 'perimeter-readiness-dispatcher-after-move');
    expect(dispatcher.problems).toEqual([]);
    const after = await until(colours, (c) => c.green === 1 && c.red === 3, 20_000);
    expect(after.byCheckpoint).toEqual({ E1: 'green', N1: 'red', W1: 'red', S1: 'red' });
    expect(await page.locator('#perimeter-panel tr.below[data-tier-sec="300"]').count()).toBe(1);
    await page.evaluate(() =>
      (globalThis as any).document
        .querySelector('#perimeter-panel')
        ?.scrollIntoView({ block: 'start' }),
    );
    await shot(page, 'perimeter-readiness-after-move');
  });

  it('activates with the count confirmed and recalls', async () => {
    const page = commander.page;
    await page.locator('#perimeter-activate').click();
    const dialog = page.locator('#perimeter-confirm');
    await dialog.waitFor();
    await waitText(page, '#perimeter-confirm', '派 3 支警力');
    await shot(page, 'perimeter-activate-confirm');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    const units = async () =>
      ((await admin.get('/api/v1/units')).body as { id: string; status: string }[]).filter((u) =>
        ['U1', 'U3', 'U4'].some((n) => unit[n].id === u.id),
      );
    await until(units, (us) => us.every((u) => u.status === 'assigned'));
    await page.locator('#perimeter-recall').click();
    const recall = page.locator('#perimeter-recall-confirm');
    await recall.waitFor();
    await page.keyboard.press('Enter');
    await recall.waitFor({ state: 'detached' });
    await until(units, (us) => us.every((u) => u.status === 'available'));
    expect(await page.locator('#perimeter-recall').count()).toBe(0);
    expect(commander.problems).toEqual([]);
    expect(commander.external).toEqual([]);
    expect(perimeterId).not.toBe('');
  });
});
