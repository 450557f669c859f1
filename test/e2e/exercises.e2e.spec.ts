import { join, resolve } from 'node:path';
import {
  buildWorld,
  INCIDENT_POINT,
  INNER_DISTRICT_BOUNDARY as B_BOUNDARY,
  INNER_DISTRICT_POINT as B_POINT,
  type World,
} from '../support/fixtures';
import { createStack, SERVICES_MODE, sleep, type Stack } from '../support/harness';
import { TestClock } from '../support/test-clock';

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(__dirname, '../../../shared/data');

const DAY_MS = 86_400_000;

async function waitUntil(what: string, check: () => Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The CST day (YYYY-MM-DD) of a time. */
const cstDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * 演练 and the 平安指数, through the public contract: exercise incidents stay out of reports and the
 * index; the runner files a known scenario and scores it; the index ranks a known data set.
 */
describe(`exercises and the safety index (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  // nearly held: response times are what the test sets, not what the machine's speed adds
  const clock = new TestClock(0.001);
  let stack: Stack;
  let world: World;
  let districtB: string;

  beforeAll(async () => {
    stack = await createStack(
      {
        ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
        COVERAGE_PUSH_SEC: '0',
        // no 见警率 / readiness samples: the known week is decided by its incidents
        INDEX_SAMPLE_SEC: '0',
        POSITION_STALE_SEC: '3600',
        ACK_TIMEOUT_P1_SEC: '60',
        TIMER_SWEEP_SEC: '0.2',
        SESSION_TTL_HOURS: '720',
      },
      { clock },
    );
    const base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 5); // patrol_car, patrol_car, motorcycle, foot, patrol_car
    const b = await world.admin.post('/api/v1/jurisdictions', {
      name: '青羊区',
      kind: 'district',
      boundary: B_BOUNDARY,
    });
    expect(b.status).toBe(201);
    districtB = b.body.id;
  }, 240_000);

  afterAll(async () => {
    await stack?.close();
  });

  /** Assign a unit, ack, depart; on scene `arriveAfterSec` later, then clear. */
  async function respondTo(incidentId: string, unit: number, arriveAfterSec: number) {
    const asg = await world.dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, {
      unitIds: [world.units[unit].id],
    });
    expect(asg.status).toBe(201);
    const aid = asg.body.assignments[0].id as string;
    for (const type of ['ack', 'depart'])
      expect(
        (await world.dispatcher.post(`/api/v1/assignments/${aid}/events`, { type })).status,
      ).toBe(200);
    clock.advance(arriveAfterSec * 1000);
    for (const type of ['arrive', 'clear'])
      expect(
        (await world.dispatcher.post(`/api/v1/assignments/${aid}/events`, { type })).status,
      ).toBe(200);
  }

  async function incident(at: { lon: number; lat: number }, extra: Record<string, unknown> = {}) {
    const r = await world.calltaker.post('/api/v1/incidents', {
      location: at,
      category: 'dispute',
      priority: 2,
      ...extra,
    });
    expect(r.status).toBe(201);
    return r.body.incident as {
      id: string;
      exercise: boolean;
      jurisdiction: { districtId: string };
    };
  }

  const districtReport = async (fromMs: number, toMs: number) => {
    const r = await world.commander.get(
      `/api/v1/reports/response-times?from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}&groupBy=district`,
    );
    expect(r.status).toBe(200);
    return r.body.groups as { key: string; incidents: number; arrived: number }[];
  };

  let lastWeekDay = '';
  let thisWeekFromMs = 0;

  it('last week: one real incident in the big district (a car in 150 s)', async () => {
    // each week's incidents must fall inside one CST day (so one week) whatever the hour the
    // suite runs: in the last hour before midnight, CST, start two hours later
    const cstTimeOfDay = (clock.now().getTime() + 8 * 3_600_000) % DAY_MS;
    if (cstTimeOfDay > DAY_MS - 3_600_000) clock.advance(2 * 3_600_000);
    lastWeekDay = cstDay(clock.now().getTime());
    await respondTo((await incident(INCIDENT_POINT)).id, 0, 150);
    // a week on: the index's "previous week" is the one just filled
    clock.advance(7 * DAY_MS);
    thisWeekFromMs = clock.now().getTime() - 60_000;
  }, 60_000);

  it('exercise incidents are shown as such and stay out of reports', async () => {
    // real: district A a car in 150 s (met) and in 250 s (missed); district B on foot in 50 s
    await respondTo((await incident(INCIDENT_POINT)).id, 1, 150);
    await respondTo((await incident(INCIDENT_POINT)).id, 4, 250);
    const realB = await incident(B_POINT);
    expect(realB.jurisdiction.districtId).toBe(districtB);
    expect(realB.exercise).toBe(false);
    await respondTo(realB.id, 3, 50);
    const before = await districtReport(thisWeekFromMs, clock.now().getTime() + 60_000);

    // exercises: fast responses in both districts that would lift every figure if they counted
    const exA = await incident(INCIDENT_POINT, { exercise: true });
    expect(exA.exercise).toBe(true);
    await respondTo(exA.id, 0, 20);
    const exB = await incident(B_POINT, { exercise: true });
    await respondTo(exB.id, 3, 10);

    const after = await districtReport(thisWeekFromMs, clock.now().getTime() + 60_000);
    expect(after).toEqual(before);
    const of = (key: string) => after.find((g) => g.key === key);
    expect(of(world.districtId)).toMatchObject({ incidents: 2, arrived: 2 });
    expect(of(districtB)).toMatchObject({ incidents: 1, arrived: 1 });

    // shown as an exercise wherever the incident is read
    const got = await world.dispatcher.get(`/api/v1/incidents/${exA.id}`);
    expect(got.body.exercise).toBe(true);
    const list = await world.dispatcher.get('/api/v1/incidents?status=all');
    const flags = new Map(
      (list.body as { id: string; exercise: boolean }[]).map((i) => [i.id, i.exercise]),
    );
    expect([flags.get(exA.id), flags.get(realB.id)]).toEqual([true, false]);
    const eido = await world.dispatcher.get(`/api/v1/incidents/${exB.id}/eido`);
    expect(eido.body.incidentComponent.exerciseIndicator).toBe(true);
  }, 120_000);

  it('alerts about an exercise incident are marked as exercise', async () => {
    const real = await incident(INCIDENT_POINT, { priority: 1 });
    const ex = await incident(INCIDENT_POINT, { priority: 1, exercise: true });
    for (const [id, unit] of [
      [real.id, 0],
      [ex.id, 1],
    ] as const)
      expect(
        (
          await world.dispatcher.post(`/api/v1/incidents/${id}/assignments`, {
            unitIds: [world.units[unit].id],
          })
        ).status,
      ).toBe(201);
    clock.advance(60_000 + 6_000);
    const overdue = async () => {
      const r = await world.dispatcher.get('/api/v1/alerts');
      return (r.body as { kind: string; incidentId: string; exercise: boolean }[]).filter(
        (a) => a.kind === 'ack_overdue' && [real.id, ex.id].includes(a.incidentId),
      );
    };
    await waitUntil('both ack-overdue alerts', async () => (await overdue()).length === 2);
    const byIncident = new Map((await overdue()).map((a) => [a.incidentId, a.exercise]));
    expect([byIncident.get(real.id), byIncident.get(ex.id)]).toEqual([false, true]);
    for (const id of [real.id, ex.id])
      await world.dispatcher.post(`/api/v1/incidents/${id}/cancel`, { reason: 'test done' });
  }, 60_000);

  it('the runner files a scripted scenario as exercise incidents and scores that exercise only', async () => {
    const r = await world.commander.post('/api/v1/exercises', {
      name: '夜间演练',
      scenario: {
        incidents: [
          { atSec: 0, location: B_POINT, category: 'criminal', priority: 2 },
          { atSec: 120, location: B_POINT, category: 'dispute', priority: 2 },
        ],
      },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'running', planned: 2, filed: 1, failed: 0 });
    const id = r.body.id as string;
    const read = async () => (await world.commander.get(`/api/v1/exercises/${id}`)).body;
    clock.advance(120_000);
    await waitUntil('the second inject', async () => (await read()).filed === 2);
    expect((await read()).status).toBe('finished');

    const open = await world.dispatcher.get('/api/v1/incidents?status=open');
    const filed = (open.body as { id: string; exercise: boolean; description: string }[]).filter(
      (i) => i.description?.startsWith('演练 夜间演练'),
    );
    expect(filed).toHaveLength(2);
    expect(filed.every((i) => i.exercise)).toBe(true);
    // on foot in 40 s (the 1-min foot tier: met); a car in 200 s (3-min tier missed, 8-min needs two)
    const first = filed.find((i) => i.description.endsWith('#1'))!;
    const second = filed.find((i) => i.description.endsWith('#2'))!;
    await respondTo(first.id, 3, 40);
    await respondTo(second.id, 0, 200);

    const score = (await read()).score;
    // the exercise screen's list: the latest in scope, with the same score; not for call-takers
    const list = await world.commander.get('/api/v1/exercises');
    expect(list.status).toBe(200);
    expect((list.body as { id: string; score: unknown }[]).find((e) => e.id === id)).toEqual(
      await read(),
    );
    expect((await world.calltaker.get('/api/v1/exercises')).status).toBe(403);
    expect(score).toHaveLength(1);
    expect(score[0]).toMatchObject({
      districtId: districtB,
      districtName: '青羊区',
      incidents: 2,
      dispatched: 2,
      arrived: 2,
      ringMet: 1,
      ringMetPct: 50,
      // percentile_cont over {40, 200}
      arriveP50Sec: 120,
      arriveP90Sec: 184,
    });
    expect(
      score[0].tiers.map((t: { tier: number; met: number; of: number }) => [t.tier, t.met, t.of]),
    ).toEqual([
      [1, 1, 2],
      [2, 0, 2],
      [3, 0, 2],
    ]);
  }, 120_000);

  it('random exercises draw inside the area, stop on request; bad requests are refused', async () => {
    const r = await world.commander.post('/api/v1/exercises', {
      name: '随机演练',
      jurisdictionId: districtB,
      random: { count: 3, windowMin: 60, seed: 7 },
    });
    expect(r.status).toBe(201);
    expect(r.body.planned).toBe(3);
    const stopped = await world.commander.post(`/api/v1/exercises/${r.body.id}/stop`, {});
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe('stopped');
    const again = await world.commander.post(`/api/v1/exercises/${r.body.id}/stop`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    // whatever it filed lies in district B
    for (const s of stopped.body.score) expect(s.districtId).toBe(districtB);

    const both = await world.commander.post('/api/v1/exercises', {
      name: 'x',
      random: { count: 1, windowMin: 1 },
    });
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe('VALIDATION_FAILED');
    const calltaker = await world.calltaker.post('/api/v1/exercises', {
      name: 'x',
      scenario: { incidents: [{ atSec: 0, location: B_POINT, category: 'criminal', priority: 2 }] },
    });
    expect(calltaker.status).toBe(403);
    const noSuch = await world.calltaker.post('/api/v1/incidents', {
      location: B_POINT,
      category: 'criminal',
      priority: 2,
      exerciseId: r.body.id,
    });
    expect(noSuch.status).toBe(400);
  }, 60_000);

  it('平安指数 ranks the known week, explains it, exports CSV; only an admin edits weights', async () => {
    const week = cstDay(clock.now().getTime());
    const r = await world.commander.get(`/api/v1/safety-index?week=${week}`);
    expect(r.status).toBe(200);
    const comps = new Map(
      (
        r.body.components as {
          component: string;
          available: boolean;
          effectiveWeight: number;
          note: string | null;
        }[]
      ).map((c) => [c.component, c]),
    );
    // sampled parts without samples this week: no data (never an estimate), weight redistributed
    for (const c of ['visibility', 'perimeterReadiness']) {
      expect(comps.get(c)).toMatchObject({ available: true });
      expect(comps.get(c)!.note).toMatch(/no data/);
    }
    // by hand (default weights tiers 35, P90 25; coverage has no samples: COVERAGE_PUSH_SEC=0)
    // A: 2 reached, 1 met → 50 %; P90 of {150, 250} = 240 s → 100 × (1 − 240/900) = 73.33
    //    (35 × 50 + 25 × 73.33) / 60 = 59.7
    // B: 1 of 1 → 100 %; P90 50 s → 94.44; (35 × 100 + 25 × 94.44) / 60 = 97.7
    // last week A: 1 of 1 met, P90 150 s → 83.33; (3500 + 2083.3) / 60 = 93.1
    const rows = r.body.districts as {
      districtId: string;
      rank: number;
      score: number;
      trend: number | null;
      previous: { score: number | null };
      parts: { component: string; raw: number | null; weightUsed: number }[];
    }[];
    expect(rows.map((d) => [d.districtId, d.rank, d.score])).toEqual([
      [districtB, 1, 97.7],
      [world.districtId, 2, 59.7],
    ]);
    const a = rows[1];
    expect(a.previous.score).toBe(93.1);
    expect(a.trend).toBe(-33.4);
    expect(rows[0].trend).toBeNull();
    expect(a.parts.find((p) => p.component === 'responseP90')).toMatchObject({
      raw: 240,
      weightUsed: 25,
    });
    for (const c of ['coverage', 'visibility', 'perimeterReadiness'])
      expect(a.parts.find((p) => p.component === c)).toMatchObject({ raw: null, weightUsed: 0 });
    // the previous week asked for directly says the same
    const last = await world.commander.get(`/api/v1/safety-index?week=${lastWeekDay}`);
    expect(
      (last.body.districts as { districtId: string; score: number | null }[]).find(
        (d) => d.districtId === world.districtId,
      )!.score,
    ).toBe(93.1);

    const csv = await fetch(`${stack.api().url}/api/v1/safety-index?week=${week}&format=csv`, {
      headers: { authorization: `Bearer ${world.tokens.commander}` },
    });
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes).split('\r\n');
    expect(lines[0].startsWith('\uFEFFrank,districtId,district,score,')).toBe(true);
    expect(lines[1].startsWith(`1,${districtB},青羊区,97.7,`)).toBe(true);

    // weights: admin only; bad input refused and nothing written
    expect(
      (await world.commander.raw('PUT', '/api/v1/safety-index/weights', { tiersMet: 0 })).status,
    ).toBe(403);
    for (const bad of [{ tiersMet: -1 }, { bogus: 1 }, {}, { coverage: 'x' }]) {
      const res = await world.admin.raw('PUT', '/api/v1/safety-index/weights', bad);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    const unchanged = await world.commander.get(`/api/v1/safety-index?week=${week}`);
    expect(unchanged.body.districts[0].score).toBe(97.7);
    expect(unchanged.body.weightsUpdatedAt).toBeNull();
    // tiers weighted 0: the arrival P90 alone decides (A 73.3, B 94.4)
    const set = await world.admin.raw('PUT', '/api/v1/safety-index/weights', { tiersMet: 0 });
    expect(set.status).toBe(200);
    const reweighted = await world.commander.get(`/api/v1/safety-index?week=${week}`);
    expect(
      (reweighted.body.districts as { rank: number; score: number }[]).map((d) => [
        d.rank,
        d.score,
      ]),
    ).toEqual([
      [1, 94.4],
      [2, 73.3],
    ]);
    expect(reweighted.body.weightsUpdatedBy).toBe('admin');
  }, 60_000);
});
