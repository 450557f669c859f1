import { sql } from 'kysely';
import { DatabaseService } from '@ringcad/core';
import { createStack, SERVICES_MODE, sleep, type Stack } from '../support/harness';

/**
 * PGlite runs no autovacuum: the embedded api's processors vacuum the tables whose dead row
 * versions passed autovacuum's thresholds, every EMBEDDED_VACUUM_SEC (here half a second).
 * Services mode leaves it to PostgreSQL's autovacuum.
 */
(SERVICES_MODE ? describe.skip : describe)('embedded vacuum (embedded mode)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await createStack({ EMBEDDED_VACUUM_SEC: '0.5' });
    await stack.startApi();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("a churned table's dead versions are vacuumed away while the api runs", async () => {
    const db = stack.api().app.get(DatabaseService).db;
    await sql`CREATE TABLE churn (id int PRIMARY KEY, v int NOT NULL)`.execute(db);
    await sql`INSERT INTO churn SELECT g, 0 FROM generate_series(1, 2000) g`.execute(db);
    for (let k = 0; k < 5; k++) await sql`UPDATE churn SET v = v + 1`.execute(db);
    const counts = async () =>
      (
        await sql<{ vacuums: number; dead: number }>`
          SELECT vacuum_count::int AS vacuums, n_dead_tup::int AS dead
          FROM pg_stat_user_tables WHERE relname = 'churn'`.execute(db)
      ).rows[0];
    const end = Date.now() + 20_000;
    let seen = await counts();
    while (Date.now() < end && !(seen.vacuums > 0 && seen.dead === 0)) {
      await sleep(250);
      seen = await counts();
    }
    expect(seen).toEqual({ vacuums: expect.any(Number), dead: 0 });
    expect(seen.vacuums).toBeGreaterThan(0);
  }, 60_000);
});
