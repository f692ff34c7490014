import { createRedisClient } from './connection';
import { StoreUnavailableError } from './errors';
import { InvalidThrottlerHitError, parseThrottlerReply, ThrottlerCounterStore, throttlerKeys } from './throttler-store';

describe('throttlerKeys', () => {
  it('puts both keys of a record under one hash tag', () => {
    const [hits, meta] = throttlerKeys({ prefix: 'rl:thr', key: 'abc123', throttlerName: 'default' });
    expect(hits).toBe('rl:thr:{abc123:default}:h');
    expect(meta).toBe('rl:thr:{abc123:default}:m');
  });

  it('hashes text that could shape the key', () => {
    const [hits] = throttlerKeys({ prefix: 'rl:thr', key: 'a}{b c', throttlerName: 'x'.repeat(100) });
    expect(hits).toMatch(/^rl:thr:\{#[A-Za-z0-9_-]{22}:#[A-Za-z0-9_-]{22}\}:h$/);
  });
});

describe('parseThrottlerReply', () => {
  it('reads the four integers', () => {
    expect(parseThrottlerReply([3, 60, 1, 12])).toEqual({ totalHits: 3, timeToExpire: 60, isBlocked: true, timeToBlockExpire: 12 });
  });

  it.each([[[1, 2, 3]], [[1, 2, 2, 4]], [['1', 2, 0, 4]], [null]])('refuses %j', (reply) => {
    expect(() => parseThrottlerReply(reply)).toThrow(StoreUnavailableError);
  });
});

describe('ThrottlerCounterStore', () => {
  const client = createRedisClient({ url: 'redis://127.0.0.1:1' }, { commandTimeoutMs: 100, lazyConnect: true });
  afterAll(() => client.disconnect());

  it('refuses a bad prefix', () => {
    expect(() => new ThrottlerCounterStore({ client, prefix: 'has space' })).toThrow(RangeError);
  });

  it.each([
    [{ ttlMs: 0 }, 'ttlMs'],
    [{ ttlMs: Number.NaN }, 'ttlMs'],
    [{ limit: -1 }, 'limit'],
    [{ blockDurationMs: Number.POSITIVE_INFINITY }, 'blockDurationMs'],
  ])('refuses %j before any command, naming %s', async (bad, field) => {
    const store = new ThrottlerCounterStore({ client });
    const hit = { key: 'k', throttlerName: 'default', ttlMs: 1000, limit: 1, blockDurationMs: 0, ...bad };
    await expect(store.increment(hit)).rejects.toThrow(InvalidThrottlerHitError);
    await expect(store.increment(hit)).rejects.toMatchObject({ field });
  });
});
