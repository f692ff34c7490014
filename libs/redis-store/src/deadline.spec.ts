import { StoreTimeoutError } from './errors';
import { withDeadline, withProgressDeadline } from './deadline';

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

describe('withProgressDeadline', () => {
  const never = (): Promise<number> => new Promise<number>(() => undefined);

  it('passes a reply and a failure through', async () => {
    await expect(withProgressDeadline(Promise.resolve(7), 'x', { ms: 10, progress: () => 0 })).resolves.toBe(7);
    const failure = new Error('boom');
    await expect(withProgressDeadline(Promise.reject(failure), 'x', { ms: 10, progress: () => 0 })).rejects.toBe(failure);
  });

  it('times out a silent connection after one deadline', async () => {
    const started = performance.now();
    await expect(withProgressDeadline(never(), 'decision', { ms: 20, progress: () => 0 })).rejects.toThrow('decision: Redis sent nothing for 20 ms');
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('keeps waiting while the connection delivers other replies, and answers when ours comes', async () => {
    let received = 0;
    const ticker = setInterval(() => (received += 1), 5);
    const reply = new Promise<string>((resolve) => setTimeout(() => resolve('late reply'), 120));
    try {
      await expect(withProgressDeadline(reply, 'decision', { ms: 20, progress: () => received })).resolves.toBe('late reply');
    } finally {
      clearInterval(ticker);
    }
  });

  it('times out within two deadlines of the last data the connection sent', async () => {
    let received = 0;
    const ticker = setInterval(() => (received += 1), 5);
    setTimeout(() => clearInterval(ticker), 50);
    const started = performance.now();
    await expect(withProgressDeadline(never(), 'decision', { ms: 20, progress: () => received })).rejects.toBeInstanceOf(StoreTimeoutError);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(50);
    expect(waited).toBeLessThan(50 + 2 * 20 + 100);
  });

  it('does not judge a connection by a stall of our own event loop: data read after the stall counts', async () => {
    let received = 0;
    // The reply arrives as an I/O-like callback that became ready during the stall.
    const reply = new Promise<string>((resolve) =>
      setTimeout(() => {
        received += 1;
        resolve('reply');
      }, 1),
    );
    const guarded = withProgressDeadline(reply, 'decision', { ms: 2, progress: () => received });
    stall(30);
    await expect(guarded).resolves.toBe('reply');
  });

  it('gives up after maxWaitMs even while other replies keep coming', async () => {
    let received = 0;
    const ticker = setInterval(() => (received += 1), 2);
    try {
      await expect(withProgressDeadline(never(), 'decision', { ms: 10, progress: () => received, maxWaitMs: 60 })).rejects.toThrow(
        'decision: no reply within 60 ms although the connection kept answering',
      );
    } finally {
      clearInterval(ticker);
    }
  });

  it('measures silence only after our own synchronous work: building a large batch is not Redis being slow', async () => {
    const received = 0;
    const guarded = withProgressDeadline(
      new Promise<string>((resolve) => setTimeout(() => resolve('reply'), 35)),
      'decision',
      { ms: 20, progress: () => received },
    );
    // The CPU work that follows the call (the rest of a batch) outlasts the deadline; Redis only
    // gets the command once it is done, and answers a few ms later.
    stall(30);
    await expect(guarded).resolves.toBe('reply');
  });
});
