import { ManualClock } from '@rl/limiter-core';
import { InvalidCheckError } from '../core/check-input';
import { RateLimitClient } from '../core/rate-limit-client';
import { InvalidPolicyError } from './library-policy';

function inMemory(clock = new ManualClock()): RateLimitClient {
  return new RateLimitClient({
    mode: 'library',
    clock,
    policies: [
      { id: 'search', algorithm: 'fixed_window', limit: 2, windowSeconds: 10 },
      { id: 'upload', algorithm: 'token_bucket', limit: 10, windowSeconds: 60, burst: 4, version: 7 },
    ],
  });
}

describe('library mode without Redis', () => {
  it('decides with the default (first) policy in process memory', async () => {
    const client = inMemory();
    const decisions = [await client.check({ key: 'u' }), await client.check({ key: 'u' }), await client.check({ key: 'u' })];
    expect(decisions.map((d) => d.statusCode)).toEqual([200, 200, 429]);
    expect(decisions[2]).toMatchObject({ allowed: false, limit: 2, remaining: 0, policy: { id: 'search', version: 0 }, windowSeconds: 10, region: 'local' });
    expect(decisions[2].retryAfterSeconds).toBeGreaterThan(0);
    expect(decisions[2].degraded).toBeUndefined();
  });

  it('admits the same request again once retryAfterSeconds have passed', async () => {
    const clock = new ManualClock();
    const client = inMemory(clock);
    await client.check({ key: 'v', policy: 'upload', cost: 4 });
    const denied = await client.check({ key: 'v', policy: 'upload', cost: 2 });
    expect(denied).toMatchObject({ statusCode: 429, policy: { id: 'upload', version: 7 } });
    clock.advanceSeconds(denied.retryAfterSeconds);
    expect((await client.check({ key: 'v', policy: 'upload', cost: 2 })).allowed).toBe(true);
  });

  it('keeps keys, policies and inline limits apart', async () => {
    const client = inMemory();
    await client.check({ key: 'a' });
    await client.check({ key: 'a' });
    expect((await client.check({ key: 'b' })).allowed).toBe(true);
    expect((await client.check({ key: 'a', policy: 'upload' })).allowed).toBe(true);
    const inline = await client.check({ key: 'a', limit: 1, windowSeconds: 5 });
    expect(inline).toMatchObject({ allowed: true, policy: { id: 'inline' }, limit: 1, windowSeconds: 5 });
    expect((await client.check({ key: 'a', limit: 1, windowSeconds: 5 })).allowed).toBe(false);
  });

  it('refuses an unknown policy name and bad policies, naming the field', async () => {
    await expect(inMemory().check({ key: 'a', policy: 'nope' })).rejects.toThrow(InvalidCheckError);
    expect(() => new RateLimitClient({ mode: 'library', policies: [] })).toThrow(RangeError);
    expect(() => new RateLimitClient({ mode: 'library', policies: [{ id: 'Bad Id', limit: 1, windowSeconds: 1 }] })).toThrow('policies[0].id');
    expect(() => new RateLimitClient({ mode: 'library', policies: [{ id: 'ok', limit: 1.5, windowSeconds: 1 }] })).toThrow(InvalidPolicyError);
    expect(() =>
      new RateLimitClient({
        mode: 'library',
        policies: [
          { id: 'ok', limit: 1, windowSeconds: 1 },
          { id: 'ok', limit: 2, windowSeconds: 1 },
        ],
      }),
    ).toThrow('given twice');
  });
});
