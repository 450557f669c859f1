// The sealing cross (libs/routing's fixture: four named 20 km roads from one junction, answers
// worked out on paper) as a running stack: roads loaded, the accounts a test asks for, checkpoints
// and an available fleet at known places. Shared by the browser and e2e specs that drive it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEALING_CHECKPOINTS, sealingCross } from '../../libs/routing/src/sealing.fixture';
import { ADMIN_PASSWORD, client, createStack, login, SERVICES_MODE, type Stack } from './harness';
import { placeCheckpointsAndUnits, type FleetUnit } from './perimeter-world';
import type { TestClock } from './test-clock';

type Http = ReturnType<typeof client>;
type Point = { lon: number; lat: number };

export interface SealingWorld {
  stack: Stack;
  base: string;
  admin: Http;
  /** Checkpoint ids by name (every checkpoint of the fixture). */
  checkpoints: Record<string, string>;
  /** Units by callsign. */
  units: Record<string, FleetUnit>;
  /** Stops the stack and removes the road file. */
  close(): Promise<void>;
}

/**
 * Starts a stack on the sealing cross; `roles` become accounts `<role>` / `<role>-password`.
 * Positions stay trusted however slowly a loaded machine gets through a test's steps.
 */
export async function startSealingWorld(opts: {
  roles: string[];
  fleet: [callsign: string, kind: string, at: Point][];
  env?: Record<string, string>;
  clock?: TestClock;
}): Promise<SealingWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'ringcad-sealing-world-'));
  const roads = join(dir, 'cross.geojson');
  writeFileSync(roads, JSON.stringify(sealingCross()));
  let stack: Stack | undefined;
  try {
    stack = await createStack(
      {
        ROAD_NETWORK: roads,
        COVERAGE_PUSH_SEC: '0',
        POSITION_STALE_SEC: '3600',
        ...opts.env,
      },
      opts.clock ? { clock: opts.clock } : {},
    );
    const base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    const admin = await login(base, 'admin', ADMIN_PASSWORD);
    for (const role of opts.roles) {
      const r = await admin.post('/api/v1/users', {
        username: role,
        password: `${role}-password`,
        roles: [role],
      });
      if (r.status !== 201) throw new Error(`user ${role}: ${r.status}`);
    }
    const placed = await placeCheckpointsAndUnits(
      base,
      admin,
      opts.clock ?? { now: () => new Date() },
      SEALING_CHECKPOINTS,
      opts.fleet,
    );
    const running = stack;
    return {
      stack: running,
      base,
      admin,
      checkpoints: placed.cp,
      units: placed.unit,
      async close() {
        await running.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
