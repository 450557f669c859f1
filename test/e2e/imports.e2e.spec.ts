import gcoord from 'gcoord';
import {
  ADMIN_PASSWORD,
  client,
  createStack,
  loginToken,
  SERVICES_MODE,
  type Stack,
} from '../support/harness';
import { shapefileZip } from '../support/shapefile';

type Client = ReturnType<typeof client>;
type Ring = [number, number][];

const square = (w: number, s: number, e: number, n: number): Ring => [
  [w, s],
  [e, s],
  [e, n],
  [w, n],
  [w, s],
];
/** Two districts side by side, as surveyed (WGS84). */
const WEST = square(104.03, 30.63, 104.07, 30.67);
const EAST = square(104.07, 30.63, 104.11, 30.67);
const toGcj = (ring: Ring): Ring =>
  ring.map((p) => gcoord.transform<[number, number]>(p, gcoord.WGS84, gcoord.GCJ02));
/** The city this spec imports into: points and areas beyond it are refused. */
const SERVICE_AREA = [103.9, 30.5, 104.3, 30.8];
/** 150 m inside the west district's west edge; outside the GCJ-02 square read as WGS84. */
const NEAR_WEST_EDGE = { lon: 104.0315, lat: 30.65 };

const districtsGeoJson = (rings: Record<string, Ring>) =>
  JSON.stringify({
    type: 'FeatureCollection',
    features: Object.entries(rings).map(([name, ring]) => ({
      type: 'Feature',
      properties: { 名称: name, 代码: name.length },
      geometry: { type: 'Polygon', coordinates: [ring] },
    })),
  });

describe(`bulk imports (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let base: string;
  let admin: Client;
  let token: string;

  const upload = (
    query: string,
    body: string | Buffer,
    contentType = 'application/octet-stream',
    as = token,
  ) =>
    fetch(`${base}/api/v1/imports?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${as}`, 'content-type': contentType },
      body,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  const counts = async () => ({
    jurisdictions: (await admin.get('/api/v1/jurisdictions')).body.features.length as number,
    units: (await admin.get('/api/v1/units')).body.length as number,
    users: (await admin.get('/api/v1/users')).body.length as number,
    standby: (await admin.get('/api/v1/standby-points')).body.length as number,
    checkpoints: (await admin.get('/api/v1/checkpoints')).body.length as number,
    premises: (await admin.get('/api/v1/premises')).body.length as number,
  });

  beforeAll(async () => {
    stack = await createStack({ SERVICE_AREA_BBOX: SERVICE_AREA.join(',') });
    base = (await stack.startApi()).url;
    const r = await client(base).post('/api/v1/auth/login', {
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
    token = r.body.accessToken;
    admin = client(base, token);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses anyone but an admin before reading the file, and files of the wrong kind', async () => {
    const before = await counts();
    expect((await upload('kind=units', 'callsign,kind\nA,foot', 'text/csv', 'nope')).status).toBe(
      401,
    );
    const created = await admin.post('/api/v1/users', {
      username: 'disp0',
      password: 'dispatcher-pass',
      roles: ['dispatcher'],
    });
    expect(created.status).toBe(201);
    const dispatcher = await loginToken(base, 'disp0', 'dispatcher-pass');
    const r = await upload(
      'kind=units&dryRun=false',
      'callsign,kind\nA-1,foot\n',
      'text/csv',
      dispatcher,
    );
    expect(r.status).toBe(403);
    // units come from CSV, districts from GeoJSON or shapefiles
    const wrong = await upload(
      'kind=units',
      districtsGeoJson({ 西区: WEST }),
      'application/geo+json',
    );
    expect(wrong).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    const badMapping = await upload(
      'kind=jurisdictions&mapping=' + encodeURIComponent('{"name":"NAME"}'),
      districtsGeoJson({ 西区: WEST }),
    );
    expect(badMapping.status).toBe(400);
    expect(badMapping.body.error.message).toContain('NAME');
    expect(badMapping.body.error.details.fields).toEqual(['名称', '代码']);
    const notJson = await upload('kind=jurisdictions', '{"type":', 'application/geo+json');
    expect(notJson.status).toBe(400);
    const badKind = await upload('kind=roads', 'x', 'text/csv');
    expect(badKind.status).toBe(400);
    expect(
      (await upload('kind=units', 'callsign,kind\nA,foot', 'multipart/form-data; boundary=x'))
        .status,
    ).toBe(415);
    expect(await counts()).toEqual({ ...before, users: before.users + 1 });
  });

  let westId = '';
  let eastId = '';

  it('imports districts from GeoJSON in GCJ-02: a dry run writes nothing, the apply lands them at their WGS84 place', async () => {
    const file = districtsGeoJson({ 西区: toGcj(WEST), 东区: toGcj(EAST) });
    const mapping = encodeURIComponent(JSON.stringify({ name: '名称' }));
    const before = await counts();
    const dry = await upload(`kind=jurisdictions&crs=gcj02&dryRun=true&mapping=${mapping}`, file);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      kind: 'jurisdictions',
      format: 'geojson',
      crs: 'GCJ02',
      dryRun: true,
      applied: false,
      fields: ['名称', '代码'],
      mapping: { name: '名称' },
      counts: { create: 2, update: 0, refuse: 0 },
      rows: [
        { row: 1, key: '西区', action: 'create', errors: [], issues: [] },
        { row: 2, key: '东区', action: 'create', errors: [], issues: [] },
      ],
    });
    expect(await counts()).toEqual(before);

    const applied = await upload(
      `kind=jurisdictions&crs=gcj02&dryRun=false&mapping=${mapping}`,
      file,
    );
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ applied: true, counts: { create: 2, refuse: 0 } });
    const features = (await admin.get('/api/v1/jurisdictions')).body.features as {
      geometry: { coordinates: number[][][][] };
      properties: { id: string; name: string; kind: string };
    }[];
    const west = features.find((f) => f.properties.name === '西区')!;
    const east = features.find((f) => f.properties.name === '东区')!;
    expect(west.properties.kind).toBe('district');
    westId = west.properties.id;
    eastId = east.properties.id;
    // stored where they were surveyed (within ~2 m), not where GCJ-02 shifted them (~250 m)
    const corners = west.geometry.coordinates[0][0];
    for (const [lon, lat] of WEST.slice(0, 4)) {
      const nearest = Math.min(...corners.map(([x, y]) => Math.hypot(x - lon, y - lat)));
      expect(nearest).toBeLessThan(2e-5);
    }
    const gcjCorner = toGcj(WEST)[0];
    expect(Math.hypot(gcjCorner[0] - WEST[0][0], gcjCorner[1] - WEST[0][1])).toBeGreaterThan(0.002);

    // the same file again updates them
    const again = await upload(`kind=jurisdictions&crs=gcj02&mapping=${mapping}`, file);
    expect(again.body.counts).toEqual({ create: 0, update: 2, refuse: 0 });
  });

  it('imports stations from a zipped shapefile under their districts, with a field mapping', async () => {
    const zip = shapefileZip('派出所', [
      {
        polygon: [square(104.03, 30.63, 104.05, 30.65)],
        properties: { NAME: '西一所', DISTRICT: '西区' },
      },
      {
        polygon: [square(104.07, 30.63, 104.09, 30.65)],
        properties: { NAME: '东一所', DISTRICT: '东区' },
      },
    ]);
    const mapping = encodeURIComponent(JSON.stringify({ name: 'NAME', parent: 'DISTRICT' }));
    const q = `kind=jurisdictions&jurisdictionKind=station&mapping=${mapping}`;
    const dry = await upload(q, zip, 'application/zip');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      format: 'shapefile',
      fields: ['NAME', 'DISTRICT'],
      counts: { create: 2, update: 0, refuse: 0 },
    });
    const applied = await upload(`${q}&dryRun=false`, zip, 'application/zip');
    expect(applied.status).toBe(200);
    const stations = (
      (await admin.get('/api/v1/jurisdictions')).body.features as {
        properties: { name: string; kind: string; parentId: string };
      }[]
    ).filter((f) => f.properties.kind === 'station');
    expect(stations.map((s) => [s.properties.name, s.properties.parentId]).sort()).toEqual(
      [
        ['东一所', eastId],
        ['西一所', westId],
      ].sort(),
    );
    // a station under an unknown district is refused with its row
    const orphan = shapefileZip('x', [
      {
        polygon: [square(104.03, 30.63, 104.04, 30.64)],
        properties: { NAME: '孤所', DISTRICT: '北区' },
      },
    ]);
    const refused = await upload(`${q}&dryRun=false`, orphan, 'application/zip');
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.rows[0]).toMatchObject({
      row: 1,
      key: '孤所',
      action: 'refuse',
    });
    expect(refused.body.error.details.rows[0].errors[0]).toContain('北区');
  });

  it('refuses a units CSV with bad rows whole, with per-row errors, and imports a clean one', async () => {
    const before = await counts();
    const bad = [
      'callsign,kind,station',
      '西巡01,patrol_car,西一所',
      '西巡02,tank,西一所',
      '西巡03,foot,南一所',
      '西巡01,foot,西一所',
      ',foot,',
      '西巡04,foot,西一所,多余',
    ].join('\n');
    const refused = await upload('kind=units&dryRun=false', bad, 'text/csv');
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('IMPORT_REFUSED');
    expect(refused.body.error.details.counts).toEqual({ create: 1, update: 0, refuse: 5 });
    const rows = refused.body.error.details.rows as {
      row: number;
      errors: string[];
      issues: Record<string, unknown>[];
    }[];
    expect(rows.map((r) => r.row)).toEqual([2, 3, 4, 5, 6]);
    // the reasons as codes with parameters (the console words them), the English text beside them
    expect(rows.map((r) => r.issues[0])).toEqual([
      expect.objectContaining({ code: 'IMPORT_BAD_KIND', field: 'kind', value: 'tank' }),
      { code: 'IMPORT_NO_SUCH_JURISDICTION', field: 'station', value: '南一所' },
      expect.objectContaining({ code: 'IMPORT_DUPLICATE_ROW', field: 'callsign', row: 1 }),
      { code: 'IMPORT_FIELD_MISSING', field: 'callsign' },
      { code: 'IMPORT_BAD_RECORD', field: 'row', value: '4', count: 3 },
    ]);
    expect(rows[0].errors[0]).toMatch(/^kind: "tank"/);
    expect(rows[1].errors[0]).toMatch(/^station: no jurisdiction named 南一所/);
    expect(rows[2].errors[0]).toMatch(/already row 1/);
    expect(rows[3].errors[0]).toMatch(/^callsign: missing/);
    expect(rows[4].errors[0]).toBe('row: 4 fields where the header has 3');
    expect(await counts()).toEqual(before);

    const good = '\ufeffcallsign,kind,station\n西巡01,patrol_car,西一所\n东步01,foot,东一所\n';
    const dry = await upload('kind=units', good, 'text/csv');
    expect(dry.body).toMatchObject({
      dryRun: true,
      counts: { create: 2, refuse: 0 },
      terminalTokens: [],
    });
    expect(await counts()).toEqual(before);
    const applied = await upload('kind=units&dryRun=false', good, 'text/csv');
    expect(applied.status).toBe(200);
    expect(applied.body.terminalTokens.map((t: { callsign: string }) => t.callsign)).toEqual([
      '西巡01',
      '东步01',
    ]);
    const units = (await admin.get('/api/v1/units')).body as {
      callsign: string;
      stationId: string;
      kind: string;
    }[];
    expect(units.find((u) => u.callsign === '西巡01')).toMatchObject({ kind: 'patrol_car' });
    // the terminal token works: the new unit reports for duty
    const t = applied.body.terminalTokens[0];
    const terminal = client(base, t.terminalToken);
    expect(
      (await terminal.post(`/api/v1/units/${t.unitId}/status`, { status: 'available' })).status,
    ).toBe(200);
  });

  it('imports accounts from CSV (role, jurisdiction, password); the new account logs in', async () => {
    const before = await counts();
    const csv = [
      'username,password,roles,jurisdiction',
      'west.dispatch,west-dispatch-1,dispatcher,西区',
      'west.taker,west-taker-pass,calltaker|dispatcher,西区',
      'city.cmd,city-commander-1,commander,',
    ].join('\r\n');
    const dry = await upload('kind=users', csv, 'text/csv');
    expect(dry.body.counts).toEqual({ create: 3, update: 0, refuse: 0 });
    expect(await counts()).toEqual(before);
    expect(
      (
        await client(base).post('/api/v1/auth/login', {
          username: 'west.taker',
          password: 'west-taker-pass',
        })
      ).status,
    ).toBe(401);
    const bad = `${csv}\nshort,abc,dispatcher,西区\nwho,long-enough-pw,janitor,\n`;
    const refused = await upload('kind=users&dryRun=false', bad, 'text/csv');
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.rows.map((r: { row: number }) => r.row)).toEqual([4, 5]);
    expect(await counts()).toEqual(before);

    const applied = await upload('kind=users&dryRun=false', csv, 'text/csv');
    expect(applied.status).toBe(200);
    const taker = await client(base).post('/api/v1/auth/login', {
      username: 'west.taker',
      password: 'west-taker-pass',
    });
    expect(taker.status).toBe(200);
    expect(taker.body.user).toMatchObject({
      roles: ['calltaker', 'dispatcher'],
      jurisdictionId: westId,
    });
    // the imported call-taker files a call in the imported district (sent in WGS84)
    const c = client(base, taker.body.accessToken);
    const inc = await c.post('/api/v1/incidents', {
      location: NEAR_WEST_EDGE,
      category: 'criminal',
      priority: 2,
    });
    expect(inc.status).toBe(201);
    expect(inc.body.incident.jurisdiction.districtId).toBe(westId);

    // a second import resets a password: the old one stops working
    const reset = await upload(
      'kind=users&dryRun=false',
      'username,password,roles\nwest.taker,new-taker-pass,calltaker',
      'text/csv',
    );
    expect(reset.body.counts).toEqual({ create: 0, update: 1, refuse: 0 });
    expect((await c.get('/api/v1/incidents')).status).toBe(401);
    expect(
      (
        await client(base).post('/api/v1/auth/login', {
          username: 'west.taker',
          password: 'new-taker-pass',
        })
      ).body.user,
    ).toMatchObject({ roles: ['calltaker'], jurisdictionId: westId });
  });

  it('imports standby points from CSV in BD-09 and checkpoints from GeoJSON', async () => {
    const bd = gcoord.transform<[number, number]>([104.05, 30.64], gcoord.WGS84, gcoord.BD09);
    const csv = `name,lon,lat\n西备勤点,${bd[0]},${bd[1]}\n`;
    const r = await upload('kind=standby-points&crs=bd09&dryRun=false', csv, 'text/csv');
    expect(r.status).toBe(200);
    const [p] = (await admin.get('/api/v1/standby-points')).body as {
      location: { lon: number; lat: number };
    }[];
    expect(Math.abs(p.location.lon - 104.05)).toBeLessThan(2e-5);
    expect(Math.abs(p.location.lat - 30.64)).toBeLessThan(2e-5);
    const gj = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { name: '西卡点' },
          geometry: { type: 'Point', coordinates: [104.031, 30.66] },
        },
        {
          type: 'Feature',
          properties: { name: '坏卡点' },
          geometry: {
            type: 'LineString',
            coordinates: [
              [104, 30],
              [104.1, 30.1],
            ],
          },
        },
      ],
    });
    const refused = await upload('kind=checkpoints&dryRun=false', gj, 'application/geo+json');
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.rows).toEqual([
      {
        row: 2,
        key: '坏卡点',
        action: 'refuse',
        errors: ['geometry: a LineString, not a Point'],
        issues: [
          {
            code: 'IMPORT_BAD_GEOMETRY_TYPE',
            field: 'geometry',
            value: 'LineString',
            expected: ['Point'],
          },
        ],
      },
    ]);
    expect((await admin.get('/api/v1/checkpoints')).body).toEqual([]);
    // without the bad row the checkpoint is imported where the file puts it
    const good = JSON.stringify({
      ...JSON.parse(gj),
      features: JSON.parse(gj).features.slice(0, 1),
    });
    const applied = await upload('kind=checkpoints&dryRun=false', good, 'application/geo+json');
    expect(applied.status).toBe(200);
    expect(applied.body.counts).toEqual({ create: 1, update: 0, refuse: 0 });
    expect((await admin.get('/api/v1/checkpoints')).body).toEqual([
      expect.objectContaining({ name: '西卡点', location: { lon: 104.031, lat: 30.66 } }),
    ]);
  });

  it('edits accounts, units and places one by one', async () => {
    const users = (await admin.get('/api/v1/users')).body as { id: string; username: string }[];
    const cmd = users.find((u) => u.username === 'city.cmd')!;
    const session = await loginToken(base, 'city.cmd', 'city-commander-1');
    const patched = await admin.raw('PATCH', `/api/v1/users/${cmd.id}`, {
      roles: ['commander', 'dispatcher'],
      jurisdictionId: eastId,
    });
    expect(patched).toMatchObject({
      status: 200,
      body: { roles: ['commander', 'dispatcher'], jurisdictionId: eastId },
    });
    expect((await admin.raw('PATCH', `/api/v1/users/${cmd.id}`, {})).status).toBe(400);
    const reset = await admin.post(`/api/v1/users/${cmd.id}/password`, {
      password: 'fresh-password-1',
    });
    expect(reset.status).toBe(200);
    expect((await client(base, session).get('/api/v1/incidents')).status).toBe(401);
    expect(
      (
        await client(base).post('/api/v1/auth/login', {
          username: 'city.cmd',
          password: 'city-commander-1',
        })
      ).status,
    ).toBe(401);
    const fresh = await loginToken(base, 'city.cmd', 'fresh-password-1');
    // not an admin: may not edit anyone
    expect(
      (await client(base, fresh).raw('PATCH', `/api/v1/users/${cmd.id}`, { roles: ['admin'] }))
        .status,
    ).toBe(403);

    const units = (await admin.get('/api/v1/units')).body as { id: string; callsign: string }[];
    const foot = units.find((u) => u.callsign === '东步01')!;
    const stations = (
      (await admin.get('/api/v1/jurisdictions')).body.features as {
        properties: { id: string; name: string };
      }[]
    ).map((f) => f.properties);
    const westStation = stations.find((s) => s.name === '西一所')!.id;
    const unit = await admin.raw('PATCH', `/api/v1/units/${foot.id}`, {
      callsign: '西摩01',
      kind: 'motorcycle',
      stationId: westStation,
    });
    expect(unit).toMatchObject({
      status: 200,
      body: { callsign: '西摩01', kind: 'motorcycle', stationId: westStation },
    });
    expect(
      (await admin.raw('PATCH', `/api/v1/units/${foot.id}`, { callsign: '西巡01' })).status,
    ).toBe(409);

    const [sp] = (await admin.get('/api/v1/standby-points')).body as { id: string }[];
    const gcj = gcoord.transform<[number, number]>([104.06, 30.645], gcoord.WGS84, gcoord.GCJ02);
    const moved = await admin.raw('PATCH', `/api/v1/standby-points/${sp.id}`, {
      name: '西备勤点二',
      location: { lon: gcj[0], lat: gcj[1], crs: 'GCJ02' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.name).toBe('西备勤点二');
    expect(Math.abs(moved.body.location.lon - 104.06)).toBeLessThan(2e-5);
    expect((await admin.raw('DELETE', `/api/v1/standby-points/${sp.id}`)).status).toBe(204);
    expect((await admin.raw('DELETE', `/api/v1/standby-points/${sp.id}`)).status).toBe(404);
    expect((await admin.get('/api/v1/standby-points')).body).toEqual([]);
  });

  // ---- premises (重点场所) ----------------------------------------------------------------------

  interface Premise {
    id: string;
    name: string;
    level: string;
    text: string;
    location: { lon: number; lat: number } | null;
    area: { type: string; coordinates: unknown } | null;
  }
  const premises = async () => (await admin.get('/api/v1/premises')).body as Premise[];
  const premise = async (name: string) => (await premises()).find((p) => p.name === name);
  /** Every [lon, lat] of a GeoJSON geometry's coordinates. */
  const positions = (c: unknown): number[][] =>
    Array.isArray(c) && typeof c[0] === 'number'
      ? [c as number[]]
      : (c as unknown[]).flatMap(positions);
  const q = (o: Record<string, string>) => encodeURIComponent(JSON.stringify(o));
  /** A school gate and a chemical yard, as surveyed (WGS84). */
  const SCHOOL: [number, number] = [104.052, 30.645];
  const YARD = square(104.08, 30.64, 104.085, 30.645);
  const PREMISES_GEOJSON = JSON.stringify({
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        properties: { 名称: '实验小学', 等级: '注意', 说明: '上下学时段学生密集' },
        geometry: {
          type: 'Point',
          coordinates: gcoord.transform<[number, number]>(SCHOOL, gcoord.WGS84, gcoord.GCJ02),
        },
      },
      {
        type: 'Feature',
        properties: { 名称: '化工仓库', 等级: 'danger', 说明: '危化品仓储，禁止明火' },
        geometry: { type: 'Polygon', coordinates: [toGcj(YARD)] },
      },
    ],
  });
  const PREMISES_MAPPING = q({ name: '名称', level: '等级', text: '说明' });

  it('imports premises (points and areas) from GeoJSON in GCJ-02: mapping step, dry run, apply, re-import updates', async () => {
    const before = await counts();
    // the file's fields come back for the mapping step when the required ones are not found
    const unmapped = await upload('kind=premises&crs=gcj02', PREMISES_GEOJSON);
    expect(unmapped.status).toBe(400);
    expect(unmapped.body.error.details).toEqual({
      fields: ['名称', '等级', '说明'],
      missing: ['name', 'level', 'text'],
    });

    const query = `kind=premises&crs=gcj02&mapping=${PREMISES_MAPPING}`;
    const dry = await upload(query, PREMISES_GEOJSON, 'application/geo+json');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      kind: 'premises',
      format: 'geojson',
      crs: 'GCJ02',
      dryRun: true,
      applied: false,
      mapping: { name: '名称', level: '等级', text: '说明' },
      counts: { create: 2, update: 0, refuse: 0 },
      rows: [
        { row: 1, key: '实验小学', action: 'create', issues: [] },
        { row: 2, key: '化工仓库', action: 'create', issues: [] },
      ],
    });
    expect(await counts()).toEqual(before);

    const applied = await upload(`${query}&dryRun=false`, PREMISES_GEOJSON, 'application/geo+json');
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ applied: true, counts: { create: 2, refuse: 0 } });
    expect(await counts()).toEqual({ ...before, premises: before.premises + 2 });

    // GCJ-02 taken back to where it was surveyed: within ~2 m, where the GCJ-02 figures lie ~250 m off
    const school = (await premise('实验小学'))!;
    expect(school).toMatchObject({ level: 'caution', text: '上下学时段学生密集', area: null });
    expect(Math.abs(school.location!.lon - SCHOOL[0])).toBeLessThan(2e-5);
    expect(Math.abs(school.location!.lat - SCHOOL[1])).toBeLessThan(2e-5);
    const shifted = gcoord.transform<[number, number]>(SCHOOL, gcoord.WGS84, gcoord.GCJ02);
    expect(Math.hypot(shifted[0] - SCHOOL[0], shifted[1] - SCHOOL[1])).toBeGreaterThan(0.002);
    const yard = (await premise('化工仓库'))!;
    expect(yard).toMatchObject({ level: 'danger', location: null });
    const corners = positions(yard.area!.coordinates);
    for (const [lon, lat] of YARD.slice(0, 4))
      expect(Math.min(...corners.map(([x, y]) => Math.hypot(x - lon, y - lat)))).toBeLessThan(2e-5);

    // the imported flag reaches the desk: a call at the school gate is told about it
    const dispatcher = client(base, await loginToken(base, 'disp0', 'dispatcher-pass'));
    const ctx = await dispatcher.get(`/api/v1/intake/context?lon=${SCHOOL[0]}&lat=${SCHOOL[1]}`);
    expect(ctx.status).toBe(200);
    expect(ctx.body.premises).toEqual([
      expect.objectContaining({ name: '实验小学', level: 'caution' }),
    ]);

    // the same names again are updates (a new level and text), not new premises
    const relevelled = PREMISES_GEOJSON.replace('注意', '危险').replace('上下学', '放学');
    const again = await upload(`${query}&dryRun=false`, relevelled, 'application/geo+json');
    expect(again.body.counts).toEqual({ create: 0, update: 2, refuse: 0 });
    expect(await premise('实验小学')).toMatchObject({
      id: school.id,
      level: 'danger',
      text: '放学时段学生密集',
    });
    expect(await counts()).toEqual({ ...before, premises: before.premises + 2 });
  });

  it('imports premises from a zipped shapefile and from CSV in BD-09; a file with bad rows is refused whole, row by row', async () => {
    const zip = shapefileZip('重点场所', [
      { point: [104.06, 30.66], properties: { MC: '人民医院', JB: '提示', SM: '急诊入口在东侧' } },
      { point: [104.1, 30.66], properties: { MC: '东区加油站', JB: 'Danger', SM: '油罐区' } },
    ]);
    const shp = await upload(
      `kind=premises&dryRun=false&mapping=${q({ name: 'MC', level: 'JB', text: 'SM' })}`,
      zip,
      'application/zip',
    );
    expect(shp.status).toBe(200);
    expect(shp.body).toMatchObject({
      format: 'shapefile',
      applied: true,
      counts: { create: 2, update: 0, refuse: 0 },
    });
    expect(await premise('人民医院')).toMatchObject({
      level: 'info',
      location: { lon: 104.06, lat: 30.66 },
    });
    expect(await premise('东区加油站')).toMatchObject({ level: 'danger' });

    const bd = (lon: number, lat: number) =>
      gcoord.transform<[number, number]>([lon, lat], gcoord.WGS84, gcoord.BD09).join(',');
    const bad = [
      'name,level,text,lon,lat',
      `体育馆,caution,大型活动时人员密集,${bd(104.07, 30.655)}`,
      `银行网点,red,运钞时段注意,${bd(104.04, 30.65)}`,
      `无说明处,info,,${bd(104.04, 30.65)}`,
      `体育馆,info,重名,${bd(104.05, 30.65)}`,
      `坏坐标,info,经度不是数字,abc,30.65`,
      `城外仓库,info,在服务范围外,${bd(105.5, 30.65)}`,
    ].join('\n');
    const before = await counts();
    const dry = await upload('kind=premises&crs=bd09', bad, 'text/csv');
    expect(dry.status).toBe(200);
    expect(dry.body.counts).toEqual({ create: 1, update: 0, refuse: 5 });
    const refused = await upload('kind=premises&crs=bd09&dryRun=false', bad, 'text/csv');
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('IMPORT_REFUSED');
    expect(refused.body.error.details.counts).toEqual({ create: 1, update: 0, refuse: 5 });
    const rows = refused.body.error.details.rows as {
      row: number;
      key: string;
      errors: string[];
      issues: Record<string, unknown>[];
    }[];
    expect(rows.map((r) => [r.row, r.key, r.issues])).toEqual([
      [
        2,
        '银行网点',
        [
          {
            code: 'IMPORT_BAD_KIND',
            field: 'level',
            value: 'red',
            expected: ['info', 'caution', 'danger'],
          },
        ],
      ],
      [3, '无说明处', [{ code: 'IMPORT_FIELD_MISSING', field: 'text' }]],
      [4, '体育馆', [{ code: 'IMPORT_DUPLICATE_ROW', field: 'name', value: '体育馆', row: 1 }]],
      [5, '坏坐标', [{ code: 'IMPORT_NOT_A_NUMBER', field: 'lon', value: 'abc' }]],
      [
        6,
        '城外仓库',
        [expect.objectContaining({ code: 'IMPORT_OUTSIDE_AREA', field: 'location' })],
      ],
    ]);
    expect(rows[1].errors).toEqual(['text: missing']);
    expect(await counts()).toEqual(before);

    // GeoJSON rows that are not a point or a valid area
    const shapes = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { name: '河道', level: 'info', text: '汛期' },
          geometry: {
            type: 'LineString',
            coordinates: [
              [104.04, 30.64],
              [104.05, 30.65],
            ],
          },
        },
        {
          type: 'Feature',
          properties: { name: '蝴蝶形', level: 'info', text: '自相交' },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [104.04, 30.64],
                [104.05, 30.65],
                [104.05, 30.64],
                [104.04, 30.65],
                [104.04, 30.64],
              ],
            ],
          },
        },
      ],
    });
    const shapesRefused = await upload('kind=premises&dryRun=false', shapes, 'application/json');
    expect(shapesRefused.status).toBe(422);
    expect(
      shapesRefused.body.error.details.rows.map((r: { issues: { code: string }[] }) => r.issues),
    ).toEqual([
      [
        {
          code: 'IMPORT_BAD_GEOMETRY_TYPE',
          field: 'geometry',
          value: 'LineString',
          expected: ['Point', 'Polygon', 'MultiPolygon'],
        },
      ],
      [expect.objectContaining({ code: 'IMPORT_INVALID_POLYGON', field: 'geometry' })],
    ]);
    expect(await counts()).toEqual(before);

    // the corrected CSV: stored where it was surveyed, not at its BD-09 figures
    const good = [
      'name,level,text,lon,lat',
      `体育馆,caution,大型活动时人员密集,${bd(104.07, 30.655)}`,
      `银行网点,info,运钞时段注意,${bd(104.04, 30.65)}`,
    ].join('\n');
    const applied = await upload('kind=premises&crs=bd09&dryRun=false', good, 'text/csv');
    expect(applied.status).toBe(200);
    const stadium = (await premise('体育馆'))!;
    expect(Math.abs(stadium.location!.lon - 104.07)).toBeLessThan(2e-5);
    expect(Math.abs(stadium.location!.lat - 30.655)).toBeLessThan(2e-5);
    expect(await counts()).toEqual({ ...before, premises: before.premises + 2 });
  });

  it('refuses a premises import by anyone but an admin, and a name several premises share', async () => {
    const before = await counts();
    const csv = 'name,level,text,lon,lat\n夜市,caution,人员密集,104.06,30.65\n';
    // a dispatcher may add premises one by one, but not import them
    const dispatcher = await loginToken(base, 'disp0', 'dispatcher-pass');
    for (const dryRun of ['true', 'false'])
      expect(
        (await upload(`kind=premises&dryRun=${dryRun}`, csv, 'text/csv', dispatcher)).status,
      ).toBe(403);
    expect((await upload('kind=premises&dryRun=false', csv, 'text/csv', 'nope')).status).toBe(401);
    expect(await counts()).toEqual(before);

    // two premises of the same name made by hand: which one a row means is unclear
    const twin = {
      name: '夜市',
      level: 'info',
      text: '东门',
      location: { lon: 104.061, lat: 30.651 },
    };
    expect((await admin.post('/api/v1/premises', twin)).status).toBe(201);
    expect((await admin.post('/api/v1/premises', { ...twin, text: '西门' })).status).toBe(201);
    const refused = await upload('kind=premises&dryRun=false', csv, 'text/csv');
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.rows[0].issues).toEqual([
      { code: 'IMPORT_NAME_NOT_UNIQUE', field: 'name', value: '夜市', count: 2 },
    ]);
    expect(
      (await premises())
        .filter((p) => p.name === '夜市')
        .map((p) => p.text)
        .sort(),
    ).toEqual(['东门', '西门']);
  });
});
