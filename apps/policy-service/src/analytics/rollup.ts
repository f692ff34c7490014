import type { DecisionEventBatch, DecisionOutcome } from '@rl/contracts';

/** One row's increments: (minute, region, policy, customer, key hash) and what to add to its counts. */
export interface RollupDelta {
  /** Start of the minute, ms since the epoch. */
  readonly minuteMs: number;
  readonly region: string;
  readonly policyId: string;
  readonly customerId: string;
  readonly keyHash: string;
  allowed: number;
  denied: number;
  shadowDenied: number;
  degraded: number;
  blocked: number;
  /** Events behind `allowed` (sampled ones included), and the variance of that estimate: sum of w (w - 1). */
  allowedEvents: number;
  allowedVariance: number;
  /** The same for `degraded`. */
  degradedEvents: number;
  degradedVariance: number;
}

type Counts = Omit<RollupDelta, 'minuteMs' | 'region' | 'policyId' | 'customerId' | 'keyHash'>;

/**
 * How each outcome counts, for one event of weight w (1 / its sample rate):
 * - allowed: allowed += w; denied: denied += 1; shadow_denied (admitted, a shadow policy would have
 *   denied it): shadowDenied += 1; blocked: blocked += 1;
 * - degraded_*: the same as the outcome without the prefix, and degraded += w as well.
 * Only allowed outcomes are sampled (w > 1 possible); denials are sent with sample rate 1.
 *
 * Each estimated count (allowed, degraded) also keeps its event count and the variance of the
 * estimate. Under Bernoulli sampling an event kept with probability p = 1 / w contributes
 * w (w - 1) to the unbiased estimate of Var(sum of w): 0 for an event every decision sends.
 */
function addOutcome(counts: Counts, outcome: DecisionOutcome, weight: number): void {
  const variance = weight * (weight - 1);
  if (outcome === 'allowed' || outcome === 'degraded_allowed') {
    counts.allowedEvents += 1;
    counts.allowedVariance += variance;
  }
  if (outcome.startsWith('degraded_')) {
    counts.degradedEvents += 1;
    counts.degradedVariance += variance;
  }
  switch (outcome) {
    case 'allowed':
      counts.allowed += weight;
      return;
    case 'denied':
      counts.denied += weight;
      return;
    case 'shadow_denied':
      counts.shadowDenied += weight;
      return;
    case 'blocked':
      counts.blocked += weight;
      return;
    case 'degraded_allowed':
      counts.allowed += weight;
      counts.degraded += weight;
      return;
    case 'degraded_denied':
      counts.denied += weight;
      counts.degraded += weight;
      return;
    case 'degraded_shadow_denied':
      counts.shadowDenied += weight;
      counts.degraded += weight;
      return;
  }
}

/**
 * The per-minute rollup increments of one batch, one per distinct row, sorted by row key (so
 * concurrent upserts lock rows in the same order and cannot deadlock).
 */
export function rollupBatch(batch: DecisionEventBatch): RollupDelta[] {
  const rows = new Map<string, RollupDelta>();
  for (const event of batch.events) {
    const minuteMs = Math.floor(event.ts / 60_000) * 60_000;
    const id = `${minuteMs}\u0000${event.region}\u0000${event.policyId}\u0000${event.customerId}\u0000${event.keyHash}`;
    let row = rows.get(id);
    if (row === undefined) {
      row = {
        minuteMs,
        region: event.region,
        policyId: event.policyId,
        customerId: event.customerId,
        keyHash: event.keyHash,
        allowed: 0,
        denied: 0,
        shadowDenied: 0,
        degraded: 0,
        blocked: 0,
        allowedEvents: 0,
        allowedVariance: 0,
        degradedEvents: 0,
        degradedVariance: 0,
      };
      rows.set(id, row);
    }
    addOutcome(row, event.decision, 1 / event.sampleRate);
  }
  return [...rows.values()].sort(compareRows);
}

function compareRows(a: RollupDelta, b: RollupDelta): number {
  return (
    a.minuteMs - b.minuteMs ||
    compare(a.region, b.region) ||
    compare(a.policyId, b.policyId) ||
    compare(a.customerId, b.customerId) ||
    compare(a.keyHash, b.keyHash)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
