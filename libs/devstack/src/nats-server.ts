import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isListening, waitFor } from './ports';
import { requireProgram, spawnManaged, type ManagedProcess } from './processes';

export interface NatsServerHandle {
  readonly port: number;
  readonly url: string;
  readonly process: ManagedProcess;
  /** Stops the server, keeping its JetStream directory, so `restart` comes back with the same streams. */
  stopProcess(): Promise<void>;
  /** Starts it again on the same port and store directory. */
  restart(): Promise<void>;
  /** Stops the server and removes its store directory. */
  stop(): Promise<void>;
}

function natsServerBinary(): string {
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  requireProgram('nats-server', "install Debian's nats-server package (apt-get install nats-server)");
  return 'nats-server';
}

/**
 * A throw-away nats-server with JetStream (file storage in its own temporary directory), bound to
 * loopback on a free port: for tests that stop and restart NATS, which the shared server on 4222
 * must never be.
 */
export async function startNatsServer(options: { port?: number } = {}): Promise<NatsServerHandle> {
  const binary = natsServerBinary();
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), `rl-nats-${port}-`));
  const spawn = async (): Promise<ManagedProcess> => {
    const proc = spawnManaged({ name: `nats-server:${port}`, command: binary, args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir] });
    try {
      await waitFor(`nats-server on port ${port}`, async () => {
        if (proc.child.exitCode !== null) throw new Error(`nats-server on port ${port} exited:\n${proc.output()}`);
        return isListening(port);
      });
    } catch (error) {
      await proc.stop();
      throw error;
    }
    return proc;
  };
  let current = await spawn();
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    get process() {
      return current;
    },
    stopProcess: () => current.stop(),
    async restart() {
      await current.stop();
      current = await spawn();
    },
    async stop() {
      await current.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
