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

interface PlaceView {
  id: string;
  name: string;
}

/** What a seeding run found missing and created. */
export interface SeedResult {
  accounts: number;
  places: number;
  units: number;
}

/**
 * Builds the demo city through the public API as an admin would, and on every start makes sure
 * it is all still there: each step creates only what is missing. What is the simulator's own is
 * decided by its own marks, never by what else the server holds: the demo accounts by name,
 * places by name, units by the ids (and terminal tokens) in its state file. Units someone else
 * created are left alone, even when one took a callsign of the demo fleet (the simulator then
 * names its unit with the next free number of that prefix).
 */
export async function seedDemoCity(input: SeedInput): Promise<SeedResult> {
  const { admin, city, state, save, log } = input;
  const result: SeedResult = { accounts: 0, places: 0, units: 0 };
  for (const username of DEMO_ACCOUNTS) {
    const r = await admin.request('POST', '/api/v1/users', {
      username,
      password: input.passwords[username],
      roles: [username],
    });
    if (r.status === 201) result.accounts++;
    else if (r.status !== 409) throw new ApiError('POST', '/api/v1/users', r.status, r.body);
  }

  const existing = await admin.get<{ features: JurisdictionFeature[] }>('/api/v1/jurisdictions');
  const onServer = new Set(existing.features.map((f) => f.properties.id));
  const byKey = new Map(
    existing.features.map((f) => [`${f.properties.kind}:${f.properties.name}`, f.properties.id]),
  );
  const jurisdiction = async (
    name: string,
    kind: 'district' | 'station',
    boundary: unknown,
    parentId?: string,
  ) => {
    const saved = state.jurisdictions[name];
    const known =
      (saved && onServer.has(saved) ? saved : undefined) ?? byKey.get(`${kind}:${name}`);
    if (known) return (state.jurisdictions[name] = known);
    const created = await admin.expect<{ id: string }>(201, 'POST', '/api/v1/jurisdictions', {
      name,
      kind,
      parentId,
      boundary,
    });
    state.jurisdictions[name] = created.id;
    result.places++;
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
    const listed = await admin.get<PlaceView[]>(route);
    const ids = new Set(listed.map((p) => p.id));
    const byName = new Map(listed.map((p) => [p.name, p.id]));
    for (const p of points) {
      const known =
        (saved[p.name] && ids.has(saved[p.name]) ? saved[p.name] : undefined) ?? byName.get(p.name);
      if (known) {
        saved[p.name] = known;
        continue;
      }
      saved[p.name] = (
        await admin.expect<{ id: string }>(201, 'POST', route, {
          name: p.name,
          location: p.location,
        })
      ).id;
      result.places++;
      save(state);
    }
  }

  const serverUnits = await admin.get<UnitView[]>('/api/v1/units');
  const unitIds = new Set(serverUnits.map((u) => u.id));
  const taken = new Set(serverUnits.map((u) => u.callsign));
  // a unit of the state file the server does not know (another database): its token is worthless
  const gone = state.units.filter((u) => !unitIds.has(u.id));
  if (gone.length) {
    log.warn(
      `${gone.length} units of the state file are unknown to the server; creating them again`,
    );
    state.units = state.units.filter((u) => unitIds.has(u.id));
    save(state);
  }
  // a replacement callsign must not be one the fleet plan gives another of its units
  const avoid = new Set([...taken, ...input.fleet.map((p) => p.callsign)]);
  const fresh: SimState['units'] = [];
  for (const plan of input.fleet) {
    if (state.units.some((u) => (u.planned ?? u.callsign) === plan.callsign)) continue;
    let callsign = plan.callsign;
    if (taken.has(callsign)) {
      callsign = nextFreeCallsign(plan.callsign, avoid);
      log.warn(
        `callsign ${plan.callsign} belongs to a unit the simulator did not create; its demo unit is ${callsign}`,
      );
    }
    const r = await admin.expect<{ unit: UnitView; terminalToken: string }>(
      201,
      'POST',
      '/api/v1/units',
      {
        callsign,
        kind: plan.kind,
        stationId: stationIds[plan.district]?.[plan.station],
      },
    );
    avoid.add(callsign);
    const unit = {
      id: r.unit.id,
      callsign,
      kind: plan.kind,
      token: r.terminalToken,
      home: plan.home,
      ...(callsign === plan.callsign ? {} : { planned: plan.callsign }),
    };
    state.units.push(unit);
    fresh.push(unit);
    result.units++;
    save(state); // the token is never shown again
  }

  // A first fix for every new unit so the dispatcher sees it at once, then on duty from its own
  // terminal. After an interrupted seeding every unit gets them again (both are idempotent);
  // units already in service are left as they are.
  const starting = state.seedComplete ? fresh : state.units;
  const at = new Date().toISOString();
  if (starting.length) {
    await admin.expect(202, 'POST', '/api/v1/units/positions', {
      positions: starting.map((u) => ({ unitId: u.id, at, ...startPosition(city, u.home) })),
    });
  }
  for (const u of starting) {
    const terminal = ApiClient.withToken(admin.baseUrl, u.token);
    await terminal.expect(200, 'POST', `/api/v1/units/${u.id}/status`, { status: 'available' });
  }
  state.seedComplete = true;
  save(state);
  if (result.accounts || result.places || result.units)
    log.info(
      `seeded demo city: ${result.accounts} accounts, ${result.places} places and ${result.units} units created ` +
        `(${city.districts.length} districts, ${city.checkpoints.length} checkpoints, ` +
        `${city.standbyPoints.length} standby points, ${state.units.length} units in all)`,
    );
  return result;
}

/** The first number after `callsign`'s with the same prefix and width that is not in `taken`. */
export function nextFreeCallsign(callsign: string, taken: ReadonlySet<string>): string {
  const m = /^(.*?)(\d+)$/.exec(callsign);
  const prefix = m ? m[1] : `${callsign}-`;
  const width = m ? m[2].length : 2;
  for (let n = m ? Number(m[2]) + 1 : 1; ; n++) {
    const candidate = `${prefix}${String(n).padStart(width, '0')}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Every unit starts at its home post (a standby point, on a street); kiosks never leave theirs. */
export function startPosition(city: DemoCity, home: number): LonLat {
  const post = city.standbyPoints[home] ?? city.standbyPoints[0];
  return { ...post.location };
}
