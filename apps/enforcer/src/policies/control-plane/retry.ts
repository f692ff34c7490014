/** Exponential backoff with full jitter: attempt n waits a random time in [0, min(max, initial * 2^n)]. */
export interface RetryPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 200, maxMs: 5_000 };

/** `random` is injected (Math.random by default) so tests can pin the jitter. */
export function backoffMs(input: { policy: RetryPolicy; attempt: number; random: () => number }): number {
  const ceiling = Math.min(input.policy.maxMs, input.policy.initialMs * 2 ** Math.min(input.attempt, 30));
  return Math.max(1, Math.round(ceiling * input.random()));
}

/** Resolves after `ms`, or at once when `signal` aborts (it never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
