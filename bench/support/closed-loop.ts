/**
 * Closed-loop throughput: `callers` concurrent loops, each awaiting `op` then issuing the next,
 * for `seconds`. Returns completed operations per second.
 */
export async function closedLoop(options: { callers: number; seconds: number; op: (i: number) => Promise<unknown> }): Promise<number> {
  const deadline = performance.now() + options.seconds * 1000;
  let done = 0;
  const started = performance.now();
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await options.op(done);
      done++;
    }
  };
  await Promise.all(Array.from({ length: options.callers }, loop));
  return done / ((performance.now() - started) / 1000);
}
