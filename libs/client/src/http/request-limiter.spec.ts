import { ManualClock } from '@rl/limiter-core';
import { RateLimitClient } from '../core/rate-limit-client';
import { mergeRouteOptions, RequestLimiter, UNKNOWN_CLIENT_KEY, type RequestFacts } from './request-limiter';

interface FakeRequest {
  readonly user?: string;
}

function facts(request: FakeRequest, remoteAddress: string | undefined, headers: Record<string, string> = {}): RequestFacts<FakeRequest> {
  return { request, method: 'GET', routePattern: '/items/:id', headers, remoteAddress };
}

function limiter(trustedProxies: string[] = []): RequestLimiter {
  const client = new RateLimitClient({ mode: 'library', clock: new ManualClock(), policies: [{ id: 'api', algorithm: 'fixed_window', limit: 1, windowSeconds: 60 }] });
  return new RequestLimiter({ client, trustedProxies });
}

describe('RequestLimiter', () => {
  it('counts by client IP by default, and by the key function when it returns one', async () => {
    const l = limiter();
    expect((await l.limit(facts({}, '203.0.113.1'), {}))?.decision.allowed).toBe(true);
    expect((await l.limit(facts({}, '203.0.113.1'), {}))?.decision.allowed).toBe(false);
    expect((await l.limit(facts({}, '203.0.113.2'), {}))?.decision.allowed).toBe(true);
    const byUser = { key: (r: FakeRequest) => r.user };
    expect((await l.limit(facts({ user: 'u1' }, '203.0.113.1'), byUser))?.decision.allowed).toBe(true);
    // No user: falls back to the (exhausted) IP.
    expect((await l.limit(facts({}, '203.0.113.1'), byUser))?.decision.allowed).toBe(false);
  });

  it('shares one counter between requests with no usable identity', async () => {
    const l = limiter();
    expect((await l.limit(facts({}, undefined), {}))?.decision.allowed).toBe(true);
    expect((await l.limit(facts({}, 'garbage'), {}))?.decision.allowed).toBe(false);
    expect(UNKNOWN_CLIENT_KEY).toBe('ip:unknown');
  });

  it('skips requests the route exempts and returns the headers of the rest', async () => {
    const l = limiter();
    expect(await l.limit(facts({}, '198.51.100.1'), { skip: () => true })).toBeUndefined();
    const limited = await l.limit(facts({}, '198.51.100.1'), { cost: () => 1 });
    expect(limited?.headers).toMatchObject({ 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0', 'ratelimit-policy': '"api";q=1;w=60' });
  });

  it('rejects a route whose options make a bad check', async () => {
    await expect(limiter().limit(facts({}, '198.51.100.1'), { cost: 0 })).rejects.toMatchObject({ field: 'cost' });
  });
});

describe('mergeRouteOptions', () => {
  it('lets later layers win field by field, ignoring undefined', () => {
    expect(mergeRouteOptions({ limit: 5, windowSeconds: 60, cost: 1 }, undefined, { cost: 3, limit: undefined })).toEqual({ limit: 5, windowSeconds: 60, cost: 3 });
  });
});
