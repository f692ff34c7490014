// Builds the admin console into dist/console (tools/build-console.js runs this; `npm ci` and
// `npm start` do too). Preact JSX through Vite's own transform, no plugin; every asset is bundled
// locally (no CDN, no remote fonts), so the console works offline.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  // favicon.ico and favicon.svg, copied as they are to the root of dist/console.
  publicDir: fileURLToPath(new URL('./public', import.meta.url)),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 300,
  },
});
