import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isListening, waitFor } from './ports';
import { requireProgram, spawnManaged, type ManagedProcess } from './processes';

export interface RedisServerHandle {
  readonly port: number;
  readonly url: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Fixed port (npm start); a free one is chosen when omitted (tests). */
  readonly port?: number;
  /** Extra redis-server arguments, e.g. ['--cluster-enabled', 'yes']. */
  readonly extraArgs?: readonly string[];
  /**
   * TLS on `port` (the handle's URL is then `rediss://`), with this certificate and key; clients
   * must present a certificate signed by `caFile` when `verifyClients` is set. `plaintextPort`
   * also serves plaintext, for tests that show a TLS client never falls back to it.
   */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile: string; readonly verifyClients?: boolean; readonly plaintextPort?: number };
}

/**
 * Starts a real, throw-away redis-server process: no persistence, its own temporary directory,
 * bound to loopback. Stop it with `stop()`; the directory is removed.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  requireProgram('redis-server', "install Debian's redis-server package (apt-get install redis-server)");
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), `rl-redis-${port}-`));
  const tls = options.tls;
  const portArgs =
    tls === undefined
      ? ['--port', String(port)]
      : [
          '--port',
          String(tls.plaintextPort ?? 0),
          '--tls-port',
          String(port),
          '--tls-cert-file',
          tls.certFile,
          '--tls-key-file',
          tls.keyFile,
          '--tls-ca-cert-file',
          tls.caFile,
          '--tls-auth-clients',
          tls.verifyClients === true ? 'yes' : 'no',
        ];
  const proc = spawnManaged({
    name: `redis-server:${port}`,
    command: 'redis-server',
    args: [...portArgs, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(options.extraArgs ?? [])],
  });
  const stop = async (): Promise<void> => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`redis-server on port ${port}`, async () => {
      if (proc.child.exitCode !== null) throw new Error(`redis-server on port ${port} exited:\n${proc.output()}`);
      return isListening(port);
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, url: `${tls === undefined ? 'redis' : 'rediss'}://127.0.0.1:${port}`, process: proc, stop };
}
