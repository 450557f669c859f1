import { BUILTIN_SCHEMES, ringTierFor, type RingScheme } from '@ringcad/domain';
import { client, createStack, SERVICES_MODE, type Stack } from '../support/harness';
import { boxPolygon, buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';

const square = boxPolygon;
/** 东区, east of the world's 锦江区 (104.03–104.11). */
const EAST = square(104.11, 30.63, 104.15, 30.71);
const Q = { lon: 104.12, lat: 30.65 };
/** A 2 km grid around the world's incident point, where its units stand. */
const GRID = square(
  INCIDENT_POINT.lon - 0.01,
  INCIDENT_POINT.lat - 0.01,
  INCIDENT_POINT.lon + 0.01,
  INCIDENT_POINT.lat + 0.02,
);
const CUSTOM = {
  id: 'city-2-4-6',
  label: { zh: '2、4、6分钟处置圈', en: '2/4/6-minute rings' },
  tiers: [
    { sec: 120, label: { zh: '2分钟', en: '2 min' } },
    { sec: 240, label: { zh: '4分钟', en: '4 min' }, count: 1 },
    { sec: 360, label: { zh: '6分钟', en: '6 min' }, unitKinds: ['patrol_car'], count: 2 },
  ],
};

describe(`admin data: jurisdictions, ring schemes, dispositions (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let base: string;
  let world: World;
  let scopedAdmin: ReturnType<typeof client>;
  let eastId: string;

  const file = async (at: { lon: number; lat: number }, priority: 1 | 2 | 3 = 2) => {
    const r = await world.calltaker.post('/api/v1/incidents', {
      location: at,
      category: 'public_order',
      priority,
    });
    expect(r.status).toBe(201);
    return r.body.incident as {
      id: string;
      schemeId: string;
      jurisdiction: { districtId: string | null; gridId: string | null } | null;
    };
  };
  const jurisdictions = async () =>
    (await world.admin.get('/api/v1/jurisdictions')).body.features.map((f: any) => ({
      ...f.properties,
      geometry: f.geometry,
    })) as {
      id: string;
      name: string;
      parentId: string | null;
      schemeId: string | null;
      geometry: unknown;
    }[];
  const schemes = async () => (await world.admin.get('/api/v1/rings/schemes')).body as any[];
  const dispositions = async () => (await world.admin.get('/api/v1/dispositions')).body as any[];

  beforeAll(async () => {
    stack = await createStack();
    base = (await stack.startApi()).url;
    world = await buildWorld(base, 3);
    const east = await world.admin.post('/api/v1/jurisdictions', {
      name: '东区',
      kind: 'district',
      boundary: EAST,
    });
    expect(east.status).toBe(201);
    eastId = east.body.id;
    // an admin whose scope is one district: admin data is city-wide, so not theirs to change
    expect(
      (
        await world.admin.post('/api/v1/users', {
          username: 'east-admin',
          password: 'east-admin-password',
          roles: ['admin'],
          jurisdictionId: eastId,
        })
      ).status,
    ).toBe(201);
    const login = await client(base).post('/api/v1/auth/login', {
      username: 'east-admin',
      password: 'east-admin-password',
    });
    scopedAdmin = client(base, login.body.accessToken);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('serves the built-in schemes from the table as the domain defines them', async () => {
    const list = await schemes();
    for (const s of BUILTIN_SCHEMES)
      expect(list.find((x) => x.id === s.id)).toEqual({ ...s, builtin: true });
  });

  it('refuses other roles, scoped admins and bad input, and writes nothing then', async () => {
    const before = { j: await jurisdictions(), s: await schemes(), d: await dispositions() };
    const patch = { name: '改名' };
    expect(
      (await world.calltaker.raw('PATCH', `/api/v1/jurisdictions/${eastId}`, patch)).status,
    ).toBe(403);
    expect((await world.dispatcher.post('/api/v1/rings/schemes', CUSTOM)).status).toBe(403);
    expect((await world.commander.raw('DELETE', `/api/v1/jurisdictions/${eastId}`)).status).toBe(
      403,
    );
    const scoped = await scopedAdmin.raw('PATCH', `/api/v1/jurisdictions/${eastId}`, patch);
    expect([403]).toContain(scoped.status);
    expect((await scopedAdmin.post('/api/v1/rings/schemes', CUSTOM)).status).toBe(403);
    expect(
      (await world.dispatcher.raw('PATCH', '/api/v1/dispositions/mediated', { disabled: true }))
        .status,
    ).toBe(403);

    const bad = async (method: string, path: string, body: unknown, code: string, status = 400) => {
      const r = await world.admin.raw(method, path, body);
      expect({ path, status: r.status, code: r.body?.error?.code }).toEqual({ path, status, code });
    };
    const tiers = CUSTOM.tiers;
    await bad(
      'POST',
      '/api/v1/rings/schemes',
      { ...CUSTOM, tiers: [tiers[1], tiers[0]] },
      'VALIDATION_FAILED',
    );
    await bad(
      'POST',
      '/api/v1/rings/schemes',
      { ...CUSTOM, tiers: [tiers[0], tiers[0]] },
      'VALIDATION_FAILED',
    );
    await bad(
      'POST',
      '/api/v1/rings/schemes',
      { ...CUSTOM, tiers: [{ ...tiers[0], sec: 0 }] },
      'VALIDATION_FAILED',
    );
    await bad(
      'POST',
      '/api/v1/rings/schemes',
      { ...CUSTOM, tiers: [{ ...tiers[0], sec: -60 }] },
      'VALIDATION_FAILED',
    );
    await bad('POST', '/api/v1/rings/schemes', { ...CUSTOM, tiers: [] }, 'VALIDATION_FAILED');
    await bad('POST', '/api/v1/rings/schemes', { ...CUSTOM, id: '1-3-8' }, 'CONFLICT', 409);
    await bad('PUT', '/api/v1/rings/schemes/1-3-8', { label: CUSTOM.label, tiers }, 'BUILTIN', 409);
    await bad('DELETE', '/api/v1/rings/schemes/5-10-30', undefined, 'BUILTIN', 409);
    await bad('DELETE', '/api/v1/rings/schemes/nope-1', undefined, 'NOT_FOUND', 404);
    await bad('PATCH', `/api/v1/jurisdictions/${eastId}`, {}, 'VALIDATION_FAILED');
    await bad(
      'PATCH',
      `/api/v1/jurisdictions/${eastId}`,
      { schemeId: 'no-such' },
      'VALIDATION_FAILED',
    );
    await bad(
      'PATCH',
      `/api/v1/jurisdictions/${eastId}`,
      { parentId: eastId },
      'VALIDATION_FAILED',
    );
    await bad(
      'PATCH',
      `/api/v1/jurisdictions/${eastId}`,
      { parentId: world.districtId },
      'VALIDATION_FAILED',
    );
    // a bow tie: closed, in range, but not a valid polygon
    const bowTie = {
      type: 'Polygon',
      coordinates: [
        [
          [104.11, 30.63],
          [104.15, 30.71],
          [104.15, 30.63],
          [104.11, 30.71],
          [104.11, 30.63],
        ],
      ],
    };
    await bad(
      'PATCH',
      `/api/v1/jurisdictions/${eastId}`,
      { name: '不应改名', boundary: bowTie },
      'VALIDATION_FAILED',
    );
    await bad('PATCH', '/api/v1/jurisdictions/not-a-uuid', patch, 'VALIDATION_FAILED');
    await bad('PATCH', '/api/v1/dispositions/Bad Code', { disabled: true }, 'VALIDATION_FAILED');
    await bad(
      'PATCH',
      '/api/v1/dispositions/mediated',
      { label: { zh: '', en: 'x' } },
      'VALIDATION_FAILED',
    );
    await bad('DELETE', '/api/v1/dispositions/mediated', undefined, 'BUILTIN', 409);
    await bad(
      'POST',
      '/api/v1/response-plans',
      {
        category: 'fire',
        priority: 3,
        scheme: 'no-such',
        units: [{ kind: 'patrol_car', count: 1, tier: 0 }],
      },
      'VALIDATION_FAILED',
    );
    expect({ j: await jurisdictions(), s: await schemes(), d: await dispositions() }).toEqual(
      before,
    );
  });

  it('files an incident in a district by its new shape, and deletes only what nothing references', async () => {
    expect((await file(Q)).jurisdiction?.districtId).toBe(eastId);
    // 锦江区 grows east over Q, 东区 shrinks and is renamed
    const grown = await world.admin.raw('PATCH', `/api/v1/jurisdictions/${world.districtId}`, {
      boundary: square(104.03, 30.63, 104.13, 30.71),
    });
    expect(grown.status).toBe(200);
    const renamed = await world.admin.raw('PATCH', `/api/v1/jurisdictions/${eastId}`, {
      name: '高新区',
      boundary: square(104.13, 30.63, 104.15, 30.71),
    });
    expect(renamed.body).toMatchObject({ id: eastId, name: '高新区', kind: 'district' });
    expect((await file(Q)).jurisdiction?.districtId).toBe(world.districtId);
    expect((await file({ lon: 104.14, lat: 30.65 })).jurisdiction?.districtId).toBe(eastId);
    expect((await jurisdictions()).find((j) => j.id === eastId)?.name).toBe('高新区');

    // a station moves from one district to the other
    const station = await world.admin.post('/api/v1/jurisdictions', {
      name: '东站派出所',
      kind: 'station',
      parentId: world.districtId,
      boundary: square(104.135, 30.64, 104.145, 30.66),
    });
    const moved = await world.admin.raw('PATCH', `/api/v1/jurisdictions/${station.body.id}`, {
      parentId: eastId,
    });
    expect(moved.body.parentId).toBe(eastId);

    const inUse = await world.admin.raw('DELETE', `/api/v1/jurisdictions/${eastId}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe('IN_USE');
    expect(inUse.body.error.details.references).toMatchObject({
      children: 1,
      incidents: 2,
      users: 1,
    });
    expect((await jurisdictions()).some((j) => j.id === eastId)).toBe(true);

    const spare = await world.admin.post('/api/v1/jurisdictions', {
      name: '空网格',
      kind: 'grid',
      parentId: eastId,
      boundary: square(104.146, 30.69, 104.149, 30.7),
    });
    expect((await world.admin.raw('DELETE', `/api/v1/jurisdictions/${spare.body.id}`)).status).toBe(
      204,
    );
    expect((await jurisdictions()).some((j) => j.id === spare.body.id)).toBe(false);
    expect((await world.admin.raw('DELETE', `/api/v1/jurisdictions/${spare.body.id}`)).status).toBe(
      404,
    );
  });

  it('holds a new incident to a custom ring scheme its grid chose, else to the default rule', async () => {
    expect((await file(INCIDENT_POINT, 1)).schemeId).toBe('5-10-30');
    expect((await file(INCIDENT_POINT, 3)).schemeId).toBe('1-3-8');
    const created = await world.admin.post('/api/v1/rings/schemes', CUSTOM);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ ...CUSTOM, builtin: false });
    const grid = await world.admin.post('/api/v1/jurisdictions', {
      name: '春熙网格',
      kind: 'grid',
      parentId: world.districtId,
      boundary: GRID,
      schemeId: CUSTOM.id,
    });
    expect(grid.status).toBe(201);

    const incident = await file(INCIDENT_POINT, 1);
    expect(incident.schemeId).toBe(CUSTOM.id);
    expect(incident.jurisdiction?.gridId).toBe(grid.body.id);
    const rec = await world.dispatcher.get(`/api/v1/incidents/${incident.id}/recommendation`);
    expect(rec.status).toBe(200);
    expect(rec.body.scheme.id).toBe(CUSTOM.id);
    expect(rec.body.scheme.tiers.map((t: { sec: number }) => t.sec)).toEqual([120, 240, 360]);
    expect(rec.body.candidates.length).toBeGreaterThan(0);
    for (const c of rec.body.candidates)
      expect(c.tier).toBe(ringTierFor(c.etaSec, CUSTOM as unknown as RingScheme));

    // the admin edits the scheme: the next recommendation measures against the new tiers
    const longer = CUSTOM.tiers.map((t) => ({ ...t, sec: t.sec * 10 }));
    const put = await world.admin.raw('PUT', `/api/v1/rings/schemes/${CUSTOM.id}`, {
      label: CUSTOM.label,
      tiers: longer,
    });
    expect(put.status).toBe(200);
    const again = await world.dispatcher.get(`/api/v1/incidents/${incident.id}/recommendation`);
    expect(again.body.scheme.tiers.map((t: { sec: number }) => t.sec)).toEqual([1200, 2400, 3600]);

    // a plan may name it too
    const plan = await world.admin.post('/api/v1/response-plans', {
      category: 'fire',
      priority: 3,
      scheme: CUSTOM.id,
      units: [{ kind: 'patrol_car', count: 1, tier: 2 }],
    });
    expect(plan.status).toBe(201);

    const inUse = await world.admin.raw('DELETE', `/api/v1/rings/schemes/${CUSTOM.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error).toMatchObject({
      code: 'IN_USE',
      details: { references: { jurisdictions: 1, plans: 1, incidents: 1 } },
    });
    const spare = await world.admin.post('/api/v1/rings/schemes', { ...CUSTOM, id: 'spare-1' });
    expect(spare.status).toBe(201);
    expect((await world.admin.raw('DELETE', '/api/v1/rings/schemes/spare-1')).status).toBe(204);
    expect((await schemes()).map((s) => s.id)).toEqual([
      '1-3-8',
      '5-10-30',
      'seal-10-20',
      CUSTOM.id,
    ]);
  });

  it('disables and relabels a built-in disposition, deletes only an unused own one', async () => {
    const off = await world.admin.raw('PATCH', '/api/v1/dispositions/duplicate', {
      disabled: true,
      label: { zh: '重复报警（停用）', en: 'Duplicate call (retired)' },
    });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ code: 'duplicate', builtin: true, disabled: true });
    const incident = await file(INCIDENT_POINT);
    const refused = await world.dispatcher.post(`/api/v1/incidents/${incident.id}/close`, {
      disposition: 'duplicate',
    });
    expect(refused.status).toBe(400);
    expect((await world.dispatcher.get(`/api/v1/incidents/${incident.id}`)).body.status).toBe(
      'new',
    );

    const own = await world.admin.post('/api/v1/dispositions', {
      code: 'school_referral',
      label: { zh: '移交学校', en: 'Referred to the school' },
    });
    expect(own.status).toBe(201);
    const closed = await world.dispatcher.post(`/api/v1/incidents/${incident.id}/close`, {
      disposition: 'school_referral',
    });
    expect(closed.status).toBe(200);
    const inUse = await world.admin.raw('DELETE', '/api/v1/dispositions/school_referral');
    expect(inUse.body.error).toMatchObject({
      code: 'IN_USE',
      details: { references: { incidents: 1 } },
    });
    await world.admin.post('/api/v1/dispositions', {
      code: 'spare_code',
      label: { zh: '备用', en: 'Spare' },
    });
    expect((await world.admin.raw('DELETE', '/api/v1/dispositions/spare_code')).status).toBe(204);
    const list = await dispositions();
    expect(list.map((d) => d.code)).toContain('school_referral');
    expect(list.map((d) => d.code)).not.toContain('spare_code');
    expect(list.find((d) => d.code === 'duplicate')).toMatchObject({ disabled: true });
  });

  it('keeps premises (重点场所) for admins and dispatchers, refusing bad input whole', async () => {
    const premise = {
      name: '春熙路商场',
      level: 'danger',
      text: '人员密集',
      location: INCIDENT_POINT,
    };
    expect((await world.calltaker.post('/api/v1/premises', premise)).status).toBe(403);
    const both = await world.admin.post('/api/v1/premises', { ...premise, area: GRID });
    expect(both.body.error.code).toBe('VALIDATION_FAILED');
    const badLevel = await world.admin.post('/api/v1/premises', { ...premise, level: 'red' });
    expect(badLevel.status).toBe(400);
    expect((await world.admin.get('/api/v1/premises')).body).toEqual([]);
    const created = await world.admin.post('/api/v1/premises', premise);
    expect(created.status).toBe(201);
    const put = await world.admin.raw('PUT', `/api/v1/premises/${created.body.id}`, {
      ...premise,
      level: 'caution',
    });
    expect(put.body.level).toBe('caution');
    expect((await world.admin.raw('DELETE', `/api/v1/premises/${created.body.id}`)).status).toBe(
      204,
    );
    expect((await world.admin.get('/api/v1/premises')).body).toEqual([]);
  });
});
