import type { Policy } from '@rl/contracts';
import { createLogger } from '@rl/platform';
import { EnforcerConfig } from '../config/enforcer-config';
import { PolicyResolver } from './policy-resolver';
import { StaticPolicySource } from './static-policy-source';

const tierPolicy: Policy = {
  id: 'free-tier',
  match: { customerTier: 'free', method: 'GET' },
  algorithm: 'sliding_window',
  limit: 5,
  windowSeconds: 1,
  burst: 5,
  scope: 'regional',
  failureMode: 'closed',
  mode: 'shadow',
  version: 2,
};

function resolver(): { resolver: PolicyResolver; source: StaticPolicySource } {
  const config = EnforcerConfig.fromEnv({ DEFAULT_POLICY_LIMIT: '7', DEFAULT_POLICY_WINDOW_SECONDS: '30', DEFAULT_POLICY_ALGORITHM: 'gcra' });
  const source = new StaticPolicySource({ policies: [tierPolicy], overrides: [], customers: { acme: { tier: 'free' } } });
  return { resolver: new PolicyResolver(source, config, createLogger({ service: 'test', level: 'silent' })), source };
}

describe('PolicyResolver', () => {
  it('prefers a stored policy, matching the method case-insensitively', () => {
    const policy = resolver().resolver.resolve({ key: 'k', customerId: 'acme', method: 'get', limit: 1, windowSeconds: 1 });
    expect(policy).toMatchObject({ ref: { id: 'free-tier', version: 2 }, algorithm: 'sliding_window', failureMode: 'closed', shadow: true });
  });

  it('uses an inline limit when no stored policy matches, one counter per limit and window', () => {
    const { resolver: r } = resolver();
    const inline = r.resolve({ key: 'k', limit: 10, windowSeconds: 0.5 });
    expect(inline).toMatchObject({
      ref: { id: 'inline', version: 0 },
      counterId: 'inline:10:0.5',
      algorithm: 'gcra',
      windowUs: 500_000,
      quota: { limit: 10, burst: 10, policyHeader: '"inline";q=10;w=1' },
    });
    expect(r.resolve({ key: 'other', limit: 10, windowSeconds: 0.5 })).toBe(inline);
    expect(r.resolve({ key: 'k', limit: 10, windowSeconds: 1 }).counterId).toBe('inline:10:1');
  });

  it('falls back to the configured default', () => {
    expect(resolver().resolver.resolve({ key: 'k', customerId: 'acme', method: 'POST' })).toMatchObject({
      ref: { id: 'default', version: 0 },
      counterId: 'default',
      algorithm: 'gcra',
      failureMode: 'open',
      quota: { limit: 7, burst: 7, policyHeader: '"default";q=7;w=30' },
    });
  });

  it('follows new snapshots from its source and stops on destroy', () => {
    const { resolver: r, source } = resolver();
    source.replace({ policies: [], overrides: [{ ...tierPolicy, id: 'acme-override', match: { customerId: 'acme' }, mode: 'enforce' }], customers: {} });
    expect(r.resolve({ key: 'k', customerId: 'acme' }).ref.id).toBe('acme-override');
    expect(r.revision).toBe('static-1');
    r.onModuleDestroy();
    source.replace({ policies: [], overrides: [], customers: {} });
    expect(r.resolve({ key: 'k', customerId: 'acme' }).ref.id).toBe('acme-override');
  });
});

describe('PolicyResolver with concurrency policies', () => {
  const inFlight: Policy = { ...tierPolicy, id: 'in-flight', algorithm: 'concurrency', limit: 3, windowSeconds: 20, leaseSeconds: 20, burst: 3, mode: 'enforce', version: 4 };
  const config = EnforcerConfig.fromEnv({});
  const logger = createLogger({ service: 'test', level: 'silent' });

  it('keeps them out of checks and gives them to acquires, even with the same match as a rate policy', () => {
    const source = new StaticPolicySource({ policies: [tierPolicy, inFlight], overrides: [], customers: { acme: { tier: 'free' } } });
    const r = new PolicyResolver(source, config, logger);
    const request = { key: 'k', customerId: 'acme', method: 'GET' };
    expect(r.resolve(request).ref.id).toBe('free-tier');
    expect(r.resolveConcurrency(request)).toMatchObject({ ref: { id: 'in-flight', version: 4 }, quota: { limit: 3 }, windowUs: 20_000_000, failureMode: 'closed' });
    expect(r.resolveConcurrency({ key: 'k', customerId: 'other' })).toBeUndefined();
  });

  it('has none when the snapshot has none', () => {
    const r = new PolicyResolver(new StaticPolicySource({ policies: [tierPolicy], overrides: [], customers: {} }), config, logger);
    expect(r.resolveConcurrency({ key: 'k' })).toBeUndefined();
  });
});
