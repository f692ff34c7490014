import { parsePolicyChangeMessage, POLICY_CHANGE_MESSAGE_MAX_BYTES } from './parse-policy-change-message';

const envelope = { revision: 7, committedAt: '2026-03-01T12:00:00.123Z' };
const policy = { id: 'free-tier', match: { customerTier: 'free' }, algorithm: 'gcra', limit: 50, windowSeconds: 60 };
const override = { id: 'acme-override', match: { customerId: 'acme' }, algorithm: 'fixed_window', limit: 1000, windowSeconds: 60, version: 2 };
const filled = { burst: 50, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 };

const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

describe('parsePolicyChangeMessage', () => {
  it.each([
    ['policy.upserted', { kind: 'policy.upserted', policy }, { kind: 'policy.upserted', policy: { ...policy, ...filled } }],
    ['policy.deleted', { kind: 'policy.deleted', policyId: 'free-tier' }, { kind: 'policy.deleted', policyId: 'free-tier' }],
    ['counter.reset', { kind: 'counter.reset', policyId: 'free-tier', key: 'user:42' }, { kind: 'counter.reset', policyId: 'free-tier', key: 'user:42' }],
    [
      'override.upserted',
      { kind: 'override.upserted', customerId: 'acme', policy: override },
      { kind: 'override.upserted', customerId: 'acme', policy: { ...override, burst: 1000, scope: 'regional', failureMode: 'open', mode: 'enforce' } },
    ],
    ['override.deleted', { kind: 'override.deleted', customerId: 'acme' }, { kind: 'override.deleted', customerId: 'acme' }],
    [
      'customer.upserted',
      { kind: 'customer.upserted', customerId: 'acme', assignment: { tier: 'pro' } },
      { kind: 'customer.upserted', customerId: 'acme', assignment: { tier: 'pro' } },
    ],
    ['customer.deleted', { kind: 'customer.deleted', customerId: 'acme' }, { kind: 'customer.deleted', customerId: 'acme' }],
  ])('reads a %s change from bytes', (_kind, change, expected) => {
    expect(parsePolicyChangeMessage(bytes({ ...envelope, change }))).toEqual({ ok: true, value: { ...envelope, change: expected } });
  });

  it('drops fields it does not know, at every level (a newer control plane may add some)', () => {
    const result = parsePolicyChangeMessage(
      JSON.stringify({ ...envelope, traceId: 'x', change: { kind: 'policy.upserted', actor: 'ops', policy: { ...policy, createdAt: 'now' } } }),
    );
    expect(result).toEqual({ ok: true, value: { ...envelope, change: { kind: 'policy.upserted', policy: { ...policy, ...filled } } } });
  });

  it.each<[string, unknown, Array<{ path: string; message: string }>]>([
    ['not JSON', '{"revision":', [{ path: '', message: 'must be UTF-8 JSON' }]],
    ['not an object', [1, 2], [{ path: '', message: 'must be an object' }]],
    [
      'an empty object',
      {},
      [
        { path: 'revision', message: 'is required' },
        { path: 'committedAt', message: 'is required' },
        { path: 'change', message: 'is required' },
      ],
    ],
    [
      'a bad envelope',
      { revision: 0, committedAt: 'yesterday', change: 'policy.upserted' },
      [
        { path: 'revision', message: 'must be an integer from 1 to 9007199254740991' },
        { path: 'committedAt', message: 'must be an ISO-8601 date-time' },
        { path: 'change', message: 'must be an object' },
      ],
    ],
    ['a fractional revision', { ...envelope, revision: 1.5, change: { kind: 'policy.deleted', policyId: 'a' } }, [{ path: 'revision', message: 'must be an integer from 1 to 9007199254740991' }]],
    ['a string revision', { ...envelope, revision: '7', change: { kind: 'policy.deleted', policyId: 'a' } }, [{ path: 'revision', message: 'must be an integer from 1 to 9007199254740991' }]],
    [
      'an unknown kind',
      { ...envelope, change: { kind: 'policy.renamed' } },
      [
        {
          path: 'change.kind',
          message: 'must be one of policy.upserted, policy.deleted, override.upserted, override.deleted, customer.upserted, customer.deleted, block.added, block.removed, counter.reset, envoy.domain.replaced',
        },
      ],
    ],
    ['an upsert without its policy', { ...envelope, change: { kind: 'policy.upserted' } }, [{ path: 'change.policy', message: 'is required' }]],
    ['a delete with a bad id', { ...envelope, change: { kind: 'policy.deleted', policyId: 'Free Tier' } }, [{ path: 'change.policyId', message: 'must be a slug of 1 to 64 characters from [a-z0-9-]' }]],
    [
      'a customer change with bad fields',
      { ...envelope, change: { kind: 'customer.upserted', customerId: 'a\u0000b', assignment: { tier: 'gold plated' } } },
      [
        { path: 'change.customerId', message: 'must be a string of 1 to 128 printable characters' },
        { path: 'change.assignment.tier', message: 'must be a tier name of 1 to 64 characters from [A-Za-z0-9_.-]' },
      ],
    ],
    ['a customer change without assignment', { ...envelope, change: { kind: 'customer.upserted', customerId: 'acme' } }, [{ path: 'change.assignment', message: 'is required' }]],
    [
      'an invalid policy, with the policy validator\'s paths',
      // 1e309 overflows to Infinity when parsed.
      JSON.stringify({ ...envelope, change: { kind: 'policy.upserted', policy: { ...policy, limit: 'LIMIT', algorithm: 'magic' } } }).replace('"LIMIT"', '1e309'),
      [
        { path: 'change.policy.algorithm', message: 'must be one of token_bucket, sliding_window, fixed_window, leaky_bucket, gcra, sliding_log, concurrency' },
        { path: 'change.policy.limit', message: 'must be an integer from 1 to 1000000000' },
      ],
    ],
    [
      'an override for another customer',
      { ...envelope, change: { kind: 'override.upserted', customerId: 'acme', policy: { ...override, match: { customerId: 'beta' } } } },
      [{ path: 'change.policy.match', message: 'an override must match exactly customerId "acme" and nothing else' }],
    ],
    [
      'an override that also matches a route',
      { ...envelope, change: { kind: 'override.upserted', customerId: 'acme', policy: { ...override, match: { customerId: 'acme', route: '/x' } } } },
      [{ path: 'change.policy.match', message: 'an override must match exactly customerId "acme" and nothing else' }],
    ],
  ])('rejects %s, naming each field path', (_name, input, errors) => {
    expect(parsePolicyChangeMessage(typeof input === 'string' ? input : JSON.stringify(input))).toEqual({ ok: false, errors });
  });

  it('rejects bytes that are not UTF-8 and payloads over the size limit', () => {
    expect(parsePolicyChangeMessage(new Uint8Array([0x7b, 0xff, 0x7d]))).toEqual({ ok: false, errors: [{ path: '', message: 'must be UTF-8 JSON' }] });
    expect(parsePolicyChangeMessage(new Uint8Array(POLICY_CHANGE_MESSAGE_MAX_BYTES + 1))).toEqual({
      ok: false,
      errors: [{ path: '', message: `must be at most ${POLICY_CHANGE_MESSAGE_MAX_BYTES} bytes` }],
    });
  });
});

describe('parsePolicyChangeMessage: an envoy domain replaced in one revision', () => {
  const rule = (domain: string, key: string) => ({
    id: `envoy-${key}`,
    match: { envoy: { domain, descriptors: [{ key }] } },
    algorithm: 'fixed_window',
    limit: 5,
    windowSeconds: 60,
    envoy: { position: 0, rateLimit: 'limited', unit: 'minute', replaces: [] },
  });

  it('reads the domain and every policy', () => {
    const result = parsePolicyChangeMessage(bytes({ ...envelope, change: { kind: 'envoy.domain.replaced', domain: 'edge', policies: [rule('edge', 'a'), rule('edge', 'b')] } }));
    expect(result.ok && result.value.change).toMatchObject({ kind: 'envoy.domain.replaced', domain: 'edge', policies: [{ id: 'envoy-a' }, { id: 'envoy-b' }] });
  });

  it('accepts an empty domain (every rule deleted) and refuses rules of another domain', () => {
    expect(parsePolicyChangeMessage(bytes({ ...envelope, change: { kind: 'envoy.domain.replaced', domain: 'edge', policies: [] } })).ok).toBe(true);
    expect(parsePolicyChangeMessage(bytes({ ...envelope, change: { kind: 'envoy.domain.replaced', domain: 'edge', policies: [rule('other', 'a'), { id: 'x' }] } }))).toEqual({
      ok: false,
      errors: [
        { path: 'change.policies[0].match.envoy.domain', message: 'must be the replaced domain "edge"' },
        { path: 'change.policies[1].match', message: 'is required' },
        { path: 'change.policies[1].algorithm', message: 'is required' },
        { path: 'change.policies[1].limit', message: 'is required' },
        { path: 'change.policies[1].windowSeconds', message: 'is required' },
      ],
    });
    expect(parsePolicyChangeMessage(bytes({ ...envelope, change: { kind: 'envoy.domain.replaced', domain: 'edge' } }))).toEqual({
      ok: false,
      errors: [{ path: 'change.policies', message: 'is required' }],
    });
  });
});
