import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * One migrated database per migration set, made once before the suite (test/support/global-setup.ts)
 * and copied for each test stack: PGlite's first start (initdb in WebAssembly, ~9 s) and the
 * migrations (~9 s) then run once per run instead of once per spec file. Services mode copies a
 * PostgreSQL template database the same way (`CREATE DATABASE … TEMPLATE`). The migrations still
 * run on every suite run: the template is keyed by their contents.
 */
const ROOT = join(__dirname, '../..');
export const MIGRATIONS_DIR = join(ROOT, 'db/migrations');

function migrationsKey(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS_DIR).sort()) {
    h.update(f);
    h.update(readFileSync(join(MIGRATIONS_DIR, f)));
  }
  for (const pkg of ['@electric-sql/pglite', '@electric-sql/pglite-postgis']) {
    try {
      h.update(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json')));
    } catch {
      /* absent: the key still changes with the migrations */
    }
  }
  return h.digest('hex').slice(0, 12);
}

const READY = 'ringcad-template-ready';

/** The migrated PGlite directory for this migration set (built by the global setup). */
export function embeddedTemplateDir(): string {
  return join(tmpdir(), `ringcad-test-template-${migrationsKey()}`);
}

/** The PostgreSQL template database's name for this migration set. */
export function servicesTemplateName(): string {
  return `ringcad_tpl_${migrationsKey()}`;
}

/**
 * Fills the empty directory `dataDir` with the migrated template when one was built; returns
 * whether it did (the caller's PGlite then opens a migrated database, else it starts from nothing).
 */
export function seedEmbeddedDataDir(dataDir: string): boolean {
  const tpl = embeddedTemplateDir();
  if (!existsSync(join(tpl, READY))) return false;
  cpSync(tpl, dataDir, { recursive: true, filter: (src) => !src.endsWith(READY) });
  return true;
}

/** Builds the embedded template directory if it is missing (atomic: built aside, then renamed). */
export async function buildEmbeddedTemplate(
  open: (dataDir: string) => Promise<{ close(): Promise<void> }>,
): Promise<void> {
  const tpl = embeddedTemplateDir();
  if (existsSync(join(tpl, READY))) return;
  const building = `${tpl}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const handle = await open(building);
  await handle.close();
  rmSync(join(building, 'ringcad.pid'), { force: true });
  cpSync(join(building, 'PG_VERSION'), join(building, READY));
  rmSync(tpl, { recursive: true, force: true });
  renameSync(building, tpl);
}

/** Creates `name` as a copy of the services template, or returns false when there is none. */
export async function createFromServicesTemplate(adminUrl: string, name: string): Promise<boolean> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const tpl = servicesTemplateName();
    const has = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [tpl]);
    if (!has.rows.length) return false;
    // two workers copying at once can see the template busy for a moment: retry briefly
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`CREATE DATABASE ${name} TEMPLATE ${tpl}`);
        return true;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 100 + attempt * 50));
      }
    }
  } finally {
    await c.end();
  }
}
