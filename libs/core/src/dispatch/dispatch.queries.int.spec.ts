import { sql } from 'kysely';
import type { DatabaseHandle, Db } from '@ringcad/db';
import { openTestDatabase, TEST_DB_MODE as mode } from '../../../../test/support/test-database';
import { ASSIGNMENT_STATUSES, isActiveAssignment } from '@ringcad/domain';
import {
  cancelAssignment,
  insertAssignment,
  keepFirstArrival,
  lockUnits,
  sceneAssignmentStatuses,
  selectActiveSceneAssignments,
  selectAssignmentHead,
  selectAssignments,
  selectIncidentTarget,
  selectUnitPosition,
  selectUnitPositions,
  updateAssignment,
} from './dispatch.queries';
import { readAssignments } from './dispatch.service';
import { setUnitStatus } from '../fleet';

/**
 * The queries the dispatch runs, against a real database in whichever mode the suite runs:
 * embedded PGlite, or a fresh PostgreSQL/PostGIS database when DATABASE_URL and REDIS_URL are set.
 */

const T0 = new Date('2026-03-01T02:00:00Z');
const at = (sec: number) => new Date(T0.getTime() + sec * 1000);

describe(`dispatch queries (${mode})`, () => {
  let handle: DatabaseHandle;
  let close: () => Promise<void>;
  let db: Db;
  let seq = 0;

  beforeAll(async () => {
    ({ handle, close } = await openTestDatabase('q_dispatch'));
    db = handle.db;
  });

  afterAll(async () => {
    await close();
  });

  async function addUnit(
    callsign: string,
    kind: string,
    status: string,
    position: { lon: number; lat: number; at: Date } | null,
  ) {
    const r = await sql<{ id: string }>`
      INSERT INTO units (callsign, kind, status, terminal_token_hash, position, position_at, status_changed_at)
      VALUES (${callsign}, ${kind}, ${status}, ${`hash-${callsign}`},
        ${position ? sql`ST_SetSRID(ST_MakePoint(${position.lon}, ${position.lat}), 4326)` : null}, ${position?.at ?? null}, ${T0})
      RETURNING id`.execute(db);
    return r.rows[0].id;
  }

  async function addIncident(lon = 116.4, lat = 39.9, schemeId = '1-3-8') {
    const r = await sql<{ id: string }>`
      INSERT INTO incidents (number, status, category, priority, scheme_id, location, received_at, created_at, version)
      VALUES (${`T-${++seq}`}, 'new', 'criminal', 2, ${schemeId}, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), ${T0}, ${T0}, 1)
      RETURNING id`.execute(db);
    return r.rows[0].id;
  }

  const assign = (
    incidentId: string,
    unitId: string,
    role: string,
    status: string,
    assignedAt: Date,
  ) =>
    db.transaction().execute((tx) =>
      insertAssignment(tx, {
        incident_id: incidentId,
        unit_id: unitId,
        role,
        status,
        eta_sec: 120,
        eta_method: 'road',
        assigned_at: assignedAt,
        assigned_by: null,
      }),
    );

  it('reads units with their stored positions (null when none), all or by id', async () => {
    const a = await addUnit('P-A1', 'patrol_car', 'available', {
      lon: 116.41,
      lat: 39.91,
      at: at(-10),
    });
    const b = await addUnit('F-B1', 'foot', 'assigned', { lon: 116.42, lat: 39.92, at: at(-20) });
    const c = await addUnit('K-C1', 'kiosk', 'off_duty', null);

    const some = await selectUnitPositions(db, [a, c]);
    expect(some.map((u) => u.id).sort()).toEqual([a, c].sort());
    const ua = some.find((u) => u.id === a);
    expect(ua).toMatchObject({ callsign: 'P-A1', kind: 'patrol_car', status: 'available' });
    expect(ua?.lon).toBeCloseTo(116.41, 9);
    expect(ua?.lat).toBeCloseTo(39.91, 9);
    expect(ua?.position_at).toEqual(at(-10));
    expect(some.find((u) => u.id === c)).toMatchObject({ lon: null, lat: null, position_at: null });

    const all = await selectUnitPositions(db);
    expect(all.map((u) => u.id)).toEqual(expect.arrayContaining([a, b, c]));
    expect(await selectUnitPositions(db, [])).toEqual([]);

    const [one] = await selectUnitPosition(db, b);
    expect(one.id).toBe(b);
    expect(one.lon).toBeCloseTo(116.42, 9);
    expect(await selectUnitPosition(db, '00000000-0000-4000-8000-000000000000')).toEqual([]);
  });

  it('reads the incident target: its point and ring scheme', async () => {
    const id = await addIncident(116.45, 39.95, '5-10-30');
    const t = await selectIncidentTarget(db, id);
    expect(t.scheme_id).toBe('5-10-30');
    expect(t.lon).toBeCloseTo(116.45, 9);
    expect(t.lat).toBeCloseTo(39.95, 9);
    // its scheme's row in the same read, or the one asked for instead, or null for none
    expect(t.scheme).toMatchObject({ id: '5-10-30', builtin: true });
    expect(t.scheme?.tiers).toEqual([
      expect.objectContaining({ sec: 300 }),
      expect.objectContaining({ sec: 600 }),
      expect.objectContaining({ sec: 1800 }),
    ]);
    expect((await selectIncidentTarget(db, id, '1-3-8')).scheme?.id).toBe('1-3-8');
    expect((await selectIncidentTarget(db, id, 'no-such')).scheme).toBeNull();
    expect(await selectIncidentTarget(db, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('locks the requested units in id order and bumps a unit version with each status change', async () => {
    const ids = [
      await addUnit('L-1', 'patrol_car', 'available', null),
      await addUnit('L-2', 'motorcycle', 'available', null),
      await addUnit('L-3', 'swat', 'on_scene', null),
    ];
    const locked = await db.transaction().execute((tx) => lockUnits(tx, [ids[2], ids[0], ids[1]]));
    expect(locked.map((u) => u.id)).toEqual([...ids].sort());
    expect(locked.find((u) => u.id === ids[2])).toMatchObject({
      callsign: 'L-3',
      status: 'on_scene',
      station_id: null,
    });

    const before = await db
      .selectFrom('units')
      .select(['version'])
      .where('id', '=', ids[0])
      .executeTakeFirstOrThrow();
    await db.transaction().execute((tx) => setUnitStatus(tx, ids[0], 'assigned', at(5)));
    const after = await db
      .selectFrom('units')
      .select(['status', 'version', 'status_changed_at'])
      .where('id', '=', ids[0])
      .executeTakeFirstOrThrow();
    expect(after).toEqual({
      status: 'assigned',
      version: before.version + 1,
      status_changed_at: at(5),
    });
  });

  it('reads assignments with their unit, by id, by incident or for several incidents, in assignment order', async () => {
    const i1 = await addIncident();
    const i2 = await addIncident();
    const u1 = await addUnit('R-B', 'patrol_car', 'assigned', null);
    const u2 = await addUnit('R-A', 'foot', 'assigned', null);
    const u3 = await addUnit('R-C', 'traffic', 'assigned', null);
    const a1 = await assign(i1, u1, 'primary', 'assigned', at(10));
    const a2 = await assign(i1, u2, 'reinforcement', 'assigned', at(10)); // same time: by callsign
    const a3 = await assign(i2, u3, 'primary', 'en_route', at(5));

    const byIncident = await selectAssignments(db, { incidentId: i1 });
    expect(byIncident.map((a) => a.id)).toEqual([a2, a1]);
    expect(byIncident[0]).toMatchObject({
      incident_id: i1,
      unit_id: u2,
      callsign: 'R-A',
      unit_kind: 'foot',
      role: 'reinforcement',
      eta_sec: 120,
      eta_method: 'road',
    });
    expect(byIncident[0].assigned_at).toEqual(at(10));
    expect(byIncident[0].acked_at).toBeNull();

    expect((await selectAssignments(db, { id: a3 })).map((a) => [a.id, a.status])).toEqual([
      [a3, 'en_route'],
    ]);
    expect((await selectAssignments(db, { incidentIds: [i1, i2] })).map((a) => a.id)).toEqual([
      a3,
      a2,
      a1,
    ]);
    expect(await selectAssignments(db, { incidentIds: [] })).toEqual([]);

    const views = await readAssignments(db, { incidentId: i1 });
    expect(views[0]).toMatchObject({
      id: a2,
      callsign: 'R-A',
      unitKind: 'foot',
      assignedAt: at(10).toISOString(),
      ackedAt: null,
    });

    expect(await selectAssignmentHead(db, a1)).toEqual({
      incident_id: i1,
      unit_id: u1,
      role: 'primary',
    });
    expect(await selectAssignmentHead(db, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('active scene assignments are exactly the libs/domain active statuses, checkpoint crews left out', async () => {
    const incident = await addIncident();
    const expected: string[] = [];
    for (const status of ASSIGNMENT_STATUSES) {
      for (const role of ['primary', 'checkpoint']) {
        const unit = await addUnit(`S-${status}-${role}`, 'patrol_car', 'assigned', null);
        const id = await assign(incident, unit, role, status, at(1));
        if (role !== 'checkpoint' && isActiveAssignment(status)) expected.push(id);
      }
    }
    const active = await selectActiveSceneAssignments(db, incident);
    expect(active.map((a) => a.id).sort()).toEqual(expected.sort());
    expect(new Set(active.map((a) => a.status))).toEqual(
      new Set(ASSIGNMENT_STATUSES.filter((s) => isActiveAssignment(s))),
    );

    const statuses = await sceneAssignmentStatuses(db, incident);
    expect([...statuses].sort()).toEqual([...ASSIGNMENT_STATUSES].sort()); // every status once: the primaries only
  });

  it('records assignment events: the event column, the first arrival kept, a cancel', async () => {
    const incident = await addIncident();
    const u1 = await addUnit('E-1', 'patrol_car', 'assigned', null);
    const u2 = await addUnit('E-2', 'patrol_car', 'assigned', null);
    const a1 = await assign(incident, u1, 'primary', 'en_route', at(0));
    const a2 = await assign(incident, u2, 'reinforcement', 'assigned', at(0));

    await db.transaction().execute(async (tx) => {
      await updateAssignment(tx, a1, { status: 'on_scene', arrived_at: at(60) });
      await sql`UPDATE incidents SET first_arrived_at = ${keepFirstArrival(at(60))} WHERE id = ${incident}`.execute(
        tx,
      );
      await sql`UPDATE incidents SET first_arrived_at = ${keepFirstArrival(at(90))} WHERE id = ${incident}`.execute(
        tx,
      );
      await cancelAssignment(tx, a2, at(70));
    });
    const [v1] = await selectAssignments(db, { id: a1 });
    expect(v1).toMatchObject({ status: 'on_scene', arrived_at: at(60), cleared_at: null });
    const [v2] = await selectAssignments(db, { id: a2 });
    expect(v2).toMatchObject({ status: 'cancelled', cancelled_at: at(70) });
    const inc = await db
      .selectFrom('incidents')
      .select('first_arrived_at')
      .where('id', '=', incident)
      .executeTakeFirstOrThrow();
    expect(inc.first_arrived_at).toEqual(at(60));
  });
});
