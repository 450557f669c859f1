import type { LonLat, UnitView } from '@ringcad/contracts';
import { ApiClient, ApiError } from './api-client';
import { boxPolygon, type DemoCity, type UnitPlan } from './demo-city';
import type { SimLogger } from './logger';
import type { SimState } from './state-file';

export type DemoAccount = 'calltaker' | 'dispatcher' | 'commander';
export const DEMO_ACCOUNTS: readonly DemoAccount[] = ['calltaker', 'dispatcher', 'commander'];

interface JurisdictionFeature {
  id: string;
  properties: { id: string; name: string; kind: string; parentId: string | null };
}

export interface SeedInput {
  admin: ApiClient;
  city: DemoCity;
  fleet: UnitPlan[];
  passwords: Record<DemoAccount, string>;
  state: SimState;
  /** Called whenever the state gained something that must survive a crash (above all, a token). */
  save: (state: SimState) => void;
  log: SimLogger;
}

/**
 * Builds the demo city through the public API as an admin would. Every step skips what the state
 * (or, for accounts and jurisdictions, the server) already has, so an interrupted seeding can be
 * run again.
 */
export async function seedDemoCity(input: SeedInput): Promise<void> {
  const { admin, city, state, save, log } = input;
  for (const username of DEMO_ACCOUNTS) {
    const r = await admin.request('POST', '/api/v1/users', {
      username,
      password: input.passwords[username],
      roles: [username],
    });
    if (r.status === 409) log.warn(`account ${username} already exists; keeping it`);
    else if (r.status !== 201) throw new ApiError('POST', '/api/v1/users', r.status, r.body);
  }

  const existing = await admin.get<{ features: JurisdictionFeature[] }>('/api/v1/jurisdictions');
  const byKey = new Map(
    existing.features.map((f) => [`${f.properties.kind}:${f.properties.name}`, f.properties.id]),
  );
  const jurisdiction = async (
    name: string,
    kind: 'district' | 'station',
    boundary: unknown,
    parentId?: string,
  ) => {
    const known = state.jurisdictions[name] ?? byKey.get(`${kind}:${name}`);
    if (known) return (state.jurisdictions[name] = known);
    const created = await admin.expect<{ id: string }>(201, 'POST', '/api/v1/jurisdictions', {
      name,
      kind,
      parentId,
      boundary,
    });
    state.jurisdictions[name] = created.id;
    save(state);
    return created.id;
  };
  const stationIds: string[][] = [];
  for (const d of city.districts) {
    const districtId = await jurisdiction(d.name, 'district', boxPolygon(d.box));
    const ids: string[] = [];
    for (const s of d.stations)
      ids.push(await jurisdiction(s.name, 'station', s.boundary, districtId));
    stationIds.push(ids);
  }

  for (const [route, points, saved] of [
    ['/api/v1/checkpoints', city.checkpoints, state.checkpoints],
    ['/api/v1/standby-points', city.standbyPoints, state.standbyPoints],
  ] as const) {
    for (const p of points) {
      if (saved[p.name]) continue;
      saved[p.name] = (
        await admin.expect<{ id: string }>(201, 'POST', route, {
          name: p.name,
          location: p.location,
        })
      ).id;
      save(state);
    }
  }

  for (const plan of input.fleet) {
    if (state.units.some((u) => u.callsign === plan.callsign)) continue;
    const r = await admin.expect<{ unit: UnitView; terminalToken: string }>(
      201,
      'POST',
      '/api/v1/units',
      {
        callsign: plan.callsign,
        kind: plan.kind,
        stationId: stationIds[plan.district]?.[plan.station],
      },
    );
    state.units.push({
      id: r.unit.id,
      callsign: plan.callsign,
      kind: plan.kind,
      token: r.terminalToken,
      home: plan.home,
    });
    save(state); // the token is never shown again
  }

  // A first fix for every unit so the dispatcher sees them at once, then on duty from their own
  // terminal. Both are idempotent, so a resumed seeding simply repeats them for every unit.
  const at = new Date().toISOString();
  if (state.units.length) {
    await admin.expect(202, 'POST', '/api/v1/units/positions', {
      positions: state.units.map((u) => ({ unitId: u.id, at, ...startPosition(city, u.home) })),
    });
  }
  for (const u of state.units) {
    const terminal = ApiClient.withToken(admin.baseUrl, u.token);
    await terminal.expect(200, 'POST', `/api/v1/units/${u.id}/status`, { status: 'available' });
  }
  state.seedComplete = true;
  save(state);
  log.info(
    `seeded demo city: ${city.districts.length} districts, ${city.checkpoints.length} checkpoints, ` +
      `${city.standbyPoints.length} standby points, ${state.units.length} units`,
  );
}

/** Every unit starts at its home post (a standby point, on a street); kiosks never leave theirs. */
export function startPosition(city: DemoCity, home: number): LonLat {
  const post = city.standbyPoints[home] ?? city.standbyPoints[0];
  return { ...post.location };
}
