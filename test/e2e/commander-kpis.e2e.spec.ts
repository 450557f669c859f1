import { join, resolve } from 'node:path';
import { ringMetFigure, kpiSchemes } from '../../apps/console/src/kpis';
import {
  cstMidnightSec,
  dayLabel,
  dayScale,
  secondsRange,
} from '../../apps/console/src/chart-scales';
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

  it('the daily trend’s axes fit the data: the days asked for, seconds from 0 to a round mark above the largest', async () => {
    const cstDay = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);
    const toDay = cstDay(clock.now().getTime());
    // the week ending today (from may lie on the day before when the run crosses midnight, CST)
    const fromDay = cstDay(cstMidnightSec(toDay) * 1000 - 6 * 86_400_000);
    const to = new Date(cstMidnightSec(toDay) * 1000 + 86_400_000).toISOString();
    const r = await world.commander.get(
      `/api/v1/reports/response-times?from=${new Date(cstMidnightSec(fromDay) * 1000).toISOString()}&to=${to}&groupBy=day`,
    );
    expect(r.status).toBe(200);
    const groups = r.body.groups as { key: string; arriveP90Sec: number | null }[];
    expect(groups.length).toBeGreaterThan(0);
    const days = dayScale(fromDay, toDay);
    expect(days.splits).toHaveLength(7);
    expect(days.splits.map(dayLabel)).toContain(toDay.slice(5));
    for (const g of groups) {
      const x = cstMidnightSec(g.key);
      expect(x).toBeGreaterThan(days.range[0]);
      expect(x).toBeLessThan(days.range[1]);
    }
    const values = groups.flatMap((g: any) => [g.dispatchP90Sec, g.ackP90Sec, g.arriveP90Sec]);
    const largest = Math.max(...values.filter((v: number | null) => v !== null));
    const [lo, hi] = secondsRange(values);
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThanOrEqual(largest);
    expect(hi).toBeLessThanOrEqual(largest * 1.1 + 600); // headroom, never a scale of hours for minutes
    expect(hi % 60).toBe(0);
    // by hand
    expect(secondsRange([150, 250, null])).toEqual([0, 300]);
    expect(secondsRange([3000])).toEqual([0, 3600]);
    expect(secondsRange([])).toEqual([0, 60]);
    expect(dayScale('2026-12-05', '2026-12-05')).toEqual({
      range: [cstMidnightSec('2026-12-05') - 43_200, cstMidnightSec('2026-12-05') + 43_200],
      splits: [cstMidnightSec('2026-12-05')],
    });
  });
});
