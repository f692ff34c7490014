import { MessageSigner, MessageVerifier } from '@rl/platform';
import { defaultStackSigningKeys, enforcerSigningEnv, generateStackSigningKeys, policyServiceSigningEnv, reconcilerSigningEnv } from './signing';

const payload = new TextEncoder().encode('{"revision":1}');

describe('stack signing keys', () => {
  it('hands each process its part: private keys only to their owner, and public keys that verify them', () => {
    const keys = generateStackSigningKeys();
    const policyService = policyServiceSigningEnv(keys);
    const east = enforcerSigningEnv(keys, 'us-east');
    const west = enforcerSigningEnv(keys, 'eu-west');
    const reconciler = reconcilerSigningEnv(keys, ['us-east', 'eu-west']);
    expect(Object.keys(policyService)).toEqual(['POLICY_SIGNING_PRIVATE_KEY']);
    expect(Object.keys(east)).toEqual(['POLICY_SIGNING_PUBLIC_KEYS', 'ALLOCATION_SIGNING_PUBLIC_KEYS', 'USAGE_SIGNING_PRIVATE_KEY']);
    expect(Object.keys(reconciler)).toEqual(['ALLOCATION_SIGNING_PRIVATE_KEY', 'USAGE_SIGNING_PUBLIC_KEYS']);

    const change = MessageSigner.fromText(policyService.POLICY_SIGNING_PRIVATE_KEY).sign('policy-change', payload).envelope;
    expect(MessageVerifier.fromText(east.POLICY_SIGNING_PUBLIC_KEYS.split(',')).verify('policy-change', change).ok).toBe(true);
    const allocation = MessageSigner.fromText(reconciler.ALLOCATION_SIGNING_PRIVATE_KEY).sign('allocation', payload).envelope;
    expect(MessageVerifier.fromText(west.ALLOCATION_SIGNING_PUBLIC_KEYS.split(',')).verify('allocation', allocation).ok).toBe(true);

    // Each region's report verifies with its own entry of USAGE_SIGNING_PUBLIC_KEYS, and only with it.
    const byRegion = new Map(reconciler.USAGE_SIGNING_PUBLIC_KEYS.split(',').map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
    const report = MessageSigner.fromText(east.USAGE_SIGNING_PRIVATE_KEY).sign('usage-report', payload).envelope;
    expect(MessageVerifier.fromText([byRegion.get('us-east') ?? '']).verify('usage-report', report).ok).toBe(true);
    expect(MessageVerifier.fromText([byRegion.get('eu-west') ?? '']).verify('usage-report', report)).toMatchObject({ ok: false, reason: 'unknown_key' });
    expect(east.USAGE_SIGNING_PRIVATE_KEY).not.toBe(west.USAGE_SIGNING_PRIVATE_KEY);
  });

  it('uses one default set per process, and a fresh set is another', () => {
    expect(defaultStackSigningKeys()).toBe(defaultStackSigningKeys());
    expect(defaultStackSigningKeys().usage('us-east')).toBe(defaultStackSigningKeys().usage('us-east'));
    expect(generateStackSigningKeys().policy.keyId).not.toBe(defaultStackSigningKeys().policy.keyId);
  });
});
