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

/** `Nats-Msg-Id` of a change: JetStream drops a second publish with the same id (dedup window). */
export function policyChangeMsgId(revision: number): string {
  return `policy-rev-${revision}`;
}
