import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort, requireProgram, startRedisServer, waitFor, type RedisServerHandle } from '@rl/devstack';

const exec = promisify(execFile);

export interface RedisClusterHandle {
  /** One redis-server per master, in the order they were started. */
  readonly servers: readonly RedisServerHandle[];
  /** Seed nodes for a cluster client, as "127.0.0.1:port". */
  readonly nodes: readonly string[];
  /** Stops every node; safe to call after a failed start. */
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  /** Number of masters (no replicas); Redis Cluster needs at least 3. */
  readonly masters?: number;
}

/**
 * Starts a throw-away Redis Cluster: `masters` real redis-server processes with cluster mode on,
 * each on a free port with a free cluster-bus port, joined by `redis-cli --cluster create`, and
 * resolves once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  requireProgram('redis-cli', "install Debian's redis-tools package (apt-get install redis-tools)");
  const masters = options.masters ?? 3;
  if (masters < 3) throw new Error(`a Redis Cluster needs at least 3 masters, got ${masters}`);
  const servers: RedisServerHandle[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      // The bus port defaults to port + 10000, which may be taken or out of range; pick a free one.
      const busPort = await freePort();
      servers.push(
        await startRedisServer({
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-node-timeout', '5000'],
        }),
      );
    }
    const nodes = servers.map((server) => `127.0.0.1:${server.port}`);
    await exec('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 60_000 });
    for (const server of servers) {
      await waitFor(`cluster_state:ok on port ${server.port}`, async () => (await clusterInfo(server.port)).includes('cluster_state:ok'), 30_000, 100);
    }
    return { servers, nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function clusterInfo(port: number): Promise<string> {
  const { stdout } = await exec('redis-cli', ['-p', String(port), 'cluster', 'info'], { timeout: 5_000 });
  return stdout;
}
