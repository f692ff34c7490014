// Keeps the root README's configuration tables in step with the services' validated configs.
//   node -r ./tools/register-paths.js tools/readme-config.js          check (npm test; after build)
//   node -r ./tools/register-paths.js tools/readme-config.js --write  regenerate the tables
const fs = require('node:fs');
const path = require('node:path');
const { renderEnvTable } = require('@rl/platform');

const root = path.join(__dirname, '..');
const services = [
  ['enforcer', require(path.join(root, 'dist/apps/enforcer/src/config/enforcer-env.js')).ENFORCER_CONFIG_DOC],
  ['policy-service', require(path.join(root, 'dist/apps/policy-service/src/config/policy-service-env.js')).POLICY_SERVICE_CONFIG_DOC],
];

const readmePath = path.join(root, 'README.md');
let readme = fs.readFileSync(readmePath, 'utf8');
let stale = false;
for (const [name, doc] of services) {
  const begin = `<!-- config:${name} -->`;
  const end = `<!-- /config:${name} -->`;
  const block = `${begin}\n${renderEnvTable(doc).trim()}\n${end}`;
  const pattern = new RegExp(`${begin}[\\s\\S]*?${end}`);
  if (!pattern.test(readme)) {
    console.error(`README.md has no ${begin} ... ${end} block`);
    process.exit(1);
  }
  if (readme.match(pattern)[0] !== block) stale = true;
  readme = readme.replace(pattern, block);
}
if (process.argv.includes('--write')) {
  fs.writeFileSync(readmePath, readme);
  console.log('README.md configuration tables regenerated');
} else if (stale) {
  console.error('README.md configuration tables are stale: run `node tools/build.js && node -r ./tools/register-paths.js tools/readme-config.js --write`');
  process.exit(1);
} else {
  console.log('README.md configuration tables match the services');
}
