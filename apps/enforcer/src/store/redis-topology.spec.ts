import { EnforcerConfig } from '../config/enforcer-config';

describe('counter-store topology settings', () => {
  it('is one Redis by default', () => {
    expect(EnforcerConfig.fromEnv({}).redis).toMatchObject({ url: 'redis://127.0.0.1:6380', clusterNodes: undefined, sentinels: undefined });
  });

  it('follows a Sentinel-managed primary with REDIS_SENTINELS (group name from REDIS_SENTINEL_MASTER)', () => {
    expect(EnforcerConfig.fromEnv({ REDIS_SENTINELS: '10.0.0.1:26379,10.0.0.2:26379' }).redis.sentinels).toEqual({
      nodes: ['10.0.0.1:26379', '10.0.0.2:26379'],
      masterName: 'mymaster',
    });
    expect(EnforcerConfig.fromEnv({ REDIS_SENTINELS: '10.0.0.1:26379', REDIS_SENTINEL_MASTER: 'counters-us' }).redis.sentinels?.masterName).toBe('counters-us');
  });

  it('rejects a cluster and sentinels together, and a bad group name, naming the variables', () => {
    expect(() => EnforcerConfig.fromEnv({ REDIS_SENTINELS: '10.0.0.1:26379', REDIS_CLUSTER_NODES: '10.0.0.1:7000' })).toThrow(
      'REDIS_CLUSTER_NODES and REDIS_SENTINELS exclude each other (set one topology)',
    );
    expect(() => EnforcerConfig.fromEnv({ REDIS_SENTINEL_MASTER: 'my master' })).toThrow('REDIS_SENTINEL_MASTER must be 1 to 64 characters from [A-Za-z0-9._-] (got "my master")');
  });
});
