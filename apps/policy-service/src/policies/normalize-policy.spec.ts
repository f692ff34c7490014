import { plainToInstance } from 'class-transformer';
import { CreatePolicyDto } from '@rl/contracts';
import { RuleViolationError } from '../errors/api-errors';
import { normalizePolicy, reservedIdProblem } from './normalize-policy';
import { canonicalPolicy, matchKey } from './policy-row';

describe('normalizePolicy', () => {
  it('fills the defaults and upper-cases the method', () => {
    const dto = plainToInstance(CreatePolicyDto, { id: 'p', match: { route: '/v1/**', method: 'get' }, algorithm: 'gcra', limit: 10, windowSeconds: 1 });
    expect(normalizePolicy({ id: 'p', fields: dto, version: 4 })).toEqual({
      id: 'p',
      match: { route: '/v1/**', method: 'GET' },
      algorithm: 'gcra',
      limit: 10,
      windowSeconds: 1,
      burst: 10,
      scope: 'regional',
      failureMode: 'open',
      mode: 'enforce',
      version: 4,
    });
  });

  it('reports what the enforcer would reject as a rule violation', () => {
    const dto = plainToInstance(CreatePolicyDto, { id: 'p', match: { customerTier: 'free' }, algorithm: 'gcra', limit: 10, windowSeconds: 1 });
    expect(() => normalizePolicy({ id: 'Not A Slug', fields: dto, version: 1 })).toThrow(RuleViolationError);
  });

  it('reserves the snapshot route and the override ids', () => {
    expect(reservedIdProblem('snapshot')).toMatch(/reserved/);
    expect(reservedIdProblem('override-acme')).toMatch(/override/);
    expect(reservedIdProblem('free-tier')).toBeUndefined();
  });
});

describe('canonicalPolicy and matchKey', () => {
  it('orders fields as the contract does, whatever order jsonb returned', () => {
    const shuffled = JSON.parse(
      '{"mode":"enforce","burst":5,"limit":5,"match":{"method":"GET","customerTier":"free"},"scope":"regional","version":2,"algorithm":"gcra","failureMode":"open","windowSeconds":1,"id":"p"}',
    );
    expect(JSON.stringify(canonicalPolicy(shuffled))).toBe(
      '{"id":"p","match":{"customerTier":"free","method":"GET"},"algorithm":"gcra","limit":5,"windowSeconds":1,"burst":5,"scope":"regional","failureMode":"open","mode":"enforce","version":2}',
    );
  });

  it('gives equal matches one key whatever the field order', () => {
    expect(matchKey({ route: '/a', customerTier: 'free' })).toBe(matchKey({ customerTier: 'free', route: '/a' }));
    expect(matchKey({ customerTier: 'free' })).not.toBe(matchKey({ customerId: 'free' }));
  });

  it('keys a concurrency policy apart from a rate policy of the same match, and rate policies as before', () => {
    expect(matchKey({ customerTier: 'free' }, 'concurrency')).not.toBe(matchKey({ customerTier: 'free' }, 'token_bucket'));
    expect(matchKey({ customerTier: 'free' }, 'gcra')).toBe(matchKey({ customerTier: 'free' }));
  });
});
