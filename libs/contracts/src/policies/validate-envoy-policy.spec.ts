import { validatePolicy } from './validate-policy';
import { validatePolicyDocument } from './validate-policy-document';

const limited = {
  id: 'envoy-edge-0123456789ab',
  match: { envoy: { domain: 'edge', descriptors: [{ key: 'remote_address' }] } },
  algorithm: 'fixed_window',
  limit: 10,
  windowSeconds: 1,
  envoy: { position: 0, rateLimit: 'limited', unit: 'second', replaces: [] },
};

describe('validatePolicy: rules imported from envoyproxy/ratelimit files', () => {
  it('reads a limited rule and fills the flags', () => {
    expect(validatePolicy(limited)).toEqual({
      ok: true,
      value: {
        ...limited,
        burst: 10,
        scope: 'regional',
        failureMode: 'open',
        mode: 'enforce',
        version: 1,
        envoy: { position: 0, rateLimit: 'limited', unit: 'second', replaces: [], shareThreshold: false, quotaMode: false, detailedMetric: false, valueToMetric: false },
      },
    });
  });

  it('accepts a zero requests_per_unit, a year and our extension', () => {
    const result = validatePolicy({
      ...limited,
      algorithm: 'sliding_window',
      limit: 0,
      burst: 0,
      windowSeconds: 31_536_000,
      scope: 'global',
      failureMode: 'closed',
      envoy: { ...limited.envoy, unit: 'year', name: 'yearly', replaces: ['other'], shareThreshold: true },
    });
    expect(result.ok && result.value).toMatchObject({ limit: 0, windowSeconds: 31_536_000, envoy: { unit: 'year', name: 'yearly', replaces: ['other'] } });
  });

  it('wants zeros for an unlimited rule or one without a rate limit', () => {
    expect(validatePolicy({ ...limited, limit: 0, windowSeconds: 0, envoy: { position: 3, rateLimit: 'unlimited' } }).ok).toBe(true);
    expect(validatePolicy({ ...limited, limit: 5, windowSeconds: 60, burst: 1, envoy: { position: 3, rateLimit: 'none' } })).toEqual({
      ok: false,
      errors: [
        { path: 'limit', message: 'must be 0 for an envoy rule that is not rate limited' },
        { path: 'windowSeconds', message: 'must be 0 for an envoy rule that is not rate limited' },
        { path: 'burst', message: 'must be 0 for an envoy rule that is not rate limited' },
      ],
    });
    expect(validatePolicy({ ...limited, limit: 0, windowSeconds: 0, envoy: { position: 3, rateLimit: 'unlimited', unit: 'minute' } })).toEqual({
      ok: false,
      errors: [{ path: 'envoy.unit', message: 'is only for a limited rate limit' }],
    });
  });

  it('reports bad envoy fields with their paths', () => {
    const result = validatePolicy(
      {
        ...limited,
        match: { envoy: { domain: '', descriptors: [{ key: 'a', value: 7 }, { value: 'x' }] }, route: '/x' },
        windowSeconds: 60,
        envoy: { position: -1, rateLimit: 'limited', unit: 'fortnight', replaces: 'b', shareThreshold: 'yes' },
      },
      { path: 'policies[0]' },
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: 'policies[0].match.route', message: 'must not be combined with envoy' },
        { path: 'policies[0].match.envoy.domain', message: 'must be a domain of 1 to 255 printable characters' },
        { path: 'policies[0].match.envoy.descriptors[0].value', message: 'must be a descriptor value of 1 to 1024 printable characters' },
        { path: 'policies[0].match.envoy.descriptors[1].key', message: 'is required' },
        { path: 'policies[0].envoy.position', message: 'must be an integer from 0 to 999' },
        { path: 'policies[0].envoy.unit', message: 'must be one of second, minute, hour, day, week, month, year' },
        { path: 'policies[0].envoy.replaces', message: 'must be an array of at most 64 names' },
        { path: 'policies[0].envoy.shareThreshold', message: 'must be a boolean' },
      ],
    });
  });

  it('needs the unit length as windowSeconds, and envoy exactly with match.envoy', () => {
    expect(validatePolicy({ ...limited, windowSeconds: 60 })).toEqual({ ok: false, errors: [{ path: 'windowSeconds', message: 'must be 1, the length of a second' }] });
    expect(validatePolicy({ ...limited, envoy: undefined })).toEqual({ ok: false, errors: [{ path: 'envoy', message: 'is required with match.envoy' }] });
    expect(validatePolicy({ ...limited, match: { customerTier: 'free' } })).toEqual({
      ok: false,
      errors: [{ path: 'envoy', message: 'is only for a policy that matches match.envoy' }],
    });
  });

  it('tells envoy rules of different paths apart in a policy document', () => {
    const other = { ...limited, id: 'envoy-edge-other', match: { envoy: { domain: 'edge', descriptors: [{ key: 'remote_address', value: '50.0.0.5' }] } } };
    expect(validatePolicyDocument({ policies: [limited, other] }).ok).toBe(true);
    expect(validatePolicyDocument({ policies: [limited, { ...limited, id: 'envoy-edge-again' }] })).toEqual({
      ok: false,
      errors: [{ path: 'policies[1].match', message: 'matches the same requests as policies[0].match' }],
    });
  });
});
