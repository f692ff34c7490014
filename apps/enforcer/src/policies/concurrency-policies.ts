import { CONCURRENCY_ALGORITHM, type Policy } from '@rl/contracts';
import type { ActivePolicies } from './policy-source';

/**
 * Concurrency policies (requests in flight) are matched exactly like rate policies (customer,
 * tier, route, method) but decide a different question, so a snapshot is split in two indexes:
 * checks never see a concurrency policy, and `POST /v1/acquire` sees nothing else.
 *
 * PolicyIndex matches and compiles rate policies, so a concurrency policy enters its index as a
 * carrier: the same id, version, match, limit and failure mode, with its lease as a fixed window
 * (`windowUs` of the compiled policy is the lease). The acquire path reads only those fields.
 * Carriers are kept per policy object, so an unchanged policy keeps its compiled form.
 */
const carriers = new WeakMap<Policy, Policy>();

function carrierOf(policy: Policy): Policy {
  let carrier = carriers.get(policy);
  if (carrier === undefined) {
    const lease = policy.leaseSeconds ?? policy.windowSeconds;
    carrier = { ...policy, algorithm: 'fixed_window', windowSeconds: lease, burst: policy.limit };
    carriers.set(policy, carrier);
  }
  return carrier;
}

/** The snapshot's rate policies (and every override), and its concurrency policies as carriers. */
export function splitSnapshot(snapshot: ActivePolicies): { rate: ActivePolicies; concurrency: ActivePolicies } {
  const isConcurrency = (policy: Policy): boolean => policy.algorithm === CONCURRENCY_ALGORITHM;
  if (!snapshot.policies.some(isConcurrency)) return { rate: snapshot, concurrency: { ...snapshot, policies: [], overrides: [] } };
  return {
    rate: { ...snapshot, policies: snapshot.policies.filter((policy) => !isConcurrency(policy)) },
    concurrency: { ...snapshot, policies: snapshot.policies.filter(isConcurrency).map(carrierOf), overrides: [] },
  };
}
