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
    });
  });

  it('formats a denial: 429 with Retry-After rounded up', () => {
    const reply = formatDecision({ policy, decision: { allowed: false, remaining: 0, resetUs: 59_000_001, retryAfterUs: 600_001 }, source: 'store', region: 'eu-west', decisionId: 'n1.t.1' });
    expect(reply.statusCode).toBe(429);
    expect(reply.headers).toMatchObject({ 'x-ratelimit-reset': '60', ratelimit: '"free-tier";r=0;t=60', 'retry-after': '1' });
    expect(reply.body).toMatchObject({ allowed: false, remaining: 0, resetSeconds: 59.000001, retryAfterSeconds: 0.600001, region: 'eu-west', decisionId: 'n1.t.1' });
  });

  it('never sends Retry-After below 1, even for a sub-microsecond wait', () => {
    const reply = formatDecision({ policy, decision: { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 0 }, source: 'store', region: 'us-east', decisionId: 'n1.t.1' });
    expect(reply.headers['retry-after']).toBe('1');
  });

  it('allows in shadow mode and reports the would-be denial', () => {
    const reply = formatDecision({ policy: shadowPolicy, decision: { allowed: false, remaining: 0, resetUs: 2_000_000, retryAfterUs: 1_500_000 }, source: 'store', region: 'us-east', decisionId: 'n1.t.1' });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['retry-after']).toBeUndefined();
    expect(reply.body).toMatchObject({ allowed: true, shadow: true, wouldDeny: true, retryAfterSeconds: 0, remaining: 0 });
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

  it('writes sub-second windows as decimals in RateLimit-Policy', () => {
    const fast = compilePolicy({ parameters: { ...parameters, windowSeconds: 0.25 }, localPercent: 100 });
    expect(fast.quota.policyHeader).toBe('"free-tier";q=100;w=0.25');
    expect(fast.windowUs).toBe(250_000);
    expect(fast.localQuota.limit).toBe(100);
  });
});
