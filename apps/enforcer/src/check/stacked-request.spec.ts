import { validatePolicy } from '@rl/contracts';
import { compilePolicy, rateParameters } from '../policies/compiled-policy';
import { settleableLimits, stackedKeys, stackedRequest } from './stacked-request';

/** A plan of 10 per second in each region and 1,000 per minute shared by all regions. */
function compiled(scope: 'regional' | 'global', minuteScope?: 'regional' | 'global') {
  const result = validatePolicy({
    id: 'plan',
    match: { customerId: 'acme' },
    algorithm: 'gcra',
    scope,
    limits: [
      { name: 'burst', limit: 10, windowSeconds: 1, scope: 'regional' },
      { name: 'minute', limit: 1_000, windowSeconds: 60, ...(minuteScope === undefined ? {} : { scope: minuteScope }) },
    ],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return compilePolicy({ parameters: rateParameters(result.value), localPercent: 10 });
}

describe('stackedRequest with a global limit', () => {
  const nowUs = 1_764_849_630_500_000;

  it('marks the global limit (the policy\'s scope unless the item says otherwise) as a fixed window in its aligned minute, keyed apart', () => {
    for (const policy of [compiled('global'), compiled('regional', 'global')]) {
      const stack = policy.stack;
      if (stack === undefined) throw new Error('no stack');
      expect(stack.globalLimits).toEqual([1]);
      const request = stackedRequest({ policy, stack, identity: 'user:1', cost: 2, dryRun: undefined, nowUs });
      expect(request.limits[0]).toEqual({ key: 'rl:{plan:user:1}:burst:gu', algorithm: 'gcra', limit: 10, windowUs: 1_000_000, burst: 10, calendar: undefined, global: undefined });
      expect(request.limits[1]).toEqual({
        key: 'rl:{plan:user:1}:minute:gw',
        algorithm: 'fixed_window',
        limit: 1_000,
        windowUs: 60_000_000,
        burst: 1_000,
        calendar: undefined,
        global: { expectedStartMs: 1_764_849_600_000 },
      });
      expect(request.cost).toBe(2);
      expect(stackedKeys({ policy, stack, identity: 'user:1' })).toEqual(['rl:{plan:user:1}:st', 'rl:{plan:user:1}:burst:gu', 'rl:{plan:user:1}:minute:gw']);
    }
  });

  it('gives a global calendar limit the bounds of its window in its zone, expected to start there', () => {
    const result = validatePolicy({ id: 'plan', match: { customerId: 'acme' }, algorithm: 'gcra', scope: 'global', limits: [{ name: 'month', limit: 100_000, window: 'calendar-month', timeZone: 'Europe/Berlin' }] });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const policy = compilePolicy({ parameters: rateParameters(result.value), localPercent: 10 });
    const stack = policy.stack;
    if (stack === undefined) throw new Error('no stack');
    expect(stack.limits[0].usageName).toEqual({ limitName: 'month', window: 'calendar-month', timeZone: 'Europe/Berlin' });
    const request = stackedRequest({ policy, stack, identity: 'user:1', cost: 1, dryRun: undefined, nowUs });
    // 4 December 2025, 12:00 UTC: December in Berlin starts 30 November 23:00 UTC and ends 31 December 23:00 UTC.
    const start = Date.UTC(2025, 10, 30, 23);
    const end = Date.UTC(2025, 11, 31, 23);
    expect(request.limits[0]).toMatchObject({ key: 'rl:{plan:user:1}:month:gw', algorithm: 'fixed_window', limit: 100_000, calendar: { startUs: start * 1000, endUs: end * 1000 }, global: { expectedStartMs: start } });
  });

  it('leaves a stack of regional limits as it was', () => {
    const policy = compiled('regional');
    const stack = policy.stack;
    if (stack === undefined) throw new Error('no stack');
    expect(stack.globalLimits).toEqual([]);
    const request = stackedRequest({ policy, stack, identity: 'user:1', cost: 1, dryRun: true, nowUs });
    expect(request.limits.map((limit) => [limit.algorithm, limit.global])).toEqual([
      ['gcra', undefined],
      ['gcra', undefined],
    ]);
    expect(request.dryRun).toBe(true);
  });

  it('records a settle only for a stack of regional settleable limits: a global limit makes it unsettleable', () => {
    const request = (policy: ReturnType<typeof compiled>) => {
      if (policy.stack === undefined) throw new Error('no stack');
      return stackedRequest({ policy, stack: policy.stack, identity: 'user:1', cost: 1, dryRun: undefined, nowUs });
    };
    expect(settleableLimits(request(compiled('regional')))?.map((limit) => limit.counterKey)).toEqual(['rl:{plan:user:1}:burst:gu', 'rl:{plan:user:1}:minute:gu']);
    expect(settleableLimits(request(compiled('regional', 'global')))).toBeUndefined();
  });
});
