import { randomUUID } from 'node:crypto';
import { BinaryCopyWriter } from './binary-copy';
import { openPGliteWithPostgis } from './data-dir';
import { inProcessSession, type PGliteSession } from './pglite-session';
import { PGliteThread } from './pglite-thread';

/**
 * Binary COPY must store exactly what the text forms store: the same doubles to the last bit, the
 * same reals (a double rounded to nearest, as `float8::real`), whole milliseconds, uuids in either
 * case, nulls, negative int2. Through PGlite in this thread and in its own thread.
 */
const TABLE = `CREATE TABLE IF NOT EXISTS copied (k int2, u uuid, at timestamptz, x float8, s real);
  CREATE TABLE IF NOT EXISTS typed (k int2, u uuid, at timestamptz, x float8, s real);
  TRUNCATE copied; TRUNCATE typed`;

function sample(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    k: i - 100,
    u: i % 2 ? randomUUID().toUpperCase() : randomUUID(),
    // whole milliseconds either side of 2000-01-01 (PostgreSQL's epoch)
    ms: 946_684_800_000 + Math.round((Math.random() - 0.3) * 2e12),
    // (not -0: its text form is "0")
    x: i === 1 ? 5e-324 : (Math.random() - 0.5) * 10 ** ((i % 40) - 20),
    // what positions store: a hundredth, or a double with no short form
    s: i % 7 === 0 ? null : i % 3 ? Math.round(Math.random() * 1e6) / 100 : Math.random() * 300,
  }));
}

describe.each([
  ['in this thread', async () => inProcessSession(await openPGliteWithPostgis('memory://'))],
  ['in its own thread', () => PGliteThread.open('memory://')],
])('binary COPY into PGlite %s', (_name, open: () => Promise<PGliteSession>) => {
  let session: PGliteSession;
  beforeAll(async () => {
    session = await open();
  }, 300_000);
  afterAll(async () => {
    await session?.close();
  });

  it('stores the same values as the text forms, in the order written', async () => {
    const rows = sample(2000);
    const w = new BinaryCopyWriter(16);
    for (const r of rows) w.row(5).int2(r.k).uuid(r.u).timestampMs(r.ms).float8(r.x).float4(r.s);
    const [after] = await session.copyIn({
      before: TABLE,
      copy: `COPY copied FROM '/dev/blob' WITH (FORMAT binary)`,
      data: w.finish(),
      after: 'SELECT count(*)::int AS n FROM copied',
    });
    expect(after.rows).toEqual([{ n: 2000 }]);
    await session.query(
      `INSERT INTO typed SELECT * FROM unnest($1::int2[], $2::uuid[], $3::timestamptz[], $4::float8[], $5::real[])`,
      [
        rows.map((r) => r.k),
        rows.map((r) => r.u),
        rows.map((r) => new Date(r.ms).toISOString()),
        rows.map((r) => r.x),
        rows.map((r) => r.s),
      ],
    );
    const diff = await session.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM copied c FULL JOIN typed t ON t.k = c.k
       WHERE c.u IS DISTINCT FROM t.u OR c.at IS DISTINCT FROM t.at
         OR float8send(c.x) IS DISTINCT FROM float8send(t.x)
         OR float4send(c.s) IS DISTINCT FROM float4send(t.s)`,
    );
    expect(diff.rows[0].n).toBe(0);
    const back = await session.query<{ k: number; x: number; at: Date; u: string }>(
      'SELECT k, x, at, u::text AS u FROM copied ORDER BY k',
    );
    back.rows.forEach((r, i) => {
      expect(Object.is(r.x, rows[i].x)).toBe(true);
      expect(r.at.getTime()).toBe(rows[i].ms);
      expect(r.u).toBe(rows[i].u.toLowerCase());
    });
  });

  it('refuses what it cannot write exactly, before anything is sent', () => {
    expect(() => new BinaryCopyWriter().row(1).uuid('not-a-uuid')).toThrow(/not a uuid/);
    expect(() => new BinaryCopyWriter().row(1).uuid('g'.repeat(36))).toThrow(/not a uuid/);
    expect(() => new BinaryCopyWriter().row(1).timestampMs(1.5)).toThrow(/whole millisecond/);
  });
});
