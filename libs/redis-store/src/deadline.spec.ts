import { StoreTimeoutError } from './errors';
import { withDeadline } from './deadline';

/** Blocks the event loop, as a GC pause or a CPU-starved VM would. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    /* spin */
  }
}

describe('withDeadline', () => {
  it('passes a reply through and clears its timer', async () => {
    await expect(withDeadline(Promise.resolve(7), 10, 'x')).resolves.toBe(7);
  });

  it('passes a failure through unchanged', async () => {
    const failure = new Error('boom');
    await expect(withDeadline(Promise.reject(failure), 10, 'x')).rejects.toBe(failure);
  });

  it('times out when no reply comes', async () => {
    const never = new Promise<number>(() => undefined);
    await expect(withDeadline(never, 5, 'decision')).rejects.toBeInstanceOf(StoreTimeoutError);
    await expect(withDeadline(never, 5, 'decision')).rejects.toThrow('decision: Redis did not reply within 5 ms');
  });

  it('does not time out a reply that arrived while the event loop was stalled past the deadline', async () => {
    // The "reply" is an I/O callback (a timer of 1 ms stands in for a socket read) that became
    // ready during the stall; a plain timeout racing it would fire first and win.
    const reply = new Promise<string>((resolve) => setTimeout(() => resolve('reply'), 1));
    const guarded = withDeadline(reply, 2, 'decision');
    stall(30);
    await expect(guarded).resolves.toBe('reply');
  });
});
