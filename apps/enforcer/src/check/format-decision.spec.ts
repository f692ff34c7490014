import { compilePolicy, type PolicyParameters } from '../policies/compiled-policy';
import { FAIL_CLOSED_DECISION } from '@rl/decision-pipeline';
import { formatDecision } from './format-decision';

const parameters: PolicyParameters = {
  id: 'free-tier',
  version: 3,
  counterId: 'free-tier',
  algorithm: 'token_bucket',
  limit: 100,
  burst: 100,
  windowSeconds: 60,
  failureMode: 'open',
  mode: 'enforce',
};
const policy = compilePolicy({ parameters, localPercent: 25 });
const shadowPolicy = compilePolicy({ parameters: { ...parameters, mode: 'shadow' }, localPercent: 25 });

describe('formatDecision', () => {
  it('formats an allowed decision: 200, contract body, headers from the same numbers', () => {
    const reply = formatDecision({ policy, decision: { allowed: true, remaining: 99, resetUs: 600_000, retryAfterUs: 0 }, source: 'store', region: 'us-east', decisionId: 'n1.t.1' });
    expect(reply).toEqual({
      statusCode: 200,
      headers: {
        'x-ratelimit-limit': '100',
        'x-ratelimit-remaining': '99',
        'x-ratelimit-reset': '1',
        'ratelimit-policy': '"free-tier";q=100;w=60',
        ratelimit: '"free-tier";r=99;t=1',
      },
      body: {
        allowed: true,
        limit: 100,
        remaining: 99,
        resetSeconds: 0.6,
        retryAfterSeconds: 0,
        policy: { id: 'free-tier', version: 3 },
        region: 'us-east',
        decisionId: 'n1.t.1',
      },
      currentLimit: { name: 'free-tier', limit: 100, windowSeconds: 60 },
    });
  });

  it('formats a denial: 429 with Retry-After rounded up', () => {
    const reply = formatDecision({ policy, decision: { allowed: false, remaining: 0, resetUs: 59_000_001, retryAfterUs: 600_001 }, source: 'store', region: 'eu-west', decisionId: 'n1.t.1' });
    expect(reply.statusCode).toBe(429);
    expect(reply.headers).toMatchObject({ 'x-ratelimit-reset': '60', ratelimit: '"free-tier";r=0;t=60', 'retry-after': '1' });
    expect(reply.body).toMatchObject({ allowed: false, remaining: 0, resetSeconds: 59.000001, retryAfterSeconds: 0.600001, region: 'eu-west', decisionId: 'n1.t.1' });
    expect(reply.body['violated-policies']).toEqual(['free-tier']);
    expect(reply.body.violated).toEqual(['free-tier']);
  });

  it('names no violated policy when allowed, in shadow mode or failing closed', () => {
    const allowed = formatDecision({ policy, decision: { allowed: true, remaining: 1, resetUs: 0, retryAfterUs: 0 }, source: 'store', region: 'us-east', decisionId: 'n1.t.1' });
    const shadow = formatDecision({ policy: shadowPolicy, decision: { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 1 }, source: 'store', region: 'us-east', decisionId: 'n1.t.1' });
    const closed = formatDecision({ policy, decision: FAIL_CLOSED_DECISION, source: 'fail-closed', region: 'us-east', decisionId: 'n1.t.1' });
    for (const reply of [allowed, shadow, closed]) expect(reply.body).not.toHaveProperty('violated-policies');
  });

  it('never sends Retry-After below 1, even for a sub-microsecond wait', () => {
    const reply = formatDecision({ policy, decision: { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 0 }, source: 'store', region: 'us-east', decisionId: 'n1.t.1' });
    expect(reply.headers['retry-after']).toBe('1');
  });

  it('allows in shadow mode and reports the would-be denial', () => {
    const reply = formatDecision({ policy: shadowPolicy, decision: { allowed: false, remaining: 0, resetUs: 2_000_000, retryAfterUs: 1_500_000 }, source: 'store', region: 'us-east', decisionId: 'n1.t.1' });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['retry-after']).toBeUndefined();
    expect(reply.body).toMatchObject({ allowed: true, shadow: true, wouldDeny: true, retryAfterSeconds: 0, remaining: 0, wouldViolate: [shadowPolicy.ref.id] });
    expect(reply.body).not.toHaveProperty('violated-policies');
  });

  it('reports the local quota and degraded when the local fallback decided', () => {
    const reply = formatDecision({ policy, decision: { allowed: true, remaining: 24, resetUs: 2_400_000, retryAfterUs: 0 }, source: 'local-fallback', region: 'us-east', decisionId: 'n1.t.1' });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers).toMatchObject({ 'x-ratelimit-limit': '25', 'ratelimit-policy': '"free-tier";q=25;w=60' });
    expect(reply.body).toMatchObject({ limit: 25, remaining: 24, degraded: true });
  });

  it('answers 503 when failing closed', () => {
    const reply = formatDecision({ policy, decision: FAIL_CLOSED_DECISION, source: 'fail-closed', region: 'us-east', decisionId: 'n1.t.1' });
    expect(reply.statusCode).toBe(503);
    expect(reply.headers['retry-after']).toBe('1');
    expect(reply.body).toMatchObject({ allowed: false, limit: 100, degraded: true, retryAfterSeconds: 1 });
  });

  it('writes the window in RateLimit-Policy as whole seconds, at least 1', () => {
    const fast = compilePolicy({ parameters: { ...parameters, windowSeconds: 0.25 }, localPercent: 100 });
    expect(fast.quota.policyHeader).toBe('"free-tier";q=100;w=1');
    expect(fast.windowUs).toBe(250_000);
    expect(fast.localQuota.limit).toBe(100);
    expect(compilePolicy({ parameters: { ...parameters, windowSeconds: 1.0005 }, localPercent: 100 }).quota.policyHeader).toBe('"free-tier";q=100;w=1');
    expect(compilePolicy({ parameters: { ...parameters, windowSeconds: 2.5 }, localPercent: 100 }).quota.policyHeader).toBe('"free-tier";q=100;w=3');
  });
});

describe('formatDecision of a stacked policy', () => {
  const stacked = compilePolicy({
    parameters: {
      ...parameters,
      id: 'acme',
      counterId: 'acme',
      limit: 10,
      burst: 10,
      windowSeconds: 1,
      limits: [
        { name: 'burst', limit: 10, windowSeconds: 1, algorithm: 'token_bucket', burst: 10 },
        { name: 'month', limit: 100_000, window: 'calendar-month', timeZone: 'UTC', algorithm: 'fixed_window', burst: 100_000 },
      ],
    },
    localPercent: 50,
  });
  const limits = [
    { allowed: true, remaining: 7, resetUs: 300_000, retryAfterUs: 0 },
    { allowed: false, remaining: 0, resetUs: 86_400_000_000, retryAfterUs: 86_400_000_000 },
  ];

  it('lists every limit, describes the most constraining one, and names the limit that denied', () => {
    const reply = formatDecision({ policy: stacked, decision: { ...limits[1], limits, constraining: 1 }, source: 'store', region: 'us-east', decisionId: 'n1.t.1' });
    expect(reply.statusCode).toBe(429);
    expect(reply.headers).toEqual({
      'x-ratelimit-limit': '100000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '86400',
      'ratelimit-policy': '"acme-burst";q=10;w=1, "acme-month";q=100000;w=2592000',
      ratelimit: '"acme-burst";r=7;t=1, "acme-month";r=0;t=86400',
      'retry-after': '86400',
    });
    expect(reply.body).toMatchObject({ limit: 100_000, remaining: 0, retryAfterSeconds: 86_400, 'violated-policies': ['acme-month'], violated: ['acme-month'] });
    expect(reply.currentLimit).toEqual({ name: 'acme-month', limit: 100_000, windowSeconds: 2_592_000 });
  });

  it('reports the local shares when the local fallback decided', () => {
    const admitted = [{ ...limits[0], remaining: 4 }, { allowed: true, remaining: 49_000, resetUs: 5, retryAfterUs: 0 }];
    const reply = formatDecision({ policy: stacked, decision: { ...admitted[0], limits: admitted, constraining: 0 }, source: 'local-fallback', region: 'us-east', decisionId: 'n1.t.1' });
    expect(reply.headers).toMatchObject({ 'x-ratelimit-limit': '5', 'ratelimit-policy': '"acme-burst";q=5;w=1, "acme-month";q=50000;w=2592000' });
    expect(reply.body).toMatchObject({ allowed: true, limit: 5, remaining: 4, degraded: true });
    expect(stacked.maxCost).toBe(10);
  });
});
