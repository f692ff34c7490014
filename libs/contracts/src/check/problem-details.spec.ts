import { QUOTA_EXCEEDED_PROBLEM_TYPE, TEMPORARY_REDUCED_CAPACITY_PROBLEM_TYPE, rateLimitProblem } from './problem-details';
import { limitItemName, policyWindowSeconds } from './rate-limit-fields';

describe('rateLimitProblem', () => {
  it('is quota-exceeded naming the violated policies for a 429', () => {
    expect(rateLimitProblem({ status: 429, violated: ['acme-month'] })).toEqual({
      type: QUOTA_EXCEEDED_PROBLEM_TYPE,
      title: 'Request cannot be satisfied as the assigned quota has been exceeded',
      status: 429,
      'violated-policies': ['acme-month'],
    });
  });

  it('is temporary-reduced-capacity, naming no policy, for a 503', () => {
    expect(rateLimitProblem({ status: 503, violated: ['p'] })).toEqual({
      type: TEMPORARY_REDUCED_CAPACITY_PROBLEM_TYPE,
      title: 'Request cannot be satisfied due to temporarily reduced capacity',
      status: 503,
    });
  });
});

describe('policyWindowSeconds', () => {
  it.each([
    [60, 60],
    [1.0005, 1],
    [0.25, 1],
    [0.001, 1],
    [2.5, 3],
    [2_592_000, 2_592_000],
  ])('%s s is w=%s', (seconds, w) => {
    expect(policyWindowSeconds(seconds)).toBe(w);
  });
});

describe('limitItemName', () => {
  it('is the policy id alone, or policy id and limit name', () => {
    expect(limitItemName({ policyId: 'acme', limitName: undefined })).toBe('acme');
    expect(limitItemName({ policyId: 'acme', limitName: 'month' })).toBe('acme-month');
  });
});
