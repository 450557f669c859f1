import { sql, type Selectable } from 'kysely';
import { MATCH_LEAD_MS, chunkOf } from '@ringcad/routing';
import { BinaryCopyWriter, type DatabaseHandle, type DB, type DbOrTx } from '@ringcad/db';

/** One report as stored (also the payload of jobs queued by earlier versions). */
export interface TrackReport {
  u: string;
  at: string;
  x: number;
  y: number;
  s: number | null;
  h: number | null;
  f: number;
}

/** Array elements that need no quotes in an array literal (uuids, ISO times, plain words). */
const BARE_ELEMENT = /^[\w:.+-]+$/;

/**
 * A PostgreSQL array literal (`{a,b,NULL}`) of one column of a batch, for `unnest($1::T[], …)`:
 * the same text node-postgres makes of a JS array (numbers by `String`, null as NULL), written
 * in one join instead of its per-element escaping, which was ~3 % of a core for the AVL api's
 * 25,000 reports a second. Elements with anything but word characters, `:.+-` are quoted.
 */
export function pgArray(values: readonly (string | number | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i) out += ',';
    if (v === null) out += 'NULL';
    else if (typeof v === 'number' || bare(v)) out += v;
    else out += `"${v.replace(/[\\"]/g, '\\$&')}"`;
  }
  return `${out}}`;
}

const bare = (v: string) => BARE_ELEMENT.test(v) && !(v.length === 4 && v.toUpperCase() === 'NULL');

/** Daily `unit_tracks` partitions from yesterday to three days ahead (CST); returns how many it made. */
export async function ensureTrackPartitions(db: DbOrTx): Promise<number> {
  const r = await sql<{ n: number }>`
      SELECT ensure_track_partitions((now() AT TIME ZONE 'Asia/Shanghai')::date - 1, 5) AS n`.execute(
    db,
  );
  return r.rows[0].n;
}

/** The units' numbers and row positions (unknown ids are simply absent). */
export async function trackedUnitFixes(db: DbOrTx, ids: readonly string[]) {
  const rows = await sql<
    Pick<Selectable<DB['units']>, 'id' | 'num' | 'position_at'> & {
      lon: number | null;
      lat: number | null;
    }
  >`
        SELECT id, num, ST_X(position) AS lon, ST_Y(position) AS lat, position_at FROM units WHERE id = ANY(${ids}::uuid[])`.execute(
    db,
  );
  return rows.rows;
}

/**
 * Moves units' row positions forward (never back). On PostgreSQL inside a transaction that first
 * locks the rows in one global order (`lockInOrder`), so concurrent batches touching the same units
 * cannot deadlock; PGlite's one session runs one statement at a time, and the UPDATE alone is atomic
 * (a transaction there would hold the session across a round trip per statement).
 */
export async function writeRowPositions(db: DbOrTx, rows: TrackReport[], lockInOrder: boolean) {
  if (!rows.length) return;
  const sorted = [...rows].sort((a, b) => (a.u < b.u ? -1 : a.u > b.u ? 1 : 0));
  if (lockInOrder)
    await sql`SELECT 1 FROM units WHERE id = ANY(${pgArray(sorted.map((r) => r.u))}::uuid[]) ORDER BY id FOR UPDATE`.execute(
      db,
    );
  await sql`
    UPDATE units SET position = ST_SetSRID(ST_MakePoint(t.x, t.y), 4326), position_at = t.a,
      speed_kmh = t.s, heading_deg = t.h
    FROM unnest(${pgArray(sorted.map((r) => r.u))}::uuid[], ${pgArray(sorted.map((r) => r.at))}::timestamptz[],
                ${pgArray(sorted.map((r) => r.x))}::float8[], ${pgArray(sorted.map((r) => r.y))}::float8[],
                ${pgArray(sorted.map((r) => r.s))}::real[], ${pgArray(sorted.map((r) => r.h))}::real[])
         AS t(u, a, x, y, s, h)
    WHERE units.id = t.u AND (units.position_at IS NULL OR units.position_at < t.a)`.execute(db);
}

/** unit_tracks' columns in the order the binary COPY writes them. */
const TRACK_COLUMNS = '(unit_id, at, lon, lat, speed_kmh, heading_deg, flags, received_at)';

const TRACK_COPY = `CREATE TEMP TABLE IF NOT EXISTS track_copy (unit_id uuid, at timestamptz,
  lon float8, lat float8, speed_kmh real, heading_deg real, flags int2, received_at timestamptz);
TRUNCATE track_copy`;
const TRACK_COPY_IN = `COPY track_copy FROM '/dev/blob' WITH (FORMAT binary)`;
const TRACK_COPY_INSERT = (onConflict: string) => `INSERT INTO unit_tracks
  ${TRACK_COLUMNS}
SELECT unit_id, at, lon, lat, speed_kmh, heading_deg, flags, received_at FROM track_copy
${onConflict};
TRUNCATE track_copy`;

/** The replay store's 5-minute chunks (migration 0026; the patrol store's are `chunkOf`). */
const REPLAY_CHUNK_MS = 300_000;

/**
 * What the `unit_tracks` insert triggers (`unit_tracks_replay_dirty`, 0026, and
 * `unit_tracks_patrol_dirty`, 0024) write for these rows, as statements: each point's chunk in
 * the replay marks; its chunk and the chunk a minute later in the patrol marks; chunks in order
 * (concurrent writers lock the marks in one order), a mark already there a generation on.
 */
export function trackChunkMarksSql(atMs: readonly number[]): string {
  const replay = new Set<number>();
  const patrol = new Set<number>();
  for (const ms of atMs) {
    replay.add(Math.floor(ms / REPLAY_CHUNK_MS) * REPLAY_CHUNK_MS);
    // a patrol chunk is matched with the points of the minute before it as lead-in
    patrol.add(chunkOf(ms));
    patrol.add(chunkOf(ms + MATCH_LEAD_MS));
  }
  // whole seconds since the epoch: numbers of our own making, safe to write into the statement
  const marks = (table: string, chunks: Set<number>) =>
    `INSERT INTO ${table} (chunk_start)
SELECT to_timestamp(c) FROM unnest('{${[...chunks].map((c) => c / 1000).join(',')}}'::float8[]) AS c ORDER BY c
ON CONFLICT (chunk_start) DO UPDATE SET gen = ${table}.gen + 1`;
  return `${marks('unit_track_replay_dirty', replay)};\n${marks('patrol_match_dirty', patrol)}`;
}

/**
 * PGlite: the same insert as `insertTrackReports`, the rows in through binary COPY (parsing
 * 5,000 rows' values as text took most of a batch's time in PGlite's WebAssembly, a float8 alone
 * about 2 µs; binary values are read as their bytes, `BinaryCopyWriter`, same stored values).
 *
 * First straight into unit_tracks, in one transaction with the chunk marks its insert triggers
 * would write (`trackChunkMarksSql`), the triggers themselves off for it
 * (`session_replication_role`: PGlite's one user is a superuser): the triggers' transition table
 * and their scans of it cost ~40 % of an insert there. Any other writer still fires them. A batch
 * with a report already stored (a resend) fails that whole and goes in the old way: through a
 * session-local staging table, one INSERT … SELECT skipping what is there, the triggers on.
 */
export async function copyTrackReports(
  copyIn: NonNullable<DatabaseHandle['copyIn']>,
  rows: TrackReport[],
  receivedAtMs: number,
): Promise<number> {
  if (!rows.length) return 0;
  const atMs = rows.map((r) => Date.parse(r.at));
  const w = new BinaryCopyWriter(rows.length * 86);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    w.row(8)
      .uuid(r.u)
      .timestampMs(atMs[i])
      .float8(r.x)
      .float8(r.y)
      .float4(r.s)
      .float4(r.h)
      .int2(r.f)
      .timestampMs(receivedAtMs);
  }
  const data = w.finish();
  try {
    await copyIn({
      transaction: true,
      before: 'SET LOCAL session_replication_role = replica',
      copy: `COPY unit_tracks ${TRACK_COLUMNS} FROM '/dev/blob' WITH (FORMAT binary)`,
      data,
      after: trackChunkMarksSql(atMs),
    });
    return rows.length;
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
  }
  const [inserted] = await copyIn({
    before: TRACK_COPY,
    copy: TRACK_COPY_IN,
    data,
    // a plain insert is about 40 % cheaper than one with ON CONFLICT; a resent batch (a row
    // already stored) fails it whole and goes in again skipping what is there
    after: TRACK_COPY_INSERT(''),
    afterOnDuplicate: TRACK_COPY_INSERT('ON CONFLICT DO NOTHING'),
  });
  return inserted.affectedRows ?? 0;
}

/** One multi-row INSERT (atomic on its own); a report already stored (same unit and instant) is skipped. */
export async function insertTrackReports(
  db: DbOrTx,
  rows: TrackReport[],
  receivedAt: string,
): Promise<number> {
  if (!rows.length) return 0;
  const ins = await sql<{ n: number }>`
    WITH ins AS (
      INSERT INTO unit_tracks (unit_id, at, lon, lat, speed_kmh, heading_deg, flags, received_at)
      SELECT u, a, x, y, s, h, f, ${receivedAt}::timestamptz
      FROM unnest(${pgArray(rows.map((r) => r.u))}::uuid[], ${pgArray(rows.map((r) => r.at))}::timestamptz[],
                  ${pgArray(rows.map((r) => r.x))}::float8[], ${pgArray(rows.map((r) => r.y))}::float8[],
                  ${pgArray(rows.map((r) => r.s))}::real[], ${pgArray(rows.map((r) => r.h))}::real[],
                  ${pgArray(rows.map((r) => r.f))}::int2[])
           AS t(u, a, x, y, s, h, f)
      ON CONFLICT DO NOTHING RETURNING 1)
    SELECT count(*)::int AS n FROM ins`.execute(db);
  return ins.rows[0].n;
}
