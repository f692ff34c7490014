// Builds the admin console (apps/console, Vite + Preact) into dist/console, which the policy
// service serves at `/` (CONSOLE_DIR). Run by `npm ci` (the `prepare` script), `npm start` and
// `npm run build` (through tools/build.js). Everything is bundled locally: no CDN at run time.
const path = require('node:path');

async function main() {
  const root = path.join(__dirname, '..');
  try {
    require.resolve('vite');
  } catch {
    // `npm ci --omit=dev` (a production install) has no Vite: leave the console unbuilt rather than
    // fail the install; the policy service then answers `/` with 503 naming the fix.
    console.warn('console not built: Vite is a dev dependency and is not installed (npm ci without --omit=dev, then npm run build)');
    return;
  }
  const { build } = await import('vite');
  const started = Date.now();
  await build({ configFile: path.join(root, 'apps', 'console', 'vite.config.mjs') });
  console.log(`console built into dist/console in ${Date.now() - started} ms`);
}

main().catch((error) => {
  console.error(`console build failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
