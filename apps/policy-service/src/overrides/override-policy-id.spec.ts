import { POLICY_RULES } from '@rl/contracts';
import { overridePolicyId } from './override-policy-id';

describe('overridePolicyId', () => {
  it('is a deterministic, readable slug with a hash of the customer id', () => {
    expect(overridePolicyId('acme')).toBe('override-acme-822b33ad');
    expect(overridePolicyId('acme')).toBe(overridePolicyId('acme'));
  });

  it('keeps customer ids that slug alike apart', () => {
    expect(overridePolicyId('Acme')).not.toBe(overridePolicyId('acme'));
    expect(overridePolicyId('a b')).not.toBe(overridePolicyId('a-b'));
  });

  it.each(['acme', 'ACME Corp.', 'user:42', '   ', '日本', 'x'.repeat(128), '-lead-and-trail-', 'a'.repeat(39) + '-b'])('is a valid policy id for %j', (customerId) => {
    const id = overridePolicyId(customerId);
    expect(id).toMatch(POLICY_RULES.id.pattern);
    expect(id).toMatch(/^override-([a-z0-9]+(-[a-z0-9]+)*-)?[0-9a-f]{8}$/);
  });
});
