import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The servers' V8 options live in package.json (config.serverNodeOptions); every way the product
 * starts its servers gives them the same ones: `npm start` (scripts/start.mjs, which reads them),
 * the `api`/`worker` scripts, the image, and the benches (bench/lib/stack-process.ts, which reads
 * them).
 */
const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  config: { serverNodeOptions: string };
  scripts: Record<string, string>;
};
const options = pkg.config.serverNodeOptions;

describe('server V8 options', () => {
  it('are ones this Node.js accepts', () => {
    const r = spawnSync(process.execPath, [...options.split(' '), '-e', '0'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // and allowed in NODE_OPTIONS, as start.mjs, the image and the benches pass them
    const viaEnv = spawnSync(process.execPath, ['-e', '0'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: options },
    });
    expect(viaEnv.stderr).toBe('');
    expect(viaEnv.status).toBe(0);
  });

  it('are the same in the api and worker scripts and the image', () => {
    expect(pkg.scripts.api).toBe(`node ${options} dist/apps/api/src/main.js`);
    expect(pkg.scripts.worker).toBe(`node ${options} dist/apps/worker/src/main.js`);
    const dockerfile = readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`ENV NODE_OPTIONS="${options}"`);
  });
});
