import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The README's benchmark figures are generated from bench/results, never typed by hand. */
const root = join(__dirname, '..', '..');
const table = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'scripts', 'bench-table.mjs'), ...args], {
    encoding: 'utf8',
  });

describe('README benchmark table', () => {
  it('matches bench/results/*.json', () => {
    const r = table('--check');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('follows the JSON: a changed figure makes the check fail, and regenerating writes it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringcad-bench-table-'));
    cpSync(join(root, 'bench', 'results'), join(dir, 'results'), { recursive: true });
    cpSync(join(root, 'README.md'), join(dir, 'README.md'));
    const sealing = join(dir, 'results', 'sealing.json');
    const s = JSON.parse(readFileSync(sealing, 'utf8')) as Record<string, unknown>;
    s.sealingP99Ms = 4321;
    writeFileSync(sealing, JSON.stringify(s));
    const args = ['--results', join(dir, 'results'), '--readme', join(dir, 'README.md')];
    const stale = table('--check', ...args);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/out of date/);
    expect(table(...args).status).toBe(0);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/p99 4,321 ms/);
    expect(table('--check', ...args).status).toBe(0);
  });
});
