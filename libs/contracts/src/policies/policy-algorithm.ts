/** The algorithms a policy may name; the same names as limiter-core's ALGORITHMS. */
export const POLICY_ALGORITHMS = ['token_bucket', 'sliding_window', 'fixed_window', 'leaky_bucket', 'gcra', 'sliding_log'] as const;
export type PolicyAlgorithm = (typeof POLICY_ALGORITHMS)[number];

/**
 * A concurrency policy limits requests in flight, not requests per window: `limit` leases at once,
 * each expiring after `leaseSeconds` unless released (`POST /v1/acquire`, `POST /v1/release`).
 */
export const CONCURRENCY_ALGORITHM = 'concurrency';
export type ConcurrencyAlgorithm = typeof CONCURRENCY_ALGORITHM;

/** Every algorithm a stored policy may name: the rate algorithms and `concurrency`. */
export const STORED_POLICY_ALGORITHMS = [...POLICY_ALGORITHMS, CONCURRENCY_ALGORITHM] as const;
