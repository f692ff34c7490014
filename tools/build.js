// Compiles every runtime project into dist/ with one incremental tsc run, then copies
// non-TypeScript assets (Lua scripts) beside the compiled code that loads them, and builds the
// admin console into dist/console.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

function copyAssets(dir) {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(rel);
    else if (entry.name.endsWith('.lua')) {
      fs.mkdirSync(path.join(root, 'dist', dir), { recursive: true });
      fs.copyFileSync(path.join(root, rel), path.join(root, 'dist', rel));
    }
  }
}
copyAssets('libs');
// Envoy's public protos and their license, loaded at run time by the enforcer's gRPC service.
fs.cpSync(path.join(root, 'apps/enforcer/proto'), path.join(root, 'dist/apps/enforcer/proto'), { recursive: true });

// The admin console (Vite), served by the policy service from dist/console.
execFileSync(process.execPath, [path.join(__dirname, 'build-console.js')], { cwd: root, stdio: 'inherit' });
