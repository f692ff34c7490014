import { Cluster, Redis } from 'ioredis';
import { startRedisCluster, startRedisSentinelGroup, startRedisServer } from '@rl/testing';
import { createRedisClient, waitForReady, type RedisTarget } from './connection';

/**
 * A connection that errs twice must not take the process down. ioredis handles a stream's first
 * error with `once()` listeners; a TLS socket whose handshake fails can emit a second one (the
 * server's alert after our own verification failure), which CI hit as an uncaught
 * "tlsv1 alert decode error". Against real servers, every stream of every kind of client gets a
 * second error; none may be thrown, and the client keeps answering.
 */

const OPTIONS = { commandTimeoutMs: 5_000 };

function streamsOf(client: Redis | Cluster): Redis['stream'][] {
  return client instanceof Cluster ? client.nodes('all').map((node) => node.stream) : [client.stream];
}

async function survivesTwoErrors(target: RedisTarget): Promise<void> {
  const client = createRedisClient(target, OPTIONS) as Redis | Cluster;
  client.on('error', () => undefined);
  try {
    await waitForReady(client, 15_000);
    expect(await client.set('connection-spec', '1')).toBe('OK');
    const streams = streamsOf(client);
    expect(streams.length).toBeGreaterThan(0);
    for (const stream of streams) {
      expect(() => stream.emit('error', new Error('first error of this connection'))).not.toThrow();
      expect(() => stream.emit('error', new Error('second error of this connection'))).not.toThrow();
    }
    // The first error closes the connection and ioredis reconnects (no offline queue: commands
    // fail while it does); the process is still up, and the client answers again.
    expect(await answersAgain(client, 15_000)).toBe('1');
  } finally {
    client.disconnect();
  }
}

async function answersAgain(client: Redis | Cluster, timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await client.get('connection-spec');
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('createRedisClient: a connection that errs twice', () => {
  it('standalone server', async () => {
    const server = await startRedisServer();
    try {
      await survivesTwoErrors({ url: server.url });
    } finally {
      await server.stop();
    }
  });

  it('every node of a Redis Cluster', async () => {
    const cluster = await startRedisCluster();
    try {
      await survivesTwoErrors({ clusterNodes: cluster.nodes });
    } finally {
      await cluster.stop();
    }
  }, 60_000);

  it('the primary of a Sentinel group, which still follows +switch-master', async () => {
    const group = await startRedisSentinelGroup();
    try {
      await survivesTwoErrors({ sentinels: [group.sentinel], masterName: group.masterName });
      const client = createRedisClient({ sentinels: [group.sentinel], masterName: group.masterName }, OPTIONS) as Redis;
      client.on('error', () => undefined);
      // The guarded connector still has the client as its emitter: the failover detector subscribes.
      const subscribed = new Promise<void>((resolve) => client.once('failoverSubscribed', () => resolve()));
      try {
        await waitForReady(client, 15_000);
        await subscribed;
      } finally {
        client.disconnect();
      }
    } finally {
      await group.stop();
    }
  }, 60_000);
});
