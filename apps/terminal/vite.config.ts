// Vite build of the 警务通 unit terminal: `vite build apps/terminal` → apps/terminal/dist, served by
// the api under /m. Everything is bundled (no CDN); public/ holds the service worker and the web
// app manifest, so after the first load the terminal opens with no network at all.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const lib = (name: string) =>
  fileURLToPath(new URL(`../../libs/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/m/',
  publicDir: 'public',
  resolve: {
    alias: {
      '@ringcad/contracts': lib('contracts'),
      '@ringcad/domain': lib('domain'),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
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
