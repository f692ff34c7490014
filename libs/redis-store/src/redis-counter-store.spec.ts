import { Redis, ReplyError } from 'ioredis';
import { buildCounterKey, type AlgorithmName, type LimitRequest } from '@rl/limiter-core';
import { StoreTimeoutError, StoreUnavailableError } from './errors';
import { parseDecisionReply, RedisCounterStore } from './redis-counter-store';
import { ScriptRegistry } from './script-registry';

const RedisReplyError = ReplyError as new (message: string) => Error;
const registry = new ScriptRegistry();

function request(algorithm: AlgorithmName, cost = 1): LimitRequest {
  return { key: buildCounterKey({ policyId: 'p', identity: 'user-1', algorithm }), algorithm, limit: 10, windowUs: 1_000_000, burst: 10, cost };
}

/** A real client that never connects, with EVALSHA / EVAL replaced. */
function stubbedClient(evalsha: () => Promise<unknown>): { client: Redis; evalsha: jest.SpyInstance; eval: jest.SpyInstance } {
  const client = new Redis({ lazyConnect: true });
  const evalshaSpy = jest.spyOn(client, 'evalsha').mockImplementation(evalsha as never);
  const evalSpy = jest.spyOn(client, 'eval').mockImplementation((async () => [1, 8, 200_000, 0]) as never);
  return { client, evalsha: evalshaSpy, eval: evalSpy };
}

describe('RedisCounterStore.decide', () => {
  it('sends the algorithm script with KEYS from the request key and ARGV limit, window, burst, cost, jitter', async () => {
    const stub = stubbedClient(async () => [1, 9, 100_000, 0]);
    const store = new RedisCounterStore({ client: stub.client, jitterMs: () => 123.9, registry });
    const req = request('token_bucket');
    await expect(store.decide(req)).resolves.toEqual({ allowed: true, remaining: 9, resetUs: 100_000, retryAfterUs: 0 });
    expect(stub.evalsha).toHaveBeenCalledWith(registry.sha('token_bucket'), 1, req.key, 10, 1_000_000, 10, 1, 123);
  });

  it('gives sliding_log its sequence key, and never a negative or fractional jitter', async () => {
    const stub = stubbedClient(async () => [0, 0, 5, 7]);
    const store = new RedisCounterStore({ client: stub.client, jitterMs: () => -4, registry });
    const req = request('sliding_log');
    await expect(store.decide(req)).resolves.toEqual({ allowed: false, remaining: 0, resetUs: 5, retryAfterUs: 7 });
    expect(stub.evalsha).toHaveBeenCalledWith(registry.sha('sliding_log'), 2, req.key, `${req.key}:seq`, 10, 1_000_000, 10, 1, 0);
  });

  it('answers a cost that can never pass without asking Redis', async () => {
    const stub = stubbedClient(async () => [1, 0, 0, 0]);
    const store = new RedisCounterStore({ client: stub.client, registry });
    await expect(store.decide(request('gcra', 11))).resolves.toEqual({ allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 0, reason: 'cost_exceeds_limit' });
    expect(stub.evalsha).not.toHaveBeenCalled();
  });

  it('falls back to EVAL on NOSCRIPT', async () => {
    const stub = stubbedClient(async () => {
      throw new RedisReplyError('NOSCRIPT No matching script. Please use EVAL.');
    });
    const store = new RedisCounterStore({ client: stub.client, registry });
    await expect(store.decide(request('fixed_window'))).resolves.toEqual({ allowed: true, remaining: 8, resetUs: 200_000, retryAfterUs: 0 });
    expect(stub.eval).toHaveBeenCalledTimes(1);
  });

  it('rejects a timeout as StoreTimeoutError without sending the script again', async () => {
    const stub = stubbedClient(async () => {
      throw new Error('Command timed out');
    });
    const store = new RedisCounterStore({ client: stub.client, registry });
    await expect(store.decide(request('leaky_bucket'))).rejects.toBeInstanceOf(StoreTimeoutError);
    expect(stub.evalsha).toHaveBeenCalledTimes(1);
    expect(stub.eval).not.toHaveBeenCalled();
  });

  it('rejects error replies and connection failures as StoreUnavailableError', async () => {
    const busy = new RedisCounterStore({
      client: stubbedClient(async () => {
        throw new RedisReplyError('BUSY Redis is busy running a script.');
      }).client,
      registry,
    });
    await expect(busy.decide(request('sliding_window'))).rejects.toMatchObject({ name: 'StoreUnavailableError', code: 'BUSY' });
    const down = new RedisCounterStore({
      client: stubbedClient(async () => {
        throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
      }).client,
      registry,
    });
    await expect(down.decide(request('sliding_window'))).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('parseDecisionReply', () => {
  it('reads {allowed, remaining, resetUs, retryAfterUs}', () => {
    expect(parseDecisionReply([0, 3, 10, 20], 'gcra')).toEqual({ allowed: false, remaining: 3, resetUs: 10, retryAfterUs: 20 });
  });

  it.each([[null], [[1, 2, 3]], [[2, 0, 0, 0]], [['1', 0, 0, 0]]])('rejects %p as StoreUnavailableError', (reply) => {
    expect(() => parseDecisionReply(reply, 'gcra')).toThrow(StoreUnavailableError);
  });
});
