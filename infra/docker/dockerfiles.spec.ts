import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const dockerDir = __dirname;

/** The services that ship as images, with the port each listens on. */
const IMAGES: Record<string, number> = { enforcer: 8081, 'policy-service': 8080, reconciler: 8090 };

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Dockerfile instructions: comments dropped, `\` continuations joined, keywords upper-cased. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.search(/\s/);
      return { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
    });
}

/** The instructions of each build stage, in order (a stage starts at its FROM). */
function stages(list: Instruction[]): Instruction[][] {
  const result: Instruction[][] = [];
  for (const instruction of list) {
    if (instruction.keyword === 'FROM') result.push([instruction]);
    else result.at(-1)?.push(instruction);
  }
  return result;
}

const SECRET_NAME = /(password|secret|token|api[_-]?key|credential)/i;

describe.each(Object.entries(IMAGES))('infra/docker/%s.Dockerfile', (app, port) => {
  const file = join(dockerDir, `${app}.Dockerfile`);
  const list = instructions(readFileSync(file, 'utf8'));
  const all = stages(list);
  const final = all.at(-1) ?? [];
  const globalArgs = list.slice(0, list.findIndex((i) => i.keyword === 'FROM')).filter((i) => i.keyword === 'ARG');

  it('is a multi-stage build whose stages start from node:20-bookworm-slim', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(globalArgs.map((a) => a.args)).toContain('NODE_IMAGE=node:20-bookworm-slim');
    for (const stage of all) expect(stage[0].args).toMatch(/^\$\{NODE_IMAGE\} AS [a-z-]+$/);
  });

  it('compiles and prunes dev dependencies in the build stage, and links the workspace libraries after the prune', () => {
    const run = all[0].filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' && ');
    expect(run).toMatch(/npm ci\b/);
    const build = run.indexOf('node tools/build.js');
    const prune = run.indexOf('npm prune --omit=dev');
    const link = run.indexOf('node infra/docker/link-workspace-libs.js');
    expect(build).toBeGreaterThanOrEqual(0);
    expect(prune).toBeGreaterThan(build);
    expect(link).toBeGreaterThan(prune);
  });

  it('runs as the unprivileged node user in the final stage, with only built artefacts copied in', () => {
    const users = final.filter((i) => i.keyword === 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)?.args).not.toMatch(/^(root|0)(:|$)/);
    expect(users.at(-1)?.args).toBe('node');
    for (const copy of final.filter((i) => i.keyword === 'COPY')) expect(copy.args).toMatch(/^--from=build\s/);
    expect(final.some((i) => i.keyword === 'RUN')).toBe(false);
  });

  it(`starts dist/apps/${app}/src/main.js and exposes ${port}`, () => {
    expect(final.find((i) => i.keyword === 'CMD')?.args).toBe(`["node", "dist/apps/${app}/src/main.js"]`);
    expect(final.find((i) => i.keyword === 'EXPOSE')?.args).toBe(String(port));
    expect(final.find((i) => i.keyword === 'ENV')?.args).toMatch(new RegExp(`PORT=${port}\\b`));
    expect(final.find((i) => i.keyword === 'ENV')?.args).toMatch(/HOST=0\.0\.0\.0/);
    if (existsSync(join(root, 'apps', app))) expect(existsSync(join(root, 'apps', app, 'src', 'main.ts'))).toBe(true);
  });

  it('bakes no secret into the image', () => {
    for (const instruction of list.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')) {
      expect(instruction.args).not.toMatch(SECRET_NAME);
    }
  });
});

describe('infra/docker', () => {
  it('has an image for every Node service in apps/ (every app with a src/main.ts)', () => {
    const services = readdirSync(join(root, 'apps')).filter((app) => existsSync(join(root, 'apps', app, 'src', 'main.ts')));
    expect(services.length).toBeGreaterThan(0);
    for (const app of services) expect(Object.keys(IMAGES)).toContain(app);
    for (const app of Object.keys(IMAGES)) expect(existsSync(join(dockerDir, `${app}.Dockerfile`))).toBe(true);
  });

  it('keeps what the builds copy in the .dockerignore context, and leaves out dependencies, build output and local secrets', () => {
    const patterns = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const required of ['.git', '**/node_modules', 'dist', '**/.env', '**/*.tfstate']) expect(patterns).toContain(required);
    const copied = new Set<string>();
    for (const app of Object.keys(IMAGES)) {
      for (const i of instructions(readFileSync(join(dockerDir, `${app}.Dockerfile`), 'utf8'))) {
        if (i.keyword === 'COPY' && !i.args.startsWith('--from=')) i.args.split(/\s+/).slice(0, -1).forEach((source) => copied.add(source));
      }
    }
    for (const source of copied) {
      expect(existsSync(join(root, source))).toBe(true);
      expect(patterns).not.toContain(source);
    }
    // infra/ is excluded except the image build's own folder.
    expect(patterns.indexOf('!infra/docker')).toBeGreaterThan(patterns.indexOf('infra/*'));
  });

  it('link-workspace-libs.js makes @rl/* resolvable from dist/ with plain node', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rl-link-libs-'));
    try {
      writeFileSync(
        join(dir, 'tsconfig.base.json'),
        JSON.stringify({ compilerOptions: { paths: { '@rl/alpha': ['libs/alpha/src/index.ts'], '@rl/missing': ['libs/missing/src/index.ts'] } } }),
      );
      mkdirSync(join(dir, 'dist', 'libs', 'alpha', 'src'), { recursive: true });
      writeFileSync(join(dir, 'dist', 'libs', 'alpha', 'src', 'index.js'), "exports.name = 'alpha';\n");
      mkdirSync(join(dir, 'dist', 'apps', 'demo'), { recursive: true });
      writeFileSync(join(dir, 'dist', 'apps', 'demo', 'main.js'), "process.stdout.write(require('@rl/alpha').name);\n");

      execFileSync(process.execPath, [join(dockerDir, 'link-workspace-libs.js'), dir], { stdio: 'pipe' });

      expect(execFileSync(process.execPath, [join(dir, 'dist', 'apps', 'demo', 'main.js')], { cwd: dir, encoding: 'utf8' })).toBe('alpha');
      expect(existsSync(join(dir, 'node_modules', '@rl', 'missing'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
