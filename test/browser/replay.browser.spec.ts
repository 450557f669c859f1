// Replay and reports in a real browser: a commander opens the replay of an incident that was
// worked through the public API (a unit drove to it reporting positions), moves the time slider
// and sees the unit on the map; opens an area replay; opens the reports page and its uPlot charts
// draw. Screenshots go to artifacts/browser/.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { DatabaseService } from '@ringcad/core';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import {
  connectSocket,
  createStack,
  emitWithAck,
  SERVICES_MODE,
  sleep,
  type Stack,
} from '../support/harness';
import {
  ensureConsoleBuilt,
  launchBrowser,
  ROOT,
  waitForMapIdle,
  type BrowserSession,
} from './console-browser';

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(ROOT, '../shared/data');
const SHOTS = join(ROOT, 'artifacts', 'browser');
/** Routes the console probes that may 404 until other issues ship them. */

jest.setTimeout(180_000);

/** Pixels of a canvas close to an RGB colour. */
async function colourPixels(
  page: Page,
  selector: string,
  rgb: [number, number, number],
): Promise<number> {
  return page.evaluate(
    ({ sel, c }) => {
      const canvas = (globalThis as any).document.querySelector(sel);
      if (!canvas) return -1;
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (
          data[i + 3] > 0 &&
          Math.abs(data[i] - c[0]) + Math.abs(data[i + 1] - c[1]) + Math.abs(data[i + 2] - c[2]) <
            60
        )
          n++;
      }
      return n;
    },
    { sel: selector, c: rgb },
  );
}

describe(`replay and reports in a real browser (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;
  let pc: BrowserSession;
  let page: Page;
  const problems: string[] = [];
  let incidentId = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ensureConsoleBuilt();
    stack = await createStack({
      ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
      MAX_PLAUSIBLE_SPEED_KMH: '5000',
    });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 3);

    // an incident worked end to end, the unit driving south to it
    const u = world.units[0];
    const terminal = await connectSocket(base, '/terminal', u.token);
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'criminal',
      priority: 2,
      address: '天府广场',
    });
    incidentId = created.body.incident.id;
    const assigned = await world.dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, {
      unitIds: [u.id],
    });
    const assignmentId = assigned.body.assignments[0].id;
    await terminal.waitFor((e) => e.event === 'task.assigned');
    for (const type of ['ack', 'depart'])
      await emitWithAck(terminal.socket, 'task.event', { assignmentId, type });
    for (let k = 1; k <= 10; k++) {
      const lat = u.lat + ((INCIDENT_POINT.lat - u.lat) * k) / 10;
      await emitWithAck(terminal.socket, 'position', {
        lon: u.lon,
        lat,
        at: new Date().toISOString(),
      });
      // the replay slider steps by whole seconds: a drive of several seconds spans several steps
      await sleep(600);
    }
    for (const type of ['arrive', 'clear'])
      await emitWithAck(terminal.socket, 'task.event', { assignmentId, type });
    terminal.close();
    const end = Date.now() + 20_000;
    while (Date.now() < end) {
      const tl = await world.commander.get(`/api/v1/incidents/${incidentId}/timeline`);
      if (tl.body.tracks[0]?.points.length >= 10) break;
      await sleep(200);
    }

    // a week of history for the trend (test setup: rows with known times)
    const db = stack.api().app.get(DatabaseService).db;
    for (let d = 1; d <= 6; d++) {
      for (let k = 0; k < 4; k++) {
        const createdAt = new Date(Date.now() - d * 86_400_000 - k * 3600_000);
        const row = await sql<{ id: string }>`
          INSERT INTO incidents (number, status, category, priority, scheme_id, location, district_id, received_at, created_at, version)
          VALUES (${`H-${d}-${k}`}, 'closed', 'traffic', 2, '1-3-8', ST_SetSRID(ST_MakePoint(${INCIDENT_POINT.lon}, ${INCIDENT_POINT.lat}), 4326),
            ${world.districtId}, ${createdAt}, ${createdAt}, 1) RETURNING id`.execute(db);
        const t = (s: number) => new Date(createdAt.getTime() + s * 1000);
        await sql`
          INSERT INTO assignments (incident_id, unit_id, role, status, assigned_at, acked_at, departed_at, arrived_at, cleared_at)
          VALUES (${row.rows[0].id}, ${world.units[1 + (k % 2)].id}, 'primary', 'cleared', ${t(30 + d * 10)}, ${t(45 + d * 12)},
            ${t(60 + d * 12)}, ${t(200 + d * 40 + k * 30)}, ${t(1200)})`.execute(db);
      }
    }

    pc = await launchBrowser();
    page = await pc.context.newPage();
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      problems.push(`console: ${msg.text()} ${msg.location()?.url ?? ''}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('response', (res) => {
      // every route must answer: no failure is tolerated, whatever the route
      if (res.status() >= 400) problems.push(`HTTP ${res.status()} ${res.url()}`);
    });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (
        /^https?:\/\/127\.0\.0\.1[:/]/.test(url) ||
        url.startsWith('data:') ||
        url.startsWith('blob:')
      )
        return route.continue();
      problems.push(`external request: ${url}`);
      return route.abort();
    });
    await page.goto(`${base}/?preserveDrawingBuffer#commander`);
    await page.locator('#login-username').waitFor();
    await page.keyboard.type('commander');
    await page.keyboard.press('Tab');
    await page.keyboard.type('commander-password');
    await page.keyboard.press('Enter');
    await page.locator('.topbar').waitFor();
    await waitForMapIdle(page);
  });

  afterAll(async () => {
    await pc?.close();
    await stack?.close();
  });

  it('replays an incident: stages, the unit moving with the slider, the rings at dispatch', async () => {
    await page.locator(`#replay-recent .replay-open[data-incident="${incidentId}"]`).click();
    await page.locator('#replay-slider').waitFor();
    await page.locator('#replay-stages li[data-stage="arrive"].done').waitFor();
    expect(await page.locator('#replay-eta tbody tr').count()).toBe(1);
    expect(await page.locator('#replay-rings-note').textContent()).toMatch(/处置圈|Rings/);
    const max = Number(await page.locator('#replay-slider').getAttribute('max'));
    const unitAt = async (fraction: number) => {
      await page.evaluate(
        (v) => {
          const s = (globalThis as any).document.getElementById('replay-slider');
          s.value = String(v);
          s.dispatchEvent(new Event('input'));
        },
        Math.round(max * fraction),
      );
      await waitForMapIdle(page);
      return page.evaluate(() => {
        const f = (globalThis as any).__ringcad.map.querySourceFeatures('replay-units');
        return f.length ? (f[0].geometry.coordinates as number[]) : null;
      });
    };
    // driving south: along the slider the unit never goes north and does move south (sampled
    // across the whole window, as how much of it the drive fills depends on the machine's pace)
    const lats: number[] = [];
    for (const f of [0.05, 0.25, 0.45, 0.65, 0.85, 1]) {
      const at = await unitAt(f);
      if (at) lats.push(at[1]);
    }
    expect(lats.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < lats.length; i++) expect(lats[i]).toBeLessThanOrEqual(lats[i - 1]);
    expect(lats[lats.length - 1]).toBeLessThan(lats[0]);
    expect(
      await page.evaluate(
        () => (globalThis as any).__ringcad.map.querySourceFeatures('replay-rings').length,
      ),
    ).toBeGreaterThan(0);
    await page.locator('#replay-speed').selectOption('60');
    await page.screenshot({ path: join(SHOTS, 'replay-incident.png') });
    await page.locator('#replay-close').click();
    expect(problems).toEqual([]);
  });

  it('replays an area of the district', async () => {
    await page.locator('#open-area-replay').click();
    await page.locator('#area-load').click();
    await page.locator('#area-summary').waitFor();
    // the default window is the last hour: the incident and the unit's drive are in it
    expect(await page.locator('#area-summary').textContent()).toMatch(
      /(轨迹点|points) ?[1-9]|[1-9]\d* points/,
    );
    await page.evaluate(() => {
      const s = (globalThis as any).document.getElementById('replay-slider');
      s.value = s.max;
      s.dispatchEvent(new Event('input'));
    });
    await waitForMapIdle(page);
    expect(
      await page.evaluate(
        () => (globalThis as any).__ringcad.map.querySourceFeatures('replay-units').length,
      ),
    ).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'replay-area.png') });
    await page.locator('#replay-close').click();
    expect(problems).toEqual([]);
  });

  it('opens the reports page and its charts draw', async () => {
    await page.locator('#open-reports').click();
    await page.locator('#reports[data-ready="1"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#reports-groups tbody tr').count()).toBeGreaterThan(0);
    // the arrive series colour (#c084fc) is on both canvases: the data was drawn, not just axes
    expect(await colourPixels(page, '#chart-trend canvas', [0xc0, 0x84, 0xfc])).toBeGreaterThan(20);
    expect(await colourPixels(page, '#chart-groups canvas', [0xc0, 0x84, 0xfc])).toBeGreaterThan(
      20,
    );
    await page.locator('#reports-group').selectOption('hour');
    await page.evaluate(
      () => delete (globalThis as any).document.getElementById('reports').dataset.ready,
    );
    await page.locator('#reports-run').click();
    await page.locator('#reports[data-ready="1"]').waitFor();
    await page.screenshot({ path: join(SHOTS, 'reports.png') });
    expect(problems).toEqual([]);
  });
});
