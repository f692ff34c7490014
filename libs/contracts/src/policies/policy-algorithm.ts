/** The algorithms a policy may name; the same names as limiter-core's ALGORITHMS. */
export const POLICY_ALGORITHMS = ['token_bucket', 'sliding_window', 'fixed_window', 'leaky_bucket', 'gcra', 'sliding_log'] as const;
export type PolicyAlgorithm = (typeof POLICY_ALGORITHMS)[number];
