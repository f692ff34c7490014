import { RateLimitClient } from './rate-limit-client';

describe('RateLimitClient leases and settles', () => {
  const library = new RateLimitClient({ mode: 'library', policies: [{ id: 'api', limit: 10, windowSeconds: 60 }] });

  it('refuses to acquire in library mode: leases live in the regional enforcer', async () => {
    await expect(library.acquire({ key: 'k' })).rejects.toThrow('concurrency limits (acquire) need remote mode');
    await expect(library.release('l1.x.y')).resolves.toBe('unknown');
  });

  it('has nothing to settle for a decision without an id, and refuses a bad actual cost', async () => {
    const decision = await library.check({ key: 'k' });
    expect(decision.decisionId).toBeUndefined();
    await expect(library.settle(decision, 3)).resolves.toEqual({ status: 'unknown' });
    await expect(library.settle(decision, -1)).rejects.toThrow('actualCost must be an integer from 0 to 1000000000');
  });
});
