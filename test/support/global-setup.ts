import { Client } from 'pg';
import { migrate, openDatabase } from '../../libs/db/src';
import { buildEmbeddedTemplate, MIGRATIONS_DIR, servicesTemplateName } from './db-template';

/** Runs once before the suite: the migrated template database the test stacks copy. */
export default async function globalSetup(): Promise<void> {
  const servicesUrl =
    process.env.DATABASE_URL && process.env.REDIS_URL ? process.env.DATABASE_URL : undefined;
  if (!servicesUrl) {
    await buildEmbeddedTemplate(async (dataDir) => {
      const handle = await openDatabase({ dataDir });
      await migrate(handle, MIGRATIONS_DIR);
      return handle;
    });
    return;
  }
  const tpl = servicesTemplateName();
  const admin = new Client({ connectionString: servicesUrl });
  await admin.connect();
  try {
    const has = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [tpl]);
    if (has.rows.length) return;
    const building = `${tpl}_building_${process.pid}`;
    await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${building}`);
    const url = new URL(servicesUrl);
    url.pathname = `/${building}`;
    const handle = await openDatabase({ url: url.toString(), poolSize: 2 });
    await handle.execScript('CREATE EXTENSION IF NOT EXISTS postgis');
    await migrate(handle, MIGRATIONS_DIR);
    await handle.close();
    // the pool's sockets may still be closing on the server side
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [building],
    );
    await admin.query(`ALTER DATABASE ${building} RENAME TO ${tpl}`);
  } finally {
    await admin.end();
  }
}
