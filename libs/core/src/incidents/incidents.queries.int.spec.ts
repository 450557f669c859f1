import { randomBytes } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { DatabaseHandle, Db } from '@ringcad/db';
import { openTestDatabase, TEST_DB_MODE as mode } from '../../../../test/support/test-database';
import {
  cstDay,
  formatIncidentNumber,
  INCIDENT_STATUSES,
  isIncidentOpen,
  TERMINAL_INCIDENT_STATUSES,
} from '@ringcad/domain';
import type { CreateIncidentRequest } from '@ringcad/contracts';
import { isKeyRace, SYSTEM_ACTOR, type Actor } from '../platform';
import {
  appendIncidentEvent,
  bumpIncident,
  lockIncident,
  readIncident,
  selectIncidentEvents,
} from '../incident-log';
import {
  drawIncidentNumber,
  insertIncident,
  selectIncidents,
  type IncidentInsert,
} from './incidents.queries';

/**
 * The incident queries against a real database, in whichever mode the suite runs: embedded PGlite,
 * or a fresh PostgreSQL/PostGIS database when DATABASE_URL and REDIS_URL are set.
 */

/** A square around (lon, lat) with half-side `half` degrees, as a MultiPolygon. */
const square = (lon: number, lat: number, half: number) =>
  sql`ST_Multi(ST_MakeEnvelope(${lon - half}, ${lat - half}, ${lon + half}, ${lat + half}, 4326))`;

async function addJurisdiction(
  db: Db,
  kind: 'district' | 'station' | 'grid',
  schemeId: string | null,
  lon: number,
  lat: number,
  half: number,
) {
  const r = await sql<{ id: string }>`
    INSERT INTO jurisdictions (name, kind, scheme_id, boundary)
    VALUES (${`${kind}-${half}`}, ${kind}, ${schemeId}, ${square(lon, lat, half)}) RETURNING id`.execute(
    db,
  );
  return r.rows[0].id;
}

const USER: Actor = { kind: 'user', id: 'u-1', name: 'dispatcher' };
// the city centre of the fixture: jurisdictions nest around it
const C = { lon: 116.4, lat: 39.9 };

describe(`incident queries (${mode})`, () => {
  let handle: DatabaseHandle;
  let close: () => Promise<void>;
  let db: Db;
  let district: string;
  let station: string;
  let smallStation: string;
  let grid: string;

  beforeAll(async () => {
    ({ handle, close } = await openTestDatabase('q_incidents'));
    db = handle.db;
    district = await addJurisdiction(db, 'district', '5-10-30', C.lon, C.lat, 0.5);
    station = await addJurisdiction(db, 'station', null, C.lon, C.lat, 0.1);
    // overlapping stations: the smaller one holds the point
    smallStation = await addJurisdiction(db, 'station', null, C.lon + 0.05, C.lat, 0.02);
    grid = await addJurisdiction(db, 'grid', '1-3-8', C.lon, C.lat, 0.01);
  });

  afterAll(async () => {
    await close();
  });

  let clockMs = Date.parse('2026-03-01T02:00:00Z');
  /** Each create happens a little later than the one before (duplicates look back in time). */
  const create = (
    input: Partial<CreateIncidentRequest> & { lon?: number; lat?: number } = {},
    extra: Partial<IncidentInsert> = {},
  ) => {
    const now = new Date((clockMs += 1000));
    const { lon = C.lon, lat = C.lat, ...rest } = input;
    const request: CreateIncidentRequest = {
      location: { lon, lat },
      category: 'criminal',
      priority: 2,
      ...rest,
    };
    return insertIncident(db, {
      input: request,
      point: { lon, lat },
      day: cstDay(now),
      numberPrefix: '110',
      receivedAt: now,
      now,
      createdBy: null,
      actor: USER,
      duplicates: { windowMin: 30, radiusM: 300 },
      ...extra,
    });
  };

  it('numbers incidents prefix-day-sequence, restarting each CST day', async () => {
    const day = cstDay(new Date(clockMs + 1000));
    const first = await create();
    const second = await create();
    const n1 = Number(first.number.split('-')[2]);
    expect(first.number).toBe(formatIncidentNumber(first.created_at, n1, '110'));
    expect(first.number.startsWith(`110-${day}-`)).toBe(true);
    expect(second.number).toBe(formatIncidentNumber(second.created_at, n1 + 1, '110'));
    // another day (and hall prefix): its own sequence from 1
    const tomorrow = new Date(clockMs + 86_400_000);
    const other = await create(
      {},
      { day: cstDay(tomorrow), now: tomorrow, receivedAt: tomorrow, numberPrefix: 'GZ110' },
    );
    expect(other.number).toBe(`GZ110-${cstDay(tomorrow)}-000001`);
  });

  it('a number drawn apart (its own transaction) is the one the incident takes; concurrent draws never repeat', async () => {
    const day = '20990101';
    const drawn = await Promise.all(Array.from({ length: 12 }, () => drawIncidentNumber(db, day)));
    expect([...drawn].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // the draw's commit skips the flush wait for its own transaction only: no session is left so
    const settings = await Promise.all(
      Array.from(
        { length: 12 },
        async () =>
          (await sql<{ s: string }>`SELECT current_setting('synchronous_commit') AS s`.execute(db))
            .rows[0].s,
      ),
    );
    expect(new Set(settings)).toEqual(new Set(['on']));
    const next = await drawIncidentNumber(db, day);
    const r = await create({}, { day, drawn: next });
    expect(r.number).toBe(`110-${day}-000013`);
    // the counter moved on once, not twice
    const after = await create({}, { day });
    expect(after.number).toBe(`110-${day}-000014`);
  });

  it('past 999,999 calls a day the sequence gets more digits', async () => {
    const day = '20991231';
    await db.insertInto('incident_counters').values({ day, n: 999_999 }).execute();
    const r = await create({}, { day });
    expect(r.number).toBe(`110-${day}-1000000`);
  });

  it('places the incident by point-in-polygon: the smallest jurisdiction of each kind, the grid scheme first', async () => {
    const inGrid = await create();
    expect([inGrid.district_id, inGrid.station_id, inGrid.grid_id]).toEqual([
      district,
      station,
      grid,
    ]);
    expect(inGrid.scheme_id).toBe('1-3-8');
    expect(inGrid.lon).toBeCloseTo(C.lon, 9);
    expect(inGrid.lat).toBeCloseTo(C.lat, 9);

    const inSmallStation = await create({ lon: C.lon + 0.05 });
    expect([inSmallStation.district_id, inSmallStation.station_id, inSmallStation.grid_id]).toEqual(
      [district, smallStation, null],
    );
    expect(inSmallStation.scheme_id).toBe('5-10-30'); // no grid, no station scheme: the district's

    const explicit = await create({ schemeId: '5-10-30' });
    expect(explicit.scheme_id).toBe('5-10-30');

    const outside = await create({ lon: C.lon + 3, priority: 1 });
    expect([outside.district_id, outside.station_id, outside.grid_id]).toEqual([null, null, null]);
    expect(outside.scheme_id).toBe('5-10-30'); // DEFAULT_SCHEME_BY_PRIORITY[1]
  });

  it('writes the first event in the same statement: version 1, the number and scheme drawn there', async () => {
    const r = await create({ address: 'Gate 3', callerNumber: '13800000000' });
    const events = await selectIncidentEvents(db, r.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      version: 1,
      type: 'incident.created',
      actor_kind: 'user',
      actor_id: 'u-1',
      actor_name: 'dispatcher',
    });
    expect(events[0].data).toEqual({
      category: 'criminal',
      priority: 2,
      location: C,
      input: { lon: C.lon, lat: C.lat },
      address: 'Gate 3',
      number: r.number,
      schemeId: r.scheme_id,
    });
    expect(r.version).toBe(1);
    expect(r.caller_number).toBe('13800000000');
  });

  it('flags earlier incidents of the same category within the radius and window, nearest first', async () => {
    const far = { lon: C.lon + 0.2, lat: C.lat + 0.2 }; // a quiet corner of the district
    const first = await create({ ...far, category: 'fire' });
    const near = await create({ lon: far.lon + 0.001, lat: far.lat, category: 'fire' }); // ~85 m east
    await create({ ...far, category: 'traffic' }); // another category
    const cancelled = await create({ ...far, category: 'fire' });
    await db
      .updateTable('incidents')
      .set({ status: 'cancelled' })
      .where('id', '=', cancelled.id)
      .execute();
    await create({ lon: far.lon + 0.01, lat: far.lat, category: 'fire' }); // ~850 m: beyond the radius

    const r = await create({ ...far, category: 'fire' });
    expect(r.dups.map((d) => d.id)).toEqual([first.id, near.id]);
    expect(r.dups[0].distance_m).toBeCloseTo(0, 3);
    expect(r.dups[1].distance_m).toBeGreaterThan(70);
    expect(r.dups[1].distance_m).toBeLessThan(100);
    expect(r.dups[0].number).toBe(first.number);
    expect(new Date(r.dups[0].created_at).getTime()).toBe(first.created_at.getTime());

    // outside the window (30 min) nothing is a duplicate any more
    clockMs += 31 * 60_000;
    expect((await create({ ...far, category: 'fire' })).dups.map((d) => d.id)).not.toContain(
      first.id,
    );
  });

  it('records the idempotency key with the incident; a twin with the same key makes nothing at all', async () => {
    const call = { owner: 'user:u-1', key: `k-${randomBytes(4).toString('hex')}`, hash: 'h1' };
    const r = await create({}, { call });
    const key = await sql<{
      incident_id: string;
    }>`SELECT incident_id FROM idempotency_keys WHERE key = ${call.key}`.execute(db);
    expect(key.rows).toEqual([{ incident_id: r.id }]);

    const count = async () => {
      const c = await sql<{ incidents: number; events: number; n: number }>`
        SELECT (SELECT count(*) FROM incidents) AS incidents, (SELECT count(*) FROM incident_events) AS events,
               (SELECT n FROM incident_counters WHERE day = ${cstDay(r.created_at)}) AS n`.execute(
        db,
      );
      return c.rows[0];
    };
    const before = await count();
    const err = await create({}, { call }).catch((e: unknown) => e);
    expect(isKeyRace(err)).toBe(true);
    expect(await count()).toEqual(before); // incident, event and daily counter rolled back with it
  });

  it('appends events in order, each at the version its change bumped to', async () => {
    const r = await create();
    await handle.db.transaction().execute(async (tx) => {
      const v2 = await bumpIncident(tx, r.id, { status: 'dispatched' });
      await appendIncidentEvent(tx, r.id, v2, 'units.assigned', new Date(clockMs), USER, {
        role: 'primary',
        nested: { a: [1, 2] },
      });
      const v3 = await bumpIncident(tx, r.id);
      await appendIncidentEvent(
        tx,
        r.id,
        v3,
        'alert.ack_overdue',
        new Date(clockMs + 1),
        SYSTEM_ACTOR,
      );
    });
    const events = await selectIncidentEvents(db, r.id);
    expect(events.map((e) => [e.version, e.type, e.actor_kind])).toEqual([
      [1, 'incident.created', 'user'],
      [2, 'units.assigned', 'user'],
      [3, 'alert.ack_overdue', 'system'],
    ]);
    expect(events.map((e) => Number(e.seq))).toEqual(
      [...events.map((e) => Number(e.seq))].sort((a, b) => a - b),
    );
    // data is a JSON object in the column (queried by key), not a JSON string
    expect(events[1].data).toEqual({ role: 'primary', nested: { a: [1, 2] } });
    expect(events[2].data).toEqual({});
    const role = await sql<{ role: string }>`
      SELECT data->>'role' AS role FROM incident_events WHERE incident_id = ${r.id} AND version = 2`.execute(
      db,
    );
    expect(role.rows[0].role).toBe('primary');
    expect(events[2].actor_id).toBeNull();

    const incident = await readIncident(db, r.id);
    expect(incident.version).toBe(3);
    expect(incident.status).toBe('dispatched');
  });

  it('an event rolls back with the change it records', async () => {
    const r = await create();
    await handle.db
      .transaction()
      .execute(async (tx) => {
        await lockIncident(tx, r.id);
        const v = await bumpIncident(tx, r.id, { status: 'cancelled' });
        await appendIncidentEvent(tx, r.id, v, 'incident.cancelled', new Date(clockMs), USER, {
          reason: 'test',
        });
        throw new Error('abort');
      })
      .catch(() => undefined);
    expect((await selectIncidentEvents(db, r.id)).map((e) => e.type)).toEqual(['incident.created']);
    expect((await readIncident(db, r.id)).version).toBe(1);
  });

  it('reading or locking an unknown incident is NOT_FOUND', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    await expect(readIncident(db, id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      handle.db.transaction().execute((tx) => lockIncident(tx, id)),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists open or closed incidents (the libs/domain statuses) in scope, most urgent first', async () => {
    const mark = new Date(clockMs + 500).toISOString();
    const byStatus = new Map<string, string>();
    for (const status of INCIDENT_STATUSES) {
      const r = await create({ priority: status === 'resolved' ? 1 : 3 });
      await db.updateTable('incidents').set({ status }).where('id', '=', r.id).execute();
      byStatus.set(status, r.id);
    }
    const outside = await create({ lon: C.lon + 3 });
    // the window holds only this test's incidents (the first test filed one a day ahead)
    const to = new Date(clockMs + 1).toISOString();
    const list = (status: 'open' | 'closed' | 'all', inScope: RawBuilder<boolean> | null = null) =>
      selectIncidents(db, { status, from: mark, to, limit: 100, inScope }).then((rows) =>
        rows.map((r) => r.id),
      );

    const open = await list('open');
    expect(new Set(open)).toEqual(
      new Set([
        ...INCIDENT_STATUSES.filter((s) => isIncidentOpen(s)).map((s) => byStatus.get(s)),
        outside.id,
      ]),
    );
    expect(open[0]).toBe(byStatus.get('resolved')); // priority 1 first
    expect(new Set(await list('closed'))).toEqual(
      new Set(TERMINAL_INCIDENT_STATUSES.map((s) => byStatus.get(s))),
    );
    expect(await list('all')).toHaveLength(INCIDENT_STATUSES.length + 1);
    // newest first within a priority
    const p3 = (await list('all')).filter(
      (id) => id !== byStatus.get('resolved') && id !== outside.id,
    );
    expect(p3).toEqual(
      [...INCIDENT_STATUSES.filter((s) => s !== 'resolved').map((s) => byStatus.get(s))].reverse(),
    );

    const scoped = await list('all', sql<boolean>`(i.district_id = ANY(${[district]}::uuid[]))`);
    expect(scoped).not.toContain(outside.id);
    expect(scoped).toHaveLength(INCIDENT_STATUSES.length);
    expect(await list('all', sql<boolean>`FALSE`)).toEqual([]);
    expect(
      await selectIncidents(db, { status: 'all', from: mark, to, limit: 2, inScope: null }),
    ).toHaveLength(2);
  });
});
