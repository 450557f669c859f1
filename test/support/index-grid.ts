import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  patrolAt,
  patrolBox,
  patrolDriveEast,
  patrolGrid,
} from '../../libs/routing/src/patrol.fixture';
import { ADMIN_PASSWORD, client, createStack, login, SERVICES_MODE, type Stack } from './harness';
import type { TestClock } from './test-clock';

type Http = ReturnType<typeof client>;
const MIN = 60_000;
export const HOUR = 60 * MIN;
const CST = 8 * HOUR;
export const cstDay = (ms: number) => new Date(ms + CST).toISOString().slice(0, 10);

export interface IndexGrid {
  stack: Stack;
  base: string;
  admin: Http;
  commander: Http;
  ids: Record<'west' | 'east' | 'far', string>;
  unitId: string;
  perimeterId: string;
  /** A day of the week the samples fall in (YYYY-MM-DD, China time). */
  week: string;
  close(): Promise<void>;
}

/**
 * The 平安指数's sampled parts on the 3 × 3 street grid of libs/routing/src/patrol.fixture.ts
 * (worked out on paper there): a west district (0.7 street-km) and an east one (1.7 km); a patrol
 * car drove the middle street (0.1 km west, 0.3 km east) 40 minutes ago, in the last complete hour
 * slot, and stands available at its east end, so the sampler's 见警率 is 14.3 % west and 17.6 %
 * east; a standing perimeter (tiers 60 s and 600 s) with both checkpoints in the west district gives
 * the west its readiness part, none touches the east; a third district lies off the network. The
 * sampler runs every second; `clock` is set half an hour into a slot (never the first hour of a
 * China-time week, so both slots in play lie in the same week) and should be nearly held.
 */
export async function createIndexGrid(clock: TestClock): Promise<IndexGrid> {
  let slot = Math.ceil(Date.now() / HOUR) * HOUR;
  if (new Date(slot + CST).getUTCDay() === 1 && new Date(slot + CST).getUTCHours() === 0)
    slot += HOUR;
  clock.advance(slot + 30 * MIN - clock.now().getTime());

  const dir = mkdtempSync(join(tmpdir(), 'ringcad-index-'));
  const roads = join(dir, 'grid.geojson');
  writeFileSync(roads, JSON.stringify(patrolGrid()));
  const stack = await createStack(
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
  const admin = await login(base, 'admin', ADMIN_PASSWORD);
  const post = async (path: string, body: unknown, status = 201) => {
    const r = await admin.post(path, body);
    if (r.status !== status) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const district = async (name: string, boundary: unknown) =>
    (await post('/api/v1/jurisdictions', { name, kind: 'district', boundary })).id as string;
  const ids = {
    west: await district('西区', patrolBox(-50, -50, 100, 450)),
    east: await district('东区', patrolBox(100, -50, 450, 450)),
    far: await district('远区', patrolBox(5000, 5000, 6000, 6000)),
  };
  await post('/api/v1/users', {
    username: 'commander',
    password: 'commander-password',
    roles: ['commander'],
  });
  const commander = await login(base, 'commander', 'commander-password');
  const unitId = (await post('/api/v1/units', { callsign: '巡1', kind: 'patrol_car' })).unit
    .id as string;
  const drive = patrolDriveEast(clock.now().getTime() - 40 * MIN);
  await post(
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
  await post(`/api/v1/units/${unitId}/status`, { status: 'available' }, 200);
  const checkpoint = async (name: string, x: number, y: number) =>
    (await post('/api/v1/checkpoints', { name, location: patrolAt(x, y) })).id as string;
  const perimeter = await post('/api/v1/perimeters', {
    name: '西区封控圈',
    checkpointIds: [await checkpoint('西南卡点', 0, 0), await checkpoint('西北卡点', 0, 400)],
    tiersSec: [60, 600],
    targetPct: [50, 100],
  });
  return {
    stack,
    base,
    admin,
    commander,
    ids,
    unitId,
    perimeterId: perimeter.id as string,
    week: cstDay(clock.now().getTime()),
    async close() {
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
