import { join, resolve } from 'node:path';
import { ringMetFigure, kpiSchemes } from '../../apps/console/src/kpis';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { createStack, SERVICES_MODE, type Stack } from '../support/harness';
import { TestClock } from '../support/test-clock';

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(__dirname, '../../../shared/data');

/**
 * The commander's 处置圈达标率 against a count made by hand from the arrival times this test sets,
 * and the CSV export's bytes.
 */
describe(`commander KPIs say what they measure (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  const clock = new TestClock();
  let stack: Stack;
  let world: World;
  let base: string;
  let from: string;

  beforeAll(async () => {
    stack = await createStack(
      {
        ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
        COVERAGE_PUSH_SEC: '0',
        POSITION_STALE_SEC: '3600',
      },
      { clock },
    );
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    // five units: patrol_car, patrol_car, motorcycle, foot, patrol_car
    world = await buildWorld(base, 5);
    from = new Date(clock.now().getTime() - 60_000).toISOString();
  }, 240_000);

  afterAll(async () => {
    await stack?.close();
  });

  /** One incident: a unit assigned, acknowledged, departed, and on scene `arriveAfterSec` later (or never). */
  async function respond(priority: 1 | 2 | 3, unit: number, arriveAfterSec: number | null) {
    const inc = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'dispute',
      priority,
    });
    expect(inc.status).toBe(201);
    const id = inc.body.incident.id as string;
    const asg = await world.dispatcher.post(`/api/v1/incidents/${id}/assignments`, {
      unitIds: [world.units[unit].id],
    });
    expect(asg.status).toBe(201);
    const aid = asg.body.assignments[0].id as string;
    for (const type of ['ack', 'depart'])
      expect(
        (await world.dispatcher.post(`/api/v1/assignments/${aid}/events`, { type })).status,
      ).toBe(200);
    if (arriveAfterSec === null) return;
    clock.advance(arriveAfterSec * 1000);
    expect(
      (await world.dispatcher.post(`/api/v1/assignments/${aid}/events`, { type: 'arrive' })).status,
    ).toBe(200);
    expect(
      (await world.dispatcher.post(`/api/v1/assignments/${aid}/events`, { type: 'clear' })).status,
    ).toBe(200);
  }

  it('处置圈达标率: of the incidents reached, those meeting a tier of their priority’s scheme', async () => {
    // P2 (1-3-8: 1 min foot/kiosk · 3 min vehicles · 8 min two units)
    await respond(2, 0, 150); // a car in 2.5 min: the 3-min tier → met
    await respond(2, 1, 250); // a car in 4 min 10 s alone: no tier → missed
    await respond(2, 3, 50); // on foot in 50 s: the 1-min tier → met
    await respond(2, 2, null); // dispatched, not there yet: not judged
    // P1 (5-10-30: one unit in 5 min) — 1-3-8 would call this a miss
    await respond(1, 4, 200);
    // by hand: P2 2 of 3 reached, P1 1 of 1 → 3 of 4
    const expected = { arrived: 4, met: 3, pct: 75 };

    const to = new Date(clock.now().getTime() + 60_000).toISOString();
    // what the commander seat asks for and how it combines the answers (apps/console/src/kpis.ts)
    const reports = await Promise.all(
      kpiSchemes().map(async ({ scheme }) => {
        const r = await world.commander.get(
          `/api/v1/reports/response-times?from=${from}&to=${to}&groupBy=priority&scheme=${scheme}`,
        );
        expect(r.status).toBe(200);
        return { scheme, groups: r.body.groups };
      }),
    );
    const figure = ringMetFigure(reports);
    expect(figure).toEqual(expected);

    // the report's own per-group counts, checked one by one
    const of = (scheme: string, key: string) =>
      reports.find((r) => r.scheme === scheme)!.groups.find((g: { key: string }) => g.key === key);
    expect(of('1-3-8', '2')).toMatchObject({
      incidents: 4,
      dispatched: 4,
      arrived: 3,
      ringMet: 2,
      ringMetPct: 66.67,
    });
    expect(of('5-10-30', '1')).toMatchObject({ arrived: 1, ringMet: 1, ringMetPct: 100 });
    // the old figure (innermost 1-3-8 tier over every dispatched incident, P1 included) read 20 %
    const p2 = of('1-3-8', '2');
    const p1under138 = of('1-3-8', '1');
    expect(
      (p2.tierMetPct[0] * p2.incidents + p1under138.tierMetPct[0] * p1under138.incidents) /
        (p2.incidents + p1under138.incidents),
    ).toBe(20);
  }, 120_000);

  it('CSV exports start with a UTF-8 byte order mark, so Excel on Chinese Windows reads them', async () => {
    const to = new Date(clock.now().getTime() + 60_000).toISOString();
    const res = await fetch(
      `${base}/api/v1/reports/response-times?from=${from}&to=${to}&groupBy=category`,
      { headers: { authorization: `Bearer ${world.tokens.commander}`, accept: 'text/csv' } },
    );
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    expect(text.startsWith('\uFEFFkey,label,')).toBe(true);
    // the Chinese label survives as UTF-8
    expect(text).toContain('纠纷');
  });
});
