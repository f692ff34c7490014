import { Redis, ReplyError } from 'ioredis';
import { buildCounterKey, buildGlobalCounterKey, type AlgorithmName, type LimitRequest, type StoreRequest } from '@rl/limiter-core';
import { encodeBatch } from './batch-codec';
import type { CallDeadline } from './call-deadline';
import { StoreTimeoutError, StoreUnavailableError } from './errors';
import { parseDecisionReply, RedisCounterStore } from './redis-counter-store';
import { ScriptRegistry } from './script-registry';

const RedisReplyError = ReplyError as new (message: string) => Error;
const registry = new ScriptRegistry();

function request(algorithm: AlgorithmName, cost = 1): LimitRequest {
  return { key: buildCounterKey({ policyId: 'p', identity: 'user-1', algorithm }), algorithm, limit: 10, windowUs: 1_000_000, burst: 10, cost };
}

/** A real client that never connects, with EVALSHA / EVAL replaced. */
function stubbedClient(evalsha: (...call: unknown[]) => Promise<unknown>): { client: Redis; evalsha: jest.SpyInstance; eval: jest.SpyInstance } {
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

describe('RedisCounterStore.decideMany (standalone)', () => {
  const ok = [1, 9, 100_000, 0];
  const requests = (count: number): LimitRequest[] => Array.from({ length: count }, (_, i) => ({ ...request('fixed_window'), key: `rl:{p:u${i}}:fw` }));
  /** A stub that answers every batch call with one `ok` entry per decision (ARGV[1]). */
  const batchReplies = async (...call: unknown[]): Promise<unknown> => Array.from({ length: Number(call[2 + Number(call[1])]) }, () => ok);

  it('sends chunks of at most maxBatchSize decisions, one EVALSHA of the plain batch script each', async () => {
    const stub = stubbedClient(batchReplies);
    const store = new RedisCounterStore({ client: stub.client, registry, jitterMs: () => 7, maxBatchSize: 2 });
    const asked = requests(5);
    await expect(store.decideMany(asked)).resolves.toEqual(asked.map(() => ({ allowed: true, remaining: 9, resetUs: 100_000, retryAfterUs: 0 })));
    expect(stub.evalsha).toHaveBeenCalledTimes(3);
    const sha = registry.batchScript('plain').sha;
    const chunk = (from: number, to: number): unknown[] => {
      const { keys, args } = encodeBatch({ requests: asked.slice(from, to), jitterBaseMs: 7, jitterSpanMs: 1_000 });
      return [sha, keys.length, ...keys, ...args];
    };
    expect(stub.evalsha.mock.calls).toEqual([chunk(0, 2), chunk(2, 4), chunk(4, 5)]);
  });

  it('answers a cost above what the limit can ever admit without Redis, and mixes global requests in', async () => {
    const stub = stubbedClient(async () => [[1, 2, 3, 0, 1_700_000_040_000, 5, 1]]);
    const store = new RedisCounterStore({ client: stub.client, registry });
    const global: StoreRequest = { algorithm: 'global_window', key: buildGlobalCounterKey({ policyId: 'p', identity: 'u' }), cap: 7, cost: 1, windowMs: 60_000, expectedStartMs: 1_700_000_040_000 };
    await expect(store.decideMany([request('gcra', 11), global])).resolves.toEqual([
      { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 0, reason: 'cost_exceeds_limit' },
      { allowed: true, remaining: 2, resetUs: 3, retryAfterUs: 0, windowStartMs: 1_700_000_040_000, count: 5, matched: true },
    ]);
    expect(stub.evalsha).toHaveBeenCalledTimes(1);
    expect(stub.evalsha.mock.calls[0][1]).toBe(1);
  });

  it('falls back to EVAL on NOSCRIPT, once per call', async () => {
    const stub = stubbedClient(async () => {
      throw new RedisReplyError('NOSCRIPT No matching script. Please use EVAL.');
    });
    stub.eval.mockImplementation(batchReplies as never);
    const store = new RedisCounterStore({ client: stub.client, registry });
    await expect(store.decideMany(requests(3))).resolves.toHaveLength(3);
    expect(stub.eval).toHaveBeenCalledTimes(1);
    expect(stub.eval.mock.calls[0][0]).toBe(registry.batchScript('plain').source);
  });

  it('fails only the entries of a call that timed out, and never sends it again', async () => {
    let calls = 0;
    const stub = stubbedClient(async (...call: unknown[]) => {
      calls++;
      if (calls === 1) throw new Error('Command timed out');
      return batchReplies(...call);
    });
    const store = new RedisCounterStore({ client: stub.client, registry, maxBatchSize: 2 });
    const outcomes = await store.decideMany(requests(3));
    expect(outcomes[0]).toBeInstanceOf(StoreTimeoutError);
    expect(outcomes[1]).toBe(outcomes[0]);
    expect(outcomes[2]).toEqual({ allowed: true, remaining: 9, resetUs: 100_000, retryAfterUs: 0 });
    expect(stub.evalsha).toHaveBeenCalledTimes(2);
    expect(stub.eval).not.toHaveBeenCalled();
  });

  it('turns error replies and malformed replies into StoreUnavailableErrors naming the entries, never rejecting', async () => {
    const busy = new RedisCounterStore({
      client: stubbedClient(async () => {
        throw new RedisReplyError('BUSY Redis is busy running a script.');
      }).client,
      registry,
    });
    const [first] = await busy.decideMany(requests(1));
    expect(first).toMatchObject({ name: 'StoreUnavailableError', code: 'BUSY' });
    const garbled = new RedisCounterStore({ client: stubbedClient(async () => [ok, 'x']).client, registry });
    const outcomes = await garbled.decideMany(requests(2));
    expect(outcomes[0]).toEqual({ allowed: true, remaining: 9, resetUs: 100_000, retryAfterUs: 0 });
    expect(outcomes[1]).toBeInstanceOf(StoreUnavailableError);
    expect((outcomes[1] as StoreUnavailableError).message).toBe('batch entry 1 (fixed_window): unexpected reply "x"');
  });

  it('bounds every call with the deadline hook, naming the node it was written to', async () => {
    const stub = stubbedClient(async (...call: unknown[]) => (call[0] === registry.batchScript('plain').sha ? batchReplies(...call) : ok));
    const seen: { node: Redis; context: string }[] = [];
    const deadline: CallDeadline = ({ work, node, context }) => {
      seen.push({ node, context });
      return work;
    };
    const store = new RedisCounterStore({ client: stub.client, registry, deadline, deadlineMs: 1 });
    await store.decideMany(requests(3));
    await store.decide(request('gcra'));
    expect(seen).toEqual([
      { node: stub.client, context: 'batch of 3 decisions' },
      { node: stub.client, context: 'gcra decision' },
    ]);
  });

  it('sends a dry run through the batch script (the single-decision scripts always write)', async () => {
    const stub = stubbedClient(async (...call: unknown[]) => (call[0] === registry.batchScript('plain').sha ? [[1, 4, 0, 0]] : ok));
    const store = new RedisCounterStore({ client: stub.client, registry });
    await expect(store.decide({ ...request('sliding_log', 0), dryRun: true })).resolves.toEqual({ allowed: true, remaining: 4, resetUs: 0, retryAfterUs: 0 });
    expect(stub.evalsha.mock.calls[0][0]).toBe(registry.batchScript('plain').sha);
    expect(stub.evalsha.mock.calls[0]).toContain(1);
  });

  it('rejects a batch size or jitter span below 1', () => {
    const { client } = stubbedClient(batchReplies);
    expect(() => new RedisCounterStore({ client, maxBatchSize: 0 })).toThrow(RangeError);
    expect(() => new RedisCounterStore({ client, jitterSpanMs: 0 })).toThrow(RangeError);
  });
});
