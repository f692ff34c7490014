// Reads the path aliases from tsconfig.base.json once, for Jest and for the runtime resolver.
const fs = require('node:fs');
const path = require('node:path');

function readAliases(root) {
  const cfg = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));
  return cfg.compilerOptions.paths;
}

function pathsToModuleNameMapper(root) {
  const mapper = {};
  for (const [alias, [target]] of Object.entries(readAliases(root))) {
    mapper[`^${alias.replace(/[/.]/g, '\\$&')}$`] = path.join(root, target);
  }
  return mapper;
}

module.exports = { readAliases, pathsToModuleNameMapper };
