import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  client,
  createStack,
  login,
  SERVICES_MODE,
  sleep,
  type Stack,
} from '../support/harness';
import { TestClock } from '../support/test-clock';

type Http = ReturnType<typeof client>;
const MIN = 60_000;
const HOUR = 60 * MIN;
const CST = 8 * HOUR;
const cstDay = (ms: number) => new Date(ms + CST).toISOString().slice(0, 10);

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
  // nearly held, and half an hour into a slot: the drive lies in the last complete hour slot
  const clock = new TestClock(0.001);
  let stack: Stack;
  let dir: string;
  let admin: Http;
  let commander: Http;
  const ids = {} as Record<'west' | 'east' | 'far', string>;
  let week = '';
  let perimeterId = '';

  const post = async (c: Http, path: string, body: unknown, status = 201) => {
    const r = await c.post(path, body);
    if (r.status !== status) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const index = async (as: Http = commander) => {
    const r = await as.get(`/api/v1/safety-index?week=${week}`);
    expect(r.status).toBe(200);
    return r.body as { components: { component: string; note: string | null }[]; districts: Row[] };
  };
  const part = (row: Row | undefined, c: string) => row?.parts.find((p) => p.component === c);

  beforeAll(async () => {
    // half past the next hour; never the first hour of a (China time) week, so the last complete
    // slot and the current one lie in the same week
    let slot = Math.ceil(Date.now() / HOUR) * HOUR;
    if (new Date(slot + CST).getUTCDay() === 1 && new Date(slot + CST).getUTCHours() === 0)
      slot += HOUR;
    clock.advance(slot + 30 * MIN - clock.now().getTime());
    week = cstDay(clock.now().getTime());

    dir = mkdtempSync(join(tmpdir(), 'ringcad-index-'));
    const roads = join(dir, 'grid.geojson');
    writeFileSync(roads, JSON.stringify(patrolGrid()));
    stack = await createStack(
      {
        ROAD_NETWORK: roads,
        MAX_PLAUSIBLE_SPEED_KMH: '5000',
        POSITION_STALE_SEC: '7200',
        COVERAGE_PUSH_SEC: '0',
        PERIMETER_PUSH_SEC: '0',
        INDEX_SAMPLE_SEC: '1',
      },
      { clock },
    );
    const base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    admin = await login(base, 'admin', ADMIN_PASSWORD);
    const j = async (name: string, boundary: unknown) =>
      (await post(admin, '/api/v1/jurisdictions', { name, kind: 'district', boundary }))
        .id as string;
    ids.west = await j('西区', patrolBox(-50, -50, 100, 450));
    ids.east = await j('东区', patrolBox(100, -50, 450, 450));
    ids.far = await j('远区', patrolBox(5000, 5000, 6000, 6000));
    await post(admin, '/api/v1/users', {
      username: 'commander',
      password: 'commander-password',
      roles: ['commander'],
    });
    commander = await login(base, 'commander', 'commander-password');
    const u = await post(admin, '/api/v1/units', { callsign: '巡1', kind: 'patrol_car' });
    const unitId = u.unit.id as string;
    // the drive: 40 min ago, in the last complete slot
    const drive = patrolDriveEast(clock.now().getTime() - 40 * MIN);
    await post(
      admin,
      '/api/v1/units/positions',
      {
        positions: drive.map((p) => ({
          unitId,
          lon: p.lon,
          lat: p.lat,
          headingDeg: p.headingDeg,
          at: new Date(p.ms).toISOString(),
        })),
      },
      202,
    );
    await post(admin, `/api/v1/units/${unitId}/status`, { status: 'available' }, 200);
    const checkpoint = async (name: string, x: number, y: number) =>
      (await post(admin, '/api/v1/checkpoints', { name, location: patrolAt(x, y) })).id as string;
    const perimeter = await post(admin, '/api/v1/perimeters', {
      name: '西区封控圈',
      checkpointIds: [await checkpoint('西南卡点', 0, 0), await checkpoint('西北卡点', 0, 400)],
      tiersSec: [60, 600],
      targetPct: [50, 100],
    });
    perimeterId = perimeter.id;
  }, 300_000);

  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the sampler records 见警率 and perimeter readiness; the index takes their weekly means', async () => {
    // the repeatable job runs every second: wait until it has sampled the persisted drive and
    // the perimeter
    let rows: Row[] = [];
    for (const end = Date.now() + 60_000; ; await sleep(300)) {
      rows = (await index()).districts;
      const west = rows.find((r) => r.districtId === ids.west);
      if (part(west, 'visibility')?.raw === 14.3 && part(west, 'perimeterReadiness')?.samples)
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
    const ready = await commander.get(`/api/v1/perimeters/${perimeterId}/readiness`);
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
});
