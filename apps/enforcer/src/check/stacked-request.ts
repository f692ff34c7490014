import { globalWindowStartMs } from '@rl/contracts';
import { buildStackKeys, isSettleable, type StackedLimit, type StackedRequest } from '@rl/limiter-core';
import { scriptKeys, type SettleableStackLimit } from '@rl/redis-store';
import type { CompiledPolicy, CompiledStack } from '../policies/compiled-policy';

/**
 * The store request of a stacked policy for one identity: every limit's counter in the policy's
 * hash tag, calendar windows with the bounds of the window holding `nowUs` (this instance's clock;
 * the script decides at Redis TIME and moves to the next window when that is past the end). A
 * global limit is marked `global`, in the window holding `nowUs` (aligned, or calendar) with the
 * whole global limit as its cap (what a peek shows); decideGlobalStack replaces both with this
 * region's share.
 */
export function stackedRequest(input: { policy: CompiledPolicy; stack: CompiledStack; identity: string; cost: number; dryRun: boolean | undefined; nowUs: number }): StackedRequest {
  const { policy, stack, nowUs } = input;
  const keys = buildStackKeys({ policyId: policy.counterId, identity: input.identity, limits: stack.keyParts });
  // Object literals of one shape, no spreads: this runs for every check of a stacked policy.
  const limits: StackedLimit[] = new Array(stack.limits.length);
  for (let index = 0; index < stack.limits.length; index++) {
    const limit = stack.limits[index];
    const calendar = limit.calendar === undefined ? undefined : limit.calendar.boundsAt(nowUs);
    limits[index] = {
      key: keys.limits[index],
      algorithm: limit.algorithm,
      limit: limit.quota.limit,
      windowUs: limit.windowUs,
      burst: limit.quota.burst,
      calendar,
      global: limit.global ? { expectedStartMs: calendar === undefined ? globalWindowStartMs(nowUs / 1000, limit.windowUs / 1_000_000) : calendar.startUs / 1000 } : undefined,
    };
  }
  return { algorithm: 'stacked', key: keys.stack, limits, cost: input.cost, dryRun: input.dryRun };
}

/**
 * The keys of a stacked policy's counters for one identity: the stack's own key first (its deny-cache
 * entry), then every Redis key of every limit (an operator reset deletes them all).
 */
export function stackedKeys(input: { policy: CompiledPolicy; stack: CompiledStack; identity: string }): string[] {
  const keys = buildStackKeys({ policyId: input.policy.counterId, identity: input.identity, limits: input.stack.keyParts });
  return [keys.stack, ...keys.limits.flatMap((key, index) => scriptKeys(input.stack.keyParts[index].algorithm, key))];
}

/**
 * The limits of a stacked request as the settle scripts take them (settle/stack_*.lua), or
 * undefined unless every limit is settleable: regional, and token_bucket, gcra, leaky_bucket or
 * fixed_window, calendar windows included. A stack with a sliding window or a sliding log is never
 * recorded, and Envoy's charge decides it as a check: their admissions cannot be corrected
 * afterwards. Nor is a stack with a global limit: its count is this region's share of an allocation
 * the reconciler sums from usage reports, which a settle in Redis would not reach.
 */
export function settleableLimits(request: StackedRequest): SettleableStackLimit[] | undefined {
  const limits: SettleableStackLimit[] = [];
  for (const limit of request.limits) {
    const algorithm = limit.algorithm;
    if (limit.global !== undefined || !isSettleable(algorithm)) return undefined;
    limits.push({ counterKey: limit.key, algorithm, limit: limit.limit, windowUs: limit.windowUs, burst: limit.burst, calendar: limit.calendar });
  }
  return limits;
}
