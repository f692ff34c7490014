import { buildStackKeys, type StackedLimit, type StackedRequest } from '@rl/limiter-core';
import { scriptKeys } from '@rl/redis-store';
import type { CompiledPolicy, CompiledStack } from '../policies/compiled-policy';

/**
 * The store request of a stacked policy for one identity: every limit's counter in the policy's
 * hash tag, calendar windows with the bounds of the window holding `nowUs` (this instance's clock;
 * the script decides at Redis TIME and moves to the next window when that is past the end).
 */
export function stackedRequest(input: { policy: CompiledPolicy; stack: CompiledStack; identity: string; cost: number; dryRun: boolean | undefined; nowUs: number }): StackedRequest {
  const { policy, stack, nowUs } = input;
  const keys = buildStackKeys({ policyId: policy.counterId, identity: input.identity, limits: stack.keyParts });
  const limits = stack.limits.map((limit, index): StackedLimit => {
    const base = { key: keys.limits[index], algorithm: limit.algorithm, limit: limit.quota.limit, windowUs: limit.windowUs, burst: limit.quota.burst };
    return limit.calendar === undefined ? base : { ...base, calendar: limit.calendar.boundsAt(nowUs) };
  });
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
