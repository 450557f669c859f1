import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Finds `relative` in the nearest ancestor of this file (works from source and from dist/). */
export function findProjectPath(relative: string, from = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${relative} above ${from}`);
    dir = parent;
  }
}
