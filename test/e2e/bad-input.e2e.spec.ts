import { randomUUID } from 'node:crypto';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { client, connectSocket, createStack, SERVICES_MODE, type Stack } from '../support/harness';
import { DatabaseService } from '@ringcad/core';
import { sql } from 'kysely';

const TABLES = ['users', 'jurisdictions', 'checkpoints', 'standby_points', 'units', 'unit_tracks', 'incidents', 'assignments', 'incident_events', 'timers', 'alerts', 'audit_events'];

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
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(t)}`.execute(db);
      out[t] = r.rows[0].n;
    }
    const units = await sql<{ s: string }>`SELECT string_agg(id || ':' || status || ':' || version, ',' ORDER BY id) AS s FROM units`.execute(db);
    out.unitState = units.rows[0].s.length;
    return out;
  }

  beforeAll(async () => {
    stack = await createStack();
    base = (await stack.startApi()).url;
    world = await buildWorld(base);
    const created = await world.calltaker.post('/api/v1/incidents', { location: INCIDENT_POINT, category: 'fire', priority: 2 });
    incidentId = created.body.incident.id;
    busyUnitId = world.units[0].id;
    const a = await world.dispatcher.post(`/api/v1/incidents/${incidentId}/assignments`, { unitIds: [busyUnitId] });
    assignmentId = a.body.assignments[0].id;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const incident = (over: Record<string, unknown>) => ({ location: INCIDENT_POINT, category: 'fire', priority: 2, ...over });

  const cases: { name: string; who: keyof World['tokens'] | 'none' | 'otherTerminal' | 'badToken'; method?: string; path: () => string; body?: unknown; status: number; code: string; headers?: Record<string, string> }[] = [
    { name: 'missing coordinates', who: 'calltaker', path: () => '/api/v1/incidents', body: { category: 'fire', priority: 2 }, status: 400, code: 'VALIDATION_FAILED' },
    { name: 'longitude out of range', who: 'calltaker', path: () => '/api/v1/incidents', body: incident({ location: { lon: 190, lat: 30 } }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'latitude out of range', who: 'calltaker', path: () => '/api/v1/incidents', body: incident({ location: { lon: 104, lat: -91 } }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'coordinates as strings', who: 'calltaker', path: () => '/api/v1/incidents', body: incident({ location: { lon: '104', lat: '30' } }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'unknown crs', who: 'calltaker', path: () => '/api/v1/incidents', body: incident({ location: { ...INCIDENT_POINT, crs: 'EPSG:3857' } }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'unknown category', who: 'calltaker', path: () => '/api/v1/incidents', body: incident({ category: 'alien_landing' }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'priority 0', who: 'calltaker', path: () => '/api/v1/incidents', body: incident({ priority: 0 }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'priority 4', who: 'calltaker', path: () => '/api/v1/incidents', body: incident({ priority: 4 }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'malformed JSON', who: 'calltaker', path: () => '/api/v1/incidents', body: '{"location": ', status: 400, code: 'VALIDATION_FAILED' },
    { name: 'oversized body', who: 'calltaker', path: () => '/api/v1/incidents', body: incident({ description: 'x'.repeat(3 * 1024 * 1024) }), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'too many positions', who: 'admin', path: () => '/api/v1/units/positions', body: { positions: Array.from({ length: 5001 }, () => ({ unitId: randomUUID(), lon: 104, lat: 30, at: new Date().toISOString() })) }, status: 400, code: 'VALIDATION_FAILED' },
    { name: 'position of an unknown unit', who: 'admin', path: () => '/api/v1/units/positions', body: { positions: [{ unitId: randomUUID(), lon: 104, lat: 30, at: new Date().toISOString() }] }, status: 404, code: 'NOT_FOUND' },
    { name: "another unit's position from a terminal", who: 'otherTerminal', path: () => '/api/v1/units/positions', body: () => ({ positions: [{ unitId: busyUnitId, lon: 104, lat: 30, at: new Date().toISOString() }] }), status: 403, code: 'FORBIDDEN' },
    { name: 'assigning an unknown unit', who: 'dispatcher', path: () => `/api/v1/incidents/${incidentId}/assignments`, body: { unitIds: [randomUUID()] }, status: 404, code: 'NOT_FOUND' },
    { name: 'assigning a busy unit (with a free one: nothing assigned)', who: 'dispatcher', path: () => `/api/v1/incidents/${incidentId}/assignments`, body: () => ({ unitIds: [world.units[1].id, busyUnitId] }), status: 409, code: 'UNIT_UNAVAILABLE' },
    { name: 'assigning to an unknown incident', who: 'dispatcher', path: () => `/api/v1/incidents/${randomUUID()}/assignments`, body: () => ({ unitIds: [world.units[1].id] }), status: 404, code: 'NOT_FOUND' },
    { name: 'a malformed incident id', who: 'dispatcher', path: () => '/api/v1/incidents/not-an-id/assignments', body: () => ({ unitIds: [world.units[1].id] }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'an illegal transition (arrive before depart)', who: 'dispatcher', path: () => `/api/v1/assignments/${assignmentId}/events`, body: { type: 'arrive' }, status: 409, code: 'ILLEGAL_TRANSITION' },
    { name: 'an unknown event type', who: 'dispatcher', path: () => `/api/v1/assignments/${assignmentId}/events`, body: { type: 'teleport' }, status: 400, code: 'VALIDATION_FAILED' },
    { name: "another unit's terminal reporting on an assignment", who: 'otherTerminal', path: () => `/api/v1/assignments/${assignmentId}/events`, body: { type: 'ack' }, status: 403, code: 'FORBIDDEN' },
    { name: 'a call-taker assigning units', who: 'calltaker', path: () => `/api/v1/incidents/${incidentId}/assignments`, body: () => ({ unitIds: [world.units[1].id] }), status: 403, code: 'FORBIDDEN' },
    { name: 'a commander creating an incident', who: 'commander', path: () => '/api/v1/incidents', body: incident({}), status: 403, code: 'FORBIDDEN' },
    { name: 'a dispatcher creating a unit', who: 'dispatcher', path: () => '/api/v1/units', body: { callsign: 'X1', kind: 'foot' }, status: 403, code: 'FORBIDDEN' },
    { name: 'a terminal creating an incident', who: 'otherTerminal', path: () => '/api/v1/incidents', body: incident({}), status: 403, code: 'FORBIDDEN' },
    { name: 'no token', who: 'none', path: () => '/api/v1/incidents', body: incident({}), status: 401, code: 'UNAUTHENTICATED' },
    { name: 'a made-up token', who: 'badToken', path: () => '/api/v1/incidents', body: incident({}), status: 401, code: 'UNAUTHENTICATED' },
    { name: 'no token on a read', who: 'none', method: 'GET', path: () => '/api/v1/units', status: 401, code: 'UNAUTHENTICATED' },
    { name: 'closing with units still assigned', who: 'dispatcher', path: () => `/api/v1/incidents/${incidentId}/close`, body: { disposition: 'handled_on_scene' }, status: 409, code: 'CONFLICT' },
    { name: 'closing without a disposition', who: 'dispatcher', path: () => `/api/v1/incidents/${incidentId}/close`, body: {}, status: 400, code: 'VALIDATION_FAILED' },
    { name: 'an invalid district polygon', who: 'admin', path: () => '/api/v1/jurisdictions', body: { name: 'bow', kind: 'district', boundary: { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] } }, status: 400, code: 'VALIDATION_FAILED' },
    { name: 'an unknown jurisdiction kind', who: 'admin', path: () => '/api/v1/jurisdictions', body: { name: 'x', kind: 'province', boundary: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } }, status: 400, code: 'VALIDATION_FAILED' },
    { name: 'a duplicate callsign', who: 'admin', path: () => '/api/v1/units', body: { callsign: '川A-巡01', kind: 'foot' }, status: 409, code: 'CONFLICT' },
    { name: 'an unknown unit kind', who: 'admin', path: () => '/api/v1/units', body: { callsign: 'Z9', kind: 'submarine' }, status: 400, code: 'VALIDATION_FAILED' },
    { name: 'a short password', who: 'admin', path: () => '/api/v1/users', body: { username: 'bob', password: 'short', roles: ['dispatcher'] }, status: 400, code: 'VALIDATION_FAILED' },
    { name: 'an unknown role', who: 'admin', path: () => '/api/v1/users', body: { username: 'bob', password: 'long-enough-password', roles: ['mayor'] }, status: 400, code: 'VALIDATION_FAILED' },
    { name: 'a taken username', who: 'admin', path: () => '/api/v1/users', body: { username: 'dispatcher', password: 'long-enough-password', roles: ['dispatcher'] }, status: 409, code: 'CONFLICT' },
    { name: 'setting a busy unit available', who: 'dispatcher', path: () => `/api/v1/units/${busyUnitId}/status`, body: { status: 'available' }, status: 409, code: 'CONFLICT' },
    { name: 'setting a derived unit status', who: 'dispatcher', path: () => `/api/v1/units/${world.units[1].id}/status`, body: { status: 'on_scene' }, status: 400, code: 'VALIDATION_FAILED' },
    { name: 'an unknown recommendation scheme', who: 'dispatcher', method: 'GET', path: () => `/api/v1/incidents/${incidentId}/recommendation?scheme=nope`, status: 400, code: 'VALIDATION_FAILED' },
    { name: 'a wrong password', who: 'none', path: () => '/api/v1/auth/login', body: { username: 'dispatcher', password: 'wrong-password' }, status: 401, code: 'UNAUTHENTICATED' },
  ];

  it.each(cases)('$name → $status $code', async (c) => {
    const before = await counts();
    const token =
      c.who === 'none' ? undefined : c.who === 'badToken' ? 'u_madeup' : c.who === 'otherTerminal' ? world.units[4].token : world.tokens[c.who];
    const body = typeof c.body === 'function' ? (c.body as () => unknown)() : c.body;
    const res = await client(base, token).raw(c.method ?? 'POST', c.path(), c.method === 'GET' ? undefined : body, c.headers);
    expect(res.status).toBe(c.status);
    expect(res.body.error.code).toBe(c.code);
    expect(typeof res.body.error.message).toBe('string');
    expect(res.body.error.message.length).toBeGreaterThan(3);
    expect(await counts()).toEqual(before);
  });

  it('refuses unauthenticated sockets and the wrong kind of token on each namespace', async () => {
    await expect(connectSocket(base, '/console', undefined)).rejects.toThrow('UNAUTHENTICATED');
    await expect(connectSocket(base, '/console', world.units[1].token)).rejects.toThrow('UNAUTHENTICATED');
    await expect(connectSocket(base, '/terminal', world.tokens.dispatcher)).rejects.toThrow('UNAUTHENTICATED');
  });

  it('answers a bad terminal event with an error acknowledgement and no change', async () => {
    const before = await counts();
    const t = await connectSocket(base, '/terminal', world.units[0].token);
    const res = await new Promise<any>((resolve) => t.socket.emit('task.event', { assignmentId, type: 'clear' }, resolve));
    expect(res).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION' } });
    const res2 = await new Promise<any>((resolve) => t.socket.emit('position', { lon: 500, lat: 30, at: new Date().toISOString() }, resolve));
    expect(res2).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    t.close();
    expect(await counts()).toEqual(before);
  });
});
