import type { GlobalKeySummaryView, GlobalKeyUsageView, GlobalPolicyUsageView } from '@rl/contracts';
import type { KeyState, QuotaBook, WindowState } from '@rl/global-quota';

/** How many keys the policy-wide view lists, by demand (admitted + denied) in the current window. */
export const TOP_KEYS = 50;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `limitName` of a stacked limit's window, nothing for a policy of one limit. */
function limitNameOf(window: WindowState): { limitName?: string } {
  return window.limitName === undefined ? {} : { limitName: window.limitName };
}

export function keyUsageView(input: { book: QuotaBook; window: WindowState; key: KeyState; nowMs: number; leader: boolean }): GlobalKeyUsageView {
  const { book, window, key, nowMs } = input;
  return {
    policyId: window.policyId,
    ...limitNameOf(window),
    key: key.identity,
    limit: window.limit,
    windowSeconds: window.windowSeconds,
    windowStart: iso(window.windowStartMs),
    epoch: book.lastEpoch,
    leader: input.leader,
    regions: book.usageRows(window, key, nowMs).map((row) => ({
      region: row.region,
      admitted: row.admitted,
      denied: row.denied,
      allocation: row.allocation,
      lastReportAt: row.lastReportAtMs === undefined ? null : iso(row.lastReportAtMs),
      silent: row.silent,
    })),
  };
}

export function policyUsageView(input: { book: QuotaBook; window: WindowState; nowMs: number }): GlobalPolicyUsageView {
  const { book, window, nowMs } = input;
  // Top keys by demand in one pass: a sorted list of at most TOP_KEYS entries.
  const top: Array<{ key: KeyState; demand: number }> = [];
  for (const key of window.keys.values()) {
    let demand = 0;
    for (const slot of key.slots) demand += slot.demand;
    if (top.length === TOP_KEYS && demand <= top[top.length - 1].demand) continue;
    let at = top.length;
    while (at > 0 && top[at - 1].demand < demand) at -= 1;
    top.splice(at, 0, { key, demand });
    if (top.length > TOP_KEYS) top.pop();
  }
  const keys: GlobalKeySummaryView[] = top.map(({ key }) => {
    const regions = book.usageRows(window, key, nowMs).map((row) => ({ region: row.region, admitted: row.admitted, denied: row.denied, allocation: row.allocation }));
    return {
      key: key.identity,
      admitted: regions.reduce((s, r) => s + r.admitted, 0),
      denied: regions.reduce((s, r) => s + r.denied, 0),
      regions,
    };
  });
  return { policyId: window.policyId, ...limitNameOf(window), limit: window.limit, windowSeconds: window.windowSeconds, windowStart: iso(window.windowStartMs), epoch: book.lastEpoch, keys };
}
