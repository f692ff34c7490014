import { startRedisServer } from '@rl/devstack';
import { startRedisCluster } from './redis-cluster';

/** Where a parity spec runs its scripts: one redis-server, or a 3-master Cluster. */
export type RedisTopology = 'standalone' | 'cluster';

/**
 * Starts a real redis-server or a 3-master Cluster on free ports. `target` is what a Redis client
 * connects to (createRedisClient's target: a URL, or the Cluster's seed nodes); `stop` stops it.
 */
export async function startRedisTopology(topology: RedisTopology): Promise<{ target: { url: string } | { clusterNodes: readonly string[] }; stop: () => Promise<void> }> {
  if (topology === 'standalone') {
    const server = await startRedisServer();
    return { target: { url: server.url }, stop: () => server.stop() };
  }
  const cluster = await startRedisCluster({ masters: 3 });
  return { target: { clusterNodes: cluster.nodes }, stop: () => cluster.stop() };
}
