import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Client } from 'pg';
import { migrate, openDatabase, type DatabaseHandle } from '@ringcad/db';
import { createFromServicesTemplate, seedEmbeddedDataDir } from './db-template';

/** PostgreSQL when the suite runs in services mode (DATABASE_URL and REDIS_URL set), else PGlite. */
const SERVICES_URL =
  process.env.DATABASE_URL && process.env.REDIS_URL ? process.env.DATABASE_URL : undefined;
export const TEST_DB_MODE: 'postgres' | 'pglite' = SERVICES_URL ? 'postgres' : 'pglite';
const MIGRATIONS = join(__dirname, '../../db/migrations');

/**
 * A fresh, migrated database for one integration spec, in whichever mode the suite runs: an
 * in-memory PGlite, or a new PostgreSQL/PostGIS database that `close` drops again.
 */
export async function openTestDatabase(
  tag: string,
): Promise<{ handle: DatabaseHandle; close(): Promise<void> }> {
  if (!SERVICES_URL) {
    // a copy of the migrated template when the global setup built one, else a fresh in-memory one
    const dir = mkdtempSync(join(tmpdir(), 'ringcad-int-'));
    const seeded = seedEmbeddedDataDir(dir);
    if (!seeded) rmSync(dir, { recursive: true, force: true });
    const handle = await openDatabase({ dataDir: seeded ? dir : 'memory://' });
    await migrate(handle, MIGRATIONS);
    return {
      handle,
      async close() {
        await handle.close();
        if (seeded) rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `ringcad_${tag}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = async (statement: string) => {
    const c = new Client({ connectionString: SERVICES_URL });
    await c.connect();
    await c.query(statement).finally(() => c.end());
  };
  if (!(await createFromServicesTemplate(SERVICES_URL, name)))
    await admin(`CREATE DATABASE ${name}`);
  const url = new URL(SERVICES_URL);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), poolSize: 4 });
  await sql`CREATE EXTENSION IF NOT EXISTS postgis`.execute(handle.db);
  await migrate(handle, MIGRATIONS);
  return {
    handle,
    async close() {
      await handle.close();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
