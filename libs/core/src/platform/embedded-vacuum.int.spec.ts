import { sql } from 'kysely';
import type { DatabaseHandle, Db } from '@ringcad/db';
import { openTestDatabase, TEST_DB_MODE as mode } from '../../../../test/support/test-database';
import { vacuumDueTables } from './embedded-vacuum';

/**
 * What the embedded processors run every EMBEDDED_VACUUM_SEC (PGlite has no autovacuum worker):
 * the tables past autovacuum's thresholds are vacuumed, their dead versions go and their space
 * is used again; tables below them are left alone. Real PGlite.
 */
/**
 * Statistics are counted as transactions end and flushed to the shared counts at most once a
 * second: ask for the next flush, let a second pass, and end one more transaction.
 */
async function settle(db: Db) {
  await sql`SELECT pg_stat_force_next_flush()`.execute(db);
  await new Promise((r) => setTimeout(r, 1100));
  await sql`SELECT 1`.execute(db);
}

// PGlite only, as the product runs it (PostgreSQL has its own autovacuum, and there other
// specs' transactions running beside this one may keep dead versions a vacuum cannot remove yet)
(mode === 'pglite' ? describe : describe.skip)(
  `vacuum of the tables past autovacuum's thresholds (${mode})`,
  () => {
    let handle: DatabaseHandle;
    let close: () => Promise<void>;
    let db: Db;

    beforeAll(async () => {
      ({ handle, close } = await openTestDatabase('q_vacuum'));
      db = handle.db;
      await sql`CREATE TABLE churn (id int PRIMARY KEY, v int NOT NULL)`.execute(db);
      await sql`CREATE TABLE calm (id int PRIMARY KEY, v int NOT NULL)`.execute(db);
      await sql`INSERT INTO churn SELECT g, 0 FROM generate_series(1, 2000) g`.execute(db);
      await sql`INSERT INTO calm SELECT g, 0 FROM generate_series(1, 2000) g`.execute(db);
      // statistics as a settled database has them, then nothing due
      await settle(db);
      await sql`VACUUM (ANALYZE) churn`.execute(db);
      await sql`VACUUM (ANALYZE) calm`.execute(db);
      await settle(db);
    });

    afterAll(async () => {
      await close();
    });

    const stats = async (table: string) =>
      (
        await sql<{ dead: number; size: number }>`
        SELECT n_dead_tup::int AS dead, pg_relation_size(relid)::int AS size
        FROM pg_stat_user_tables WHERE relname = ${table}`.execute(db)
      ).rows[0];

    it('vacuums the table with dead versions, leaves the calm one, and the space is used again', async () => {
      for (let k = 0; k < 5; k++) await sql`UPDATE churn SET v = v + 1`.execute(db);
      await sql`UPDATE calm SET v = v + 1 WHERE id <= 10`.execute(db);
      await settle(db);
      expect((await stats('churn')).dead).toBeGreaterThanOrEqual(5_000);
      const grown = (await stats('churn')).size;

      const done = await vacuumDueTables(db);
      const churn = done.find((t) => t.table === 'public.churn');
      expect(churn).toMatchObject({ vacuumed: true, analysed: true });
      expect(churn!.deadVersions).toBeGreaterThanOrEqual(5_000);
      expect(done.find((t) => t.table === 'public.calm')).toBeUndefined();
      await settle(db);
      expect((await stats('churn')).dead).toBe(0);

      // five more rounds fit in the space the vacuum freed
      for (let k = 0; k < 5; k++) await sql`UPDATE churn SET v = v + 1`.execute(db);
      expect((await stats('churn')).size).toBeLessThanOrEqual(grown);
      expect(
        (await sql<{ n: number }>`SELECT count(*)::int AS n FROM churn WHERE v = 10`.execute(db))
          .rows[0].n,
      ).toBe(2000);
    });

    it('a table without statistics is analysed once; one that only grew is left as it is', async () => {
      await sql`CREATE TABLE fresh (id int PRIMARY KEY)`.execute(db);
      await sql`INSERT INTO fresh SELECT g FROM generate_series(1, 500) g`.execute(db);
      await sql`INSERT INTO calm SELECT g, 0 FROM generate_series(2001, 6000) g`.execute(db);
      await settle(db);
      const first = await vacuumDueTables(db);
      expect(first.find((t) => t.table === 'public.fresh')).toMatchObject({
        vacuumed: false,
        analysed: true,
      });
      // calm had statistics: growing threefold does not make it due
      expect(first.find((t) => t.table === 'public.calm')).toBeUndefined();
      await settle(db);
      expect((await vacuumDueTables(db)).find((t) => t.table === 'public.fresh')).toBeUndefined();
    });

    it('nothing due, nothing run', async () => {
      // the last updates counted first, then the vacuum that clears them
      await settle(db);
      await sql`VACUUM (ANALYZE) churn`.execute(db);
      await settle(db);
      const done = await vacuumDueTables(db);
      expect(done.filter((t) => t.table === 'public.churn' || t.table === 'public.calm')).toEqual(
        [],
      );
    });
  },
);
