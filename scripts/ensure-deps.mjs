// Makes a fresh clone runnable: installs the locked dependencies when node_modules is missing or
// older than package-lock.json , so `npm start` and `npm test` are the only commands a user needs.
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function ensureDeps(root) {
  const hash = () =>
    createHash('sha256')
      .update(readFileSync(join(root, 'package-lock.json')))
      .digest('hex');
  const stamp = join(root, 'node_modules', '.ringcad-lock-hash');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash()) return;
  console.log('installing dependencies (npm ci, locked versions)…');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, hash());
}
