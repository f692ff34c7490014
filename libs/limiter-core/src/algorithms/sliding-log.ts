import type { Algorithm, StepInput, StepResult } from '../types';
import { clampRemaining } from '../numeric';

/** One admitted request: when, and how much it cost. */
export interface LogEntry {
  readonly at: number;
  readonly cost: number;
}

/** Admitted requests still inside the window, oldest first, and the sum of their costs. */
export interface SlidingLogState {
  readonly entries: readonly LogEntry[];
  readonly total: number;
}

/**
 * Sliding window log. Records every admitted request and counts those in the last `window`.
 *
 * Trade-offs:
 * - Memory: one entry per admitted request in the window, so O(limit) per key: use it for low
 *   limits (logins, password resets, expensive endpoints), not for 1e6-per-minute quotas.
 * - Burst: a full `limit` may arrive at once, then nothing until the oldest entries age out.
 * - Boundaries: exact. No interval of length `window` ever holds more than `limit`.
 * - Retry is exact: the moment enough old entries leave the window.
 *
 * State: the admitted entries themselves, which do not depend on the limit. Limit changes apply at
 * once: `remaining = limit - (costs in the window)` under the new limit. A cost of 0 is a peek:
 * always allowed, it adds no entry (so no phantom entry moves the reset) and writes nothing.
 */
export const slidingLog: Algorithm<SlidingLogState> = {
  name: 'sliding_log',
  step({ state, params, cost, now }: StepInput<SlidingLogState>): StepResult<SlidingLogState> {
    const { limit, windowUs } = params;
    const horizon = now - windowUs;
    const entries = state ? state.entries.filter((e) => e.at > horizon) : [];
    let total = 0;
    for (const e of entries) total += e.cost;
    const allowed = cost === 0 || total + cost <= limit;
    let next: SlidingLogState | undefined;
    if (allowed && cost > 0) {
      entries.push({ at: now, cost });
      total += cost;
      next = { entries, total };
    }
    let retryAfterUs = 0;
    if (!allowed) {
      retryAfterUs = windowUs;
      let freed = 0;
      for (const e of entries) {
        freed += e.cost;
        if (total - freed + cost <= limit) {
          retryAfterUs = e.at + windowUs - now;
          break;
        }
      }
    }
    const newest = entries.length > 0 ? entries[entries.length - 1].at : undefined;
    const resetUs = newest === undefined ? 0 : newest + windowUs - now;
    return {
      decision: { allowed, remaining: clampRemaining(limit - total, limit), resetUs, retryAfterUs },
      next,
      ttlUs: resetUs,
    };
  },
};
