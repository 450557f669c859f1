import { sql } from 'kysely';
import type { DatabaseHandle, Db } from '@ringcad/db';
import { openTestDatabase, TEST_DB_MODE as mode } from '../../../../test/support/test-database';
import { readAssignments } from '../dispatch';
import { readIncident, selectIncidentEvents } from '../incident-log';
import { selectTimeline, toTimelineEvent, type TimelineRead } from './timeline.queries';

/**
 * The timeline's one statement (selectTimeline) against the separate reads it replaced, on the
 * same rows: the incident, its scheme, its log, the duplicates merged into it, its assignments,
 * the call and filing times, and each assignment's track (the reads as they were, kept here as
 * the oracle). Times carry microseconds, so the millisecond bounds and parsing are exercised.
 */

const NOW = new Date('2026-11-20T04:00:00.000Z');
const T0 = '2026-11-20 02:00:00.123456+00';
const MASTER = '00000000-0000-4000-8000-000000000001';
const DUP_OLD = '00000000-0000-4000-8000-000000000002';
const DUP_NEW = '00000000-0000-4000-8000-000000000003';
const BARE = '00000000-0000-4000-8000-000000000004';
const MISSING = '00000000-0000-4000-8000-0000000000ff';

/** The reads the timeline made before, one per part. */
async function separateReads(db: Db, id: string, now: Date): Promise<TimelineRead | undefined> {
  const times = await sql<{ received_at: Date; created_at: Date }>`
    SELECT received_at, created_at FROM incidents WHERE id = ${id}`.execute(db);
  if (!times.rows[0]) return undefined;
  const incident = await readIncident(db, id);
  const scheme = await sql<{ id: string; label_zh: string; label_en: string; tiers: unknown }>`
    SELECT id, label_zh, label_en, tiers FROM ring_schemes WHERE id = ${incident.schemeId}`.execute(
    db,
  );
  const events = async (of: string) => (await selectIncidentEvents(db, of)).map(toTimelineEvent);
  const duplicates = await sql<{ id: string; number: string }>`
    SELECT id, number FROM incidents WHERE merged_into = ${id} ORDER BY created_at`.execute(db);
  const merged = [];
  for (const d of duplicates.rows)
    merged.push({ incidentId: d.id, number: d.number, events: await events(d.id) });
  const points = await sql<{ assignment_id: string; lon: number; lat: number; ms: number }>`
    SELECT a.id::text AS assignment_id, t.lon, t.lat, t.ms
    FROM assignments a
    CROSS JOIN LATERAL (
      SELECT lon, lat, (extract(epoch FROM at) * 1000)::float8 AS ms FROM unit_tracks
      WHERE unit_id = a.unit_id AND at >= date_trunc('milliseconds', a.assigned_at)
        AND at <= coalesce(date_trunc('milliseconds', coalesce(a.cleared_at, a.declined_at, a.cancelled_at)), ${now})
        AND flags & 1 = 0
      ORDER BY at LIMIT 20000) t
    WHERE a.incident_id = ${id}
    ORDER BY a.id, t.ms`.execute(db);
  const tracks = new Map<string, [number, number, number][]>();
  for (const p of points.rows) {
    let list = tracks.get(p.assignment_id);
    if (!list) tracks.set(p.assignment_id, (list = []));
    list.push([p.lon, p.lat, p.ms]);
  }
  const s = scheme.rows[0];
  return {
    incident,
    receivedAt: new Date(times.rows[0].received_at),
    createdAt: new Date(times.rows[0].created_at),
    scheme: s
      ? {
          id: s.id,
          label: { zh: s.label_zh, en: s.label_en },
          tiers: (typeof s.tiers === 'string' ? JSON.parse(s.tiers) : s.tiers) as never,
        }
      : undefined,
    events: await events(id),
    merged,
    assignments: await readAssignments(db, { incidentId: id }),
    tracks,
  };
}

describe(`incident timeline read (${mode})`, () => {
  let handle: DatabaseHandle;
  let closeDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ handle, close: closeDatabase } = await openTestDatabase('timeline'));
    await handle.db.transaction().execute(async (tx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(tx);
      await sql`
        INSERT INTO units (callsign, kind, status, terminal_token_hash)
        SELECT '川A-T' || g, (ARRAY['patrol_car', 'foot', 'kiosk', 'motorcycle'])[g], 'available', 'timeline-' || g
        FROM generate_series(1, 4) g`.execute(tx);
      // the master, two duplicates merged into it (filed before and after), one bare incident
      await sql`
        INSERT INTO incidents (id, number, status, category, priority, scheme_id, location, address,
          caller_number, caller_name, description, received_at, created_at, dispatched_at, closed_at,
          version, merged_into)
        SELECT v.id::uuid, v.number, v.status, 'traffic', 2, '1-3-8', ST_SetSRID(ST_MakePoint(104.07, 30.65), 4326),
          '春熙路 "1" 号', '13800138000', '张三', E'追尾\\n两车', ${T0}::timestamptz + v.k * interval '1 minute' - interval '20.000789 seconds',
          ${T0}::timestamptz + v.k * interval '1 minute', ${T0}::timestamptz + interval '95.5 seconds', NULL, 4, v.merged::uuid
        FROM (VALUES (${MASTER}, 'T-1', 'on_scene', 0, NULL), (${DUP_OLD}, 'T-2', 'merged', -1, ${MASTER}),
          (${DUP_NEW}, 'T-3', 'merged', 2, ${MASTER}), (${BARE}, 'T-4', 'new', 5, NULL)) AS v(id, number, status, k, merged)`.execute(
        tx,
      );
      await sql`
        INSERT INTO incident_events (incident_id, version, type, at, actor_kind, actor_id, actor_name, data)
        SELECT i, g, (ARRAY['incident.created', 'units.assigned', 'incident.note', 'assignment.ack'])[1 + g % 4],
          ${T0}::timestamptz + g * interval '7.654321 seconds', (ARRAY['user', 'unit', 'system'])[1 + g % 3],
          CASE WHEN g % 2 = 0 THEN 'u-' || g END, CASE WHEN g % 3 <> 2 THEN '调度员' || g END,
          jsonb_build_object('n', g, 'text', '备注 "' || g || '"', 'nested', jsonb_build_object('x', g * 1.5, 'list', jsonb_build_array(1, 'a', NULL)))
        FROM unnest(ARRAY[${MASTER}::uuid, ${DUP_OLD}::uuid, ${DUP_NEW}::uuid]) i, generate_series(1, 9) g`.execute(
        tx,
      );
      // cleared, declined, cancelled, a checkpoint still working; assigned at µs precision
      await sql`
        INSERT INTO assignments (incident_id, unit_id, role, status, eta_sec, eta_method, assigned_at,
          acked_at, departed_at, arrived_at, cleared_at, declined_at, cancelled_at)
        SELECT ${MASTER}::uuid, u.id, v.role, v.status, v.eta, v.method,
          ${T0}::timestamptz + v.a * interval '1 second',
          ${T0}::timestamptz + (v.a + 12.5) * interval '1 second',
          CASE WHEN v.status <> 'declined' THEN ${T0}::timestamptz + (v.a + 30) * interval '1 second' END,
          CASE WHEN v.status IN ('cleared', 'on_scene') THEN ${T0}::timestamptz + (v.a + 240.000001) * interval '1 second' END,
          CASE WHEN v.status = 'cleared' THEN ${T0}::timestamptz + (v.a + 1800.0005) * interval '1 second' END,
          CASE WHEN v.status = 'declined' THEN ${T0}::timestamptz + (v.a + 20.0004) * interval '1 second' END,
          CASE WHEN v.status = 'cancelled' THEN ${T0}::timestamptz + (v.a + 600.0006) * interval '1 second' END
        FROM (VALUES ('川A-T1', 'primary', 'cleared', 300, 'road', 10.0007),
          ('川A-T2', 'reinforcement', 'declined', NULL, NULL, 15),
          ('川A-T3', 'reinforcement', 'cancelled', 200, 'straight', 20.5),
          ('川A-T4', 'checkpoint', 'on_scene', 120, 'road', 25.999999)) AS v(callsign, role, status, eta, method, a)
        JOIN units u ON u.callsign = v.callsign`.execute(tx);
      // every unit reports every 5 s (and at µs offsets) from before the incident until after
      // now; one fix in 7 flagged invalid
      await sql`
        INSERT INTO unit_tracks (unit_id, at, lon, lat, speed_kmh, heading_deg, flags, received_at)
        SELECT u.id, ${T0}::timestamptz - interval '5 minutes' + s * interval '5 seconds' + (s % 3) * interval '0.000333 seconds',
          104.07 + s * 0.000013 + u.n * 0.001, 30.65 - s * 0.0000071, 30, 0, CASE WHEN s % 7 = 0 THEN 1 ELSE 0 END, now()
        FROM (SELECT id, row_number() OVER (ORDER BY callsign) AS n FROM units) u, generate_series(0, 1600) s`.execute(
        tx,
      );
    });
  });

  afterAll(async () => {
    await closeDatabase?.();
  });

  it('has the data it means to test: merged duplicates, every kind of assignment end, tracks', async () => {
    const read = await selectTimeline(handle.db, MASTER, NOW);
    expect(read?.merged.map((d) => d.number)).toEqual(['T-2', 'T-3']);
    expect(read?.assignments.map((a) => a.status).sort()).toEqual([
      'cancelled',
      'cleared',
      'declined',
      'on_scene',
    ]);
    // a track per assignment, the declined one's a few fixes long
    expect([...(read?.tracks.values() ?? [])].map((t) => t.length > 2)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect([...(read?.tracks.values() ?? [])].reduce((n, t) => n + t.length, 0)).toBeGreaterThan(
      500,
    );
    expect(read?.events).toHaveLength(9);
  });

  it('reads every part as the separate reads did', async () => {
    for (const id of [MASTER, DUP_OLD, DUP_NEW, BARE, MISSING]) {
      const one = await selectTimeline(handle.db, id, NOW);
      const separate = await separateReads(handle.db, id, NOW);
      expect({ id, read: one }).toEqual({ id, read: separate });
    }
  });
});
