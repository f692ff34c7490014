import type { DecisionOutcome } from './decision-outcome';

/**
 * One decision of `POST /v1/check`, as an enforcer publishes it (inside a DecisionEventBatch).
 * Allowed decisions are sampled: `sampleRate` is the probability this event was kept, so it
 * stands for 1 / sampleRate decisions. Denials (denied, shadow_denied, blocked, degraded ones) are
 * published with sampleRate 1 until the enforcer's rate cap, beyond which they are dropped (and
 * counted in `rl_decision_events_dropped_total`).
 */
export interface DecisionEvent {
  /** When it was decided, ms since the Unix epoch. */
  readonly ts: number;
  /** First 16 hex digits of SHA-256 of the counted key (see KEY_HASH_RULE). */
  readonly keyHash: string;
  readonly policyId: string;
  readonly policyVersion: number;
  readonly decision: DecisionOutcome;
  /** Time to decide, ms. */
  readonly latencyMs: number;
  readonly region: string;
  /** "" when the request named no customer. */
  readonly customerId: string;
  /** In (0, 1]: this event stands for 1 / sampleRate decisions. */
  readonly sampleRate: number;
}

/**
 * One NATS message on `<ns>.events.decisions.<region>`: many events of one enforcer instance.
 * `(region, instanceId, bootId, sequence)` names the batch uniquely, so a consumer can drop redeliveries.
 */
export interface DecisionEventBatch {
  readonly schema: 1;
  readonly region: string;
  readonly instanceId: string;
  /** Random per process start, so sequences of a restarted instance do not collide. */
  readonly bootId: string;
  /** Per (instanceId, bootId), from 0. */
  readonly sequence: number;
  readonly sentAtMs: number;
  readonly events: readonly DecisionEvent[];
}
