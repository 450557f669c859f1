// Compiles apps/*/src and libs/*/src with swc into dist/ (path aliases rewritten to relative
// requires). Type checking is `npm run typecheck`; the console has its own Vite build.
import { execFileSync } from 'node:child_process';
import { rmSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const swc = join(root, 'node_modules', '.bin', 'swc');
execFileSync(
  swc,
  [
    'apps',
    'libs',
    '-d',
    'dist',
    '--config-file',
    '.swcrc',
    '--ignore',
    '**/*.spec.ts,apps/console/**,apps/terminal/**,**/__fixtures__/**,**/__golden__/**',
    '-q',
  ],
  { cwd: root, stdio: 'inherit' },
);
if (
  existsSync(join(root, 'apps', 'console', 'package.json')) ||
  existsSync(join(root, 'apps', 'console', 'vite.config.ts'))
) {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'apps/console'],
    { cwd: root, stdio: 'inherit' },
  );
}
// the 警务通 unit terminal (served at /m)
if (existsSync(join(root, 'apps', 'terminal', 'vite.config.ts'))) {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'apps/terminal'],
    { cwd: root, stdio: 'inherit' },
  );
}
console.log('built dist/');
