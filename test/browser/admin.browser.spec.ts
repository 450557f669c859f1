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
    // a real city runs without the demo: no training-simulator switch in the top bar
    expect((await admin.get('/api/v1/training/simulation')).body).toMatchObject({ demo: false });
    await page.locator('#training-switch').waitFor({ state: 'hidden' });
    expect(await page.locator('#training-switch').isVisible()).toBe(false);
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
  it('imports premises through the premises tab (mapping, refused row in Chinese, GCJ-02), and asks before every delete', async () => {
    const page = adminPage.page;
    const seen = adminPage.problems.length;
    /** A school gate east of the incident point, as surveyed (WGS84), and a filling station's yard. */
    const GATE: [number, number] = [INCIDENT_POINT.lon + 0.004, INCIDENT_POINT.lat + 0.002];
    const YARD = square(SPLIT + 0.006, 30.65, SPLIT + 0.008, 30.652);
    const toGcj = (p: [number, number]) =>
      gcoord.transform<[number, number]>(p, gcoord.WGS84, gcoord.GCJ02);
    const feature = (props: Record<string, string>, geometry: unknown) => ({
      type: 'Feature',
      properties: props,
      geometry,
    });
    const school = feature(
      { 名称: '锦江小学', 等级: '注意', 说明: '上下学时段学生密集' },
      { type: 'Point', coordinates: toGcj(GATE) },
    );
    const station = feature(
      { 名称: '东门加油站', 等级: '危险', 说明: '油罐区，禁止明火' },
      { type: 'Polygon', coordinates: [gcj(YARD)] },
    );
    const bank = feature(
      { 名称: '银行网点', 等级: 'red', 说明: '运钞时段' },
      { type: 'Point', coordinates: toGcj([GATE[0] + 0.002, GATE[1]]) },
    );
    const collection = (...features: unknown[]) =>
      JSON.stringify({ type: 'FeatureCollection', features });
    /** The file's Chinese field names are not ours: the dry run lists them, the admin maps them. */
    const dryRunMapped = async (content: string) => {
      await page.setInputFiles('#imp-file', {
        name: 'premises.geojson',
        mimeType: 'application/geo+json',
        buffer: Buffer.from(content),
      });
      await page.selectOption('#imp-crs', 'gcj02');
      await page.locator('#imp-dry').click();
      await page.locator('#imp-map-name option[value="名称"]').waitFor({ state: 'attached' });
      await page.selectOption('#imp-map-name', '名称');
      await page.selectOption('#imp-map-level', '等级');
      await page.selectOption('#imp-map-text', '说明');
      await page.locator('#imp-dry').click();
    };

    // the premises tab's 批量导入… opens the wizard on premises
    await page.locator('#admin-tab-premises').click();
    await page.locator('#admin-import-here').click();
    await page.locator('#imp-file').waitFor();
    expect(await page.locator('#imp-kind').inputValue()).toBe('premises');
    // the jurisdiction level means nothing for premises: not shown
    expect(await page.locator('#imp-jkind').isVisible()).toBe(false);

    await dryRunMapped(collection(school, bank, station));
    await waitText(page, '#imp-status', '拒绝 1');
    const refused = page.locator('#imp-rows tr[data-action="refuse"]');
    expect(await refused.count()).toBe(1);
    expect(await refused.textContent()).toContain('级别：“red”不是有效值');
    expect(await page.locator('#imp-apply').isDisabled()).toBe(true);
    await shot(page, '10-premises-refused');

    await dryRunMapped(collection(school, station));
    await waitText(page, '#imp-status', '新建 2 · 更新 0 · 拒绝 0');
    const names = async () =>
      ((await admin.get('/api/v1/premises')).body as { name: string }[]).map((p) => p.name).sort();
    expect(await names()).toEqual(['春熙路商场']);
    await page.locator('#imp-apply').click();
    await waitText(page, '#imp-status', '已导入：新建 2');
    expect(await names()).toEqual(['东门加油站', '春熙路商场', '锦江小学'].sort());
    const stored = ((await admin.get('/api/v1/premises')).body as any[]).find(
      (p) => p.name === '锦江小学',
    );
    // where it was surveyed (~2 m), not at its GCJ-02 figures (~250 m away)
    expect(stored.level).toBe('caution');
    expect(Math.abs(stored.location.lon - GATE[0])).toBeLessThan(2e-5);
    expect(Math.abs(stored.location.lat - GATE[1])).toBeLessThan(2e-5);

    // a delete asks first, naming the premise; Esc and 取消 keep it, 删除 removes it
    await page.locator('#admin-tab-premises').click();
    const row = page.locator('#premises-table tr[data-name="锦江小学"]');
    await row.waitFor();
    const dialog = page.locator('#admin-delete');
    await row.locator('button[data-action="delete"]').click();
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('确定删除重点场所“锦江小学”？');
    await shot(page, '11-delete-asks');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await row.locator('button[data-action="delete"]').click();
    await dialog.locator('[data-role="cancel"]').click();
    await dialog.waitFor({ state: 'detached' });
    expect(await row.count()).toBe(1);
    expect(await names()).toContain('锦江小学');
    await row.locator('button[data-action="delete"]').click();
    await dialog.waitFor();
    await page.keyboard.press('Enter');
    await row.waitFor({ state: 'detached' });
    await waitText(page, '#admin-msg', '已删除');
    expect(await names()).toEqual(['东门加油站', '春熙路商场'].sort());

    // a district still in use: the refusal names who uses it, in Chinese, and nothing goes
    await page.locator('#admin-tab-jurisdictions').click();
    const west = page.locator('#jurisdictions-table tr[data-name="锦江西区"]');
    await west.locator('button[data-action="delete"]').click();
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('确定删除辖区“锦江西区 · 分局”？');
    await page.keyboard.press('Enter');
    await waitText(page, '#admin-delete .form-error', '仍被引用，未删除');
    expect(await dialog.locator('.form-error').textContent()).toMatch(/警力 1.*用户 1/);
    await shot(page, '12-delete-in-use');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await waitText(page, '#admin-msg', '仍被引用，未删除');
    expect(await west.count()).toBe(1);
    const districts = async () =>
      ((await admin.get('/api/v1/jurisdictions')).body.features as any[]).map(
        (f) => f.properties.name,
      );
    expect(await districts()).toContain('锦江西区');

    // the same in English
    await page.locator('#lang').click();
    await page.locator('#admin-tab-jurisdictions').click();
    await west.locator('button[data-action="delete"]').click();
    await dialog.waitFor();
    expect(await dialog.locator('h3').textContent()).toBe('Delete jurisdiction');
    expect(await dialog.textContent()).toContain('Delete the jurisdiction "锦江西区 · District"?');
    await page.keyboard.press('Enter');
    await waitText(page, '#admin-delete .form-error', 'Still referenced; nothing was deleted');
    expect(await dialog.locator('.form-error').textContent()).toMatch(/units 1.*accounts 1/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.locator('#lang').click();
    expect(await districts()).toContain('锦江西区');

    // the failed requests are the ones asked for: the unmapped dry runs and the refused deletes
    expect(
      adminPage.problems
        .slice(seen)
        .filter(
          (p) =>
            !/(HTTP 400 |400 \(Bad Request\) ).*\/api\/v1\/imports/.test(p) &&
            !/(HTTP 409 |409 \(Conflict\) ).*\/api\/v1\/jurisdictions\//.test(p),
        ),
    ).toEqual([]);
  });
  it("resets an account's password and disables it, and adds and deletes a standby point and a response plan, through the tabs", async () => {
    const page = adminPage.page;
    const seen = adminPage.problems.length;
    const loginStatus = async (username: string, password: string) =>
      (await client(base).post('/api/v1/auth/login', { username, password })).status;

    // 重置密码 in the account's edit form: the old password stops working, the new one works
    await page.locator('#admin-tab-users').click();
    const taker = page.locator('#users-table tr[data-username="jj.taker"]');
    await taker.locator('button', { hasText: '编辑' }).click();
    await page.locator('#edit-password').fill('jj-taker-new-1');
    await page.locator('#edit-save').click();
    await waitText(page, '#admin-msg', '已保存');
    expect(await loginStatus('jj.taker', 'jj-taker-pass')).toBe(401);
    expect(await loginStatus('jj.taker', 'jj-taker-new-1')).toBe(200);

    // 停用 / 启用
    const dispatch = page.locator('#users-table tr[data-username="jj.dispatch"]');
    await dispatch.locator('button', { hasText: '停用' }).click();
    await waitText(page, '#users-table tr[data-username="jj.dispatch"]', '已停用');
    expect(await loginStatus('jj.dispatch', 'jj-dispatch-pass')).toBe(401);
    await dispatch.locator('button', { hasText: '启用' }).click();
    await dispatch.locator('button', { hasText: '停用' }).waitFor();
    expect(await loginStatus('jj.dispatch', 'jj-dispatch-pass')).toBe(200);

    // a standby point typed in, then deleted after the question
    await page.locator('#admin-tab-standby').click();
    await page.locator('#new-place-name').fill('春熙路备勤点');
    await page.locator('#new-place-lon').fill(String(INCIDENT_POINT.lon));
    await page.locator('#new-place-lat').fill(String(INCIDENT_POINT.lat));
    await page.selectOption('#new-place-crs', 'WGS84');
    await page.locator('#new-place').click();
    const point = page.locator('#standby-points-table tr[data-name="春熙路备勤点"]');
    await point.waitFor();
    const standby = async () =>
      ((await admin.get('/api/v1/standby-points')).body as { name: string }[]).map((p) => p.name);
    expect(await standby()).toEqual(['春熙路备勤点']);
    const dialog = page.locator('#admin-delete');
    await point.locator('button[data-action="delete"]').click();
    await waitText(page, '#admin-delete', '确定删除备勤点“春熙路备勤点”？');
    await page.keyboard.press('Enter');
    await point.waitFor({ state: 'detached' });
    expect(await standby()).toEqual([]);

    // a response plan: created, a delete cancelled, then confirmed
    await page.locator('#admin-tab-plans').click();
    await page.locator('#new-plan-name').fill('锦江盗窃预案');
    await page.selectOption('#new-plan-category', 'criminal');
    await page.locator('#new-plan').click();
    const plan = page.locator('#plans-table tr[data-name="锦江盗窃预案"]');
    await plan.waitFor();
    const plans = async () =>
      ((await admin.get('/api/v1/response-plans')).body as { name: string | null }[]).map(
        (p) => p.name,
      );
    expect(await plans()).toContain('锦江盗窃预案');
    await plan.locator('button[data-action="delete"]').click();
    await waitText(page, '#admin-delete', '确定删除预案“锦江盗窃预案”？');
    await dialog.locator('[data-role="cancel"]').click();
    await dialog.waitFor({ state: 'detached' });
    expect(await plans()).toContain('锦江盗窃预案');
    await plan.locator('button[data-action="delete"]').click();
    await dialog.waitFor();
    await page.keyboard.press('Enter');
    await plan.waitFor({ state: 'detached' });
    expect(await plans()).not.toContain('锦江盗窃预案');
    await shot(page, '13-plans');
    expect(adminPage.problems.slice(seen)).toEqual([]);
  });
});
