import { Redis, ReplyError } from 'ioredis';
import { buildCounterKey, StoreTimeoutError, type LimitRequest } from '@rl/limiter-core';
import type { CallDeadline } from './call-deadline';
import { RedisLeaseStore, type LeaseAlgorithm } from './lease-store';

const RedisReplyError = ReplyError as new (message: string) => Error;

const request: LimitRequest & { algorithm: LeaseAlgorithm } = {
  key: buildCounterKey({ policyId: 'p', identity: 'hot', algorithm: 'token_bucket' }),
  algorithm: 'token_bucket',
  limit: 100,
  windowUs: 60_000_000,
  burst: 100,
  cost: 1,
};

/** A real client that never connects, with EVALSHA / EVAL replaced. */
function stubbed(evalsha: () => Promise<unknown>): { client: Redis; evalsha: jest.SpyInstance; eval: jest.SpyInstance } {
  const client = new Redis({ lazyConnect: true });
  return {
    client,
    evalsha: jest.spyOn(client, 'evalsha').mockImplementation(evalsha as never),
    eval: jest.spyOn(client, 'eval').mockImplementation((async () => [10, 90, 6_000_000, 0, 0, 0]) as never),
  };
}

describe('RedisLeaseStore', () => {
  it('bounds every script call with the deadline hook, naming the node it was written to', async () => {
    const stub = stubbed(async () => [10, 90, 6_000_000, 0, 0, 0]);
    const seen: { node: Redis; context: string }[] = [];
    const deadline: CallDeadline = ({ work, node, context }) => {
      seen.push({ node, context });
      return work;
    };
    const leases = new RedisLeaseStore({ client: stub.client, deadline, jitterMs: () => 3 });
    await expect(leases.acquire({ request, want: 10 })).resolves.toMatchObject({ granted: 10, remaining: 90 });
    stub.evalsha.mockImplementation((async () => 10) as never);
    await expect(leases.release({ request, units: 10, windowStartUs: 0 })).resolves.toBe(10);
    expect(seen).toEqual([
      { node: stub.client, context: 'lease' },
      { node: stub.client, context: 'lease return' },
    ]);
  });

  it('turns what the hook rejects with into the store error, and never sends the script again', async () => {
    const stub = stubbed(() => new Promise(() => undefined));
    const deadline: CallDeadline = () => Promise.reject(new StoreTimeoutError('lease: no progress', { cause: undefined }));
    const leases = new RedisLeaseStore({ client: stub.client, deadline });
    await expect(leases.acquire({ request, want: 10 })).rejects.toBeInstanceOf(StoreTimeoutError);
    expect(stub.evalsha).toHaveBeenCalledTimes(1);
    expect(stub.eval).not.toHaveBeenCalled();
  });

  it('falls back to EVAL on NOSCRIPT only', async () => {
    const stub = stubbed(async () => {
      throw new RedisReplyError('NOSCRIPT No matching script. Please use EVAL.');
    });
    const leases = new RedisLeaseStore({ client: stub.client });
    await expect(leases.acquire({ request, want: 10 })).resolves.toMatchObject({ granted: 10 });
    expect(stub.eval).toHaveBeenCalledTimes(1);
  });
});
