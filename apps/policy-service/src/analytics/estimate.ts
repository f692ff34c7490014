import type { AnalyticsEstimateView } from '@rl/contracts';

/** z of a two-sided 95% confidence interval. */
const Z95 = 1.96;

/**
 * How trustworthy an estimated count is, from the sums the rollups keep: the kept events behind
 * it and the variance of the estimate (sum of w (w - 1) over those events, w = 1 / sample rate).
 * `events` or `variance` null means some rows predate these statistics: the error is unknown.
 * The bound is the normal approximation (1.96 standard deviations), rounded up.
 */
export function describeEstimate(input: { count: number; events: number | null; variance: number | null }): AnalyticsEstimateView {
  const { count, events, variance } = input;
  if (events === null || variance === null) return { exact: false, sampledEvents: null, sampleRate: null, errorBound: null };
  // Float sums of w (w - 1) over exact events are exactly 0; sampled ones add at least a few units.
  const exact = variance < 1e-9;
  const sampleRate = count > 0 ? (exact ? 1 : Math.min(1, events / count)) : null;
  return { exact, sampledEvents: events, sampleRate: sampleRate === null ? null : Math.round(sampleRate * 1e6) / 1e6, errorBound: exact ? 0 : Math.ceil(Z95 * Math.sqrt(variance)) };
}
