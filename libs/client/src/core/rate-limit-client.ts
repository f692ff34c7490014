import { LibraryDecider, type LibraryModeOptions } from '../library/library-decider';
import { EnforcerClient, type DegradedListener, type RemoteModeOptions } from '../remote/enforcer-client';
import { CHECK_BOUNDS } from '@rl/contracts';
import { InvalidCheckError, validateCheckInput, type CheckInput } from './check-input';
import type { RateLimitDecision, SettleResult } from './decision';

/** Ask the regional enforcer over HTTP. */
export interface RemoteClientOptions extends RemoteModeOptions {
  readonly mode: 'remote';
  readonly onDegraded?: DegradedListener;
}

/** Decide in process (Redis, or process memory without it). */
export interface LibraryClientOptions extends LibraryModeOptions {
  readonly mode: 'library';
  readonly onDegraded?: DegradedListener;
}

export type RateLimitClientOptions = RemoteClientOptions | LibraryClientOptions;

/**
 * The one entry point of the client: `check()` answers a RateLimitDecision in either mode, and
 * the adapters (Nest guard, Fastify plugin, Express middleware) turn it into headers and 429/503.
 *
 * Failure handling is the mode's: remote mode applies the client's `failureMode` when the
 * enforcer cannot answer; library mode applies the policy's `failureMode` when Redis fails.
 * `check()` rejects only for a programming error: InvalidCheckError (a bad check, by field) or
 * EnforcerRejectedError (the enforcer refused the check as malformed).
 */
export class RateLimitClient {
  readonly mode: 'remote' | 'library';
  private readonly decider: EnforcerClient | LibraryDecider;

  constructor(options: RateLimitClientOptions) {
    if (options.mode === 'remote') {
      this.decider = new EnforcerClient(options, options.onDegraded);
    } else if (options.mode === 'library') {
      this.decider = new LibraryDecider(options, options.onDegraded);
    } else {
      throw new RangeError(`mode must be "remote" or "library", got ${JSON.stringify((options as { mode: unknown }).mode)}`);
    }
    this.mode = options.mode;
  }

  check(input: CheckInput): Promise<RateLimitDecision> {
    return withValidInput(input, (valid) => this.decider.check(valid));
  }

  /**
   * Remote mode: a lease under the concurrency policy that matches `input` (`POST /v1/acquire`),
   * to release with `release(decision.leaseId)` when the request is done; a denial otherwise. An
   * unreachable enforcer gets the client's failure mode (no lease). Library mode keeps no leases:
   * it rejects with a RangeError, a configuration error.
   */
  acquire(input: CheckInput): Promise<RateLimitDecision> {
    const decider = this.decider;
    if (!(decider instanceof EnforcerClient)) return Promise.reject(new RangeError('concurrency limits (acquire) need remote mode: leases live in the regional enforcer'));
    return withValidInput(input, (valid) => decider.acquire(valid));
  }

  /** Releases a lease taken by `acquire`; never rejects (see EnforcerClient.release). */
  release(leaseId: string): Promise<'released' | 'unknown' | 'failed'> {
    if (!(this.decider instanceof EnforcerClient)) return Promise.resolve('unknown');
    return this.decider.release(leaseId);
  }

  /**
   * Charges or refunds the difference between what a decision consumed and `actualCost` (an
   * integer >= 0), once: the decision must come from a check with `settle: true` in remote mode.
   * A decision without a `decisionId` (library mode, or a client-side fallback) has nothing to
   * settle: `unknown`, and no call is made.
   */
  settle(decision: Pick<RateLimitDecision, 'decisionId'>, actualCost: number): Promise<SettleResult> {
    if (!(Number.isInteger(actualCost) && actualCost >= 0 && actualCost <= CHECK_BOUNDS.costMax)) {
      return Promise.reject(new InvalidCheckError('actualCost', `must be an integer from 0 to ${CHECK_BOUNDS.costMax}`));
    }
    if (decision.decisionId === undefined || !(this.decider instanceof EnforcerClient)) return Promise.resolve({ status: 'unknown' });
    return this.decider.settle({ decisionId: decision.decisionId, actualCost });
  }

  /** Library mode with Redis: loads the scripts before the first decision. A no-op otherwise. */
  async warmUp(): Promise<void> {
    if (this.decider instanceof LibraryDecider) await this.decider.load();
  }

  /** Releases the client's own resources (remote mode: pooled connections). A caller-owned Redis client stays open. */
  close(): void {
    if (this.decider instanceof EnforcerClient) this.decider.close();
  }
}

/** `use(validateCheckInput(input))`, or a rejection with the InvalidCheckError. */
function withValidInput(input: CheckInput, use: (valid: CheckInput) => Promise<RateLimitDecision>): Promise<RateLimitDecision> {
  let valid: CheckInput;
  try {
    valid = validateCheckInput(input);
  } catch (error) {
    return Promise.reject(error);
  }
  return use(valid);
}
