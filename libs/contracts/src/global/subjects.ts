import { signatureToken } from '../control-plane/signed-envelope';
import { assertNamespace } from '../control-plane/subjects';

/**
 * NATS names of global limits (issue 4). Built only from validated tokens: the namespace
 * ([a-z0-9_-]{1,32}, config NATS_NAMESPACE) and a region name ([a-z0-9-]{1,32}), never from message data.
 *
 * - `<ns>.global.usage.<region>`: UsageReport, core NATS (absolute counts, loss is harmless).
 * - `<ns>.global.allocations.<region>`: AllocationUpdate, JetStream stream `<NS>_GLOBAL_ALLOCATIONS`.
 * - KV bucket `<NS>_RECONCILER`: the reconciler's leader lease (key `leader`) and last epoch (key `epoch`).
 *
 * Notes for both sides:
 * - An AllocationUpdate holds only the keys that changed in that epoch, so the LAST message of a
 *   region's subject is not its whole table. A consumer that starts late reads the whole stream
 *   (DeliverPolicy.All; max age a few minutes) and keeps, per key, the highest epoch. The reconciler
 *   re-publishes every live allocation well within the stream's max age, so the stream always holds them.
 * - The reconciler counts a region as silent (lease expired) when none of its instances has reported
 *   for `leaseSeconds`. An instance with no active global key still publishes a report with
 *   `windows: []` every sync interval: it is the region's heartbeat and carries its `appliedEpoch`.
 * - A region acknowledges epoch e once every instance it heard from within the lease reports
 *   `appliedEpoch >= e`; allocations are applied in stream order, so `appliedEpoch` covers all earlier epochs.
 */
export const GLOBAL_REGION_PATTERN = /^[a-z0-9-]{1,32}$/;

export function assertRegion(region: string): string {
  if (!GLOBAL_REGION_PATTERN.test(region)) {
    throw new Error(`region must match ${GLOBAL_REGION_PATTERN.source} (got ${JSON.stringify(region)})`);
  }
  return region;
}

function upperNamespace(namespace: string): string {
  return assertNamespace(namespace).toUpperCase().replace(/-/g, '_');
}

/** Subject one region's enforcers publish their usage reports on. */
export function globalUsageSubject(namespace: string, region: string): string {
  return `${assertNamespace(namespace)}.global.usage.${assertRegion(region)}`;
}

/** Wildcard the reconciler subscribes to: every region's usage reports. */
export function globalUsageWildcard(namespace: string): string {
  return `${assertNamespace(namespace)}.global.usage.*`;
}

/** Subject of the allocations for one region (the last message per subject is its latest update). */
export function globalAllocationsSubject(namespace: string, region: string): string {
  return `${assertNamespace(namespace)}.global.allocations.${assertRegion(region)}`;
}

/** Subjects of the allocations stream: every region's allocations. */
export function globalAllocationsWildcard(namespace: string): string {
  return `${assertNamespace(namespace)}.global.allocations.>`;
}

/** JetStream stream holding allocation updates. */
export function globalAllocationsStream(namespace: string): string {
  return `${upperNamespace(namespace)}_GLOBAL_ALLOCATIONS`;
}

/** JetStream KV bucket of the reconciler: key `leader` (lease) and key `epoch` (last epoch issued). */
export function reconcilerKvBucket(namespace: string): string {
  return `${upperNamespace(namespace)}_RECONCILER`;
}

export const RECONCILER_LEADER_KEY = 'leader';
export const RECONCILER_EPOCH_KEY = 'epoch';

/**
 * `Nats-Msg-Id` of one part of an allocation update. Like `policyChangeMsgId`, it carries a token
 * of the message's signature, so nobody without the reconciler's key can publish a forgery under
 * the id of the next epoch first and have JetStream drop the genuine update as its duplicate. The
 * leader keeps the signed bytes of an unpublished update and retries them under the same id.
 */
export function allocationMsgId(input: { epoch: number; region: string; part: number; signature: Uint8Array }): string {
  return `alloc-${input.epoch}-${assertRegion(input.region)}-${input.part}-${signatureToken(input.signature)}`;
}

/**
 * The region token of a usage or allocation subject (`rl.global.usage.us-east` -> `us-east`), or
 * undefined when the subject is not one of ours or its region token is invalid.
 */
export function regionOfGlobalSubject(namespace: string, subject: string): string | undefined {
  const ns = assertNamespace(namespace);
  for (const kind of ['usage', 'allocations']) {
    const prefix = `${ns}.global.${kind}.`;
    if (subject.startsWith(prefix)) {
      const region = subject.slice(prefix.length);
      return GLOBAL_REGION_PATTERN.test(region) ? region : undefined;
    }
  }
  return undefined;
}
