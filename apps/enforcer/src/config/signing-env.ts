import { envSigningPrivateKey, envSigningPublicKeys, optional, type EnvValues, type MessageSigner, type MessageVerifier } from '@rl/platform';

/**
 * Signed control messages (issue 13): the keys this enforcer verifies policy changes, snapshots
 * and allocations with, and the key it signs its region's usage reports with. Values are key
 * objects that print as key ids only; boot errors never show a key.
 */
export const SIGNING_ENV = {
  POLICY_SIGNING_PUBLIC_KEYS: optional(
    envSigningPublicKeys({
      description:
        'Comma-separated Ed25519 public keys (SPKI DER in base64, or PEM) of the policy service; changes and snapshots signed by none of them are not applied. Required with POLICY_SERVICE_URL',
    }),
  ),
  ALLOCATION_SIGNING_PUBLIC_KEYS: optional(
    envSigningPublicKeys({
      description:
        'Comma-separated Ed25519 public keys of the reconciler; allocations signed by none are not applied. Set with USAGE_SIGNING_PRIVATE_KEY, or global limits stay at the static split',
    }),
  ),
  USAGE_SIGNING_PRIVATE_KEY: optional(
    envSigningPrivateKey({
      description: "Ed25519 private key (PKCS#8 DER in base64, or PEM) of this region; signs its usage reports, which the reconciler checks against USAGE_SIGNING_PUBLIC_KEYS",
    }),
  ),
};

/** Keys of the signed control messages; undefined where not configured. */
export interface SigningSettings {
  /** Verifies policy changes and snapshots; set whenever POLICY_SERVICE_URL is. */
  readonly policy: MessageVerifier | undefined;
  /** Global-limit sync: both or neither. Without them no usage report leaves and no allocation is applied. */
  readonly global: { readonly allocations: MessageVerifier; readonly usage: MessageSigner } | undefined;
}

type SigningEnv = EnvValues<typeof SIGNING_ENV> & { readonly POLICY_SERVICE_URL: string | undefined };

export function signingSettings(env: SigningEnv): SigningSettings {
  const allocations = env.ALLOCATION_SIGNING_PUBLIC_KEYS;
  const usage = env.USAGE_SIGNING_PRIVATE_KEY;
  return { policy: env.POLICY_SIGNING_PUBLIC_KEYS, global: allocations !== undefined && usage !== undefined ? { allocations, usage } : undefined };
}

/** Rules across variables, phrased like loadEnv's problems. */
export function signingProblems(env: SigningEnv): string[] {
  const problems: string[] = [];
  if (env.POLICY_SERVICE_URL !== undefined && env.POLICY_SIGNING_PUBLIC_KEYS === undefined) {
    problems.push('POLICY_SIGNING_PUBLIC_KEYS is required when POLICY_SERVICE_URL is set (only changes and snapshots signed by one of these keys are applied)');
  }
  if ((env.ALLOCATION_SIGNING_PUBLIC_KEYS === undefined) !== (env.USAGE_SIGNING_PRIVATE_KEY === undefined)) {
    problems.push('ALLOCATION_SIGNING_PUBLIC_KEYS and USAGE_SIGNING_PRIVATE_KEY go together (global-limit sync verifies allocations and signs usage reports)');
  }
  return problems;
}
