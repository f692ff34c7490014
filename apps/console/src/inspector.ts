import { ApiError } from './api';
import type { CounterState, CountersView, MatchedRule, TimePoint, TimeSeries } from './types';

/**
 * Why the enforcer picked the policy, in the operator's words; `tier` is the customer's tier when
 * the page knows it.
 */
export function matchedReason(matched: MatchedRule | undefined, input: { customerId?: string; route?: string; method?: string; tier?: string }): string {
  const customer = input.customerId === undefined ? 'the customer' : `customer ${input.customerId}`;
  const tier = input.tier === undefined ? `${customer}'s tier` : `${customer}'s tier (${input.tier})`;
  switch (matched) {
    case 'override':
      return `${customer} has an override (PUT /admin/limits), which comes before every other policy`;
    case 'customer':
      return `a policy names ${customer} in its match`;
    case 'tier-route':
      return `a policy matches the route and method${input.route === undefined ? '' : ` (${input.method ?? 'any method'} ${input.route})`}, for ${tier} or for every tier`;
    case 'tier':
      return `${tier} has a policy, and nothing more specific matches`;
    case 'default':
      return 'no stored policy matches, so the enforcers\' default policy applies';
    case 'inline':
      return 'no stored policy matches, so the inline limit of the request applies';
    case undefined:
      return 'the enforcer did not say';
  }
}

export type RegionRow = { readonly region: string; readonly state: CounterState } | { readonly region: string; readonly unreachable: string };

/** Every region of the answer in name order: its state, or why it could not be read. */
export function regionRows(view: CountersView): RegionRow[] {
  return Object.entries(view.regions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([region, value]) => ('unreachable' in value ? { region, unreachable: value.reason } : { region, state: value }));
}

/** The minutes in which the key had decisions, newest first, at most `limit`, with what was throttled. */
export function recentDecisions(series: TimeSeries, limit = 20): (TimePoint & { throttled: number })[] {
  return series.points
    .map((point) => ({ ...point, throttled: point.denied + point.shadowDenied + point.blocked }))
    .filter((point) => point.allowed + point.throttled + point.degraded > 0)
    .sort((a, b) => b.minute.localeCompare(a.minute) || a.region.localeCompare(b.region) || a.policyId.localeCompare(b.policyId))
    .slice(0, limit);
}

/** For a lookup whose 404 means "there is none" (a customer without a tier, the default policy): undefined. */
export function noneWhenNotFound(error: unknown): undefined {
  if (error instanceof ApiError && error.status === 404) return undefined;
  throw error;
}
