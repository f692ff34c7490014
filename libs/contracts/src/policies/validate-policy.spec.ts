import { validatePolicy } from './validate-policy';
import { limitScope } from './policy-limit';

const valid = {
  id: 'free-tier',
  match: { customerTier: 'free' },
  algorithm: 'token_bucket',
  limit: 100,
  windowSeconds: 60,
};

describe('validatePolicy', () => {
  it('fills the defaults of a minimal policy', () => {
    expect(validatePolicy(valid)).toEqual({
      ok: true,
      value: { ...valid, burst: 100, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 },
    });
  });

  it('keeps given optional fields and upper-cases the method', () => {
    const result = validatePolicy({
      ...valid,
      match: { customerTier: 'pro', route: '/v1/search/**', method: 'get' },
      burst: 20,
      scope: 'global',
      failureMode: 'closed',
      mode: 'shadow',
      version: 3,
    });
    expect(result.ok && result.value).toMatchObject({
      match: { customerTier: 'pro', route: '/v1/search/**', method: 'GET' },
      burst: 20,
      scope: 'global',
      failureMode: 'closed',
      mode: 'shadow',
      version: 3,
    });
  });

  it('reports every bad field with its path', () => {
    const result = validatePolicy(
      {
        id: 'Free Tier',
        match: { customerTier: 'free', customerId: 'acme', route: 'a\u0007b', colour: 'red' },
        algorithm: 'bogus',
        limit: 0,
        windowSeconds: 40_000_000,
        burst: 1.5,
        scope: 'planet',
        failureMode: 'maybe',
        mode: 'loud',
        version: 0,
        extra: true,
      },
      { path: 'policies[0]' },
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: 'policies[0].extra', message: 'is not a known field' },
        { path: 'policies[0].id', message: 'must be a slug of 1 to 64 characters from [a-z0-9-]' },
        { path: 'policies[0].match.colour', message: 'is not a known field' },
        { path: 'policies[0].match.route', message: 'must be a route glob of 1 to 512 printable characters' },
        { path: 'policies[0].match.customerTier', message: 'must not be combined with customerId' },
        {
          path: 'policies[0].algorithm',
          message: 'must be one of token_bucket, sliding_window, fixed_window, leaky_bucket, gcra, sliding_log, concurrency',
        },
        { path: 'policies[0].limit', message: 'must be an integer from 1 to 1000000000' },
        { path: 'policies[0].windowSeconds', message: 'must be a number from 0.001 to 2592000' },
        { path: 'policies[0].burst', message: 'must be an integer from 1 to 1000000000' },
        { path: 'policies[0].scope', message: 'must be one of regional, global' },
        { path: 'policies[0].failureMode', message: 'must be one of open, closed' },
        { path: 'policies[0].mode', message: 'must be one of enforce, shadow' },
        { path: 'policies[0].version', message: 'must be an integer from 1 to 9007199254740991' },
      ],
    });
  });

  it('requires the core fields and a non-empty match', () => {
    expect(validatePolicy({ match: {} })).toEqual({
      ok: false,
      errors: [
        { path: 'id', message: 'is required' },
        { path: 'match', message: 'must name at least one of customerTier, customerId, route, method' },
        { path: 'algorithm', message: 'is required' },
        { path: 'limit', message: 'is required' },
        { path: 'windowSeconds', message: 'is required' },
      ],
    });
  });

  it('rejects non-objects at the root', () => {
    expect(validatePolicy([])).toEqual({ ok: false, errors: [{ path: '', message: 'must be an object' }] });
  });

  it('can ignore unknown fields for forward compatibility', () => {
    const result = validatePolicy({ ...valid, createdAt: '2024-01-01', match: { customerTier: 'free', region: 'x' } }, { unknownFields: 'ignore' });
    expect(result.ok).toBe(true);
  });

  describe('escalation', () => {
    it('is absent unless given, and keeps the fields given', () => {
      expect(validatePolicy(valid).ok && 'escalation' in (validatePolicy(valid) as { value: object }).value).toBe(false);
      expect(validatePolicy({ ...valid, escalation: { threshold: 0 } })).toMatchObject({ ok: true, value: { escalation: { threshold: 0 } } });
      expect(validatePolicy({ ...valid, escalation: { threshold: 2, windowSeconds: 600, blockSeconds: 86_400 } })).toMatchObject({
        ok: true,
        value: { escalation: { threshold: 2, windowSeconds: 600, blockSeconds: 86_400 } },
      });
    });

    it('names every bad field with its path', () => {
      expect(validatePolicy({ ...valid, escalation: { threshold: -1, windowSeconds: 0.5, blockSeconds: 86_401, after: 3 } })).toEqual({
        ok: false,
        errors: [
          { path: 'escalation.after', message: 'is not a known field' },
          { path: 'escalation.threshold', message: 'must be an integer from 0 to 1000' },
          { path: 'escalation.windowSeconds', message: 'must be an integer from 1 to 3600' },
          { path: 'escalation.blockSeconds', message: 'must be an integer from 1 to 86400' },
        ],
      });
      expect(validatePolicy({ ...valid, escalation: {} })).toEqual({
        ok: false,
        errors: [{ path: 'escalation', message: 'must name at least one of threshold, windowSeconds, blockSeconds' }],
      });
      expect(validatePolicy({ ...valid, escalation: 'off' })).toEqual({ ok: false, errors: [{ path: 'escalation', message: 'must be an object' }] });
    });

    it('ignores unknown escalation fields when asked (a newer control plane)', () => {
      expect(validatePolicy({ ...valid, escalation: { threshold: 1, scope: 'global' } }, { unknownFields: 'ignore' })).toMatchObject({ ok: true, value: { escalation: { threshold: 1 } } });
    });
  });
});

describe('validatePolicy: concurrency policies', () => {
  const base = { id: 'in-flight', match: { customerTier: 'llm' }, algorithm: 'concurrency', limit: 5, leaseSeconds: 30 };

  it('takes a lease, and names the window after it', () => {
    expect(validatePolicy(base)).toEqual({ ok: true, value: { ...base, windowSeconds: 30, burst: 5, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 } });
    expect(validatePolicy({ ...base, windowSeconds: 30 }).ok).toBe(true);
  });

  it.each([
    [{ ...base, leaseSeconds: undefined }, 'leaseSeconds', 'is required'],
    [{ ...base, leaseSeconds: 0 }, 'leaseSeconds', 'must be a number from 0.001 to 2592000'],
    [{ ...base, windowSeconds: 60 }, 'windowSeconds', 'must equal leaseSeconds (or be left out) for a concurrency policy'],
    [{ ...base, scope: 'global' }, 'scope', 'must be regional for a concurrency policy'],
    [{ ...base, mode: 'shadow' }, 'mode', 'must be enforce for a concurrency policy'],
    [{ ...base, algorithm: 'token_bucket', windowSeconds: 60 }, 'leaseSeconds', 'is only for a concurrency policy'],
  ])('refuses %j at %s', (input, path, message) => {
    expect(validatePolicy(input)).toEqual({ ok: false, errors: [{ path, message }] });
  });

  it.each([
    [{ ...base, limit: undefined, leaseSeconds: undefined, limits: [{ name: 'burst', limit: 5, windowSeconds: 1 }] }, 'limits', 'must not be combined with a concurrency policy: it limits requests in flight with one limit'],
    [{ ...base, limits: [{ name: 'burst', limit: 5, windowSeconds: 1 }] }, 'limits', 'must not be combined with a concurrency policy: it limits requests in flight with one limit'],
  ])('refuses stacked limits on a concurrency policy: %j at %s', (input, path, message) => {
    const result = validatePolicy(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toContainEqual({ path, message });
  });
});

describe('validatePolicy with stacked limits', () => {
  const plan = {
    id: 'acme',
    match: { customerId: 'acme' },
    algorithm: 'gcra',
    limits: [
      { name: 'minute', limit: 1_000, windowSeconds: 60 },
      { name: 'burst', limit: 10, windowSeconds: 1 },
      { name: 'month', limit: 100_000, window: 'calendar-month', timeZone: 'Europe/Berlin' },
    ],
  };

  it('fills every limit and describes the shortest window at the top level', () => {
    const result = validatePolicy(plan);
    expect(result.ok && result.value).toMatchObject({
      limit: 10,
      windowSeconds: 1,
      burst: 10,
      limits: [
        { name: 'minute', limit: 1_000, windowSeconds: 60, algorithm: 'gcra', burst: 1_000 },
        { name: 'burst', limit: 10, windowSeconds: 1, algorithm: 'gcra', burst: 10 },
        { name: 'month', limit: 100_000, window: 'calendar-month', timeZone: 'Europe/Berlin', algorithm: 'fixed_window', burst: 100_000 },
      ],
    });
    // Read back and written again: the same policy.
    const again = validatePolicy(result.ok ? result.value : undefined);
    expect(again).toEqual(result);
    const utc = validatePolicy({ ...plan, limits: [{ name: 'day', limit: 5, window: 'calendar-day' }] });
    expect(utc.ok && utc.value.limits).toEqual([{ name: 'day', limit: 5, algorithm: 'fixed_window', burst: 5, window: 'calendar-day', timeZone: 'UTC' }]);
  });

  it('keeps each limit\'s own scope as given, the policy\'s applying to the others (limitScope)', () => {
    const mixed = {
      ...plan,
      scope: 'global',
      limits: [
        { name: 'burst', limit: 10, windowSeconds: 1, scope: 'regional' },
        { name: 'minute', limit: 1_000, windowSeconds: 60 },
        { name: 'month', limit: 100_000, window: 'calendar-month', timeZone: 'Europe/Berlin' },
      ],
    };
    const result = validatePolicy(mixed);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.limits?.map((limit) => [limit.name, limit.scope, limitScope(result.value, limit)])).toEqual([
      ['burst', 'regional', 'regional'],
      ['minute', undefined, 'global'],
      ['month', undefined, 'global'],
    ]);
    expect(validatePolicy(result.value)).toEqual(result);
    const regional = validatePolicy({ ...plan, limits: [{ name: 'minute', limit: 1_000, windowSeconds: 60, scope: 'global' }] });
    expect(regional.ok && regional.value.limits?.map((limit) => limitScope(regional.value, limit))).toEqual(['global']);
  });

  it.each([
    [{ limits: [] }, 'limits', 'must hold 1 to 8 limits'],
    [{ limits: {} }, 'limits', 'must be an array'],
    [{ limits: [{ name: 'a', limit: 1, windowSeconds: 1 }, { name: 'a', limit: 2, windowSeconds: 2 }] }, 'limits[1].name', 'repeats "a": names must be unique'],
    [{ limits: [{ name: 'A B', limit: 1, windowSeconds: 1 }] }, 'limits[0].name', 'must be a slug of 1 to 32 characters from [a-z0-9-]'],
    [{ limits: [{ name: 'a', limit: 0, windowSeconds: 1 }] }, 'limits[0].limit', 'must be an integer from 1 to 1000000000'],
    [{ limits: [{ name: 'a', limit: 1 }] }, 'limits[0].windowSeconds', 'is required (or a calendar window)'],
    [{ limits: [{ name: 'a', limit: 1, windowSeconds: 1, window: 'calendar-day' }] }, 'limits[0].windowSeconds', 'must not be combined with window'],
    [{ limits: [{ name: 'a', limit: 1, window: 'calendar-year' }] }, 'limits[0].window', 'must be one of calendar-day, calendar-week, calendar-month'],
    [{ limits: [{ name: 'a', limit: 1, window: 'calendar-day', timeZone: 'Mars/Olympus' }] }, 'limits[0].timeZone', 'must be an IANA time zone such as UTC or Europe/Berlin'],
    [{ limits: [{ name: 'a', limit: 1, windowSeconds: 1, timeZone: 'UTC' }] }, 'limits[0].timeZone', 'is only for a calendar window'],
    [{ limits: [{ name: 'a', limit: 1, window: 'calendar-day', algorithm: 'gcra' }] }, 'limits[0].algorithm', 'must be fixed_window (or omitted) for a calendar window'],
    [{ limits: [{ name: 'a', limit: 1, windowSeconds: 1, extra: 1 }] }, 'limits[0].extra', 'is not a known field'],
    [{ limit: 11 }, 'limit', 'must be 10 (that of limits "burst", the shortest window) or be omitted'],
    [{ limits: [{ name: 'a', limit: 1, windowSeconds: 1, scope: 'everywhere' }] }, 'limits[0].scope', 'must be one of regional, global'],
    [{ leaseSeconds: 30 }, 'leaseSeconds', 'is only for a concurrency policy'],
  ])('refuses %j at %s', (change, path, message) => {
    const result = validatePolicy({ ...plan, ...change });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toContainEqual({ path, message });
  });
});
