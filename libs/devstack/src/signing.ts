import { generateSigningKeyPair, type SigningKeyPair } from '@rl/contracts';

/**
 * The Ed25519 keys of one stack's signed control messages (issue 13): the policy service's (policy
 * changes and snapshots), the reconciler's (allocations), and one per region (usage reports). The
 * helpers here hand each process exactly its part: private keys only to their owner, public keys
 * to whoever verifies.
 */
export interface StackSigningKeys {
  readonly policy: SigningKeyPair;
  readonly allocation: SigningKeyPair;
  /** The region's usage-report key pair, made on first use. */
  usage(region: string): SigningKeyPair;
}

export function generateStackSigningKeys(): StackSigningKeys {
  const policy = generateSigningKeyPair();
  const allocation = generateSigningKeyPair();
  const usage = new Map<string, SigningKeyPair>();
  return {
    policy,
    allocation,
    usage(region) {
      let pair = usage.get(region);
      if (pair === undefined) {
        pair = generateSigningKeyPair();
        usage.set(region, pair);
      }
      return pair;
    },
  };
}

let processKeys: StackSigningKeys | undefined;

/**
 * The keys the start helpers use when given none: made once per process, so every service one test
 * process (or `npm start`) starts trusts the others, and nothing from another process.
 */
export function defaultStackSigningKeys(): StackSigningKeys {
  processKeys ??= generateStackSigningKeys();
  return processKeys;
}

/** POLICY_SIGNING_PRIVATE_KEY of the policy service. */
export function policyServiceSigningEnv(keys: StackSigningKeys): Record<string, string> {
  return { POLICY_SIGNING_PRIVATE_KEY: keys.policy.privateKey };
}

/** An enforcer of `region`: the policy service's and the reconciler's public keys, and its region's private key. */
export function enforcerSigningEnv(keys: StackSigningKeys, region: string): Record<string, string> {
  return {
    POLICY_SIGNING_PUBLIC_KEYS: keys.policy.publicKey,
    ALLOCATION_SIGNING_PUBLIC_KEYS: keys.allocation.publicKey,
    USAGE_SIGNING_PRIVATE_KEY: keys.usage(region).privateKey,
  };
}

/** The reconciler of `regions`: its private key, and every region's public key. */
export function reconcilerSigningEnv(keys: StackSigningKeys, regions: readonly string[]): Record<string, string> {
  return {
    ALLOCATION_SIGNING_PRIVATE_KEY: keys.allocation.privateKey,
    USAGE_SIGNING_PUBLIC_KEYS: regions.map((region) => `${region}=${keys.usage(region).publicKey}`).join(','),
  };
}
