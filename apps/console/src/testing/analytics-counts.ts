import type { AnalyticsCounts, Estimate } from '../types';

/** An exact count: every decision counted. */
const EXACT: Estimate = { exact: true, sampledEvents: 0, sampleRate: null, errorBound: 0 };

/** Analytics counts for specs: zero, exact, with `c` on top. */
export const counts = (c: Partial<AnalyticsCounts>): AnalyticsCounts => ({
  allowed: 0,
  denied: 0,
  shadowDenied: 0,
  blocked: 0,
  degraded: 0,
  allowedEstimate: EXACT,
  degradedEstimate: EXACT,
  ...c,
});
