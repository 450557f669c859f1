// The admin seat on a real OSM city (issue 15, Show): an admin imports two districts drawn in
// GCJ-02 from GeoJSON (dry run, then apply), units and accounts from CSV (a file with bad rows is
// refused whole, row by row, and nothing is written), all through the console; then an imported
// call-taker files an incident in one of the new districts and an imported dispatcher assigns an
// imported unit. Outcomes are checked through the API too; screenshots go to test-results/admin/.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import gcoord from 'gcoord';
import type { Page } from 'playwright-core';
import { INCIDENT_POINT } from '../support/fixtures';
import {
  ADMIN_PASSWORD,
  client,
  createStack,
  login,
  SERVICES_MODE,
  type Stack,
} from '../support/harness';
import {
  ensureConsoleBuilt,
  launchBrowser,
  ROOT,
  signIn,
  waitForMapIdle,
  waitText,
  watch,
  type BrowserSession,
  type Watched,
} from './console-browser';

jest.setTimeout(300_000);

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(ROOT, '../shared/data');
const SHOTS = join(ROOT, 'test-results', 'admin');
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

type Ring = [number, number][];
const square = (w: number, s: number, e: number, n: number): Ring => [
  [w, s],
  [e, s],
  [e, n],
  [w, n],
  [w, s],
];
const SPLIT = INCIDENT_POINT.lon;
/** The extract split in two at the incident point's meridian, as surveyed (WGS84)… */
const DISTRICTS: Record<string, Ring> = {
  锦江西区: square(103.98, 30.6, SPLIT, 30.72),
  锦江东区: square(SPLIT, 30.6, 104.15, 30.72),
};
/** …and as a Chinese web map hands them out (GCJ-02). */
const gcj = (ring: Ring): Ring =>
  ring.map((p) => gcoord.transform<[number, number]>(p, gcoord.WGS84, gcoord.GCJ02));
const DISTRICTS_GEOJSON = JSON.stringify({
  type: 'FeatureCollection',
  features: Object.entries(DISTRICTS).map(([name, ring], i) => ({
    type: 'Feature',
    properties: { NAME: name, CODE: `51010${i + 4}` },
    geometry: { type: 'Polygon', coordinates: [gcj(ring)] },
  })),
});

async function importFile(page: Page, kind: string, crs: string, name: string, content: string) {
  await page.locator('#admin-tab-import').click();
  await page.selectOption('#imp-kind', kind);
  await page.selectOption('#imp-crs', crs);
  await page.setInputFiles('#imp-file', {
    name,
    mimeType: name.endsWith('.csv') ? 'text/csv' : 'application/geo+json',
    buffer: Buffer.from(content),
  });
  await page.locator('#imp-dry').click();
}

describe(`the admin seat sets up a real city (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let base: string;
  let pc: BrowserSession;
  let adminPage: Watched;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ensureConsoleBuilt();
    stack = await createStack({
      ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
      COVERAGE_PUSH_SEC: '0',
      POSITION_STALE_SEC: '3600',
    });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    pc = await launchBrowser();
  });
  afterAll(async () => {
    await pc?.close();
    await stack?.close();
  });

  it('imports districts from GeoJSON in GCJ-02: dry run, mapping, apply', async () => {
    adminPage = await watch(pc, 'admin');
    const page = adminPage.page;
    await signIn(page, base, 'admin', ADMIN_PASSWORD);
    await page.locator('[data-seat="admin"]').click();
    await page.locator('#admin-tabs').waitFor();
    await importFile(page, 'jurisdictions', 'gcj02', 'districts.geojson', DISTRICTS_GEOJSON);
    // the dry run found the file's fields and mapped NAME to the name
    await page.locator('#imp-map-name').waitFor();
    expect(await page.locator('#imp-map-name').inputValue()).toBe('NAME');
    expect(await page.locator('#imp-map-name option').allTextContents()).toEqual(
      expect.arrayContaining(['NAME', 'CODE']),
    );
    await waitText(page, '#imp-status', '新建 2 · 更新 0 · 拒绝 0');
    expect(await page.locator('#imp-rows tr[data-action="create"]').count()).toBe(2);
    expect((await admin.get('/api/v1/jurisdictions')).body.features).toEqual([]);
    await shot(page, '01-districts-dry-run');
    await page.locator('#imp-apply').click();
    await waitText(page, '#imp-status', '已导入：新建 2');
    const features = (await admin.get('/api/v1/jurisdictions')).body.features as {
      properties: { name: string; kind: string };
      geometry: { coordinates: number[][][][] };
    }[];
    expect(features.map((f) => [f.properties.name, f.properties.kind]).sort()).toEqual([
      ['锦江东区', 'district'],
      ['锦江西区', 'district'],
    ]);
    // stored at the surveyed WGS84 corners, not GCJ-02's ~250 m shift
    const west = features.find((f) => f.properties.name === '锦江西区')!;
    const corners = west.geometry.coordinates[0][0];
    expect(Math.min(...corners.map(([x, y]) => Math.hypot(x - 103.98, y - 30.6)))).toBeLessThan(
      2e-5,
    );
    await page.locator('#admin-tab-jurisdictions').click();
    await waitText(page, '#jurisdictions-table', '锦江西区');
  });

  it('refuses a units CSV with bad rows whole, row by row, then imports the corrected file', async () => {
    const page = adminPage.page;
    const bad =
      'callsign,kind,station\n锦江巡01,patrol_car,锦江西区\n锦江巡02,tank,锦江西区\n锦江巡03,foot,不存在所\n';
    await importFile(page, 'units', 'wgs84', 'units.csv', bad);
    await waitText(page, '#imp-status', '拒绝 2');
    const refused = page.locator('#imp-rows tr[data-action="refuse"]');
    expect(await refused.count()).toBe(2);
    expect(await refused.first().textContent()).toContain('tank');
    // the row's reason in Chinese, from its code and parameters (not the server's English)
    expect(await refused.first().textContent()).toContain('级别/类型：“tank”不是有效值');
    expect(await refused.nth(1).textContent()).toContain('派出所：没有名为“不存在所”的辖区');
    expect(await page.locator('#imp-apply').isDisabled()).toBe(true);
    await shot(page, '02-units-refused');
    expect((await admin.get('/api/v1/units')).body).toEqual([]);

    await importFile(
      page,
      'units',
      'wgs84',
      'units.csv',
      'callsign,kind,station\n锦江巡01,patrol_car,锦江西区\n锦江步01,foot,锦江东区\n',
    );
    await waitText(page, '#imp-status', '新建 2 · 更新 0 · 拒绝 0');
    await page.locator('#imp-apply').click();
    await waitText(page, '#imp-tokens', '锦江巡01');
    const units = (await admin.get('/api/v1/units')).body as { callsign: string }[];
    expect(units.map((u) => u.callsign).sort()).toEqual(['锦江巡01', '锦江步01']);
  });

  let car = { id: '', token: '' };

  it("shows a unit's terminal QR, and imports accounts from CSV (bad rows refused whole)", async () => {
    const page = adminPage.page;
    await page.locator('#admin-tab-units').click();
    await page.locator('#units-table tr[data-callsign="锦江巡01"] button').nth(1).click();
    await page.locator('#unit-qr svg').waitFor();
    const url = (await page.locator('.admin-url').textContent()) ?? '';
    expect(url).toMatch(/\/m\/#token=t_/);
    car = {
      id: ((await admin.get('/api/v1/units')).body as { id: string; callsign: string }[]).find(
        (u) => u.callsign === '锦江巡01',
      )!.id,
      token: decodeURIComponent(url.split('#token=')[1]),
    };
    await shot(page, '03-unit-qr');

    const users = [
      'username,password,roles,jurisdiction',
      'jj.taker,jj-taker-pass,calltaker,锦江西区',
      'jj.dispatch,jj-dispatch-pass,dispatcher,',
    ];
    const before = ((await admin.get('/api/v1/users')).body as unknown[]).length;
    await importFile(
      page,
      'users',
      'wgs84',
      'users.csv',
      [...users, 'x,short,dispatcher,', 'y.y,long-enough-pw,janitor,'].join('\n'),
    );
    await waitText(page, '#imp-status', '拒绝 2');
    expect(await page.locator('#imp-rows tr[data-action="refuse"]').count()).toBe(2);
    expect(await page.locator('#imp-apply').isDisabled()).toBe(true);
    expect(((await admin.get('/api/v1/users')).body as unknown[]).length).toBe(before);
    await importFile(page, 'users', 'wgs84', 'users.csv', users.join('\n'));
    await waitText(page, '#imp-status', '新建 2 · 更新 0 · 拒绝 0');
    await page.locator('#imp-apply').click();
    await waitText(page, '#imp-status', '已导入：新建 2');
    await page.locator('#admin-tab-users').click();
    await waitText(page, '#users-table', 'jj.taker');
    await shot(page, '04-users');
  });

  it('an imported call-taker files in a new district and an imported dispatcher assigns an imported unit', async () => {
    // the unit's terminal (outside world) reports for duty next to the incident point
    const terminal = client(base, car.token);
    expect(
      (await terminal.post(`/api/v1/units/${car.id}/status`, { status: 'available' })).status,
    ).toBe(200);
    expect(
      (
        await terminal.post('/api/v1/units/positions', {
          positions: [
            {
              unitId: car.id,
              lon: SPLIT - 0.003,
              lat: INCIDENT_POINT.lat,
              at: new Date().toISOString(),
            },
          ],
        })
      ).status,
    ).toBe(202);

    const takerPc = await launchBrowser();
    try {
      const ct = await watch(takerPc, 'calltaker');
      await signIn(ct.page, base, 'jj.taker', 'jj-taker-pass');
      await ct.page.locator('#incident-form').waitFor();
      await waitForMapIdle(ct.page);
      // a named street west of the split, found by typing its name
      const roads = await admin.get(
        `/api/v1/road-network/geojson?bbox=${SPLIT - 0.006},${INCIDENT_POINT.lat - 0.003},${SPLIT - 0.002},${INCIDENT_POINT.lat + 0.003}`,
      );
      const street = (roads.body.features as { properties: { name: string | null } }[]).find(
        (f) => f.properties.name && /[\u4e00-\u9fff]/.test(f.properties.name),
      )!.properties.name as string;
      await ct.page.keyboard.press('1');
      await ct.page.keyboard.press('Tab');
      await ct.page.keyboard.press('1');
      await ct.page.keyboard.press('Tab');
      await ct.page.keyboard.type(street);
      await waitText(ct.page, '.suggestions li.active', street);
      await ct.page.keyboard.press('Enter');
      await waitText(ct.page, '#f-where', '30.');
      await ct.page.keyboard.press('Tab');
      await ct.page.keyboard.type('13800138000');
      await ct.page.keyboard.press('Tab');
      await ct.page.keyboard.type('李女士');
      await ct.page.keyboard.press('Tab');
      await ct.page.keyboard.type('电动车被盗');
      await shot(ct.page, '05-calltaker-form');
      await ct.page.keyboard.press('Control+Enter');
      const result = ct.page.locator('#create-result');
      await result.waitFor({ timeout: 15_000 });
      const number = ((await result.locator('.number').textContent()) ?? '').trim();
      await shot(ct.page, '06-calltaker-filed');
      const incidents = (await admin.get('/api/v1/incidents?status=open')).body as {
        id: string;
        number: string;
        location: { lon: number };
        jurisdiction: { districtId: string } | null;
      }[];
      const incident = incidents.find((i) => i.number === number)!;
      const districts = (await admin.get('/api/v1/jurisdictions')).body.features as {
        properties: { id: string; name: string };
      }[];
      const expected = incident.location.lon < SPLIT ? '锦江西区' : '锦江东区';
      expect(
        districts.find((d) => d.properties.id === incident.jurisdiction?.districtId)?.properties
          .name,
      ).toBe(expected);

      const dispPc = await launchBrowser();
      try {
        const d = await watch(dispPc, 'dispatcher');
        await signIn(d.page, base, 'jj.dispatch', 'jj-dispatch-pass');
        const item = d.page.locator(`.queue-item[data-number="${number}"]`);
        await item.waitFor({ timeout: 15_000 });
        await d.page.locator('body').focus();
        await d.page.keyboard.press('Enter');
        const candidate = d.page.locator(`#incident-detail .candidate[data-unit-id="${car.id}"]`);
        await candidate.waitFor({ timeout: 15_000 });
        await d.page.keyboard.press('1');
        await d.page
          .locator(`#incident-detail .candidate.selected[data-unit-id="${car.id}"]`)
          .waitFor();
        await d.page.keyboard.press('a');
        await d.page
          .locator(`.assignment[data-unit-id="${car.id}"][data-status="assigned"]`)
          .waitFor({ timeout: 10_000 });
        await shot(d.page, '07-dispatcher-assigned');
        expect(d.problems).toEqual([]);
      } finally {
        await dispPc.close();
      }
      expect(ct.problems).toEqual([]);
    } finally {
      await takerPc.close();
    }
    expect(adminPage.problems).toEqual([]);
    expect(adminPage.external).toEqual([]);
  });

  it('edits a district and adds a ring scheme, a premise and a disposition through the console', async () => {
    const page = adminPage.page;
    // a ring scheme: tiers not ascending are refused in Chinese and nothing is written
    await page.locator('#admin-tab-schemes').click();
    await page.locator('#new-scheme-id').fill('city-2-4-6');
    await page.locator('#new-scheme-zh').fill('2、4、6分钟处置圈');
    await page.locator('#new-scheme-en').fill('2/4/6-minute rings');
    await page.locator('#new-scheme-tiers').fill('240, 120');
    await page.locator('#new-scheme').click();
    await waitText(page, '#admin-msg', '输入有误');
    expect(((await admin.get('/api/v1/rings/schemes')).body as unknown[]).length).toBe(3);
    await page.locator('#new-scheme-tiers').fill('120, 240, 360');
    await page.locator('#new-scheme').click();
    await page.locator('#schemes-table tr[data-id="city-2-4-6"]').waitFor();
    const scheme = ((await admin.get('/api/v1/rings/schemes')).body as any[]).find(
      (x) => x.id === 'city-2-4-6',
    );
    expect(scheme.tiers.map((x: { sec: number }) => x.sec)).toEqual([120, 240, 360]);

    // the east district: renamed, reshaped from a GeoJSON file, held to the new scheme
    await page.locator('#admin-tab-jurisdictions').click();
    await page.locator('#jurisdictions-table tr[data-name="锦江东区"] button').first().click();
    await page.locator('#edit-name').fill('锦江新东区');
    await page.selectOption('#edit-scheme', 'city-2-4-6');
    const reshaped = square(SPLIT, 30.6, 104.14, 30.72);
    await page.setInputFiles('#edit-boundary', {
      name: 'east.geojson',
      mimeType: 'application/geo+json',
      buffer: Buffer.from(JSON.stringify({ type: 'Polygon', coordinates: [reshaped] })),
    });
    await page.locator('#edit-save').click();
    await page.locator('#jurisdictions-table tr[data-name="锦江新东区"]').waitFor();
    const east = ((await admin.get('/api/v1/jurisdictions')).body.features as any[]).find(
      (f) => f.properties.name === '锦江新东区',
    );
    expect(east.properties.schemeId).toBe('city-2-4-6');
    const xs = (east.geometry.coordinates[0][0] as number[][]).map(([x]) => x);
    expect(Math.max(...xs)).toBeCloseTo(104.14, 5);
    await shot(page, '08-district-edited');
    const filed = await (
      await login(base, 'jj.taker', 'jj-taker-pass')
    ).post('/api/v1/incidents', {
      location: { lon: 104.13, lat: 30.65 },
      category: 'public_order',
      priority: 2,
    });
    expect(filed.body.incident.jurisdiction.districtId).toBe(east.properties.id);
    expect(filed.body.incident.schemeId).toBe('city-2-4-6');

    // a premise (重点场所) at a point
    await page.locator('#admin-tab-premises').click();
    await page.locator('#new-premise-name').fill('春熙路商场');
    await page.selectOption('#new-premise-level', 'danger');
    await page.locator('#new-premise-text').fill('人员密集，注意踩踏');
    await page.locator('#new-premise-lon').fill(String(INCIDENT_POINT.lon));
    await page.locator('#new-premise-lat').fill(String(INCIDENT_POINT.lat));
    await page.locator('#new-premise').click();
    await page.locator('#premises-table tr[data-name="春熙路商场"]').waitFor();
    expect((await admin.get('/api/v1/premises')).body).toEqual([
      expect.objectContaining({ name: '春熙路商场', level: 'danger' }),
    ]);

    // a disposition of our own, and a built-in one disabled
    await page.locator('#admin-tab-dispositions').click();
    await page.locator('#new-disp-code').fill('school_referral');
    await page.locator('#new-disp-zh').fill('移交学校');
    await page.locator('#new-disp-en').fill('Referred to the school');
    await page.locator('#new-disposition').click();
    await page.locator('#dispositions-table tr[data-code="school_referral"]').waitFor();
    await page
      .locator('#dispositions-table tr[data-code="duplicate"] button', { hasText: '停用' })
      .click();
    await waitText(page, '#dispositions-table tr[data-code="duplicate"]', '已停用');
    const dispositions = (await admin.get('/api/v1/dispositions')).body as any[];
    expect(dispositions.find((d) => d.code === 'school_referral')).toMatchObject({
      label: { zh: '移交学校', en: 'Referred to the school' },
      builtin: false,
    });
    expect(dispositions.find((d) => d.code === 'duplicate')).toMatchObject({ disabled: true });
    await shot(page, '09-dispositions');
    // the one refusal asked for above (tiers not ascending) is the only failed request
    expect(
      adminPage.problems.filter(
        (p) => !/HTTP 400 .*\/rings\/schemes|400 \(Bad Request\) .*\/rings\/schemes/.test(p),
      ),
    ).toEqual([]);
  });
});
