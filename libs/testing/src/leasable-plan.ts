import { buildStackKeys, calendarBounds, type StackedLimit, type StackedRequest } from '@rl/limiter-core';

const HOUR_US = 3_600_000_000;

/**
 * A stacked request whose every limit a hot-key lease can serve, for lease tests: a token bucket
 * (`burst`, refilling `limits[0]` per `bucketWindowUs`, an hour by default), a fixed window of an
 * hour (`hour`) and a calendar month in Europe/Berlin (`month`), keys built as the enforcer builds
 * them (one hash tag).
 */
export function leasablePlan(input: { policyId: string; identity: string; limits: readonly [number, number, number]; bucketWindowUs?: number; cost?: number }): StackedRequest {
  const { limits } = input;
  const calendar = calendarBounds({ window: 'calendar-month', timeZone: 'Europe/Berlin', nowUs: Date.now() * 1000 });
  const parts = [
    { name: 'burst', algorithm: 'token_bucket', calendar: false },
    { name: 'hour', algorithm: 'fixed_window', calendar: false },
    { name: 'month', algorithm: 'fixed_window', calendar: true },
  ] as const;
  const keys = buildStackKeys({ policyId: input.policyId, identity: input.identity, limits: parts });
  const stack: StackedLimit[] = [
    { key: keys.limits[0], algorithm: 'token_bucket', limit: limits[0], windowUs: input.bucketWindowUs ?? HOUR_US, burst: limits[0] },
    { key: keys.limits[1], algorithm: 'fixed_window', limit: limits[1], windowUs: HOUR_US, burst: limits[1] },
    { key: keys.limits[2], algorithm: 'fixed_window', limit: limits[2], windowUs: calendar.endUs - calendar.startUs, burst: limits[2], calendar },
  ];
  return { algorithm: 'stacked', key: keys.stack, limits: stack, cost: input.cost ?? 1 };
}
