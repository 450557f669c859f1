// 见警率 heat layer in a real browser (issue #17 item 1): on the 3 × 3 street grid of
// libs/routing/src/patrol.fixture.ts, unit 1 drove the middle street 20 minutes ago and unit 2 the
// north street two minutes ago. The commander's map draws the north street green (< 10 min), the
// middle street yellow (10–30 min) and leaves the south street undrawn, checked by the canvas's
// pixels; the legend and the summary say the same. Screenshot: artifacts/browser/patrol-heat.png.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  patrolAt,
  patrolBox,
  patrolDriveEast,
  patrolGrid,
} from '../../libs/routing/src/patrol.fixture';
import {
  ADMIN_PASSWORD,
  createStack,
  login,
  SERVICES_MODE,
  sleep,
  type Stack,
} from '../support/harness';
import {
  ensureConsoleBuilt,
  launchBrowser,
  mapErrors,
  pixelsAt,
  SHOTS,
  shot,
  signIn,
  until,
  sourceFeatureCount,
  waitForMapIdle,
  waitText,
  watch,
  type BrowserSession,
} from './console-browser';

jest.setTimeout(600_000);

const MIN = 60_000;
/** The console's heat steps (PATROL_HEAT_STEPS in apps/console/src/map/style.ts). */
const PATROL_HEAT_STEPS = [
  { fromMin: 0, color: '#00e08a' },
  { fromMin: 10, color: '#ffd21f' },
  { fromMin: 30, color: '#ff5c1a' },
];
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const distance = (a: number[] | null, b: number[]) =>
  a ? Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]) : Infinity;
/** The heat step a pixel shows (index into PATROL_HEAT_STEPS), or -1 when it shows none. */
const heatStep = (px: number[] | null) => {
  const d = PATROL_HEAT_STEPS.map((s) => distance(px, rgb(s.color)));
  const best = Math.min(...d);
  return best < 60 ? d.indexOf(best) : -1;
};

describe(`见警率 heat layer in a real browser (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let dir: string;
  let base: string;
  let pc: BrowserSession;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ensureConsoleBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ringcad-patrol-browser-'));
    const roads = join(dir, 'grid.geojson');
    writeFileSync(roads, JSON.stringify(patrolGrid()));
    stack = await createStack({
      ROAD_NETWORK: roads,
      MAX_PLAUSIBLE_SPEED_KMH: '5000',
      COVERAGE_PUSH_SEC: '0',
      POSITION_STALE_SEC: '3600',
    });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    const admin = await login(base, 'admin', ADMIN_PASSWORD);
    const post = async (path: string, body: unknown, status = 201) => {
      const r = await admin.post(path, body);
      if (r.status !== status) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    await post('/api/v1/jurisdictions', {
      name: '网格区',
      kind: 'district',
      boundary: patrolBox(-100, -100, 500, 500),
    });
    await post('/api/v1/users', {
      username: 'commander',
      password: 'commander-password',
      roles: ['commander'],
    });
    const units: string[] = [];
    for (const callsign of ['巡1', '巡2'])
      units.push((await post('/api/v1/units', { callsign, kind: 'patrol_car' })).unit.id);
    const report = (unitId: string, points: ReturnType<typeof patrolDriveEast>) =>
      post(
        '/api/v1/units/positions',
        {
          positions: points.map((p) => ({
            unitId,
            lon: p.lon,
            lat: p.lat,
            headingDeg: p.headingDeg,
            at: new Date(p.ms).toISOString(),
          })),
        },
        202,
      );
    // the middle street 20 minutes ago, the north street two minutes ago
    await report(units[0], patrolDriveEast(Date.now() - 20 * MIN, 1000, 200));
    await report(units[1], patrolDriveEast(Date.now() - 2 * MIN, 1000, 400));
    const commander = await login(base, 'commander', 'commander-password');
    for (const end = Date.now() + 60_000; Date.now() < end; await sleep(250)) {
      const live = await commander.get('/api/v1/patrol/visibility/live');
      if (live.body?.segments?.length >= 4) break;
    }
    pc = await launchBrowser();
  });
  afterAll(async () => {
    await pc?.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('colours streets by minutes since a unit passed, by pixels', async () => {
    const commander = await watch(pc, 'commander');
    const page = commander.page;
    await signIn(page, base, 'commander', 'commander-password');
    await page.locator('#patrol-panel').waitFor();
    await until(
      () => sourceFeatureCount(page, 'patrol-heat'),
      (n) => n >= 4,
    );
    // 0.8 of 2.4 street-km seen within the hour
    await waitText(page, '#patrol-seen', '0.8');
    const [sw, ne] = [patrolAt(-60, -60), patrolAt(460, 460)];
    await page.evaluate(
      (b) => (globalThis as any).__ringcad.map.fitBounds(b, { padding: 60, animate: false }),
      [
        [sw.lon, sw.lat],
        [ne.lon, ne.lat],
      ],
    );
    await waitForMapIdle(page);
    // quarter points of each street, away from the crossings and the units' last positions
    const at = (y: number) => [patrolAt(100, y), patrolAt(300, y)];
    const px = await pixelsAt(page, [...at(400), ...at(200), ...at(0)]);
    const steps = px.map(heatStep);
    await shot(page, 'patrol-heat');
    // north: green (< 10 min); middle: yellow (10–30 min); south: not passed, not drawn
    expect(steps).toEqual([0, 0, 1, 1, -1, -1]);
    // the legend names the three steps
    expect(await page.locator('.patrol-legend .swatch').count()).toBe(PATROL_HEAT_STEPS.length);
    expect(await mapErrors(page)).toEqual([]);
    expect(commander.problems).toEqual([]);
    expect(commander.external).toEqual([]);
  });
});
