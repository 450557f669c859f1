import { client, login, type HttpResult } from './harness';
import { ADMIN_PASSWORD } from './harness';

/** A square district around Tianfu Square, Chengdu (WGS84). */
export const DISTRICT_BOUNDARY = {
  type: 'Polygon' as const,
  coordinates: [
    [
      [104.03, 30.63],
      [104.11, 30.63],
      [104.11, 30.71],
      [104.03, 30.71],
      [104.03, 30.63],
    ],
  ],
};

export const INCIDENT_POINT = { lon: 104.0657, lat: 30.6574 };

/** A lon/lat box as a GeoJSON polygon. */
export const boxPolygon = (w: number, s: number, e: number, n: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [w, s],
      [e, s],
      [e, n],
      [w, n],
      [w, s],
    ],
  ],
});

export interface World {
  admin: ReturnType<typeof client>;
  calltaker: ReturnType<typeof client>;
  dispatcher: ReturnType<typeof client>;
  commander: ReturnType<typeof client>;
  tokens: Record<'admin' | 'calltaker' | 'dispatcher' | 'commander', string>;
  districtId: string;
  units: { id: string; callsign: string; kind: string; token: string; lon: number; lat: number }[];
}

function ok<T>(r: HttpResult<T>, status: number, what: string): T {
  if (r.status !== status)
    throw new Error(`${what}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Accounts, a district and five units at known distances north of the incident point, all on
 * duty with fresh positions, created through the public contract as an admin would.
 */
export async function buildWorld(baseUrl: string, unitCount = 5): Promise<World> {
  const admin = await login(baseUrl, 'admin', ADMIN_PASSWORD);
  const tokens = { admin: '', calltaker: '', dispatcher: '', commander: '' } as World['tokens'];
  const district = ok<{ id: string }>(
    await admin.post('/api/v1/jurisdictions', {
      name: '锦江区',
      kind: 'district',
      boundary: DISTRICT_BOUNDARY,
    }),
    201,
    'district',
  );
  for (const role of ['calltaker', 'dispatcher', 'commander'] as const) {
    ok(
      await admin.post('/api/v1/users', {
        username: role,
        password: `${role}-password`,
        roles: [role],
      }),
      201,
      role,
    );
  }
  const people = {} as Record<'calltaker' | 'dispatcher' | 'commander', ReturnType<typeof client>>;
  for (const role of ['calltaker', 'dispatcher', 'commander'] as const) {
    const r = await client(baseUrl).post('/api/v1/auth/login', {
      username: role,
      password: `${role}-password`,
    });
    tokens[role] = ok(r, 200, `login ${role}`).accessToken as string;
    people[role] = client(baseUrl, tokens[role]);
  }
  const adminLogin = await client(baseUrl).post('/api/v1/auth/login', {
    username: 'admin',
    password: ADMIN_PASSWORD,
  });
  tokens.admin = adminLogin.body.accessToken;
  const kinds = [
    'patrol_car',
    'patrol_car',
    'motorcycle',
    'foot',
    'patrol_car',
    'patrol_car',
    'patrol_car',
    'patrol_car',
  ];
  const units: World['units'] = [];
  for (let i = 0; i < unitCount; i++) {
    const created = ok<{
      unit: { id: string; callsign: string; kind: string };
      terminalToken: string;
    }>(
      await admin.post('/api/v1/units', {
        callsign: `川A-巡${String(i + 1).padStart(2, '0')}`,
        kind: kinds[i % kinds.length],
      }),
      201,
      'unit',
    );
    // unit i stands (i+1) × 400 m north of the incident point
    const lat = INCIDENT_POINT.lat + ((i + 1) * 400) / 111_320;
    units.push({ ...created.unit, token: created.terminalToken, lon: INCIDENT_POINT.lon, lat });
  }
  ok(
    await admin.post('/api/v1/units/positions', {
      positions: units.map((u) => ({
        unitId: u.id,
        lon: u.lon,
        lat: u.lat,
        at: new Date().toISOString(),
      })),
    }),
    202,
    'positions',
  );
  for (const u of units) {
    ok(
      await client(baseUrl, u.token).post(`/api/v1/units/${u.id}/status`, { status: 'available' }),
      200,
      'on duty',
    );
  }
  return { admin, ...people, tokens, districtId: district.id, units };
}

/** Points the world's clients at a restarted api (sessions are rows: tokens stay valid). */
export function rebind(world: World, baseUrl: string) {
  world.admin = client(baseUrl, world.tokens.admin);
  world.calltaker = client(baseUrl, world.tokens.calltaker);
  world.dispatcher = client(baseUrl, world.tokens.dispatcher);
  world.commander = client(baseUrl, world.tokens.commander);
}
