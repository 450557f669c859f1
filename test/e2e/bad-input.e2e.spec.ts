import { randomUUID } from 'node:crypto';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { client, connectSocket, createStack, SERVICES_MODE, type Stack } from '../support/harness';
import { DatabaseService } from '@ringcad/core';
import { sql } from 'kysely';

const SERVICE_AREA = [103.5, 29.5, 104.7, 31];
const NUL = 'a\u0000b';
const LONE = 'a\ud800b';
const agoIso = (ms: number) => new Date(Date.now() - ms).toISOString();

const TABLES = [
  'users',
  'jurisdictions',
  'checkpoints',
  'standby_points',
  'units',
  'unit_tracks',
  'incidents',
  'assignments',
  'incident_events',
  'timers',
  'alerts',
  'audit_events',
];

describe(`bad input is refused with a clear 4xx and changes nothing (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;
  let incidentId: string;
  let busyUnitId: string;
  let assignmentId: string;

  async function counts(): Promise<Record<string, number>> {
    const db = stack.api().app.get(DatabaseService).db;
    const out: Record<string, number> = {};
    for (const t of TABLES) {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(t)}`.execute(
        db,
      );
      out[t] = r.rows[0].n;
    }
    const units = await sql<{
      s: string;
    }>`SELECT string_agg(id || ':' || status || ':' || version, ',' ORDER BY id) AS s FROM units`.execute(
      db,
    );
    out.unitState = units.rows[0].s.length;
    return out;
  }

  beforeAll(async () => {
    // the fixtures' world is around Tianfu Square; no road network is loaded, so the area is explicit
    stack = await createStack({ SERVICE_AREA_BBOX: SERVICE_AREA.join(',') });
    base = (await stack.startApi()).url;
    world = await buildWorld(base);
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'fire',
      priority: 2,
    });
    incidentId = created.body.incident.id;
    busyUnitId = world.units[0].id;
    const a = await world.dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, {
      unitIds: [busyUnitId],
    });
    assignmentId = a.body.assignments[0].id;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const incident = (over: Record<string, unknown>) => ({
    location: INCIDENT_POINT,
    category: 'fire',
    priority: 2,
    ...over,
  });

  const cases: {
    name: string;
    who: keyof World['tokens'] | 'none' | 'otherTerminal' | 'badToken';
    method?: string;
    path: () => string;
    body?: unknown;
    status: number;
    code: string;
    headers?: Record<string, string>;
  }[] = [
    {
      name: 'missing coordinates',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: { category: 'fire', priority: 2 },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'longitude out of range',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: incident({ location: { lon: 190, lat: 30 } }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'latitude out of range',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: incident({ location: { lon: 104, lat: -91 } }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'coordinates as strings',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: incident({ location: { lon: '104', lat: '30' } }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'unknown crs',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: incident({ location: { ...INCIDENT_POINT, crs: 'EPSG:3857' } }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'unknown category',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: incident({ category: 'alien_landing' }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'priority 0',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: incident({ priority: 0 }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'priority 4',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: incident({ priority: 4 }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'malformed JSON',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: '{"location": ',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'oversized body',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: incident({ description: 'x'.repeat(3 * 1024 * 1024) }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'too many positions',
      who: 'admin',
      path: () => '/api/v1/units/positions',
      body: {
        positions: Array.from({ length: 5001 }, () => ({
          unitId: randomUUID(),
          lon: 104,
          lat: 30,
          at: new Date().toISOString(),
        })),
      },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'position of an unknown unit',
      who: 'admin',
      path: () => '/api/v1/units/positions',
      body: {
        positions: [{ unitId: randomUUID(), lon: 104, lat: 30, at: new Date().toISOString() }],
      },
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: "another unit's position from a terminal",
      who: 'otherTerminal',
      path: () => '/api/v1/units/positions',
      body: () => ({
        positions: [{ unitId: busyUnitId, lon: 104, lat: 30, at: new Date().toISOString() }],
      }),
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: 'assigning an unknown unit',
      who: 'dispatcher',
      path: () => `/api/v1/incidents/${incidentId}/assignments`,
      body: { unitIds: [randomUUID()] },
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: 'assigning a busy unit (with a free one: nothing assigned)',
      who: 'dispatcher',
      path: () => `/api/v1/incidents/${incidentId}/assignments`,
      body: () => ({ unitIds: [world.units[1].id, busyUnitId] }),
      status: 409,
      code: 'UNIT_UNAVAILABLE',
    },
    {
      name: 'assigning to an unknown incident',
      who: 'dispatcher',
      path: () => `/api/v1/incidents/${randomUUID()}/assignments`,
      body: () => ({ unitIds: [world.units[1].id] }),
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: 'a malformed incident id',
      who: 'dispatcher',
      path: () => '/api/v1/incidents/not-an-id/assignments',
      body: () => ({ unitIds: [world.units[1].id] }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'an illegal transition (arrive before depart)',
      who: 'dispatcher',
      path: () => `/api/v1/assignments/${assignmentId}/events`,
      body: { type: 'arrive' },
      status: 409,
      code: 'ILLEGAL_TRANSITION',
    },
    {
      name: 'an unknown event type',
      who: 'dispatcher',
      path: () => `/api/v1/assignments/${assignmentId}/events`,
      body: { type: 'teleport' },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: "another unit's terminal reporting on an assignment",
      who: 'otherTerminal',
      path: () => `/api/v1/assignments/${assignmentId}/events`,
      body: { type: 'ack' },
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: 'a call-taker assigning units',
      who: 'calltaker',
      path: () => `/api/v1/incidents/${incidentId}/assignments`,
      body: () => ({ unitIds: [world.units[1].id] }),
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: 'a commander creating an incident',
      who: 'commander',
      path: () => '/api/v1/incidents',
      body: incident({}),
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: 'a dispatcher creating a unit',
      who: 'dispatcher',
      path: () => '/api/v1/units',
      body: { callsign: 'X1', kind: 'foot' },
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: 'a terminal creating an incident',
      who: 'otherTerminal',
      path: () => '/api/v1/incidents',
      body: incident({}),
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: 'no token',
      who: 'none',
      path: () => '/api/v1/incidents',
      body: incident({}),
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'a made-up token',
      who: 'badToken',
      path: () => '/api/v1/incidents',
      body: incident({}),
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'no token on a read',
      who: 'none',
      method: 'GET',
      path: () => '/api/v1/units',
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'closing with units still assigned',
      who: 'dispatcher',
      path: () => `/api/v1/incidents/${incidentId}/close`,
      body: { disposition: 'handled_on_scene' },
      status: 409,
      code: 'CONFLICT',
    },
    {
      name: 'closing without a disposition',
      who: 'dispatcher',
      path: () => `/api/v1/incidents/${incidentId}/close`,
      body: {},
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'an invalid district polygon',
      who: 'admin',
      path: () => '/api/v1/jurisdictions',
      body: {
        name: 'bow',
        kind: 'district',
        boundary: {
          type: 'Polygon',
          coordinates: [
            [
              [0, 0],
              [1, 1],
              [1, 0],
              [0, 1],
              [0, 0],
            ],
          ],
        },
      },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'an unclosed polygon ring (was a 500)',
      who: 'admin',
      path: () => '/api/v1/jurisdictions',
      body: {
        name: 'open',
        kind: 'district',
        boundary: {
          type: 'Polygon',
          coordinates: [
            [
              [104, 30.6],
              [104.1, 30.6],
              [104.1, 30.7],
              [104, 30.7],
            ],
          ],
        },
      },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a polygon corner beyond the poles (was a 500)',
      who: 'admin',
      path: () => '/api/v1/jurisdictions',
      body: {
        name: 'far',
        kind: 'district',
        boundary: {
          type: 'Polygon',
          coordinates: [
            [
              [104, 30.6],
              [1e308, 30.6],
              [104.1, 30.7],
              [104, 30.6],
            ],
          ],
        },
      },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a report window in year 0 (was a 500)',
      who: 'commander',
      method: 'GET',
      path: () => '/api/v1/reports/laggards?to=0000-01-01T00:00:00Z',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a login with an unknown username (was a 500)',
      who: 'none',
      path: () => '/api/v1/auth/login',
      body: { username: 'nobody-here', password: 'whatever-password' },
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'an unknown jurisdiction kind',
      who: 'admin',
      path: () => '/api/v1/jurisdictions',
      body: {
        name: 'x',
        kind: 'province',
        boundary: {
          type: 'Polygon',
          coordinates: [
            [
              [0, 0],
              [1, 0],
              [1, 1],
              [0, 0],
            ],
          ],
        },
      },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a duplicate callsign',
      who: 'admin',
      path: () => '/api/v1/units',
      body: { callsign: '川A-巡01', kind: 'foot' },
      status: 409,
      code: 'CONFLICT',
    },
    {
      name: 'an unknown unit kind',
      who: 'admin',
      path: () => '/api/v1/units',
      body: { callsign: 'Z9', kind: 'submarine' },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a short password',
      who: 'admin',
      path: () => '/api/v1/users',
      body: { username: 'bob', password: 'short', roles: ['dispatcher'] },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'an unknown role',
      who: 'admin',
      path: () => '/api/v1/users',
      body: { username: 'bob', password: 'long-enough-password', roles: ['mayor'] },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a taken username',
      who: 'admin',
      path: () => '/api/v1/users',
      body: { username: 'dispatcher', password: 'long-enough-password', roles: ['dispatcher'] },
      status: 409,
      code: 'CONFLICT',
    },
    {
      name: 'setting a busy unit available',
      who: 'dispatcher',
      path: () => `/api/v1/units/${busyUnitId}/status`,
      body: { status: 'available' },
      status: 409,
      code: 'CONFLICT',
    },
    {
      name: 'setting a derived unit status',
      who: 'dispatcher',
      path: () => `/api/v1/units/${world.units[1].id}/status`,
      body: { status: 'on_scene' },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'an unknown recommendation scheme',
      who: 'dispatcher',
      method: 'GET',
      path: () => `/api/v1/incidents/${incidentId}/recommendation?scheme=nope`,
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a wrong password',
      who: 'none',
      path: () => '/api/v1/auth/login',
      body: { username: 'dispatcher', password: 'wrong-password' },
      status: 401,
      code: 'UNAUTHENTICATED',
    },
  ];

  it.each(cases)('$name → $status $code', async (c) => {
    const before = await counts();
    const token =
      c.who === 'none'
        ? undefined
        : c.who === 'badToken'
          ? 'u_madeup'
          : c.who === 'otherTerminal'
            ? world.units[4].token
            : world.tokens[c.who];
    const body = typeof c.body === 'function' ? (c.body as () => unknown)() : c.body;
    const res = await client(base, token).raw(
      c.method ?? 'POST',
      c.path(),
      c.method === 'GET' ? undefined : body,
      c.headers,
    );
    expect(res.status).toBe(c.status);
    expect(res.body.error.code).toBe(c.code);
    expect(typeof res.body.error.message).toBe('string');
    expect(res.body.error.message.length).toBeGreaterThan(3);
    expect(await counts()).toEqual(before);
  });

  // text the database cannot hold (NUL, unpaired surrogates) used to reach SQL and answer 500
  const unsafeCases: {
    name: string;
    who: keyof World['tokens'];
    method?: string;
    path: () => string;
    body?: (bad: string) => unknown;
    field: string;
  }[] = [
    {
      name: 'callsign',
      who: 'admin',
      path: () => '/api/v1/units',
      body: (bad) => ({ callsign: bad, kind: 'foot' }),
      field: 'callsign',
    },
    {
      name: 'jurisdiction name',
      who: 'admin',
      path: () => '/api/v1/jurisdictions',
      body: (bad) => ({
        name: bad,
        kind: 'grid',
        boundary: {
          type: 'Polygon',
          coordinates: [
            [
              [104, 30.6],
              [104.1, 30.6],
              [104.1, 30.7],
              [104, 30.6],
            ],
          ],
        },
      }),
      field: 'name',
    },
    {
      name: 'checkpoint name',
      who: 'admin',
      path: () => '/api/v1/checkpoints',
      body: (bad) => ({ name: bad, location: INCIDENT_POINT }),
      field: 'name',
    },
    {
      name: 'username',
      who: 'admin',
      path: () => '/api/v1/users',
      body: (bad) => ({ username: bad, password: 'long-enough-password', roles: ['dispatcher'] }),
      field: 'username',
    },
    {
      name: 'login username',
      who: 'admin',
      path: () => '/api/v1/auth/login',
      body: (bad) => ({ username: bad, password: 'whatever-password' }),
      field: 'username',
    },
    {
      name: 'address',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: (bad) => incident({ address: bad }),
      field: 'address',
    },
    {
      name: 'caller name',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: (bad) => incident({ callerName: bad }),
      field: 'callerName',
    },
    {
      name: 'description',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: (bad) => incident({ description: bad }),
      field: 'description',
    },
    {
      name: 'scheme id',
      who: 'calltaker',
      path: () => '/api/v1/incidents',
      body: (bad) => incident({ schemeId: bad }),
      field: 'schemeId',
    },
    {
      name: 'disposition',
      who: 'dispatcher',
      path: () => `/api/v1/incidents/${incidentId}/close`,
      body: (bad) => ({ disposition: bad }),
      field: 'disposition',
    },
    {
      name: 'cancel reason',
      who: 'dispatcher',
      path: () => `/api/v1/incidents/${incidentId}/cancel`,
      body: (bad) => ({ reason: bad }),
      field: 'reason',
    },
    {
      name: 'defense level reason',
      who: 'commander',
      path: () => '/api/v1/defense-levels',
      body: (bad) => ({ jurisdictionId: null, level: 2, reason: bad }),
      field: 'reason',
    },
    {
      name: 'agency note',
      who: 'dispatcher',
      path: () => `/api/v1/incidents/${incidentId}/agencies`,
      body: (bad) => ({ agency: '119', note: bad }),
      field: 'note',
    },
    {
      name: 'response plan name',
      who: 'admin',
      path: () => '/api/v1/response-plans',
      body: (bad) => ({
        name: bad,
        category: 'fire',
        priority: 1,
        scheme: '1-3-8',
        units: [{ kind: 'patrol_car', count: 1, tier: 0 }],
      }),
      field: 'name',
    },
    {
      name: 'place search',
      who: 'calltaker',
      method: 'GET',
      path: () => '/api/v1/places/search?q=%00',
      field: 'q',
    },
    {
      name: 'report scheme',
      who: 'commander',
      method: 'GET',
      path: () => '/api/v1/reports/response-times?scheme=1-3-8%00',
      field: 'scheme',
    },
  ];

  it.each(
    unsafeCases.flatMap((c) =>
      c.body
        ? [
            { ...c, bad: NUL, kind: 'NUL' },
            { ...c, bad: LONE, kind: 'a lone surrogate' },
          ]
        : [{ ...c, bad: NUL, kind: 'NUL' }],
    ),
  )('$kind in the $name → 400 with its field path, nothing written', async (c) => {
    const before = await counts();
    const res = await client(base, world.tokens[c.who]).raw(
      c.method ?? 'POST',
      c.path(),
      c.body?.(c.bad),
    );
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect(res.body.error.details).toContainEqual(expect.objectContaining({ path: c.field }));
    expect(await counts()).toEqual(before);
  });

  it('refuses an empty or unknown schemeId before writing or broadcasting anything', async () => {
    const watcher = await connectSocket(base, '/console', world.tokens.dispatcher);
    try {
      await watcher.waitFor((e) => e.event === 'sync');
      const before = await counts();
      for (const schemeId of ['', 'no-such-scheme']) {
        const res = await world.calltaker.post('/api/v1/incidents', incident({ schemeId }));
        expect({ status: res.status, code: res.body.error?.code }).toEqual({
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expect(res.body.error.details).toContainEqual(
          expect.objectContaining({ path: 'schemeId' }),
        );
      }
      expect(await counts()).toEqual(before);
      // a good incident afterwards is the only one any console hears about
      const good = await world.calltaker.post(
        '/api/v1/incidents',
        incident({ schemeId: '5-10-30' }),
      );
      expect(good.status).toBe(201);
      await watcher.waitFor(
        (e) => e.event === 'incident.created' && e.payload.id === good.body.incident.id,
      );
      expect(
        watcher.events.filter((e) => e.event === 'incident.created').map((e) => e.payload.id),
      ).toEqual([good.body.incident.id]);
      await world.dispatcher.post(`/api/v1/incidents/${good.body.incident.id}/cancel`, {
        reason: 'test',
      });
    } finally {
      watcher.close();
    }
  });

  it('refuses incidents outside the service area or with a receivedAt from the wrong day', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [incident({ location: { lon: 0, lat: 0 } }), 'location', /outside the service area/],
      [incident({ location: { lon: 116.39, lat: 39.9 } }), 'location', /outside the service area/],
      [incident({ receivedAt: agoIso(25 * 3600_000) }), 'receivedAt', /in the past/],
      [incident({ receivedAt: agoIso(-3600_000) }), 'receivedAt', /in the future/],
      [incident({ receivedAt: '1970-01-01T00:00:00Z' }), 'receivedAt', /in the past/],
    ];
    for (const [body, field, message] of cases) {
      const before = await counts();
      const res = await world.calltaker.post('/api/v1/incidents', body);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.error.message).toMatch(message);
      expect(res.body.error.details).toContainEqual(expect.objectContaining({ path: field }));
      expect(await counts()).toEqual(before);
    }
    // within the window and the area: accepted (a call entered 2 h late, a clock 1 min fast)
    for (const receivedAt of [agoIso(2 * 3600_000), agoIso(-60_000)]) {
      const ok = await world.calltaker.post('/api/v1/incidents', incident({ receivedAt }));
      expect(ok.status).toBe(201);
      await world.dispatcher.post(`/api/v1/incidents/${ok.body.incident.id}/cancel`, {
        reason: 'test',
      });
    }
  });

  it('refuses a whole position batch when one report is outside the area or the time window', async () => {
    const u = world.units[3];
    const fix = (over: Record<string, unknown>) => ({
      unitId: u.id,
      lon: u.lon,
      lat: u.lat,
      at: agoIso(1000),
      ...over,
    });
    const livePosition = async () =>
      (await world.dispatcher.get('/api/v1/units')).body.find((x: { id: string }) => x.id === u.id)
        .position;
    const was = await livePosition();
    const cases: [unknown[], string, RegExp][] = [
      [[fix({}), fix({ lon: 2.35, lat: 48.86 })], 'positions.1', /outside the service area/],
      [[fix({ at: agoIso(2 * 3600_000) })], 'positions.0.at', /in the past/],
      [[fix({}), fix({ at: agoIso(-10 * 60_000) })], 'positions.1.at', /in the future/],
    ];
    for (const [positions, field, message] of cases) {
      const before = await counts();
      const res = await world.admin.post('/api/v1/units/positions', { positions });
      expect({ status: res.status, code: res.body.error?.code }).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.error.message).toMatch(message);
      expect(res.body.error.details).toContainEqual(expect.objectContaining({ path: field }));
      expect(await counts()).toEqual(before);
      expect(await livePosition()).toEqual(was);
    }
    // the terminal's own socket event is held to the same bounds
    const t = await connectSocket(base, '/terminal', u.token);
    try {
      const res = await new Promise<any>((resolve) =>
        t.socket.emit('position', { lon: 2.35, lat: 48.86, at: agoIso(0) }, resolve),
      );
      expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    } finally {
      t.close();
    }
    expect(await livePosition()).toEqual(was);
  });

  it('masks the caller name like the number for commanders, over HTTP and on their sockets', async () => {
    const commanderSocket = await connectSocket(base, '/console', world.tokens.commander);
    const dispatcherSocket = await connectSocket(base, '/console', world.tokens.dispatcher);
    try {
      const created = await world.calltaker.post(
        '/api/v1/incidents',
        incident({ callerNumber: '13812345678', callerName: '王小明' }),
      );
      expect(created.status).toBe(201);
      const id = created.body.incident.id as string;
      expect(created.body.incident).toMatchObject({
        callerNumber: '13812345678',
        callerName: '王小明',
      });
      const masked = { callerNumber: '138****5678', callerName: '王**' };
      expect((await world.commander.get(`/api/v1/incidents/${id}`)).body).toMatchObject(masked);
      expect(
        (await world.commander.get('/api/v1/incidents')).body.find(
          (i: { id: string }) => i.id === id,
        ),
      ).toMatchObject(masked);
      expect(
        (await world.commander.get(`/api/v1/incidents/${id}/timeline`)).body.incident,
      ).toMatchObject(masked);
      expect((await world.dispatcher.get(`/api/v1/incidents/${id}`)).body).toMatchObject({
        callerName: '王小明',
      });
      const heard = await commanderSocket.waitFor(
        (e) => e.event === 'incident.created' && e.payload.id === id,
      );
      expect(heard.payload).toMatchObject(masked);
      expect(
        (
          await dispatcherSocket.waitFor(
            (e) => e.event === 'incident.created' && e.payload.id === id,
          )
        ).payload,
      ).toMatchObject({ callerName: '王小明' });
      // a console that connects now gets it in its sync snapshot
      const late = await connectSocket(base, '/console', world.tokens.commander);
      try {
        const sync = await late.waitFor((e) => e.event === 'sync');
        expect(sync.payload.incidents.find((i: { id: string }) => i.id === id)).toMatchObject(
          masked,
        );
        expect(JSON.stringify(sync.payload)).not.toContain('王小明');
      } finally {
        late.close();
      }
      expect(JSON.stringify(commanderSocket.events)).not.toContain('王小明');
      await world.dispatcher.post(`/api/v1/incidents/${id}/cancel`, { reason: 'test' });
    } finally {
      commanderSocket.close();
      dispatcherSocket.close();
    }
  });

  it('refuses unauthenticated sockets and the wrong kind of token on each namespace', async () => {
    await expect(connectSocket(base, '/console', undefined)).rejects.toThrow('UNAUTHENTICATED');
    await expect(connectSocket(base, '/console', world.units[1].token)).rejects.toThrow(
      'UNAUTHENTICATED',
    );
    await expect(connectSocket(base, '/terminal', world.tokens.dispatcher)).rejects.toThrow(
      'UNAUTHENTICATED',
    );
  });

  it('answers a bad terminal event with an error acknowledgement and no change', async () => {
    const before = await counts();
    const t = await connectSocket(base, '/terminal', world.units[0].token);
    const res = await new Promise<any>((resolve) =>
      t.socket.emit('task.event', { assignmentId, type: 'clear' }, resolve),
    );
    expect(res).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION' } });
    const res2 = await new Promise<any>((resolve) =>
      t.socket.emit('position', { lon: 500, lat: 30, at: new Date().toISOString() }, resolve),
    );
    expect(res2).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    t.close();
    expect(await counts()).toEqual(before);
  });
});
