import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseHandle } from './database';

/** Applies forward-only `NNNN_name.sql` files in order; returns the names it applied. */
export async function migrate(handle: DatabaseHandle, dir: string): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort();
  const applied: string[] = [];
  for (const file of files) {
    if (await handle.applyMigration(file, readFileSync(join(dir, file), 'utf8')))
      applied.push(file);
  }
  return applied;
}
