// Image build step: makes the workspace libraries (@rl/*) resolvable by plain `node` from the
// compiled output, without tsconfig-paths (a dev dependency) at run time. For each alias in
// tsconfig.base.json it writes node_modules/@rl/<name>/package.json whose `main` points at the
// compiled entry under dist/. Run after `node tools/build.js` and after `npm prune`, which would
// otherwise remove these packages as extraneous.
//   usage: node infra/docker/link-workspace-libs.js [workspace root, default: cwd]
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(process.argv[2] ?? '.');
const { paths } = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;

let linked = 0;
for (const [alias, [target]] of Object.entries(paths)) {
  const compiled = path.join(root, 'dist', target.replace(/\.ts$/, '.js'));
  if (!fs.existsSync(compiled)) {
    console.error(`link-workspace-libs: ${alias}: ${path.relative(root, compiled)} was not built; skipped`);
    continue;
  }
  const dir = path.join(root, 'node_modules', ...alias.split('/'));
  fs.mkdirSync(dir, { recursive: true });
  const main = path.relative(dir, compiled).split(path.sep).join('/');
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: alias, private: true, main }, null, 2)}\n`);
  linked += 1;
}
if (linked === 0) {
  console.error('link-workspace-libs: no library was built; run `node tools/build.js` first');
  process.exit(1);
}
console.log(`link-workspace-libs: ${linked} libraries linked`);
