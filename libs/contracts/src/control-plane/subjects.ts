import { signatureToken } from './signed-envelope';

/**
 * NATS names of the control plane. Subjects and stream names are built only from a validated
 * namespace token (config NATS_NAMESPACE, default "rl"), never from request or message data.
 * A namespace per test suite keeps suites isolated on one shared NATS server.
 */
export const NATS_NAMESPACE_PATTERN = /^[a-z0-9_-]{1,32}$/;

export function assertNamespace(namespace: string): string {
  if (!NATS_NAMESPACE_PATTERN.test(namespace)) {
    throw new Error(`NATS namespace must match ${NATS_NAMESPACE_PATTERN.source} (got ${JSON.stringify(namespace)})`);
  }
  return namespace;
}

/** JetStream stream holding policy changes. */
export function policyChangesStream(namespace: string): string {
  return `${assertNamespace(namespace).toUpperCase().replace(/-/g, '_')}_POLICY_CHANGES`;
}

/** Subject every policy change is published on. */
export function policyChangesSubject(namespace: string): string {
  return `${assertNamespace(namespace)}.policy.changes`;
}

/**
 * `Nats-Msg-Id` of a change: JetStream drops a second publish with the same id (dedup window).
 *
 * The id carries a token of the message's signature (`signatureToken`), not just the revision.
 * With `policy-rev-<n>` alone, anyone able to publish on the subject could send a forged revision
 * n first: JetStream would then drop the genuine one as a duplicate, and every enforcer would miss
 * it until its next resync. The signature needs the private key, so a forger cannot compute the id
 * before the genuine message is out. Deduplication still works where it matters: a relay that
 * republishes after a crash signs the same bytes with the same key, Ed25519 signatures are
 * deterministic (RFC 8032), so the id is the same. (A key rotated between the two publishes gives
 * another id; the stream then holds the revision twice and enforcers ignore the second copy, as
 * they ignore anything at or below their revision.) An HMAC-keyed id would do the same with one
 * more secret to share between policy-service instances; the signature already is one.
 */
export function policyChangeMsgId(revision: number, signature: Uint8Array): string {
  return `policy-rev-${revision}-${signatureToken(signature)}`;
}
