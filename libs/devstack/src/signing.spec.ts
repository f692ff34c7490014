import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { defaultStackSigningKeys, enforcerSigningEnv, generateStackSigningKeys, policyServiceSigningEnv, reconcilerSigningEnv } from './signing';

const payload = Buffer.from('{"revision":1}');

/** Signs with a configured private key (base64 PKCS#8 DER) and checks with configured public keys (base64 SPKI DER). */
const signedBy = (privateKey: string): Buffer => sign(null, payload, createPrivateKey({ key: Buffer.from(privateKey, 'base64'), format: 'der', type: 'pkcs8' }));
const verifies = (publicKeys: string, signature: Buffer): boolean =>
  publicKeys.split(',').some((key) => verify(null, payload, createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' }), signature));

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

    expect(verifies(east.POLICY_SIGNING_PUBLIC_KEYS, signedBy(policyService.POLICY_SIGNING_PRIVATE_KEY))).toBe(true);
    expect(verifies(west.ALLOCATION_SIGNING_PUBLIC_KEYS, signedBy(reconciler.ALLOCATION_SIGNING_PRIVATE_KEY))).toBe(true);

    // Each region's report verifies with its own entry of USAGE_SIGNING_PUBLIC_KEYS, and only with it.
    const byRegion = new Map(reconciler.USAGE_SIGNING_PUBLIC_KEYS.split(',').map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
    const report = signedBy(east.USAGE_SIGNING_PRIVATE_KEY);
    expect(verifies(byRegion.get('us-east') ?? '', report)).toBe(true);
    expect(verifies(byRegion.get('eu-west') ?? '', report)).toBe(false);
    expect(east.USAGE_SIGNING_PRIVATE_KEY).not.toBe(west.USAGE_SIGNING_PRIVATE_KEY);
  });

  it('uses one default set per process, and a fresh set is another', () => {
    expect(defaultStackSigningKeys()).toBe(defaultStackSigningKeys());
    expect(defaultStackSigningKeys().usage('us-east')).toBe(defaultStackSigningKeys().usage('us-east'));
    expect(generateStackSigningKeys().policy.keyId).not.toBe(defaultStackSigningKeys().policy.keyId);
  });
});
