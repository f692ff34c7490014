import { generateSigningKeyPair, MessageSigner, MessageVerifier, type SigningKeyPair } from '@rl/platform';

/** Signing keys of the reconciler's tests (made once per test process): its allocation key, each region's usage key, and a forger's. */
export const TEST_ALLOCATION_KEY = generateSigningKeyPair();
export const FORGER_KEY = generateSigningKeyPair();
export const testAllocationVerifier = MessageVerifier.fromText([TEST_ALLOCATION_KEY.publicKey]);
const usageKeys = new Map<string, SigningKeyPair>();

/** A region's usage-report key pair. */
export function testUsageKey(region: string): SigningKeyPair {
  let pair = usageKeys.get(region);
  if (pair === undefined) {
    pair = generateSigningKeyPair();
    usageKeys.set(region, pair);
  }
  return pair;
}

export function testUsageSigner(region: string): MessageSigner {
  return MessageSigner.fromText(testUsageKey(region).privateKey);
}

/** The reconciler's signing environment for `regions`. */
export function reconcilerSigningEnv(regions: readonly string[]): Record<string, string> {
  return {
    ALLOCATION_SIGNING_PRIVATE_KEY: TEST_ALLOCATION_KEY.privateKey,
    USAGE_SIGNING_PUBLIC_KEYS: regions.map((region) => `${region}=${testUsageKey(region).publicKey}`).join(','),
  };
}
