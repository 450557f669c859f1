// Vite build of the command console: `vite build apps/console` → apps/console/dist, served by the
// api (`/` → dist/index.html, `/assets/*` static). Everything, fonts included, is bundled: the
// console must work on a network with no internet at all.
import { defineConfig, type Plugin } from 'vite';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const lib = (name: string, file = 'index') =>
  fileURLToPath(new URL(`../../libs/${name}/src/${file}.ts`, import.meta.url));

/**
 * Writes `<file>.gz` beside every script and style sheet worth it, gzipped once at the highest
 * level: the api serves these (apps/api/src/system/precompressed.ts) instead of gzipping the
 * bundle for every console that loads.
 */
function precompress(): Plugin {
  return {
    name: 'ringcad-precompress',
    apply: 'build',
    // the files as written (Vite prepends its preload map to the entry after generateBundle)
    writeBundle(options, bundle) {
      for (const [name, out] of Object.entries(bundle)) {
        if (!/\.(m?js|css|svg)$/.test(name)) continue;
        const data = out.type === 'chunk' ? out.code : out.source;
        if (data.length < 1024) continue;
        writeFileSync(join(options.dir ?? 'dist', `${name}.gz`), gzipSync(data, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  plugins: [precompress()],
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  resolve: {
    // the console takes values only from the zod-free constants module; from the index it
    // imports types (erased), so no schema and no zod end up in the bundle
    alias: [
      { find: /^@ringcad\/contracts\/constants$/, replacement: lib('contracts', 'constants') },
      {
        find: /^@ringcad\/contracts\/replay-columnar$/,
        replacement: lib('contracts', 'replay-columnar'),
      },
      { find: /^@ringcad\/contracts$/, replacement: lib('contracts') },
      { find: /^@ringcad\/domain$/, replacement: lib('domain') },
    ],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    // fonts stay separate files (loaded by unicode-range on demand), never inlined as data URLs
    assetsInlineLimit: 0,
  },
  server: {
    fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] },
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/socket.io': { target: 'http://127.0.0.1:3000', ws: true },
    },
  },
});
