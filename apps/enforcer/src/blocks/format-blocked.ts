import type { CheckReply } from '../check/format-decision';

/** The policy reference a blocked reply names: no policy was consulted. */
export const BLOCKED_POLICY_REF = { id: 'blocked', version: 0 } as const;

/**
 * The contract's reply for a blocked caller: 429, `blocked: true`, and `Retry-After` the remaining
 * block time in whole seconds (rounded up, at least 1). The rate-limit headers describe a zero
 * quota that is restored when the block ends. Like every denial it names what denied it in
 * `violated-policies` (and `violated`): the block list, `blocked`, the name its headers use.
 */
export function formatBlocked(input: { remainingMs: number; region: string }): CheckReply {
  const seconds = Math.max(1, Math.ceil(input.remainingMs / 1000));
  const wait = String(seconds);
  return {
    statusCode: 429,
    headers: {
      'x-ratelimit-limit': '0',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': wait,
      'ratelimit-policy': `"${BLOCKED_POLICY_REF.id}";q=0;w=${wait}`,
      ratelimit: `"${BLOCKED_POLICY_REF.id}";r=0;t=${wait}`,
      'retry-after': wait,
    },
    body: {
      allowed: false,
      limit: 0,
      remaining: 0,
      resetSeconds: input.remainingMs / 1000,
      retryAfterSeconds: seconds,
      policy: BLOCKED_POLICY_REF,
      region: input.region,
      blocked: true,
      'violated-policies': [BLOCKED_POLICY_REF.id],
      violated: [BLOCKED_POLICY_REF.id],
    },
  };
}
