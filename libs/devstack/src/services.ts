import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { waitFor } from './ports';
import { spawnManaged, type ManagedProcess } from './processes';

/** The repository root: the nearest ancestor holding nx.json (works from src/ and from dist/). */
export function workspaceRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no nx.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export interface ServiceHandle {
  readonly name: string;
  readonly url: string;
  /** The current process (a new one after `restart`). */
  readonly process: ManagedProcess;
  stop(): Promise<void>;
  /** Stops the process if it runs, starts it again with the same options, and waits until it is ready. */
  restart(): Promise<void>;
}

export interface NodeServiceOptions {
  readonly name: string;
  /** Compiled entry point relative to dist/, e.g. 'apps/enforcer/src/main.js'. */
  readonly entry: string;
  readonly port: number;
  readonly env: Record<string, string>;
  /** Path that answers 200 once the service is ready. */
  readonly readyPath?: string;
  readonly readyTimeoutMs?: number;
  readonly onLine?: (line: string) => void;
}

/**
 * Starts one of the workspace's compiled services (run `npm run build` first) and waits until
 * its readiness endpoint answers 200. Fails with the service's own output if it exits early.
 */
export async function startNodeService(options: NodeServiceOptions): Promise<ServiceHandle> {
  const root = workspaceRoot();
  const entry = join(root, 'dist', options.entry);
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: run \`npm run build\` first`);
  const url = `http://127.0.0.1:${options.port}`;
  const readyPath = options.readyPath ?? '/readyz';

  const launch = async (): Promise<ManagedProcess> => {
    const proc = spawnManaged({
      name: options.name,
      command: process.execPath,
      args: ['-r', join(root, 'tools', 'register-paths.js'), entry],
      env: { ...process.env, ...options.env, PORT: String(options.port) },
      cwd: root,
      onLine: options.onLine,
    });
    try {
      await waitFor(
        `${options.name} at ${url}${readyPath}`,
        async () => {
          if (proc.child.exitCode !== null) throw new Error(`${options.name} exited with code ${proc.child.exitCode}:\n${proc.output()}`);
          try {
            const res = await fetch(`${url}${readyPath}`);
            await res.body?.cancel();
            return res.status === 200;
          } catch {
            return false;
          }
        },
        options.readyTimeoutMs ?? 30_000,
        100,
      );
    } catch (err) {
      await proc.stop();
      throw err;
    }
    return proc;
  };

  let current = await launch();
  return {
    name: options.name,
    url,
    get process() {
      return current;
    },
    stop: () => current.stop(),
    async restart() {
      await current.stop();
      current = await launch();
    },
  };
}
