import { mulberry32 } from '@ringcad/routing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { DatabaseHandle } from '@ringcad/db';
import { openTestDatabase, TEST_DB_MODE as mode } from '../../../../test/support/test-database';

/**
 * The replay chunks' build (build_unit_track_replay, migration 0037: each unit's kept points
 * walked on the (unit_id, at) index) against 0036's definition, the oracle, taken from its
 * migration file as it was applied (with 0031's replay_micro, which 0037 rewrites): for the same
 * tracks both must store the same rows, every column byte for byte, in both tables, and return
 * the same count. The tracks cross a China Standard Time midnight (two partitions: a day's and
 * the default one) and hold what could make the two differ: jump-flagged points (a step's first,
 * a whole step's, flag bits other than the jump), points exactly on a 15-second and a 5-minute
 * boundary and a microsecond either side, points a microsecond apart, a unit with one point, a
 * unit with points only outside the range, sparse units (empty steps, chunks with no point),
 * coordinates either side of zero and on half-millionths, jumps across the globe (the longest
 * varints), and a range that ends inside a step. The parts 0039 adds (each chunk's whole_ms, the
 * units' hour runs) are checked against plain code.
 */

const MIGRATIONS = join(__dirname, '../../../../db/migrations');
/** 23:50 China Standard Time: the tracks run past midnight, into the default partition. */
const BASE_US = Date.parse('2025-06-01T15:50:00Z') * 1000;
const MINUTES = 25;

/** The statement `CREATE … name(` … up to `end` in a migration file, the function renamed. */
function definition(file: string, name: string, end: string, renamed: string) {
  const text = readFileSync(join(MIGRATIONS, file), 'utf8');
  const start = text.search(new RegExp(`CREATE (OR REPLACE )?FUNCTION ${name}\\(`));
  const stop = text.indexOf(end, start);
  if (start < 0 || stop < 0) throw new Error(`no ${name} in ${file}`);
  return text.slice(start, stop + end.length).replace(`FUNCTION ${name}(`, `FUNCTION ${renamed}(`);
}

interface Point {
  unit: string;
  us: number;
  lon: number;
  lat: number;
  flags: number;
}

const unitId = (i: number) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;

/** The tracks: a few units made for the edge cases, then ordinary ones at random rates. */
function tracks(): Point[] {
  const rand = mulberry32(16);
  const out: Point[] = [];
  const add = (u: number, us: number, lon: number, lat: number, flags = 0) =>
    out.push({ unit: unitId(u), us, lon, lat, flags });
  const step = (k: number) => Math.floor(BASE_US / 15e6) * 15e6 + k * 15e6;
  const chunk = (k: number) => Math.floor(BASE_US / 300e6) * 300e6 + k * 300e6;
  // 0: every 0.2 s with µs jitter, as at the peak
  for (let us = BASE_US; us < BASE_US + MINUTES * 60e6; us += 200_000 + Math.floor(rand() * 999))
    add(0, us, 104.06 + rand() * 1e-3, 30.66 + rand() * 1e-3);
  // 1: on the steps' and chunks' boundaries and a microsecond either side of them
  for (let k = 1; k < 100; k += 3) {
    add(1, step(k) - 1, 104.1, 30.6 + k * 1e-6);
    add(1, step(k), 104.1 + k * 1e-6, 30.6);
    add(1, step(k) + 1, 104.2, 30.7);
  }
  for (let k = 1; k < 6; k++) add(1, chunk(k), 104.3, 30.8 + k * 1e-5);
  // 2: flagged points first in a step, a step flagged throughout, other flag bits
  for (let k = 0; k < 100; k++)
    for (let i = 0; i < 4; i++)
      add(2, step(k) + i * 3_000_000 + 17, 104 + i * 1e-4, 30.5, k % 7 === 3 ? 1 : [1, 2, 3, 0][i]);
  // 3: a single point
  add(3, BASE_US + 123_456_789, 104.0000005, 30.0000015);
  // 4: points a microsecond apart (the first sometimes flagged)
  for (let k = 0; k < 100; k++)
    for (let i = 0; i < 3; i++)
      add(4, step(k) + 5_000_000 + i, 104 - i * 1e-6, 30, i === 0 && k % 2 ? 1 : 0);
  // 5: sparse, either side of zero, half-millionths, jumps across the globe
  const far = [
    [-179.9999995, -89.5],
    [179.9999995, 89.5],
    [-0.0000005, 0.0000005],
    [0.0000025, -0.0000035],
    [-70.6483335, -33.4569405],
  ];
  for (let k = 0; k < 15; k++) add(5, BASE_US + k * 100e6 + 7, far[k % 5][0], far[k % 5][1]);
  // 6: points only before and after the ranges built
  add(6, BASE_US - 3_600e6, 104.5, 30.5);
  add(6, BASE_US + 3 * 3_600e6, 104.5, 30.5);
  // 7: silent for more than a whole chunk, then back
  for (let us = BASE_US; us < BASE_US + MINUTES * 60e6; us += 1_000_000 + Math.floor(rand() * 9e6))
    if (us < BASE_US + 4 * 60e6 || us > BASE_US + 11 * 60e6) add(7, us, 103.9 + rand(), 30.9);
  // the others: a report every 0.05 to 40 s, 5 % flagged
  for (let u = 8; u < 20; u++) {
    const gap = 50_000 + rand() * 40e6 * (u % 3 === 0 ? 1 : 0.1);
    for (let us = BASE_US + Math.floor(rand() * 1e6); us < BASE_US + MINUTES * 60e6;)
      add(
        u,
        (us += Math.floor(gap * (0.5 + rand()))),
        104 + rand() * 0.2,
        30.6 + rand() * 0.2,
        rand() < 0.05 ? 1 : 0,
      );
  }
  // one report per unit and instant (a chunk's start is also a step's)
  const seen = new Set<string>();
  return out.filter((p) => !seen.has(`${p.unit}:${p.us}`) && !!seen.add(`${p.unit}:${p.us}`));
}

describe(`replay chunks' build against 0036's (${mode})`, () => {
  let handle: DatabaseHandle;
  let closeDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ handle, close: closeDatabase } = await openTestDatabase('replaybuild'));
    // the oracle: 0036's build with 0031's rounding, as applied before 0037
    await handle.execScript(
      definition('0031_replay_columnar_chunks.sql', 'replay_micro', '$$;', 'replay_micro_0031'),
    );
    await handle.execScript(
      definition(
        '0036_replay_packed_chunks.sql',
        'build_unit_track_replay',
        '$$ LANGUAGE plpgsql;',
        'build_unit_track_replay_0036',
      ).replace(/replay_micro\(/g, 'replay_micro_0031('),
    );
    // 2025-06-01 (CST) has its partition; the points after its midnight go to the default one
    await sql`SELECT ensure_track_partitions('2025-06-01', 1)`.execute(handle.db);
    const raw = tracks();
    await sql`
      INSERT INTO unit_tracks (unit_id, at, lon, lat, speed_kmh, heading_deg, flags, received_at)
      SELECT u, timestamptz 'epoch' + us * interval '1 microsecond', lon, lat, 30, 0, f, now()
      FROM unnest(${raw.map((p) => p.unit)}::uuid[], ${raw.map((p) => p.us)}::bigint[],
        ${raw.map((p) => p.lon)}::float8[], ${raw.map((p) => p.lat)}::float8[],
        ${raw.map((p) => p.flags)}::smallint[]) AS x(u, us, lon, lat, f)`.execute(handle.db);
  }, 120_000);

  afterAll(async () => {
    await closeDatabase?.();
  });

  it('rounds as 0031 did', async () => {
    const values = [0, -0, 5e-7, -5e-7, 1.5e-6, -1.5e-6, 104.0000005, -70.6483335, 179.9999995];
    for (let k = -50; k <= 50; k++) values.push(k * 5e-7, 104 + k * 5e-7, -33 - k * 5e-7);
    const r = await sql<{ a: string; b: string }>`
      SELECT replay_micro(d)::text AS a, replay_micro_0031(d)::text AS b
      FROM unnest(${values}::float8[]) AS x(d)`.execute(handle.db);
    expect(r.rows.map((x) => x.a)).toEqual(r.rows.map((x) => x.b));
  });

  /**
   * Both tables whole, every row as PostgreSQL prints it (floats exactly, bytea in hex); the
   * binary table's columns as 0036 had them (whole_ms, new in 0039, is checked on its own).
   */
  const tables = async () => {
    const replay = await sql<{ row: string }>`SELECT r::text AS row FROM unit_track_replay r
      ORDER BY chunk_start, unit_id`.execute(handle.db);
    const bin = await sql<{ row: string }>`
      SELECT (chunk_start, unit_id, w, s, e, n, us_first, us_last, packed)::text AS row
      FROM unit_track_replay_bin ORDER BY chunk_start, unit_id`.execute(handle.db);
    return { replay: replay.rows.map((x) => x.row), bin: bin.rows.map((x) => x.row) };
  };

  /**
   * 0039's parts against plain code: each chunk's whole_ms says whether every stored point's µs
   * (unit_track_replay.points: int4 µs since the chunk's start, then two float8) is a whole ms,
   * and each unit's hour run is its chunks of the hour, in time order, each as the int4 length,
   * the int4 -1 and the packed chunk, with the union of their boxes.
   */
  const checkRuns = async () => {
    const chunks = await sql<{
      c: number;
      unit_id: string;
      points: Uint8Array;
      packed: Uint8Array;
      whole_ms: boolean;
      w: number;
      s: number;
      e: number;
      n: number;
    }>`SELECT (extract(epoch FROM b.chunk_start) * 1000)::float8 AS c, b.unit_id, r.points,
        b.packed, b.whole_ms, b.w, b.s, b.e, b.n
      FROM unit_track_replay_bin b JOIN unit_track_replay r USING (chunk_start, unit_id)
      ORDER BY b.unit_id, b.chunk_start`.execute(handle.db);
    const want = new Map<string, { box: number[]; whole: boolean; parts: Buffer[] }>();
    for (const k of chunks.rows) {
      const points = Buffer.from(k.points);
      let whole = true;
      for (let o = 0; o < points.byteLength; o += 20) whole &&= points.readInt32BE(o) % 1000 === 0;
      expect({ chunk: k.c, unit: k.unit_id, wholeMs: k.whole_ms }).toEqual({
        chunk: k.c,
        unit: k.unit_id,
        wholeMs: whole,
      });
      const key = `${Math.floor(Number(k.c) / 3_600_000) * 3_600_000}:${k.unit_id}`;
      let run = want.get(key);
      if (!run) want.set(key, (run = { box: [k.w, k.s, k.e, k.n], whole: true, parts: [] }));
      run.box = [
        Math.min(run.box[0], k.w),
        Math.min(run.box[1], k.s),
        Math.max(run.box[2], k.e),
        Math.max(run.box[3], k.n),
      ];
      run.whole &&= k.whole_ms;
      const head = Buffer.alloc(8);
      head.writeInt32BE(k.packed.byteLength, 0);
      head.writeInt32BE(-1, 4);
      run.parts.push(head, Buffer.from(k.packed));
    }
    const runs = await sql<{
      h: number;
      unit_id: string;
      w: number;
      s: number;
      e: number;
      n: number;
      all_whole_ms: boolean;
      run: Uint8Array;
    }>`SELECT (extract(epoch FROM hour_start) * 1000)::float8 AS h, unit_id, w, s, e, n,
        all_whole_ms, run FROM unit_track_replay_run`.execute(handle.db);
    const got = new Map(
      runs.rows.map((r) => [
        `${Number(r.h)}:${r.unit_id}`,
        {
          box: [r.w, r.s, r.e, r.n],
          whole: r.all_whole_ms,
          run: Buffer.from(r.run).toString('hex'),
        },
      ]),
    );
    expect(got).toEqual(
      new Map(
        [...want].map(([key, r]) => [
          key,
          { box: r.box, whole: r.whole, run: Buffer.concat(r.parts).toString('hex') },
        ]),
      ),
    );
    return got.size;
  };

  const at = (us: number) => sql`timestamptz 'epoch' + ${us}::bigint * interval '1 microsecond'`;
  const chunkUs = Math.floor(BASE_US / 300e6) * 300e6;
  it.each([
    // as the processors build a closed chunk, before and after the midnight
    ['a chunk', chunkUs + 300e6, chunkUs + 600e6, 10],
    ['a chunk past midnight (default partition)', chunkUs + 900e6, chunkUs + 1_200e6, 10],
    // as rebuild_unit_track_replay builds after a bulk load
    ['every chunk', chunkUs - 600e6, chunkUs + (MINUTES + 10) * 60e6, 60],
    // (a start inside a chunk would store a chunk the build did not delete first: not asked)
    ['an end inside a step', chunkUs + 300e6, chunkUs + 612_500_001, 20],
    ['no point', chunkUs - 3_000e6, chunkUs - 2_700e6, 0],
  ])('stores what 0036 stores: %s', async (_name, loUs, hiUs, minRows) => {
    const build = async (fn: 'build_unit_track_replay' | 'build_unit_track_replay_0036') => {
      const r = await sql<{ n: string }>`
        SELECT ${sql.raw(fn)}(${at(loUs)}, ${at(hiUs)})::text AS n`.execute(handle.db);
      return { stored: r.rows[0].n, ...(await tables()) };
    };
    const want = await build('build_unit_track_replay_0036');
    const got = await build('build_unit_track_replay');
    expect(got).toEqual(want);
    expect(Number(want.stored)).toBeGreaterThanOrEqual(minRows);
    // every run of the stored chunks (0036's build stores none: all of them are 0039's)
    expect(await checkRuns()).toBeGreaterThanOrEqual(minRows ? 1 : 0);
  });
});
