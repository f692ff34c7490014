import type { PolicySnapshot as ControlPlaneSnapshot } from '@rl/contracts';
import { generateSigningKeyPair, MessageSigner, MessageVerifier, type SigningKeyPair } from '@rl/platform';
import type { SignedSnapshot } from '../policies/control-plane/snapshot-client';

/**
 * Signing keys of tests (made once per test process): the policy service's, the reconciler's,
 * each region's, and a forger's nobody trusts.
 */
export const TEST_POLICY_KEY = generateSigningKeyPair();
export const FORGER_KEY = generateSigningKeyPair();
export const testPolicySigner = MessageSigner.fromText(TEST_POLICY_KEY.privateKey);
export const forgerSigner = MessageSigner.fromText(FORGER_KEY.privateKey);
/** POLICY_SIGNING_PUBLIC_KEYS of enforcers under test: the policy service's key only. */
export const testPolicyVerifier = MessageVerifier.fromText([TEST_POLICY_KEY.publicKey]);

const encoder = new TextEncoder();

/** A policy-change message as the outbox relay sends it (any JSON value; a string is sent as is). */
export function signedChange(message: unknown, signer: MessageSigner = testPolicySigner): Uint8Array {
  return signer.sign('policy-change', encoder.encode(typeof message === 'string' ? message : JSON.stringify(message))).envelope;
}

/** A snapshot as the snapshot client hands it on: verified, with its envelope (`rl-signature` line + body). */
export function signedSnapshot(snapshot: ControlPlaneSnapshot, signer: MessageSigner = testPolicySigner): SignedSnapshot {
  return { snapshot, envelope: signer.sign('policy-snapshot', encoder.encode(JSON.stringify(snapshot))).envelope };
}

export const TEST_ALLOCATION_KEY = generateSigningKeyPair();
export const testAllocationSigner = MessageSigner.fromText(TEST_ALLOCATION_KEY.privateKey);
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

/** The environment of an enforcer of `region` that syncs global limits: the reconciler's public key and the region's private key. */
export function globalSigningEnv(region: string): Record<string, string> {
  return { ALLOCATION_SIGNING_PUBLIC_KEYS: TEST_ALLOCATION_KEY.publicKey, USAGE_SIGNING_PRIVATE_KEY: testUsageKey(region).privateKey };
}

/** An allocation update as the reconciler publishes it (any JSON value; a string is sent as is). */
export function signedAllocation(update: unknown, signer: MessageSigner = testAllocationSigner): Uint8Array {
  return signer.sign('allocation', encoder.encode(typeof update === 'string' ? update : JSON.stringify(update))).envelope;
}
