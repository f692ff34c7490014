import { formatBlocked } from '../blocks/format-blocked';
import { FAIL_CLOSED_DECISION } from '@rl/decision-pipeline';
import { COST_EXCEEDS_LIMIT, formatDecision, formatOverloaded, type CheckReply } from '../check/format-decision';
import { compilePolicy, type PolicyParameters } from '../policies/compiled-policy';
import { currentLimitOf, formatRateLimitResponse, RlsUnavailableError, toDuration, toRateLimit } from './rls-response';

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
const policy = compilePolicy({ parameters, localPercent: 50 });
const hourly = compilePolicy({ parameters: { ...parameters, id: 'hourly', limit: 10, burst: 10, windowSeconds: 3600 }, localPercent: 50 });
const closed = compilePolicy({ parameters: { ...parameters, id: 'closed-tier', failureMode: 'closed' }, localPercent: 50 });

const allowed = (remaining: number, p = policy): CheckReply =>
  formatDecision({ policy: p, decision: { allowed: true, remaining, resetUs: 1_500_000, retryAfterUs: 0 }, source: 'store', region: 'us-east', decisionId: 'n1.t.1' });
const denied = (retryAfterUs: number, p = policy): CheckReply =>
  formatDecision({ policy: p, decision: { allowed: false, remaining: 0, resetUs: 59_250_000, retryAfterUs }, source: 'store', region: 'us-east', decisionId: 'n1.t.1' });
const failClosed = (): CheckReply => formatDecision({ policy: closed, decision: FAIL_CLOSED_DECISION, source: 'fail-closed', region: 'us-east', decisionId: 'n1.t.1' });

describe('toRateLimit', () => {
  it.each<[number, number, number, string]>([
    [100, 1, 100, 'SECOND'],
    [100, 60, 100, 'MINUTE'],
    [100, 3600, 100, 'HOUR'],
    [100, 86_400, 100, 'DAY'],
    [10, 10, 60, 'MINUTE'],
    [5, 90, 200, 'HOUR'],
    [20, 0.5, 40, 'SECOND'],
    [7, 7 * 86_400, 1, 'DAY'],
    [1, 30 * 86_400, 1, 'DAY'],
    [0, 5, 0, 'MINUTE'],
    [1_000_000_000, 0.001, 4_294_967_295, 'SECOND'],
  ])('%d per %d s is %d per %s', (limit, windowSeconds, perUnit, unit) => {
    expect(toRateLimit({ name: 'p', limit, windowSeconds })).toEqual({ name: 'p', requests_per_unit: perUnit, unit });
  });
});

describe('toDuration', () => {
  it('keeps microseconds, never negative', () => {
    expect(toDuration(59.25)).toEqual({ seconds: 59, nanos: 250_000_000 });
    expect(toDuration(0.000001)).toEqual({ seconds: 0, nanos: 1_000 });
    expect(toDuration(2.9999996)).toEqual({ seconds: 3, nanos: 0 });
    expect(toDuration(-1)).toEqual({ seconds: 0, nanos: 0 });
  });
});

describe('currentLimitOf', () => {
  it('states what the RateLimit-Policy header states', () => {
    expect(currentLimitOf(allowed(5))).toEqual({ name: 'free-tier', requests_per_unit: 100, unit: 'MINUTE' });
    expect(currentLimitOf(formatBlocked({ remainingMs: 30_000, region: 'us-east' }))).toEqual({ name: 'blocked', requests_per_unit: 0, unit: 'MINUTE' });
  });

  it('states the exact window of the limit decided, a sub-second one included', () => {
    const fast = compilePolicy({ parameters: { ...parameters, id: 'fast', limit: 20, burst: 20, windowSeconds: 0.5 }, localPercent: 50 });
    expect(allowed(5, fast).headers['ratelimit-policy']).toBe('"fast";q=20;w=1');
    expect(currentLimitOf(allowed(5, fast))).toEqual({ name: 'fast', requests_per_unit: 40, unit: 'SECOND' });
  });

  it('is null for a header not in the contract form', () => {
    const reply: CheckReply = { ...allowed(5), currentLimit: undefined };
    expect(currentLimitOf({ ...reply, headers: { ...reply.headers, 'ratelimit-policy': 'free-tier;q=1' } })).toBeNull();
    expect(currentLimitOf({ ...reply, headers: { ...reply.headers, 'ratelimit-policy': '"p";q=1;w=0' } })).toBeNull();
  });
});

describe('formatRateLimitResponse', () => {
  it('answers OK with one status per descriptor and the headers of the one with the fewest remaining', () => {
    const replies = [allowed(40), allowed(3, hourly), allowed(7)];
    const response = formatRateLimitResponse(replies);
    expect(response.overall_code).toBe('OK');
    expect(response.statuses).toEqual([
      { code: 'OK', current_limit: { name: 'free-tier', requests_per_unit: 100, unit: 'MINUTE' }, limit_remaining: 40, duration_until_reset: { seconds: 1, nanos: 500_000_000 } },
      { code: 'OK', current_limit: { name: 'hourly', requests_per_unit: 10, unit: 'HOUR' }, limit_remaining: 3, duration_until_reset: { seconds: 1, nanos: 500_000_000 } },
      { code: 'OK', current_limit: { name: 'free-tier', requests_per_unit: 100, unit: 'MINUTE' }, limit_remaining: 7, duration_until_reset: { seconds: 1, nanos: 500_000_000 } },
    ]);
    expect(response.response_headers_to_add).toEqual(Object.entries(replies[1].headers).map(([key, value]) => ({ key, value })));
    expect(response.response_headers_to_add.map((h) => h.key)).not.toContain('retry-after');
  });

  it('answers OVER_LIMIT if any descriptor is over, with the headers of the longest wait, Retry-After included', () => {
    const replies = [allowed(9), denied(2_000_000), denied(30_000_000, hourly), denied(30_000_000)];
    const response = formatRateLimitResponse(replies);
    expect(response.overall_code).toBe('OVER_LIMIT');
    expect(response.statuses.map((s) => s.code)).toEqual(['OK', 'OVER_LIMIT', 'OVER_LIMIT', 'OVER_LIMIT']);
    expect(response.response_headers_to_add).toEqual([
      { key: 'x-ratelimit-limit', value: '10' },
      { key: 'x-ratelimit-remaining', value: '0' },
      { key: 'x-ratelimit-reset', value: '60' },
      { key: 'ratelimit-policy', value: '"hourly";q=10;w=3600' },
      { key: 'ratelimit', value: '"hourly";r=0;t=60' },
      { key: 'retry-after', value: '30' },
    ]);
  });

  it('answers OVER_LIMIT for a blocked caller, Retry-After the remaining block time', () => {
    const response = formatRateLimitResponse([formatBlocked({ remainingMs: 299_001, region: 'us-east' })]);
    expect(response.overall_code).toBe('OVER_LIMIT');
    expect(response.statuses[0]).toMatchObject({ code: 'OVER_LIMIT', limit_remaining: 0 });
    expect(response.response_headers_to_add).toContainEqual({ key: 'retry-after', value: '300' });
  });

  it('throws RlsUnavailableError for a fail-closed descriptor when nothing is over limit', () => {
    expect(() => formatRateLimitResponse([allowed(5), failClosed()])).toThrow(
      new RlsUnavailableError('descriptors[1]: the counter store is unavailable and policy "closed-tier" fails closed'),
    );
  });

  it('lets a certain denial win over a fail-closed descriptor, which reports UNKNOWN', () => {
    const response = formatRateLimitResponse([failClosed(), denied(1_000_000)]);
    expect(response.overall_code).toBe('OVER_LIMIT');
    expect(response.statuses.map((s) => s.code)).toEqual(['UNKNOWN', 'OVER_LIMIT']);
    expect(response.response_headers_to_add).toContainEqual({ key: 'ratelimit-policy', value: '"free-tier";q=100;w=60' });
  });

  it('throws RlsUnavailableError naming the overload when the enforcer sheds a descriptor', () => {
    expect(() => formatRateLimitResponse([allowed(5), formatOverloaded('us-east')])).toThrow(
      new RlsUnavailableError('descriptors[1]: the enforcer is overloaded (ENFORCER_MAX_IN_FLIGHT decisions in flight)'),
    );
  });

  it('answers OVER_LIMIT, with no Retry-After, for a cost the limit can never admit', () => {
    const hopeless = formatDecision({ policy, decision: COST_EXCEEDS_LIMIT, source: 'store', region: 'us-east', decisionId: 'n1.t.1', costExceedsLimit: true });
    const response = formatRateLimitResponse([hopeless]);
    expect(response.overall_code).toBe('OVER_LIMIT');
    expect(response.statuses[0]).toMatchObject({ code: 'OVER_LIMIT', limit_remaining: 0 });
    expect(response.response_headers_to_add.map((h) => h.key)).not.toContain('retry-after');
  });
});
