/** Operations each caller runs between two yields to the event loop's macrotask phases. */
const YIELD_EVERY = 64;

/**
 * Closed-loop throughput: `callers` concurrent loops, each awaiting `op` then issuing the next,
 * for `seconds`. Returns completed operations per second.
 *
 * Every caller yields to the event loop (setImmediate) every YIELD_EVERY operations. An operation
 * that completes without I/O (a local-fallback answer while a breaker is open, a lease spent from
 * memory) resolves in a microtask, and callers chaining only such operations would never let a
 * timer run: not the breaker's probe, not the deadline's. A server handling HTTP yields on every
 * request's I/O; this keeps the closed loop as fair to timers as that.
 */
export async function closedLoop(options: { callers: number; seconds: number; op: (i: number) => Promise<unknown> }): Promise<number> {
  const deadline = performance.now() + options.seconds * 1000;
  let done = 0;
  const started = performance.now();
  const loop = async (): Promise<void> => {
    let sinceYield = 0;
    while (performance.now() < deadline) {
      await options.op(done);
      done++;
      if (++sinceYield === YIELD_EVERY) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  };
  await Promise.all(Array.from({ length: options.callers }, loop));
  return done / ((performance.now() - started) / 1000);
}
