/**
 * The `w` parameter of a `RateLimit-Policy` item (IETF draft-ietf-httpapi-ratelimit-headers-11):
 * the quota's window as a whole number of seconds, at least 1. A window of 1.0005 s is `w=1`, a
 * sub-second one `w=1`; the exact window stays in the policy itself.
 */
export function policyWindowSeconds(windowSeconds: number): number {
  return Math.max(1, Math.round(windowSeconds));
}

/**
 * The name of one limit of a policy in `RateLimit-Policy`, `RateLimit` and `violated-policies`:
 * the policy id alone for a policy of one limit, `<policy id>-<limit name>` for a limit of a
 * stacked policy (`"limits": [...]`).
 */
export function limitItemName(input: { policyId: string; limitName: string | undefined }): string {
  return input.limitName === undefined ? input.policyId : `${input.policyId}-${input.limitName}`;
}
