// `npm run bench -- <name>`: compiles bench/ with the project (swc) and runs bench/<name>.ts,
// which prints its figures and writes bench/results/<name>.json. Benchmarks assert nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDeps } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const names = process.argv.slice(2);
const available = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));
if (!names.length || names.some((n) => !available.includes(n))) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [...]`);
  process.exit(2);
}
ensureDeps(root);
// one compiled tree per invocation, so benchmarks run side by side do not delete each other's
const out = join(root, `.bench-build-${process.pid}`);
rmSync(out, { recursive: true, force: true });
process.on('exit', () => rmSync(out, { recursive: true, force: true }));
execFileSync(
  join(root, 'node_modules', '.bin', 'swc'),
  [
    'bench',
    'libs',
    'apps',
    '-d',
    out,
    '--config-file',
    '.swcrc',
    '--ignore',
    '**/*.spec.ts,apps/console/**',
    '-q',
  ],
  { cwd: root, stdio: 'inherit' },
);
for (const name of names) {
  const entry = join(out, 'bench', `${name}.js`);
  if (!existsSync(entry)) throw new Error(`${entry} missing`);
  execFileSync(process.execPath, [entry], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
  });
}
