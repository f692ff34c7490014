import type { RateLimitDecision } from '../core/decision';
import { fallbackDecision } from '../core/decision';
import { denialBody, rateLimitHeaders } from './rate-limit-headers';

const allowed: RateLimitDecision = {
  statusCode: 200,
  allowed: true,
  limit: 100,
  remaining: 99,
  resetSeconds: 0.6,
  retryAfterSeconds: 0,
  policy: { id: 'free-tier', version: 3 },
  windowSeconds: 60,
  region: 'us-east',
};

describe('rateLimitHeaders', () => {
  it('formats an allowed decision as CONTRACT.md shows', () => {
    expect(rateLimitHeaders(allowed)).toEqual({
      'x-ratelimit-limit': '100',
      'x-ratelimit-remaining': '99',
      'x-ratelimit-reset': '1',
      'ratelimit-policy': '"free-tier";q=100;w=60',
      ratelimit: '"free-tier";r=99;t=1',
    });
  });

  it('adds Retry-After, whole seconds rounded up and at least 1, on a denial', () => {
    const denied = { ...allowed, statusCode: 429 as const, allowed: false, remaining: 0, resetSeconds: 12.2, retryAfterSeconds: 0.0004 };
    expect(rateLimitHeaders(denied)).toMatchObject({ 'retry-after': '1', 'x-ratelimit-reset': '13', ratelimit: '"free-tier";r=0;t=13' });
    expect(rateLimitHeaders({ ...denied, retryAfterSeconds: 7.01 })['retry-after']).toBe('8');
  });

  it('states the window as whole seconds, at least 1', () => {
    expect(rateLimitHeaders({ ...allowed, windowSeconds: 0.25 })['ratelimit-policy']).toBe('"free-tier";q=100;w=1');
    expect(rateLimitHeaders({ ...allowed, windowSeconds: 1.0005 })['ratelimit-policy']).toBe('"free-tier";q=100;w=1');
    expect(rateLimitHeaders({ ...allowed, windowSeconds: 90.6 })['ratelimit-policy']).toBe('"free-tier";q=100;w=91');
  });

  it("passes a stacked policy's lists on, one item per limit", () => {
    const limitLists = { policy: '"acme-burst";q=10;w=1, "acme-month";q=100;w=2592000', rateLimit: '"acme-burst";r=9;t=1, "acme-month";r=99;t=86400' };
    expect(rateLimitHeaders({ ...allowed, limit: 10, remaining: 9, limitLists })).toMatchObject({
      'x-ratelimit-limit': '10',
      'x-ratelimit-remaining': '9',
      'ratelimit-policy': limitLists.policy,
      ratelimit: limitLists.rateLimit,
    });
  });

  it('claims no quota for a degraded decision made without one', () => {
    expect(rateLimitHeaders(fallbackDecision({ failureMode: 'open', reason: 'timeout' }))).toEqual({});
    expect(rateLimitHeaders(fallbackDecision({ failureMode: 'closed', reason: 'timeout' }))).toEqual({ 'retry-after': '1' });
    expect(rateLimitHeaders(fallbackDecision({ failureMode: 'open', reason: 'timeout', limit: 5, windowSeconds: 10 }))).toMatchObject({
      'x-ratelimit-limit': '5',
      'ratelimit-policy': '"client-fallback";q=5;w=10',
    });
  });
});

describe('denialBody', () => {
  it('is a quota-exceeded problem naming the violated policies, with the enforcer body beside it', () => {
    expect(denialBody({ ...allowed, allowed: false, statusCode: 429 })).toEqual({
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      title: 'Request cannot be satisfied as the assigned quota has been exceeded',
      status: 429,
      'violated-policies': ['free-tier'],
      allowed: false,
      limit: 100,
      remaining: 99,
      resetSeconds: 0.6,
      retryAfterSeconds: 0,
      policy: { id: 'free-tier', version: 3 },
      region: 'us-east',
    });
    expect(denialBody({ ...allowed, allowed: false, statusCode: 429, violatedPolicies: ['acme-month', 'acme-burst'] })).toMatchObject({
      'violated-policies': ['acme-month', 'acme-burst'],
    });
    expect(denialBody({ ...allowed, blocked: true })).toMatchObject({ blocked: true });
  });

  it('is a temporary-reduced-capacity problem when failing closed', () => {
    const body = denialBody(fallbackDecision({ failureMode: 'closed', reason: 'unreachable' }));
    expect(body).toMatchObject({
      type: 'https://iana.org/assignments/http-problem-types#temporary-reduced-capacity',
      title: 'Request cannot be satisfied due to temporarily reduced capacity',
      status: 503,
      degraded: true,
      retryAfterSeconds: 1,
    });
    expect(body).not.toHaveProperty('violated-policies');
  });
});
