import { Cluster, Redis } from 'ioredis';
import { createRedisClient, reconnectDelayMs } from './connection';

describe('reconnectDelayMs', () => {
  it('grows exponentially with full jitter, up to the cap, never below the base delay', () => {
    const at = (attempt: number, random: number): number => reconnectDelayMs({ attempt, baseMs: 50, capMs: 2_000, random: () => random });
    expect(at(1, 0.999)).toBe(50);
    expect(at(2, 0.999)).toBe(100);
    expect(at(4, 0.999)).toBe(400);
    expect(at(10, 0.9999)).toBe(2_000);
    expect(at(1_000, 0.9999)).toBe(2_000);
    expect(at(4, 0.5)).toBe(200);
    // Never below the base delay: the reconnect rate is capped however the jitter falls.
    expect(at(4, 0)).toBe(50);
    expect(at(1, 0)).toBe(50);
    expect(at(20, 0.001)).toBe(50);
  });
});

describe('createRedisClient', () => {
  it('builds a standalone client that fails fast and never resends', () => {
    const client = createRedisClient({ url: 'redis://127.0.0.1:1' }, { commandTimeoutMs: 250, lazyConnect: true, random: () => 0.5 });
    try {
      expect(client).toBeInstanceOf(Redis);
      const options = (client as Redis).options;
      expect(options).toMatchObject({
        commandTimeout: 250,
        enableOfflineQueue: false,
        autoResendUnfulfilledCommands: false,
        enableAutoPipelining: true,
        maxRetriesPerRequest: 0,
        port: 1,
      });
      expect(options.retryStrategy?.(3)).toBe(100);
      expect(options.retryStrategy?.(50)).toBe(1_000);
    } finally {
      client.disconnect();
    }
  });

  it('builds a cluster client with the same node options and no failover replay', () => {
    const client = createRedisClient({ clusterNodes: ['127.0.0.1:1', '127.0.0.1:2'] }, { commandTimeoutMs: 250, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      expect(client).toBeInstanceOf(Cluster);
      const options = (client as Cluster).options;
      expect(options).toMatchObject({ enableOfflineQueue: false, enableAutoPipelining: true, retryDelayOnFailover: 0 });
      expect(options.redisOptions).toMatchObject({ commandTimeout: 250, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 1 });
      expect(typeof options.clusterRetryStrategy).toBe('function');
    } finally {
      client.disconnect();
    }
  });

  it('builds a Sentinel client that follows the monitored primary, with the same fail-fast options', () => {
    const client = createRedisClient({ sentinels: ['127.0.0.1:1', 'localhost:2'], masterName: 'counters' }, { commandTimeoutMs: 250, lazyConnect: true });
    try {
      expect(client).toBeInstanceOf(Redis);
      const options = (client as Redis).options;
      expect(options).toMatchObject({
        sentinels: [
          { host: '127.0.0.1', port: 1 },
          { host: 'localhost', port: 2 },
        ],
        name: 'counters',
        role: 'master',
        failoverDetector: true,
        enableOfflineQueue: false,
        autoResendUnfulfilledCommands: false,
        maxRetriesPerRequest: 0,
      });
      expect(typeof options.sentinelRetryStrategy).toBe('function');
    } finally {
      client.disconnect();
    }
  });

  describe('TLS', () => {
    const tls = { ca: '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n', cert: 'client cert', key: 'client key' };

    it('applies the CA and client certificate to a rediss:// URL', () => {
      const client = createRedisClient({ url: 'rediss://127.0.0.1:1' }, { commandTimeoutMs: 250, lazyConnect: true, tls });
      try {
        expect((client as Redis).options.tls).toEqual(tls);
      } finally {
        client.disconnect();
      }
    });

    it('refuses TLS settings with a redis:// URL instead of connecting in plaintext', () => {
      expect(() => createRedisClient({ url: 'redis://127.0.0.1:1' }, { commandTimeoutMs: 250, lazyConnect: true, tls })).toThrow(
        'TLS settings need a rediss:// URL (a redis:// URL would connect in plaintext)',
      );
    });

    it('applies them to every Cluster node and to Sentinels and the primary they name', () => {
      const cluster = createRedisClient({ clusterNodes: ['127.0.0.1:1'] }, { commandTimeoutMs: 250, lazyConnect: true, tls });
      const sentinel = createRedisClient({ sentinels: ['127.0.0.1:1'], masterName: 'counters' }, { commandTimeoutMs: 250, lazyConnect: true, tls });
      try {
        expect((cluster as Cluster).options.redisOptions?.tls).toEqual(tls);
        expect((sentinel as Redis).options).toMatchObject({ tls, sentinelTLS: tls, enableTLSForSentinelMode: true });
      } finally {
        cluster.disconnect();
        sentinel.disconnect();
      }
    });
  });
});
