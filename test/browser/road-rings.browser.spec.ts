// The dispatcher's map on real roads: opening an incident fits its two innermost rings into the
// view; an incident no road reaches gets dashed straight-line rings and candidates labelled
// 直线估算. Headless Chromium against an api on the Chengdu extract; screenshots in artifacts/browser/.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { createStack, SERVICES_MODE, type Stack } from '../support/harness';
import {
  ensureConsoleBuilt,
  launchBrowser,
  mapErrors,
  ROOT,
  SHOTS,
  shot,
  signIn,
  sourceFeatureCount,
  until,
  waitForMapIdle,
  type BrowserSession,
} from './console-browser';

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(ROOT, '../shared/data');
// 3 km west of the extract: inside the service area, but no road within reach
const NO_ROAD = { lon: 103.99, lat: 30.69 };
jest.setTimeout(300_000);

(SERVICES_MODE ? describe.skip : describe)('rings on the dispatcher map (embedded mode)', () => {
  let stack: Stack;
  let world: World;
  let base: string;
  let pc: BrowserSession;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ensureConsoleBuilt();
    stack = await createStack({
      ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
      COVERAGE_PUSH_SEC: '0',
      POSITION_STALE_SEC: '3600',
    });
    base = (await stack.startApi()).url;
    world = await buildWorld(base, 5);
    pc = await launchBrowser();
  });
  afterAll(async () => {
    await pc?.close();
    await stack?.close();
  });

  async function open(page: import('playwright-core').Page, id: string) {
    await page.locator(`.queue-item[data-incident-id="${id}"]`).click();
    await page.locator('#incident-detail .candidate').first().waitFor({ timeout: 30_000 });
    await until(
      () => sourceFeatureCount(page, 'isochrones'),
      (n) => n > 0,
      30_000,
    );
    await page.waitForTimeout(800); // the fit's 500 ms animation
    await waitForMapIdle(page, 30_000);
  }

  it('fits the two innermost rings of an opened incident into the view', async () => {
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'criminal',
      priority: 2,
    });
    expect(created.status).toBe(201);
    const page = await pc.context.newPage();
    await signIn(page, base, 'dispatcher', 'dispatcher-password');
    await waitForMapIdle(page, 60_000);
    await open(page, created.body.incident.id);
    const rings = await world.dispatcher.get(
      `/api/v1/isochrones?lon=${INCIDENT_POINT.lon}&lat=${INCIDENT_POINT.lat}&minutes=1,3,8&direction=to`,
    );
    const box = [Infinity, Infinity, -Infinity, -Infinity];
    const visit = (c: unknown): void => {
      if (Array.isArray(c) && typeof c[0] === 'number') {
        box[0] = Math.min(box[0], c[0]);
        box[1] = Math.min(box[1], c[1] as number);
        box[2] = Math.max(box[2], c[0]);
        box[3] = Math.max(box[3], c[1] as number);
      } else if (Array.isArray(c)) c.forEach(visit);
    };
    for (const f of rings.body.features.slice(0, 2)) visit(f.geometry.coordinates);
    const view = await page.evaluate(() => {
      const b = (globalThis as any).__ringcad.map.getBounds();
      return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    });
    // the 3-minute ring whole in the view, and not lost in it: it spans at least a third of it
    expect(view[0]).toBeLessThanOrEqual(box[0]);
    expect(view[1]).toBeLessThanOrEqual(box[1]);
    expect(view[2]).toBeGreaterThanOrEqual(box[2]);
    expect(view[3]).toBeGreaterThanOrEqual(box[3]);
    expect(
      Math.max((box[2] - box[0]) / (view[2] - view[0]), (box[3] - box[1]) / (view[3] - view[1])),
    ).toBeGreaterThan(0.33);
    await shot(page, 'roads-01-rings-fitted');
    expect(await mapErrors(page)).toEqual([]);
    await page.close();
  });

  it('labels the straight-line fallback in the list and dashes it on the map', async () => {
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: NO_ROAD,
      category: 'criminal',
      priority: 2,
    });
    expect(created.status).toBe(201);
    expect(created.body.recommendation.candidates[0].method).toBe('straight');
    const page = await pc.context.newPage();
    await signIn(page, base, 'dispatcher', 'dispatcher-password');
    await waitForMapIdle(page, 60_000);
    await open(page, created.body.incident.id);
    const label = page.locator('#incident-detail .candidate .flag.straight').first();
    expect(await label.textContent()).toBe('直线估算');
    const drawn = await until(
      () =>
        page.evaluate(() => {
          const map = (globalThis as any).__ringcad.map;
          return {
            dashed: map.queryRenderedFeatures({ layers: ['isochrones-line-straight'] }).length,
            solid: map.queryRenderedFeatures({ layers: ['isochrones-line'] }).length,
          };
        }),
      (d) => d.dashed > 0,
      15_000,
    );
    expect(drawn.solid).toBe(0);
    await shot(page, 'roads-02-straight-fallback');
    await page.close();
  });
});
