import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from './database';

/**
 * The database seam, in whichever mode the suite runs: embedded (PGlite behind our Kysely dialect
 * and the session lock) or services (PostgreSQL through node-postgres' pool). What callers rely
 * on must hold on both: concurrent transactions never mix, row counts and int8 come back the same,
 * a migration applies exactly once even when two starters race.
 */
const URL =
  process.env.DATABASE_URL && process.env.REDIS_URL ? process.env.DATABASE_URL : undefined;
const mode = URL ? 'postgres' : 'pglite';

describe(`database seam (${mode})`, () => {
  let handle: DatabaseHandle;
  const table = `seam_${process.pid}_${randomBytes(3).toString('hex')}`;
  const t = sql.table(table);

  beforeAll(async () => {
    handle = await openDatabase(URL ? { url: URL, poolSize: 4 } : { dataDir: 'memory://' });
    await sql`CREATE TABLE ${t} (id int8 PRIMARY KEY, note text NOT NULL)`.execute(handle.db);
  });

  afterAll(async () => {
    await sql`DROP TABLE IF EXISTS ${t}`.execute(handle.db);
    await sql`DELETE FROM public.schema_migrations WHERE name LIKE ${`${table}%`}`
      .execute(handle.db)
      .catch(() => undefined);
    await sql`DROP TABLE IF EXISTS ${sql.table(`${table}_m`)}`.execute(handle.db);
    await handle.close();
  });

  beforeEach(async () => {
    await sql`DELETE FROM ${t}`.execute(handle.db);
  });

  it('reports the driver it runs on', () => {
    expect(handle.kind).toBe(mode);
  });

  it('answers a health ping while another caller holds the session (not behind its queue)', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    const tx = handle.db.transaction().execute(async (trx) => {
      await sql`SELECT 1`.execute(trx);
      inside();
      await held;
    });
    await entered;
    // on PGlite a ping queued on the session lock would wait for this transaction forever
    await handle.ping();
    release();
    await tx;
  });

  it('a statement issued while another caller holds a transaction is not swallowed by it', async () => {
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    const failing = handle.db
      .transaction()
      .execute(async (tx) => {
        await sql`INSERT INTO ${t} (id, note) VALUES (1, 'rolled back')`.execute(tx);
        inside();
        await new Promise((r) => setTimeout(r, 60));
        throw new Error('abort');
      })
      .catch((e: Error) => e.message);
    await entered;
    // outside the transaction: on one PGlite session this would run inside it without the lock
    const outside = sql`INSERT INTO ${t} (id, note) VALUES (2, 'kept')`.execute(handle.db);
    expect(await failing).toBe('abort');
    await outside;
    const rows = await sql<{
      id: number;
      note: string;
    }>`SELECT id, note FROM ${t} ORDER BY id`.execute(handle.db);
    expect(rows.rows).toEqual([{ id: 2, note: 'kept' }]);
  });

  it('many concurrent transactions each commit whole (no lost or mixed rows)', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        handle.db
          .transaction()
          .execute(async (tx) => {
            await sql`INSERT INTO ${t} (id, note) VALUES (${i * 2 + 100}, 'a')`.execute(tx);
            await new Promise((r) => setTimeout(r, i % 3));
            await sql`INSERT INTO ${t} (id, note) VALUES (${i * 2 + 101}, 'b')`.execute(tx);
            if (i % 5 === 4) throw new Error('rollback this one');
          })
          .catch(() => undefined),
      ),
    );
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM ${t}`.execute(handle.db);
    expect(rows[0].n).toBe(32); // 16 committed transactions × 2 rows; 4 rolled back whole
  });

  it('returns affected-row counts and int8/count as numbers on both drivers', async () => {
    await sql`INSERT INTO ${t} (id, note) VALUES (9007199254740, 'x'), (2, 'y'), (3, 'y')`.execute(
      handle.db,
    );
    const upd = await sql`UPDATE ${t} SET note = 'z' WHERE note = 'y'`.execute(handle.db);
    expect(upd.numAffectedRows).toBe(2n);
    const { rows } = await sql<{
      id: number;
      n: number;
    }>`SELECT max(id) AS id, count(*) AS n FROM ${t}`.execute(handle.db);
    expect(rows[0]).toEqual({ id: 9007199254740, n: 3 });
    expect(typeof rows[0].id).toBe('number');
  });

  it('stores and reads bytea byte for byte on both drivers (every byte value, empty, large, a view)', async () => {
    const every = Uint8Array.from({ length: 512 }, (_, i) => i % 256);
    const large = randomBytes(3_000_000);
    // a view into a bigger buffer: only its own bytes go
    const view = new Uint8Array(every.buffer, 10, 20);
    const { rows } = await sql<{ a: Uint8Array; b: Uint8Array; c: Uint8Array; d: Uint8Array }>`
      SELECT ${every}::bytea AS a, ${new Uint8Array(0)}::bytea AS b, ${large}::bytea AS c,
        ${view}::bytea AS d`.execute(handle.db);
    expect(Buffer.from(rows[0].a).equals(Buffer.from(every))).toBe(true);
    expect(rows[0].b).toHaveLength(0);
    expect(Buffer.from(rows[0].c).equals(large)).toBe(true);
    expect([...rows[0].d]).toEqual([...view]);
    // and what the database computed from them
    const len = await sql<{
      n: number;
      h: string;
    }>`SELECT length(${every}::bytea) AS n, md5(${large}::bytea) AS h`.execute(handle.db);
    expect(len.rows[0]).toEqual({
      n: 512,
      h: createHash('md5').update(large).digest('hex'),
    });
  });

  it('applies a migration exactly once when two starters race, and rolls a failing one back whole', async () => {
    const name = `${table}_0001.sql`;
    const body = `CREATE TABLE ${table}_m (id int PRIMARY KEY); INSERT INTO ${table}_m VALUES (1);`;
    const ran = await Promise.all([
      handle.applyMigration(name, body),
      handle.applyMigration(name, body),
    ]);
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect(await handle.applyMigration(name, body)).toBe(false);
    const m = await sql<{
      n: number;
    }>`SELECT count(*) AS n FROM ${sql.table(`${table}_m`)}`.execute(handle.db);
    expect(m.rows[0].n).toBe(1);

    const bad = `${table}_0002.sql`;
    await expect(
      handle.applyMigration(bad, `INSERT INTO ${table}_m VALUES (2); SELECT no_such_function();`),
    ).rejects.toThrow();
    const after = await sql<{
      n: number;
    }>`SELECT count(*) AS n FROM ${sql.table(`${table}_m`)}`.execute(handle.db);
    expect(after.rows[0].n).toBe(1);
    const ledger = await sql<{
      name: string;
    }>`SELECT name FROM public.schema_migrations WHERE name = ${bad}`.execute(handle.db);
    expect(ledger.rows).toHaveLength(0);
  });

  it('runs multi-statement scripts', async () => {
    await handle.execScript(
      `INSERT INTO ${table} VALUES (5, 'a'); INSERT INTO ${table} VALUES (6, 'b');`,
    );
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM ${t}`.execute(handle.db);
    expect(rows[0].n).toBe(2);
  });

  (mode === 'pglite' ? describe : describe.skip)('BullMQ pool adapter (embedded mode)', () => {
    it('a client transaction holds the session until COMMIT: pool statements wait, then see it committed', async () => {
      const pool = handle.bullmqPool();
      const client = await pool.connect();
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${table} VALUES (1, 'in tx')`);
      let poolDone = false;
      const poolRead = pool
        .query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)
        .then((r) => {
          poolDone = true;
          return r;
        });
      await new Promise((r) => setTimeout(r, 40));
      expect(poolDone).toBe(false); // would have run inside the open transaction without the lock
      await client.query('COMMIT');
      expect((await poolRead).rows[0].n).toBe(1);
      client.release();
    });

    it('releasing a client mid-transaction rolls it back and frees the session', async () => {
      const pool = handle.bullmqPool();
      const client = await pool.connect();
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${table} VALUES (7, 'abandoned')`);
      client.release();
      const r = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      expect(r.rows[0].n).toBe(0);
    });

    it('int8 and numeric come back as text (node-postgres defaults BullMQ expects); scripts run via the simple protocol', async () => {
      const pool = handle.bullmqPool();
      const r = await pool.query<{ a: string; b: string }>(
        'SELECT 9007199254740993::int8 AS a, 1.50::numeric AS b',
      );
      expect(r.rows[0]).toEqual({ a: '9007199254740993', b: '1.50' });
      const multi = await pool.query<{ x: number }>(
        `INSERT INTO ${table} VALUES (8, 's'); SELECT 42 AS x`,
      );
      expect(multi.rows[0].x).toBe(42);
    });

    it('NOTIFY reaches only the clients that LISTENed on that channel', async () => {
      const pool = handle.bullmqPool();
      const listener = await pool.connect();
      const bystander = await pool.connect();
      const heard: string[] = [];
      const stray: string[] = [];
      listener.on('notification', (n: { payload?: string }) => heard.push(n.payload ?? ''));
      bystander.on('notification', (n: { payload?: string }) => stray.push(n.payload ?? ''));
      await listener.query(`LISTEN "${table}_ch"`);
      await bystander.query(`LISTEN ${table}_other`);
      await pool.query(`NOTIFY "${table}_ch", 'hello'`);
      for (let i = 0; i < 50 && heard.length === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(heard).toEqual(['hello']);
      expect(stray).toEqual([]);
      listener.release();
      bystander.release();
    });
  });

  (mode === 'postgres' ? it : it.skip)(
    'BullMQ runs on Redis in services mode: no PGlite pool is offered',
    () => {
      expect(() => handle.bullmqPool()).toThrow(/Redis/);
    },
  );
});
