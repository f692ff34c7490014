// Preload (`node -r`) that runs the workspace's TypeScript sources directly, compiled as Jest
// compiles them (SWC, legacy decorators with metadata), with the @rl/* aliases of
// tsconfig.base.json resolved to the sources. Integration tests use it to start real services
// (the enforcer) as child processes without a prior `npm run build`.
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');
const tsconfigPaths = require('tsconfig-paths');

const root = path.join(__dirname, '..', '..', '..', '..');
const { readAliases } = require(path.join(root, 'tools', 'paths.js'));

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};

tsconfigPaths.register({ baseUrl: root, paths: readAliases(root) });
