import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { CreateIncidentRequest } from '@ringcad/contracts';
import {
  DEFAULT_SCHEME_BY_PRIORITY,
  OPEN_INCIDENT_STATUSES,
  TERMINAL_INCIDENT_STATUSES,
} from '@ringcad/domain';
import type { DB, Db, DbOrTx } from '@ringcad/db';
import { recordCallCte, type Actor, type IdempotentCall } from '../platform';
import { INCIDENT_COLUMNS } from '../realtime';
import { incidentEventInsertSql, type IncidentRecord } from '../incident-log';

/** A possible duplicate as the create statement finds it (json_agg: the timestamp comes as text). */
export type DuplicateRecord = Pick<Selectable<DB['incidents']>, 'id' | 'number'> & {
  distance_m: number;
  created_at: string;
};

export interface IncidentInsert {
  input: CreateIncidentRequest;
  /** The location in WGS84 (input.location converted). */
  point: { lon: number; lat: number };
  /** The CST day the number is drawn for (YYYYMMDD). */
  day: string;
  numberPrefix: string;
  receivedAt: Date;
  now: Date;
  createdBy: string | null;
  actor: Actor;
  duplicates: { windowMin: number; radiusM: number };
  /** With an Idempotency-Key: its row commits with the incident. */
  call?: IdempotentCall;
  /** The day's sequence number drawn beforehand (`drawIncidentNumber`); drawn here otherwise. */
  drawn?: number;
}

/**
 * Draws the day's next incident number in one statement of its own (its own transaction) that
 * commits without waiting for its WAL flush (PostgreSQL; a session with concurrent writers).
 * Drawn inside the create statement, the counter row stayed locked until that statement's commit
 * was flushed, so concurrent 110 calls were written one flush after another. Drawn in a
 * transaction of four round trips (BEGIN, SET LOCAL, INSERT, COMMIT), the row stayed locked from
 * the INSERT's answer until the api sent COMMIT: at the peak, with the api's event loop and the
 * machine busy, the next calls' INSERTs waited 0.7–2.3 s on that lock, one after another. Here
 * `set_config(…, true)` turns the flush wait off for the statement's own transaction only, and
 * the lock is held for the statement's run inside the server, nothing more.
 *
 * No number is ever given twice: the incident that takes it commits synchronously, which flushes
 * the WAL up to and past this commit; a crash before that loses the draw and the incident alike.
 * A create that fails after drawing leaves a gap in the day's numbers (as a sequence would).
 */
export async function drawIncidentNumber(db: Db, day: string): Promise<number> {
  const r = await sql<{ n: number }>`
    WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)),
      drawn AS (${nextNumberSql(day)})
    SELECT drawn.n FROM drawn, async_commit`.execute(db);
  return r.rows[0].n;
}

/** The day's counter moved on by one, returning the number it gives (`n`). */
const nextNumberSql = (day: string) => sql<{ n: number }>`
    INSERT INTO incident_counters (day, n) VALUES (${day}, 1)
    ON CONFLICT (day) DO UPDATE SET n = incident_counters.n + 1 RETURNING n`;

/**
 * Creates an incident in ONE statement (atomic on its own): daily number (unless drawn before),
 * jurisdictions and scheme by ST_Covers, possible duplicates nearby, the incident row, its first
 * event and the idempotency key. Under load every round trip is a wait, and this one is between a 110 call and every screen.
 */
export async function insertIncident(
  db: DbOrTx,
  c: IncidentInsert,
): Promise<IncidentRecord & { dups: DuplicateRecord[] }> {
  const { input, point: p, day, now } = c;
  const point = sql`ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326)`;
  // 演练: an exercise's incident is one whatever `exercise` says; exercises and real calls are
  // never each other's duplicates
  const exercise = Boolean(input.exercise || input.exerciseId);
  const partialEvent = {
    category: input.category,
    priority: input.priority,
    location: p,
    input: input.location,
    address: input.address ?? null,
    ...(exercise ? { exercise: true } : {}),
  };
  const event = incidentEventInsertSql({
    incidentId: sql`ins.id`,
    version: 1,
    type: 'incident.created',
    at: now,
    actor: c.actor,
    data: partialEvent,
    dataSql: sql`jsonb_build_object('number', ins.number, 'schemeId', ins.scheme_id)`,
    from: sql`ins`,
  });
  const r = await sql<IncidentRecord & { dups: DuplicateRecord[] }>`
      WITH seq AS (${c.drawn === undefined ? nextNumberSql(day) : sql`SELECT ${c.drawn}::int AS n`}),
      places AS (
        SELECT DISTINCT ON (kind) id, kind, scheme_id FROM jurisdictions
        WHERE ST_Covers(boundary, ${point})
        ORDER BY kind, ST_Area(boundary)),
      j AS (
        SELECT (SELECT id FROM places WHERE kind = 'district') AS district_id,
               (SELECT id FROM places WHERE kind = 'station') AS station_id,
               (SELECT id FROM places WHERE kind = 'grid') AS grid_id,
               coalesce(${input.schemeId ?? null}::text, (SELECT scheme_id FROM places WHERE kind = 'grid'),
                 (SELECT scheme_id FROM places WHERE kind = 'station'), (SELECT scheme_id FROM places WHERE kind = 'district'),
                 ${DEFAULT_SCHEME_BY_PRIORITY[input.priority]}::text) AS scheme_id,
               -- formatIncidentNumber: prefix-YYYYMMDD-NNNNNN (more digits past 999,999)
               ${c.numberPrefix}::text || '-' || ${day}::text || '-' ||
                 CASE WHEN seq.n < 1000000 THEN lpad(seq.n::text, 6, '0') ELSE seq.n::text END AS number
        FROM seq),
      dups AS (
        SELECT coalesce(json_agg(d), '[]'::json) AS list FROM (
          SELECT i.id, i.number, ST_Distance(i.location::geography, ${point}::geography) AS distance_m, i.created_at
          FROM incidents i
          WHERE i.category = ${input.category} AND i.status <> 'cancelled' AND i.exercise = ${exercise}
            AND i.created_at >= ${new Date(now.getTime() - c.duplicates.windowMin * 60_000)}
            AND ST_DWithin(i.location::geography, ${point}::geography, ${c.duplicates.radiusM})
          ORDER BY distance_m LIMIT 10) d),
      ins AS (
        INSERT INTO incidents AS i (number, status, category, priority, scheme_id, location, input_crs, input_lon,
          input_lat, address, caller_number, caller_name, description, district_id, station_id, grid_id,
          received_at, created_at, created_by, version, exercise, exercise_id)
        SELECT j.number, 'new', ${input.category}, ${input.priority}, j.scheme_id, ${point},
          ${input.location.crs ?? 'WGS84'}, ${input.location.lon}, ${input.location.lat}, ${input.address ?? null},
          ${input.callerNumber ?? null}, ${input.callerName ?? null}, ${input.description ?? null},
          j.district_id, j.station_id, j.grid_id, ${c.receivedAt}, ${now}, ${c.createdBy}, 1,
          ${exercise}, ${input.exerciseId ?? null}::uuid
        FROM j
        RETURNING ${sql.raw(INCIDENT_COLUMNS)}),
      ev AS (${event})${recordCallCte(c.call, now)}
      SELECT ins.*, (SELECT list FROM dups) AS dups FROM ins`.execute(db);
  return r.rows[0];
}

export interface IncidentListQuery {
  status: 'open' | 'closed' | 'all';
  from?: string;
  to?: string;
  limit: number;
  /** The caller's jurisdiction filter over alias `i` (null: the whole city). */
  inScope: RawBuilder<boolean> | null;
}

/** Incidents by status and creation time, most urgent first, newest first within a priority. */
export async function selectIncidents(db: DbOrTx, q: IncidentListQuery): Promise<IncidentRecord[]> {
  const filters = [sql`TRUE`];
  if (q.status === 'open')
    filters.push(sql`i.status = ANY(${[...OPEN_INCIDENT_STATUSES]}::text[])`);
  if (q.status === 'closed')
    filters.push(sql`i.status = ANY(${[...TERMINAL_INCIDENT_STATUSES]}::text[])`);
  if (q.from) filters.push(sql`i.created_at >= ${new Date(q.from)}`);
  if (q.to) filters.push(sql`i.created_at < ${new Date(q.to)}`);
  if (q.inScope) filters.push(q.inScope);
  const rows = await sql<IncidentRecord>`
      SELECT ${sql.raw(INCIDENT_COLUMNS)} FROM incidents i WHERE ${sql.join(filters, sql` AND `)}
      ORDER BY i.priority, i.created_at DESC LIMIT ${q.limit}`.execute(db);
  return rows.rows;
}

/** Whether an exercise exists and is still filing incidents. */
export async function exerciseRunning(db: DbOrTx, id: string): Promise<boolean> {
  const r = await sql<{
    status: string;
  }>`SELECT status FROM exercises WHERE id = ${id}`.execute(db);
  return r.rows[0]?.status === 'running';
}

export function selectDisposition(db: DbOrTx, code: string) {
  return db.selectFrom('dispositions').selectAll().where('code', '=', code).executeTakeFirst();
}
