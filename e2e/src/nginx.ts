import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isListening, spawnManaged, waitFor, workspaceRoot, type ManagedProcess } from '@rl/devstack';

/** The variables of infra/examples/nginx/ratelimit.conf.template (its README describes each). */
export interface NginxExampleVars {
  readonly RL_UPSTREAM: string;
  readonly RL_ENFORCER: string;
  readonly RL_ENFORCER_TIMEOUT: string;
  readonly RL_ENFORCER_UNAVAILABLE_STATUS: '204' | '503';
  readonly RL_KEY: string;
  readonly RL_CUSTOMER: string;
}

export interface NginxHandle {
  readonly url: string;
  /** The rendered ratelimit.conf, for failure messages. */
  readonly config: string;
  stop(): Promise<void>;
}

const TEMPLATE_VARIABLE = /\$\{(RL_[A-Z_]+)\}/g;

/**
 * What `envsubst '${RL_A} ${RL_B} ...'` does to a template (the README's documented way), and
 * strict: a `${RL_*}` the caller did not give fails instead of rendering as empty.
 */
export function renderTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(TEMPLATE_VARIABLE, (_match, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`template variable ${name} has no value`);
    return value;
  });
}

/** Installs Debian's nginx when missing (apt-get), so the suite runs on a fresh machine. */
export function ensureNginx(): void {
  execFileSync('bash', [join(workspaceRoot(), 'tools', 'ensure-debian-package.sh'), 'nginx', 'nginx'], { stdio: 'inherit' });
}

/**
 * The repository's nginx example as a real, unprivileged-style nginx: both templates rendered into
 * a temporary directory with a free port, pid, logs and temp paths inside it, run in the
 * foreground. `stop()` stops it and removes the directory.
 */
export async function startNginxExample(vars: NginxExampleVars): Promise<NginxHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'rl-nginx-'));
  // Workers drop to an unprivileged user when the test runs as root; they must reach the temp paths.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const exampleDir = join(workspaceRoot(), 'infra', 'examples', 'nginx');
  const config = renderTemplate(readFileSync(join(exampleDir, 'ratelimit.conf.template'), 'utf8'), { ...vars, RL_LISTEN: `127.0.0.1:${port}` });
  writeFileSync(join(dir, 'ratelimit.conf'), config);
  writeFileSync(join(dir, 'nginx.conf'), renderTemplate(readFileSync(join(exampleDir, 'nginx.conf.template'), 'utf8'), { RL_RUNTIME_DIR: dir }));

  let proc: ManagedProcess | undefined;
  const stop = async (): Promise<void> => {
    await proc?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    proc = spawnManaged({ name: 'nginx', command: 'nginx', args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'] });
    const started = proc;
    await waitFor(
      `nginx on 127.0.0.1:${port}`,
      async () => {
        if (started.child.exitCode !== null) throw new Error(`nginx exited with code ${started.child.exitCode}:\n${started.output()}\n--- ratelimit.conf\n${config}`);
        return isListening(port);
      },
      15_000,
      50,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, config, stop };
}
