import { assertNamespace, policyChangeMsgId, policyChangesStream, policyChangesSubject } from './subjects';

describe('control-plane subjects', () => {
  it('derives stream, subject and message id from a validated namespace', () => {
    expect(policyChangesStream('rl')).toBe('RL_POLICY_CHANGES');
    expect(policyChangesStream('e2e-42')).toBe('E2E_42_POLICY_CHANGES');
    expect(policyChangesSubject('rl')).toBe('rl.policy.changes');
    expect(policyChangeMsgId(17, new Uint8Array(64))).toBe('policy-rev-17-AAAAAAAAAAAAAAAAAAAAAA');
  });

  it.each(['', 'RL', 'a.b', 'a*', 'a>', 'x'.repeat(33), 'a b'])('rejects the namespace %j', (bad) => {
    expect(() => assertNamespace(bad)).toThrow('NATS namespace must match');
  });
});
