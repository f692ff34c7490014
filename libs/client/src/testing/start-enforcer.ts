import { join } from 'node:path';
import { freePort, spawnManaged, waitFor, workspaceRoot } from '@rl/devstack';

export interface EnforcerFromSource {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts the real enforcer (apps/enforcer/src/main.ts) as a child process straight from the
 * TypeScript sources (register-ts.js), on a free loopback port against `redisUrl`, and waits
 * until /readyz answers 200. For integration tests: no prior build needed. Not part of the
 * published package.
 */
export async function startEnforcerFromSource(options: { redisUrl: string; env?: Record<string, string> }): Promise<EnforcerFromSource> {
  const root = workspaceRoot(__dirname);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawnManaged({
    name: `enforcer (source) :${port}`,
    command: process.execPath,
    args: ['-r', join(__dirname, 'register-ts.js'), join(root, 'apps', 'enforcer', 'src', 'main.ts')],
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      REGION: 'us-east',
      REDIS_URL: options.redisUrl,
      REDIS_COMMAND_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
  });
  try {
    await waitFor(
      `enforcer at ${url}/readyz`,
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`enforcer exited with code ${proc.child.exitCode}:\n${proc.output()}`);
        try {
          const res = await fetch(`${url}/readyz`);
          await res.body?.cancel();
          return res.status === 200;
        } catch {
          return false;
        }
      },
      60_000,
      100,
    );
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { url, port, stop: () => proc.stop() };
}
