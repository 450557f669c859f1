import { inProcessSession, type PGliteSession } from './pglite-session';
import { PGliteThread } from './pglite-thread';
import { openPGliteWithPostgis } from './data-dir';
import { lockedGate, type SessionGate } from './session-gate';
import { asBulk, SessionLock } from './session-lock';
import type { StatementTiming } from './pglite-thread.messages';

/**
 * The embedded database's own thread: what crosses it must look exactly as PGlite in this thread
 * would give it (rows with their JS types, errors with their PostgreSQL fields, NOTIFY payloads),
 * and a long statement must leave this thread's event loop free. Embedded mode only (services
 * mode has no PGlite).
 */
const embedded = !(process.env.DATABASE_URL && process.env.REDIS_URL);
const describeEmbedded = embedded ? describe : describe.skip;

/** How many times this thread's event loop turned while `work` ran. */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  await work();
  running = false;
  return turns;
}

const HEAVY = 'SELECT count(*)::int AS n FROM generate_series(1, 2000000) g WHERE g % 7 = 0';

describeEmbedded('PGlite in its own thread', () => {
  let thread: PGliteThread;
  let local: PGliteSession;

  beforeAll(async () => {
    [thread, local] = await Promise.all([
      PGliteThread.open('memory://'),
      openPGliteWithPostgis('memory://').then(inProcessSession),
    ]);
    for (const s of [thread, local]) {
      await s.exec(`CREATE EXTENSION IF NOT EXISTS postgis;
        CREATE TABLE t (id int8 PRIMARY KEY, at timestamptz, doc jsonb, raw bytea,
                      amount numeric, geom geometry(Point, 4326));`);
    }
  }, 120_000);

  afterAll(async () => {
    await local?.close();
  });

  it('returns rows with the same values and JS types as PGlite in this thread', async () => {
    const insert =
      'INSERT INTO t VALUES ($1, $2, $3, $4, $5, ST_SetSRID(ST_MakePoint(104.06, 30.67), 4326))';
    const params = [
      9007199254740,
      new Date('2026-12-05T08:00:00.123Z'),
      { a: [1, 2], b: '警' },
      new Uint8Array([0, 1, 254]),
      '12.50',
    ];
    const select = 'SELECT id, at, doc, raw, amount, ST_AsText(geom) AS wkt FROM t';
    const [a, b] = await Promise.all(
      [thread, local].map(async (s) => {
        const ins = await s.query(insert, params);
        return { affected: ins.affectedRows, rows: (await s.query(select)).rows };
      }),
    );
    expect(a).toEqual(b);
    const row = a.rows[0] as Record<string, unknown>;
    // a structured clone: this realm's Date and Uint8Array (Jest's sandbox has its own globals)
    expect(Object.prototype.toString.call(row.at)).toBe('[object Date]');
    expect((row.at as Date).toISOString()).toBe('2026-12-05T08:00:00.123Z');
    expect(Object.prototype.toString.call(row.raw)).toBe('[object Uint8Array]');
    expect(row.id).toBe(9007199254740);
    expect(row.wkt).toBe('POINT(104.06 30.67)');
    expect(a.affected).toBe(1);
  });

  it('parses int8 and numeric as text for BullMQ when asked', async () => {
    const r = await thread.query<{ n: unknown; m: unknown }>(
      'SELECT 42::int8 AS n, 1.5::numeric AS m',
      [],
      'bullmq',
    );
    expect(r.rows[0]).toEqual({ n: '42', m: '1.5' });
    const [, last] = await thread.exec('SELECT 1; SELECT 7::int8 AS n', 'bullmq');
    expect(last.rows).toEqual([{ n: '7' }]);
  });

  it('rejects with the PostgreSQL error fields the callers read (code, constraint)', async () => {
    await thread.query('INSERT INTO t (id) VALUES (1)');
    const err = (await thread.query('INSERT INTO t (id) VALUES (1)').catch((e) => e)) as Error &
      Record<string, unknown>;
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('23505');
    expect(err.constraint).toBe('t_pkey');
    expect(err.message).toMatch(/duplicate key/);
    // the thread goes on answering after an error
    expect((await thread.query('SELECT count(*)::int AS n FROM t WHERE id = 1')).rows).toEqual([
      { n: 1 },
    ]);
  });

  it('delivers NOTIFY payloads of channels it listens to', async () => {
    const got: [string, string][] = [];
    const off = thread.onNotification((channel, payload) => got.push([channel, payload]));
    await thread.exec('LISTEN ringcad_test');
    await thread.exec("NOTIFY ringcad_test, 'hello'");
    await new Promise((r) => setTimeout(r, 50));
    off();
    await thread.exec("NOTIFY ringcad_test, 'after'");
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual([['ringcad_test', 'hello']]);
  });

  it('leaves the event loop free while a long statement runs (PGlite in this thread does not)', async () => {
    const inThread = await turnsDuring(() => thread.query(HEAVY));
    const inProcess = await turnsDuring(() => local.query(HEAVY));
    expect(inThread).toBeGreaterThan(10);
    expect(inProcess).toBeLessThanOrEqual(2);
  });

  describe.each([
    ['in its thread (turns taken there)', () => thread as SessionGate],
    ['in this thread (turns taken on a lock here)', () => lockedGate(local, new SessionLock())],
  ])('its gate, %s', (_name, gateOf) => {
    let gate: SessionGate;
    beforeAll(async () => {
      gate = gateOf();
      await gate.exec('CREATE TABLE IF NOT EXISTS turns (seq serial PRIMARY KEY, who text)');
      await gate.exec('TRUNCATE turns');
    });

    it('a hold keeps every other statement out until it is released', async () => {
      const lease = await gate.hold();
      await lease.session.exec('BEGIN');
      let outsideDone = false;
      const outside = gate.query("INSERT INTO turns (who) VALUES ('outside')").then(() => {
        outsideDone = true;
      });
      await lease.session.query("INSERT INTO turns (who) VALUES ('held')");
      await new Promise((r) => setTimeout(r, 50));
      expect(outsideDone).toBe(false);
      // the held transaction sees only its own row: the other statement has not run inside it
      const inside = await lease.session.query<{ who: string }>('SELECT who FROM turns');
      expect(inside.rows.map((r) => r.who)).toEqual(['held']);
      await lease.session.exec('ROLLBACK');
      lease.release();
      await outside;
      const after = await gate.query<{ who: string }>('SELECT who FROM turns ORDER BY seq');
      expect(after.rows.map((r) => r.who)).toEqual(['outside']);
      await gate.exec('TRUNCATE turns');
    });

    it('statements waiting their turn go interactive first, bulk after, each in the order asked', async () => {
      const lease = await gate.hold();
      const ask = (who: string) => gate.query(`INSERT INTO turns (who) VALUES ('${who}')`);
      const asked = [
        asBulk(() => ask('bulk1')),
        asBulk(() => ask('bulk2')),
        ask('call1'),
        ask('call2'),
      ];
      // let every request reach its queue before the session is let go
      await new Promise((r) => setTimeout(r, 50));
      lease.release();
      await Promise.all(asked);
      const order = await gate.query<{ who: string }>('SELECT who FROM turns ORDER BY seq');
      expect(order.rows.map((r) => r.who)).toEqual(['call1', 'call2', 'bulk1', 'bulk2']);
      await gate.exec('TRUNCATE turns');
    });
  });

  it('a statement sent while bulk ones run goes next, ahead of the bulk queued before it', async () => {
    await thread.exec('CREATE TABLE IF NOT EXISTS arrivals (seq serial PRIMARY KEY, who text)');
    const ask = (who: string, sec: number) =>
      thread.query(`INSERT INTO arrivals (who) SELECT '${who}' FROM pg_sleep(${sec})`);
    const timings: StatementTiming[] = [];
    const off = thread.onTiming((t) => timings.push(t));
    // three position parts sent at once; the thread is inside the first when the call is sent
    const bulk = [1, 2, 3].map((i) => asBulk(() => ask(`bulk${i}`, 0.4)));
    await new Promise((r) => setTimeout(r, 150));
    await ask('call', 0);
    await Promise.all(bulk);
    off();
    const order = await thread.query<{ who: string }>('SELECT who FROM arrivals ORDER BY seq');
    // the call sat in the port while bulk1 ran: it is let in before bulk2, not after bulk3
    expect(order.rows.map((r) => r.who)).toEqual(['bulk1', 'call', 'bulk2', 'bulk3']);
    // and its wait counts from its send, the time in the port included (~250 ms, not ~0)
    const call = timings.find((t) => t.turn === 'interactive');
    expect(call?.waitMs).toBeGreaterThan(150);
    expect(call?.waitMs).toBeLessThan(1000);
  });

  it('runs queued statements back to back while this thread is busy (no round trip between them)', async () => {
    const sent = Array.from({ length: 10 }, (_, i) =>
      thread.query(`INSERT INTO turns (who) VALUES ('s${i}') RETURNING clock_timestamp() AS at`),
    );
    // hold this thread's event loop for a second: statements that needed it between one and the
    // next would run one at a time after it, not during it
    const busyUntil = Date.now() + 1000;
    while (Date.now() < busyUntil);
    const freed = Date.now();
    const ats = (await Promise.all(sent)).map((r) =>
      new Date((r.rows[0] as { at: Date }).at).getTime(),
    );
    expect(ats.filter((at) => at <= freed)).toHaveLength(10);
    await thread.exec('TRUNCATE turns');
  });

  it('refuses requests after it is closed, with a clear message', async () => {
    await thread.close();
    await expect(thread.query('SELECT 1')).rejects.toThrow(/embedded database is closed/);
  });
});
