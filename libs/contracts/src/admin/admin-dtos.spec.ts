import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { FieldError } from '../validation/field-error';
import { AssignTierDto } from './assign-tier.dto';
import { AuditQueryDto } from './audit-query.dto';
import { CreateBlockDto } from './create-block.dto';
import { CreateTierDto } from './create-tier.dto';
import { ReplaceTierDto } from './replace-tier.dto';
import { CreateApiKeyDto } from './create-api-key.dto';
import { CreatePolicyDto } from './create-policy.dto';
import { ReplacePolicyDto } from './replace-policy.dto';
import { RollbackPolicyDto } from './rollback-policy.dto';
import { SetLimitDto } from './set-limit.dto';
import { toFieldErrors } from './to-field-errors';

/** Validates like the policy service's ValidationPipe: whitelist, unknown fields rejected, first error per field. */
function errorsOf<T extends object>(cls: ClassConstructor<T>, input: unknown): FieldError[] {
  const instance = plainToInstance(cls, input);
  return toFieldErrors(validateSync(instance as object, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }));
}

const LIMIT = 'must be an integer from 1 to 1000000000';
const WINDOW = 'must be a number of seconds from 1 to 2592000, or a duration such as "30s", "1m", "1h" or "1d" within that range';

const policy = { id: 'free-tier', match: { customerTier: 'free' }, algorithm: 'token_bucket', limit: 100, windowSeconds: 60 };

describe('CreatePolicyDto', () => {
  it('accepts a minimal and a complete policy', () => {
    expect(errorsOf(CreatePolicyDto, policy)).toEqual([]);
    expect(
      errorsOf(CreatePolicyDto, {
        ...policy,
        match: { customerTier: 'free', route: '/v1/search/**', method: 'get' },
        burst: 10,
        scope: 'global',
        failureMode: 'closed',
        mode: 'shadow',
        version: 7,
      }),
    ).toEqual([]);
  });

  it('names every bad field with its path', () => {
    const errors = errorsOf(CreatePolicyDto, {
      id: 'Free Tier',
      match: { customerTier: 'free', method: 'GET /', colour: 'red' },
      algorithm: 'bogus',
      limit: 0,
      windowSeconds: 0,
      burst: 1.5,
      scope: 'planet',
      failureMode: 'maybe',
      mode: 'loud',
      extra: true,
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'extra', message: 'is not a known field' },
        { path: 'id', message: 'must be a slug of 1 to 64 characters from [a-z0-9-]' },
        { path: 'match.method', message: 'must be an HTTP method name of 1 to 16 letters' },
        { path: 'match.colour', message: 'is not a known field' },
        { path: 'algorithm', message: 'must be one of token_bucket, sliding_window, fixed_window, leaky_bucket, gcra, sliding_log, concurrency' },
        { path: 'limit', message: LIMIT },
        { path: 'windowSeconds', message: 'must be a number of seconds from 1 to 2592000 (30 days)' },
        { path: 'burst', message: 'must be an integer from 1 to 1000000000' },
        { path: 'scope', message: 'must be one of regional, global' },
        { path: 'failureMode', message: 'must be one of open, closed' },
        { path: 'mode', message: 'must be one of enforce, shadow' },
      ]),
    );
    expect(errors).toHaveLength(11);
  });

  it.each([
    ['zero', 0],
    ['negative', -5],
    ['a fraction', 1.5],
    ['above 1e9', 1_000_000_001],
    ['above 2^53', 2 ** 53 + 2],
    ['NaN', NaN],
    ['Infinity (1e309 in JSON)', Infinity],
    ['the string "NaN"', 'NaN'],
    ['a numeric string', '100'],
    ['an object', { value: 1 }],
    ['an array', [1]],
    ['a boolean', true],
  ])('rejects a limit that is %s', (_name, limit) => {
    expect(errorsOf(CreatePolicyDto, { ...policy, limit })).toEqual([{ path: 'limit', message: LIMIT }]);
  });

  it('requires the core fields and a usable match', () => {
    expect(errorsOf(CreatePolicyDto, { ...policy, limit: null })).toEqual([{ path: 'limit', message: 'is required' }]);
    expect(errorsOf(CreatePolicyDto, {})).toEqual(
      expect.arrayContaining([
        { path: 'id', message: 'is required' },
        { path: 'match', message: 'is required' },
        { path: 'algorithm', message: 'is required' },
        { path: 'limit', message: 'is required' },
        { path: 'windowSeconds', message: 'is required' },
      ]),
    );
    expect(errorsOf(CreatePolicyDto, { ...policy, match: {} })).toEqual([
      { path: 'match', message: 'must be an object naming at least one of customerTier, customerId, route, method' },
    ]);
    expect(errorsOf(CreatePolicyDto, { ...policy, match: 'free' })).toEqual([
      { path: 'match', message: 'must be an object naming at least one of customerTier, customerId, route, method' },
    ]);
    expect(errorsOf(CreatePolicyDto, { ...policy, match: { customerTier: 'free', customerId: 'acme' } })).toEqual([
      { path: 'match', message: 'customerTier and customerId must not be combined' },
    ]);
    expect(errorsOf(CreatePolicyDto, { ...policy, match: { customerId: 'bad\u0000id' } })).toEqual([
      { path: 'match.customerId', message: 'must be a string of 1 to 128 printable characters' },
    ]);
  });
});

describe('escalation settings on a policy', () => {
  it('takes any of threshold, windowSeconds and blockSeconds, and names bad ones', () => {
    expect(errorsOf(CreatePolicyDto, { ...policy, escalation: { threshold: 0 } })).toEqual([]);
    expect(errorsOf(CreatePolicyDto, { ...policy, escalation: { threshold: 3, windowSeconds: 60, blockSeconds: 900 } })).toEqual([]);
    expect(errorsOf(CreatePolicyDto, { ...policy, escalation: { threshold: 1.5, windowSeconds: 0, blockSeconds: 'long', often: true } })).toEqual([
      { path: 'escalation.often', message: 'is not a known field' },
      { path: 'escalation.threshold', message: 'must be an integer from 0 (off) to 1000' },
      { path: 'escalation.windowSeconds', message: 'must be an integer number of seconds from 1 to 3600' },
      { path: 'escalation.blockSeconds', message: 'must be an integer number of seconds from 1 to 86400' },
    ]);
    expect(errorsOf(CreatePolicyDto, { ...policy, escalation: 3 })).toEqual([{ path: 'escalation', message: 'must be an object' }]);
    expect(errorsOf(SetLimitDto, { customer_id: 'acme', limit: 5, window: 60, escalation: { threshold: 0 } })).toEqual([]);
  });
});

describe('ReplacePolicyDto', () => {
  it('takes a policy without id; a given version must still be an integer', () => {
    const withoutId = { ...policy, id: undefined };
    expect(errorsOf(ReplacePolicyDto, withoutId)).toEqual([]);
    expect(errorsOf(ReplacePolicyDto, { ...withoutId, version: 'three' })).toEqual([
      { path: 'version', message: 'must be an integer from 1 to 9007199254740991' },
    ]);
  });
});

describe('SetLimitDto', () => {
  const limit = { customer_id: 'acme', limit: 1000, window: 60 };

  it.each([60, 1, 2_592_000, 1.5, '1m', '1h', '30s', '1d', '30d', '1h30m'])('accepts the window %p', (window) => {
    expect(errorsOf(SetLimitDto, { ...limit, window })).toEqual([]);
  });

  it.each([0, 0.5, -1, 2_592_001, '31d', '500ms', '0s', 'NaN', '60', '1w', NaN, Infinity, true, {}])('rejects the window %p', (window) => {
    expect(errorsOf(SetLimitDto, { ...limit, window })).toEqual([{ path: 'window', message: WINDOW }]);
  });

  it('rejects bad limits, missing fields and unknown fields', () => {
    expect(errorsOf(SetLimitDto, { ...limit, limit: 2 ** 53 + 2 })).toEqual([{ path: 'limit', message: LIMIT }]);
    expect(errorsOf(SetLimitDto, { limit: 5, windowSeconds: 60 })).toEqual(
      expect.arrayContaining([
        { path: 'windowSeconds', message: 'is not a known field' },
        { path: 'customer_id', message: 'is required' },
        { path: 'window', message: 'is required' },
      ]),
    );
    expect(errorsOf(SetLimitDto, { ...limit, customer_id: '' })).toEqual([
      { path: 'customer_id', message: 'must be a string of 1 to 128 printable characters' },
    ]);
  });

  it('takes the optional policy fields', () => {
    expect(errorsOf(SetLimitDto, { ...limit, algorithm: 'gcra', burst: 5, scope: 'global', failureMode: 'closed', mode: 'shadow' })).toEqual([]);
    expect(errorsOf(SetLimitDto, { ...limit, burst: 0 })).toEqual([{ path: 'burst', message: 'must be an integer from 1 to 1000000000' }]);
  });
});

describe('small DTOs', () => {
  it('AssignTierDto', () => {
    expect(errorsOf(AssignTierDto, { tier: 'free' })).toEqual([]);
    expect(errorsOf(AssignTierDto, { tier: 'gold plated' })).toEqual([
      { path: 'tier', message: 'must be a tier name of 1 to 64 characters from [A-Za-z0-9_.-]' },
    ]);
  });

  it('RollbackPolicyDto', () => {
    expect(errorsOf(RollbackPolicyDto, { version: 2 })).toEqual([]);
    expect(errorsOf(RollbackPolicyDto, { version: '2' })).toEqual([{ path: 'version', message: 'must be an integer from 1 to 9007199254740991' }]);
  });

  it('CreateApiKeyDto', () => {
    expect(errorsOf(CreateApiKeyDto, { name: 'enforcer us-east', role: 'viewer' })).toEqual([]);
    expect(errorsOf(CreateApiKeyDto, { name: '', role: 'root' })).toEqual([
      { path: 'name', message: 'must be a name of 1 to 64 printable characters' },
      { path: 'role', message: 'must be one of viewer, editor, admin, enforcer' },
    ]);
  });

  it('AuditQueryDto converts query strings and checks the filters', () => {
    const query = plainToInstance(AuditQueryDto, { limit: '20', before: '7' });
    expect(query).toEqual({ limit: 20, before: 7 });
    expect(errorsOf(AuditQueryDto, { limit: 'abc', before: '0' })).toEqual([
      { path: 'limit', message: 'must be an integer from 1 to 500' },
      { path: 'before', message: 'must be a positive integer audit entry id' },
    ]);
    expect(errorsOf(AuditQueryDto, { entity: 'tier', entityId: 'gold', actor: 'ci deploy', since: '2026-11-30T00:00:00Z', until: '2026-12-01T00:00:00.000Z' })).toEqual([]);
    expect(errorsOf(AuditQueryDto, { entity: 'planet', entityId: '', actor: 'x'.repeat(257), since: 'yesterday', until: '2026-13-01T00:00:00Z' })).toEqual([
      { path: 'entity', message: 'must be one of policy, customer, override, tier, block, api_key, envoy_domain, counter' },
      { path: 'entityId', message: 'must be 1 to 256 printable characters' },
      { path: 'actor', message: 'must be 1 to 256 printable characters' },
      { path: 'since', message: 'must be an ISO-8601 date-time' },
      { path: 'until', message: 'must be an ISO-8601 date-time' },
    ]);
  });

  it('CreateTierDto and ReplaceTierDto', () => {
    expect(errorsOf(CreateTierDto, { id: 'gold' })).toEqual([]);
    expect(errorsOf(CreateTierDto, { id: 'gold', description: 'Paying customers, 10x the free limits' })).toEqual([]);
    expect(errorsOf(CreateTierDto, { id: 'gold plated', description: 'a\u0000b', extra: 1 })).toEqual([
      { path: 'extra', message: 'is not a known field' },
      { path: 'id', message: 'must be a tier name of 1 to 64 characters from [A-Za-z0-9_.-]' },
      { path: 'description', message: 'must be at most 500 printable characters' },
    ]);
    expect(errorsOf(CreateTierDto, {})).toEqual([{ path: 'id', message: 'is required' }]);
    expect(errorsOf(ReplaceTierDto, { description: '' })).toEqual([]);
    expect(errorsOf(ReplaceTierDto, { description: 'x'.repeat(501) })).toEqual([{ path: 'description', message: 'must be at most 500 printable characters' }]);
    expect(errorsOf(ReplaceTierDto, {})).toEqual([{ path: 'description', message: 'is required' }]);
  });

  it("CreateBlockDto takes an automatic block's denials and checks each", () => {
    const block = { type: 'key', value: 'user:1', ttlSeconds: 60, reason: 'automatic', source: 'automatic' };
    const denial = { policyId: 'search', at: '2026-11-30T10:00:00.000Z', region: 'us-east', route: '/v1/search', method: 'GET', customerId: 'acme' };
    expect(errorsOf(CreateBlockDto, { ...block, denials: [denial, { policyId: 'inline', at: '2026-11-30T10:00:01Z', region: 'eu-west', limit: 5, windowSeconds: 60 }] })).toEqual([]);
    expect(errorsOf(CreateBlockDto, { ...block, denials: [{ ...denial, policyId: 'Search', at: 'now', region: 'US', method: 'GET /' }] })).toEqual([
      { path: 'denials[0].policyId', message: 'must be a slug of 1 to 64 characters from [a-z0-9-]' },
      { path: 'denials[0].at', message: 'must be an ISO-8601 date-time' },
      { path: 'denials[0].region', message: 'must be a region name of 1 to 32 characters from [a-z0-9-]' },
      { path: 'denials[0].method', message: 'must be an HTTP method name of 1 to 16 letters' },
    ]);
    expect(errorsOf(CreateBlockDto, { ...block, denials: Array.from({ length: 51 }, () => denial) })).toEqual([{ path: 'denials', message: 'must hold at most 50 denials' }]);
    expect(errorsOf(CreateBlockDto, { ...block, denials: 'many' })).toEqual([{ path: 'denials', message: 'must be an array' }]);
  });
});

describe('toFieldErrors', () => {
  it('indexes array items', () => {
    expect(
      toFieldErrors([{ property: 'items', children: [{ property: '2', children: [{ property: 'tier', constraints: { matches: 'bad' } }] }] }]),
    ).toEqual([{ path: 'items[2].tier', message: 'bad' }]);
  });
});
