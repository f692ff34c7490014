// Runtime resolution of the workspace aliases (@rl/*) to the compiled output in dist/.
// Loaded with `node -r ./tools/register-paths.js dist/...`.
const path = require('node:path');
const tsconfigPaths = require('tsconfig-paths');
const { readAliases } = require('./paths');

const root = path.join(__dirname, '..');
const paths = {};
for (const [alias, targets] of Object.entries(readAliases(root))) {
  paths[alias] = targets.map((t) => t.replace(/\.ts$/, '.js'));
}
tsconfigPaths.register({ baseUrl: path.join(root, 'dist'), paths });
