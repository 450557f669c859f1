// `npm test`: the whole Jest suite. Embedded mode (PGlite) unless DATABASE_URL and REDIS_URL are
// set, then services mode. Ends with one line `tests: N passed, N failed` (CI reads it) and writes
// the same counts to test-results/<mode>.json.
import { spawnSync } from 'node:child_process';
import { ensureDeps } from './ensure-deps.mjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureDeps(root);
// build once up front (server and console): tests that start the built system never rebuild
// under each other's feet
if (!process.env.RINGCAD_SKIP_BUILD) {
  const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (b.status !== 0) {
    console.log(
      `\n${process.env.DATABASE_URL && process.env.REDIS_URL ? 'services' : 'embedded'}: 0 passed, 1 failed`,
    );
    process.exit(1);
  }
}
const mode = process.env.DATABASE_URL && process.env.REDIS_URL ? 'services' : 'embedded';
mkdirSync(join(root, 'test-results'), { recursive: true });
const out = join(root, 'test-results', `jest-${mode}.json`);
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const res = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    jest,
    '--json',
    `--outputFile=${out}`,
    ...process.argv.slice(2),
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      RINGCAD_TEST_MODE: mode,
      RINGCAD_PREBUILT: process.env.RINGCAD_SKIP_BUILD ? '' : '1',
    },
  },
);
let passed = 0;
let failed = 0;
try {
  const r = JSON.parse(readFileSync(out, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
} catch {
  failed = Math.max(failed, 1);
}
writeFileSync(join(root, 'test-results', `${mode}.json`), JSON.stringify({ mode, passed, failed }));
console.log(`\n${mode}: ${passed} passed, ${failed} failed`);
process.exit(res.status === 0 && failed === 0 ? 0 : 1);
