/** When the counter store fails: `open` admits within a conservative local bucket, `closed` denies with 503. */
export const FAILURE_MODES = ['open', 'closed'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];
