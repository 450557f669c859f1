import { patrolAt } from '../../libs/routing/src/patrol.fixture';
import { client, login, SERVICES_MODE, sleep } from '../support/harness';
import { createIndexGrid, HOUR, type IndexGrid } from '../support/index-grid';
import { TestClock } from '../support/test-clock';

type Http = ReturnType<typeof client>;

interface Part {
  component: string;
  raw: number | null;
  score: number | null;
  weightUsed: number;
  samples?: number | null;
}
interface Row {
  districtId: string;
  rank: number | null;
  score: number | null;
  parts: Part[];
}

/**
 * The 平安指数's sampled parts through the routes, on the 3 × 3 street grid of
 * libs/routing/src/patrol.fixture.ts (worked out on paper there): a west district (0.7 street-km)
 * and an east one (1.7 km); a unit drove the middle street (0.1 km west, 0.3 km east) in the last
 * complete hour, so the sampler's 见警率 is 14.3 % west and 17.6 % east; a standing perimeter with
 * both checkpoints in the west district gives the west its readiness part, the east has none (no
 * data, its weight redistributed); a district off the grid has no samples at all.
 */
describe(`safety index samples (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  const clock = new TestClock(0.001);
  let grid: IndexGrid;
  let admin: Http;
  let commander: Http;
  let ids: IndexGrid['ids'];

  const index = async (as: Http = commander) => {
    const r = await as.get(`/api/v1/safety-index?week=${grid.week}`);
    expect(r.status).toBe(200);
    return r.body as {
      components: { component: string; note: string | null }[];
      districts: Row[];
    };
  };
  const part = (row: Row | undefined, c: string) => row?.parts.find((p) => p.component === c);

  beforeAll(async () => {
    grid = await createIndexGrid(clock);
    ({ admin, commander, ids } = grid);
  }, 300_000);

  afterAll(async () => {
    await grid?.close();
  });

  it('the sampler records 见警率 and perimeter readiness; the index takes their weekly means', async () => {
    // the repeatable job runs every second: wait until it has sampled the persisted drive and
    // the perimeter. Both districts: a round works them out one after the other, so a round that
    // began while the drive was being written may hold one of them before it and one after (the
    // next round, which replaces the slot's samples, has both)
    let rows: Row[] = [];
    for (const end = Date.now() + 60_000; ; await sleep(300)) {
      rows = (await index()).districts;
      const west = rows.find((r) => r.districtId === ids.west);
      const east = rows.find((r) => r.districtId === ids.east);
      if (
        part(west, 'visibility')?.raw === 14.3 &&
        part(east, 'visibility')?.raw === 17.6 &&
        part(west, 'perimeterReadiness')?.samples
      )
        break;
      if (Date.now() > end) throw new Error(`no samples: ${JSON.stringify(rows)}`);
    }
    const west = rows.find((r) => r.districtId === ids.west)!;
    const east = rows.find((r) => r.districtId === ids.east)!;
    const far = rows.find((r) => r.districtId === ids.far)!;

    // the samples agree with the routes they come from: the patrol visibility of that slot …
    const slotTo = Math.floor(clock.now().getTime() / HOUR) * HOUR;
    const slot = `from=${new Date(slotTo - HOUR).toISOString()}&to=${new Date(slotTo).toISOString()}&slotMin=60`;
    for (const [id, pct] of [
      [ids.west, 14.3],
      [ids.east, 17.6],
    ] as const) {
      const v = await commander.get(`/api/v1/patrol/visibility?jurisdictionId=${id}&${slot}`);
      expect(v.status).toBe(200);
      expect(v.body.slots).toHaveLength(1);
      expect(Math.round(v.body.slots[0].streetKmPct * 10) / 10).toBe(pct);
    }
    // … and the perimeter's readiness now (nothing moves: the mean of its tiers' shares)
    const ready = await commander.get(`/api/v1/perimeters/${grid.perimeterId}/readiness`);
    expect(ready.status).toBe(200);
    const tiers = ready.body.tiers as { sec: number; coverablePct: number }[];
    expect(tiers.map((t) => t.sec)).toEqual([60, 600]);
    // one unit mans one checkpoint: 600 m of street to either is well inside 10 minutes
    expect(tiers[1].coverablePct).toBe(50);
    expect([0, 50]).toContain(tiers[0].coverablePct);
    const readiness = (tiers[0].coverablePct + tiers[1].coverablePct) / 2;

    expect(part(west, 'visibility')).toMatchObject({ raw: 14.3, weightUsed: 15, samples: 1 });
    expect(part(west, 'perimeterReadiness')).toMatchObject({
      raw: Math.round(readiness * 10) / 10,
      weightUsed: 10,
      samples: 2,
    });
    expect(part(east, 'visibility')).toMatchObject({ raw: 17.6, weightUsed: 15, samples: 1 });
    // no perimeter touches the east: no data, not an estimate, its weight goes to the others
    expect(part(east, 'perimeterReadiness')).toMatchObject({
      raw: null,
      score: null,
      weightUsed: 0,
      samples: 0,
    });
    // no incidents, no coverage samples: visibility and readiness alone decide
    const westScore = Math.round(((15 * 14.3 + 10 * readiness) / 25) * 10) / 10;
    expect(west).toMatchObject({ rank: 1, score: westScore });
    expect(east).toMatchObject({ rank: 2, score: 17.6 });
    // a district off the network: nothing sampled, no score, no rank
    expect(far).toMatchObject({ rank: null, score: null });
    expect(part(far, 'visibility')).toMatchObject({ raw: null, weightUsed: 0, samples: 0 });

    const comps = new Map((await index()).components.map((c) => [c.component, c]));
    expect(comps.get('visibility')).toMatchObject({ available: true, effectiveWeight: 15 });
    expect(comps.get('visibility')!.note).toMatch(/hourly/);
    expect(comps.get('perimeterReadiness')!.note).toMatch(/no data/);
  }, 90_000);

  it('an admin weighting readiness 0 turns the ranking: visibility alone decides', async () => {
    const set = await admin.raw('PUT', '/api/v1/safety-index/weights', {
      perimeterReadiness: 0,
    });
    expect(set.status).toBe(200);
    const rows = (await index()).districts;
    expect(rows.map((r) => [r.districtId, r.rank, r.score])).toEqual([
      [ids.east, 1, 17.6],
      [ids.west, 2, 14.3],
      [ids.far, null, null],
    ]);
    expect(part(rows[1], 'perimeterReadiness')).toMatchObject({ weightUsed: 0, samples: 2 });
  }, 30_000);

  it('an exercise incident answered in the west (its ring met) leaves the index as it was', async () => {
    const before = (await index()).districts;
    const started = await commander.post('/api/v1/exercises', {
      name: '西区演练',
      scenario: {
        incidents: [{ atSec: 0, location: patrolAt(0, 0), category: 'criminal', priority: 2 }],
      },
    });
    expect(started.status).toBe(201);
    await admin.post('/api/v1/users', {
      username: 'dispatcher',
      password: 'dispatcher-password',
      roles: ['dispatcher'],
    });
    const dispatcher = await login(grid.base, 'dispatcher', 'dispatcher-password');
    const open = (await dispatcher.get('/api/v1/incidents?status=open')).body as {
      id: string;
      exercise: boolean;
    }[];
    expect(open).toHaveLength(1);
    expect(open[0].exercise).toBe(true);
    const asg = await dispatcher.post(`/api/v1/incidents/${open[0].id}/assignments`, {
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
    // the exercise scores it (the car's 3-minute tier met) …
    const ex = await commander.get(`/api/v1/exercises/${started.body.id}`);
    expect(ex.body.score).toMatchObject([{ districtId: ids.west, arrived: 1, ringMet: 1 }]);
    // … the index's incident parts stay empty, and the west's score and rank are unchanged
    const after = (await index()).districts;
    const west = after.find((r) => r.districtId === ids.west)!;
    for (const c of ['tiersMet', 'responseP90'])
      expect(part(west, c)).toMatchObject({ raw: null, weightUsed: 0 });
    expect(after.map((r) => [r.districtId, r.rank, r.score])).toEqual(
      before.map((r) => [r.districtId, r.rank, r.score]),
    );
  }, 60_000);
});
