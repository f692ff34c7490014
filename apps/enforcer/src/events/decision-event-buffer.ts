import { DECISION_OUTCOMES, type CheckRequest, type CheckResponse, type DecisionOutcome } from '@rl/contracts';
import { classifyDecision, isAllowedOutcome } from './classify-decision';

/** Why an event was not kept. */
export type EventDropReason = 'buffer_full' | 'deny_rate_cap';

/** One buffered decision, with its raw key: hashed when the batch is built, never published raw. */
export interface BufferedDecision {
  readonly key: string;
  readonly customerId: string;
  readonly policyId: string;
  readonly policyVersion: number;
  readonly decision: DecisionOutcome;
  readonly latencyMs: number;
  readonly ts: number;
  readonly sampleRate: number;
}

export interface DecisionEventBufferOptions {
  /** Events held at most; more are dropped (`buffer_full`). */
  readonly capacity: number;
  /** Probability an allowed decision is kept. */
  readonly sampleRate: number;
  /** Denials kept per wall-clock second, at most (`deny_rate_cap` beyond). */
  readonly denyRateCap: number;
  readonly random: () => number;
  readonly nowMs: () => number;
  readonly onDrop: (reason: EventDropReason) => void;
}

const OUTCOME_INDEX = new Map<DecisionOutcome, number>(DECISION_OUTCOMES.map((outcome, index) => [outcome, index]));

/**
 * A bounded FIFO of decisions, filled on the request path and drained by a timer. `offer` does
 * constant work, allocates nothing per event (preallocated parallel arrays), never blocks and
 * never grows: when the ring is full the new event is dropped and reported through `onDrop`.
 *
 * Sampling: allowed decisions are kept with probability `sampleRate` (each then stands for
 * 1 / sampleRate decisions); denials are all kept until `denyRateCap` in the current second.
 */
export class DecisionEventBuffer {
  private readonly keys: string[];
  private readonly customers: string[];
  private readonly policies: string[];
  private readonly versions: Float64Array;
  private readonly outcomes: Uint8Array;
  private readonly latencies: Float64Array;
  private readonly times: Float64Array;
  private readonly rates: Float64Array;
  private head = 0;
  private count = 0;
  private capSecond = -1;
  private deniedThisSecond = 0;

  constructor(private readonly options: DecisionEventBufferOptions) {
    const n = options.capacity;
    this.keys = new Array<string>(n).fill('');
    this.customers = new Array<string>(n).fill('');
    this.policies = new Array<string>(n).fill('');
    this.versions = new Float64Array(n);
    this.outcomes = new Uint8Array(n);
    this.latencies = new Float64Array(n);
    this.times = new Float64Array(n);
    this.rates = new Float64Array(n);
  }

  get size(): number {
    return this.count;
  }

  offer(request: CheckRequest, response: CheckResponse, latencySeconds: number): void {
    const outcome = classifyDecision(response);
    const allowed = isAllowedOutcome(outcome);
    const rate = allowed ? this.options.sampleRate : 1;
    if (allowed && (rate <= 0 || (rate < 1 && this.options.random() >= rate))) return;
    const now = this.options.nowMs();
    if (!allowed && !this.takeDenySlot(now)) {
      this.options.onDrop('deny_rate_cap');
      return;
    }
    if (this.count === this.options.capacity) {
      this.options.onDrop('buffer_full');
      return;
    }
    const i = (this.head + this.count) % this.options.capacity;
    this.count += 1;
    this.keys[i] = request.key;
    this.customers[i] = request.customerId ?? '';
    this.policies[i] = response.policy.id;
    this.versions[i] = response.policy.version;
    this.outcomes[i] = OUTCOME_INDEX.get(outcome) ?? 0;
    this.latencies[i] = latencySeconds * 1000;
    this.times[i] = now;
    this.rates[i] = rate;
  }

  /** Counts one denial against the current second's cap; false when the cap is reached. */
  private takeDenySlot(nowMs: number): boolean {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.capSecond) {
      this.capSecond = second;
      this.deniedThisSecond = 0;
    }
    if (this.deniedThisSecond >= this.options.denyRateCap) return false;
    this.deniedThisSecond += 1;
    return true;
  }

  /** Removes and returns up to `max` of the oldest events. */
  drain(max: number): BufferedDecision[] {
    const n = Math.min(max, this.count);
    const out: BufferedDecision[] = new Array<BufferedDecision>(n);
    for (let k = 0; k < n; k++) {
      const i = this.head;
      out[k] = {
        key: this.keys[i],
        customerId: this.customers[i],
        policyId: this.policies[i],
        policyVersion: this.versions[i],
        decision: DECISION_OUTCOMES[this.outcomes[i]],
        latencyMs: this.latencies[i],
        ts: this.times[i],
        sampleRate: this.rates[i],
      };
      // Release the strings: a drained slot keeps no caller data alive.
      this.keys[i] = '';
      this.customers[i] = '';
      this.head = (this.head + 1) % this.options.capacity;
      this.count -= 1;
    }
    return out;
  }
}
