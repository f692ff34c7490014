// Keeps the configuration tables in the READMEs in step with the services' validated configs:
// the root README's `<!-- config:<service> -->` blocks and each app README's
// `<!-- config-table:start -->` block.
//   node -r ./tools/register-paths.js tools/readme-config.js          check (npm test; after build)
//   node -r ./tools/register-paths.js tools/readme-config.js --write  regenerate the tables
const fs = require('node:fs');
const path = require('node:path');
const { renderEnvTable } = require('@rl/platform');

const root = path.join(__dirname, '..');
const services = [
  ['enforcer', require(path.join(root, 'dist/apps/enforcer/src/config/enforcer-env.js')).ENFORCER_CONFIG_DOC],
  ['policy-service', require(path.join(root, 'dist/apps/policy-service/src/config/policy-service-env.js')).POLICY_SERVICE_CONFIG_DOC],
  ['reconciler', require(path.join(root, 'dist/apps/reconciler/src/config/reconciler-env.js')).RECONCILER_CONFIG_DOC],
];

const write = process.argv.includes('--write');
let stale = false;

/** Replaces the block between `begin` and `end` in `file` with the table; notes whether it differed. */
function syncBlock({ file, begin, end, table }) {
  const filePath = path.join(root, file);
  const text = fs.readFileSync(filePath, 'utf8');
  const block = `${begin}\n${table}\n${end}`;
  const pattern = new RegExp(`${begin}[\\s\\S]*?${end}`);
  const found = text.match(pattern);
  if (found === null) {
    console.error(`${file} has no ${begin} ... ${end} block`);
    process.exit(1);
  }
  if (found[0] === block) return;
  stale = true;
  if (write) fs.writeFileSync(filePath, text.replace(pattern, () => block));
  else console.error(`${file}: the ${begin} table is stale`);
}

for (const [name, doc] of services) {
  const table = renderEnvTable(doc).trim();
  syncBlock({ file: 'README.md', begin: `<!-- config:${name} -->`, end: `<!-- /config:${name} -->`, table });
  syncBlock({ file: `apps/${name}/README.md`, begin: '<!-- config-table:start -->', end: '<!-- config-table:end -->', table });
}
if (write) {
  console.log(stale ? 'configuration tables regenerated' : 'configuration tables were up to date');
} else if (stale) {
  console.error('configuration tables are stale: run `node tools/build.js && node -r ./tools/register-paths.js tools/readme-config.js --write`');
  process.exit(1);
} else {
  console.log('README configuration tables match the services');
}
