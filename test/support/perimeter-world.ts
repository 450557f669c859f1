import { client } from './harness';
import type { TestClock } from './test-clock';

type Http = ReturnType<typeof client>;
/** What the helpers read of a clock: the test clock, or the wall clock as `{ now: () => new Date() }`. */
type Now = Pick<TestClock, 'now'>;
export type FleetUnit = { id: string; token: string };

/** Moves the clock to the next noon in Chengdu (04:00 UTC): off-peak, the fixture's ETAs hold. */
export function toNextNoon(clock: TestClock) {
  const now = clock.now();
  clock.advance(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 4) - now.getTime(),
  );
}

/** A unit's own terminal reports where it is, at the test clock's now. */
export async function reportPosition(
  base: string,
  clock: Now,
  u: FleetUnit,
  p: { lon: number; lat: number },
) {
  const r = await client(base, u.token).post('/api/v1/units/positions', {
    positions: [{ unitId: u.id, ...p, at: clock.now().toISOString() }],
  });
  if (r.status !== 202) throw new Error(`position: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Checkpoints and available units, created by an admin as in the console; ids by name. */
export async function placeCheckpointsAndUnits(
  base: string,
  admin: Http,
  clock: Now,
  checkpoints: Record<string, { lon: number; lat: number }>,
  fleet: [name: string, kind: string, at: { lon: number; lat: number }][],
) {
  const cp: Record<string, string> = {};
  const unit: Record<string, FleetUnit> = {};
  for (const [name, location] of Object.entries(checkpoints)) {
    const r = await admin.post('/api/v1/checkpoints', { name, location });
    if (r.status !== 201) throw new Error(`checkpoint ${name}: ${r.status}`);
    cp[name] = r.body.id;
  }
  for (const [name, kind, p] of fleet) {
    const r = await admin.post('/api/v1/units', { callsign: name, kind });
    if (r.status !== 201) throw new Error(`unit ${name}: ${r.status}`);
    unit[name] = { id: r.body.unit.id, token: r.body.terminalToken };
    await reportPosition(base, clock, unit[name], p);
    const s = await client(base, unit[name].token).post(`/api/v1/units/${unit[name].id}/status`, {
      status: 'available',
    });
    if (s.status !== 200) throw new Error(`status ${name}: ${s.status}`);
  }
  return { cp, unit };
}
