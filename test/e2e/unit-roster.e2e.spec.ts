import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { createStack, SERVICES_MODE, type Stack } from '../support/harness';

/**
 * Recommendations read the unit roster from memory, refreshed by the rows changed since the last
 * read (migration 0027). Every change a recommendation depends on must show in the very next one.
 */
describe(`the unit roster behind recommendations (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;

  beforeAll(async () => {
    stack = await createStack();
    const base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 4);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const recommend = async () => {
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'other',
      priority: 3,
    });
    expect(created.status).toBe(201);
    const fresh = await world.dispatcher.get(
      `/api/v1/incidents/${created.body.incident.id}/recommendation`,
    );
    expect(fresh.status).toBe(200);
    // the create's answer and a fresh read agree
    expect(fresh.body.candidates.map((c: { unitId: string }) => c.unitId)).toEqual(
      created.body.recommendation.candidates.map((c: { unitId: string }) => c.unitId),
    );
    return fresh.body as {
      candidates: { unitId: string; callsign: string; kind: string }[];
      excluded: { unitId: string; reason: string; status: string }[];
    };
  };

  it('shows status, callsign and kind changes and new units in the next recommendation', async () => {
    const [u1, u2] = world.units;
    const first = await recommend();
    expect(first.candidates.map((c) => c.unitId)).toEqual(expect.arrayContaining([u1.id, u2.id]));

    // off duty: out of the candidates at once, listed as not available
    const status = await world.admin.post(`/api/v1/units/${u1.id}/status`, {
      status: 'off_duty',
    });
    expect(status.status).toBe(200);
    const second = await recommend();
    expect(second.candidates.map((c) => c.unitId)).not.toContain(u1.id);
    expect(second.excluded).toContainEqual(
      expect.objectContaining({ unitId: u1.id, reason: 'not_available', status: 'off_duty' }),
    );

    // renamed and re-kinded by an admin
    const renamed = await world.admin.raw('PATCH', `/api/v1/units/${u2.id}`, {
      callsign: '川A-新名01',
      kind: 'motorcycle',
    });
    expect(renamed.status).toBe(200);
    const third = await recommend();
    const c2 = third.candidates.find((c) => c.unitId === u2.id);
    expect(c2).toEqual(expect.objectContaining({ callsign: '川A-新名01', kind: 'motorcycle' }));

    // a new unit with a position, on duty: a candidate
    const made = await world.admin.post('/api/v1/units', {
      callsign: '川A-新车',
      kind: 'patrol_car',
    });
    expect(made.status).toBe(201);
    const id = made.body.unit.id as string;
    const pos = await world.admin.post('/api/v1/units/positions', {
      positions: [
        {
          unitId: id,
          lon: INCIDENT_POINT.lon,
          lat: INCIDENT_POINT.lat + 0.001,
          at: new Date().toISOString(),
        },
      ],
    });
    expect(pos.status).toBe(202);
    expect(
      (await world.admin.post(`/api/v1/units/${id}/status`, { status: 'available' })).status,
    ).toBe(200);
    const fourth = await recommend();
    expect(fourth.candidates.map((c) => c.unitId)).toContain(id);

    // back on duty
    expect(
      (await world.admin.post(`/api/v1/units/${u1.id}/status`, { status: 'available' })).status,
    ).toBe(200);
    const fifth = await recommend();
    expect(fifth.candidates.map((c) => c.unitId)).toContain(u1.id);
  });
});
