/** `closed`: calls go to the store. `open`: none do. `half-open`: one probe call is out. */
export type BreakerState = 'closed' | 'half-open' | 'open';

/**
 * What `acquire` and `probe` grant: `pass` (closed; the result is counted), `probe` (the one
 * half-open call; its result closes or re-opens the breaker) or `reject` (do not call the store).
 */
export type BreakerTicket = 'pass' | 'probe' | 'reject';

/** How a store call ended, as the breaker sees it. */
export type CallOutcome = 'success' | 'failure' | 'deadline';

export interface CircuitBreakerOptions {
  /** Consecutive failures, all within `failureWindowMs` of the first, that open the breaker. */
  readonly failureThreshold: number;
  readonly failureWindowMs: number;
  /** How long it stays open before a probe: `cooldownMs` plus a uniform jitter in [0, cooldownJitterMs). */
  readonly cooldownMs: number;
  readonly cooldownJitterMs: number;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  /** Uniform in [0, 1), for the cooldown jitter. */
  readonly random: () => number;
  /** Called on every state change (gauges, write-back), synchronously. */
  readonly onStateChange?: (state: BreakerState) => void;
}

/**
 * A circuit breaker for one store connection: a pure state machine, clock and randomness injected.
 *
 * - closed → open after `failureThreshold` consecutive failures within `failureWindowMs`, or at
 *   once on a missed command deadline (a store that stops answering would otherwise make every
 *   decision wait out the timeout);
 * - open → half-open once the jittered cooldown has passed and the owner sends its probe
 *   (`probe()`): a health check of the connection, never a caller's decision, so no decision ever
 *   waits on a store that may still be down;
 * - half-open → closed when the probe succeeds, → open (a fresh cooldown) when it fails.
 *
 * While not closed, `acquire` rejects every call. Results of calls admitted before the breaker
 * left `closed` are ignored: only closed-state calls and the probe move it. Rejecting costs no I/O
 * and no timer.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private firstFailureAt = 0;
  private probeAt = 0;
  private probeInFlight = false;

  constructor(private readonly options: CircuitBreakerOptions) {}

  get state(): BreakerState {
    return this.current;
  }

  /** Whether a decision may go to the store now: `pass` while closed, `reject` otherwise. */
  acquire(): BreakerTicket {
    return this.current === 'closed' ? 'pass' : 'reject';
  }

  /** The probe, when one is due: `probe` (now half-open; report its outcome with `record`), else `reject`. */
  probe(): BreakerTicket {
    if (this.current !== 'open' || this.options.now() < this.probeAt) return 'reject';
    this.probeInFlight = true;
    this.transition('half-open');
    return 'probe';
  }

  /** Milliseconds until a probe is due: 0 when it is, Infinity unless open. */
  msUntilProbe(): number {
    if (this.current !== 'open') return Infinity;
    return Math.max(0, this.probeAt - this.options.now());
  }

  /**
   * The connection is back (reconnected): the next call may probe at once instead of waiting out
   * the cooldown. The reconnect backoff is jittered already. No effect unless open.
   */
  allowProbeNow(): void {
    if (this.current === 'open') this.probeAt = this.options.now();
  }

  /** Reports how a call made under `ticket` ended. */
  record(ticket: BreakerTicket, outcome: CallOutcome): void {
    if (ticket === 'probe') {
      if (!this.probeInFlight) return;
      this.probeInFlight = false;
      if (outcome === 'success') this.close();
      else this.open();
      return;
    }
    if (ticket !== 'pass' || this.current !== 'closed') return;
    if (outcome === 'success') {
      this.failures = 0;
      return;
    }
    if (outcome === 'deadline') {
      this.open();
      return;
    }
    const now = this.options.now();
    if (this.failures === 0 || now - this.firstFailureAt > this.options.failureWindowMs) {
      this.failures = 1;
      this.firstFailureAt = now;
    } else {
      this.failures += 1;
    }
    if (this.failures >= this.options.failureThreshold) this.open();
  }

  private open(): void {
    this.failures = 0;
    this.probeAt = this.options.now() + this.options.cooldownMs + Math.floor(this.options.random() * this.options.cooldownJitterMs);
    this.transition('open');
  }

  private close(): void {
    this.failures = 0;
    this.transition('closed');
  }

  private transition(state: BreakerState): void {
    if (state === this.current) return;
    this.current = state;
    this.options.onStateChange?.(state);
  }
}
