import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How to start a worker thread whose code sits beside its caller: the compiled `<name>.js` next to
 * the caller's compiled file, or — when the caller runs from its TypeScript source (the tests) —
 * the source `<name>.ts` itself, compiled by swc as it loads, with the project's path aliases.
 *
 * @param callerDir the caller's `__dirname`
 * @param callerFile the caller's `__filename` (tells source from compiled)
 * @param root the repository root (where package.json and .swcrc are)
 */
export function threadEntry(
  callerDir: string,
  callerFile: string,
  name: string,
  root: string,
): { file: string; eval: boolean } {
  const compiled = join(callerDir, `${name}.js`);
  if (!callerFile.endsWith('.ts') && existsSync(compiled)) return { file: compiled, eval: false };
  const source = join(callerDir, `${name}.ts`);
  const code = `
    const fs = require('node:fs');
    const req = require('node:module').createRequire(${JSON.stringify(join(root, 'package.json'))});
    const swc = req('@swc/core');
    const rc = JSON.parse(fs.readFileSync(${JSON.stringify(join(root, '.swcrc'))}, 'utf8'));
    delete rc.$schema;
    rc.jsc.baseUrl = ${JSON.stringify(root)};
    rc.sourceMaps = 'inline';
    req('pirates').addHook(
      (code, filename) => swc.transformSync(code, { ...rc, filename, swcrc: false }).code,
      { exts: ['.ts'], ignoreNodeModules: true },
    );
    require(${JSON.stringify(source)});
  `;
  return { file: code, eval: true };
}
