import { StoreTimeoutError } from './errors';

/**
 * Settles like `work`, or rejects with StoreTimeoutError once `ms` have passed without a reply.
 *
 * Why not ioredis' `commandTimeout` alone: Node runs expired timers BEFORE it reads sockets in an
 * event-loop turn. After any stall longer than the deadline (GC, a CPU-starved VM, a burst of
 * requests), every command's timer fires first, and replies that arrived during the stall and sit
 * unread in the socket buffer are declared timeouts: a healthy Redis looks dead and decisions fail
 * open or closed for nothing. Here an expired deadline first yields one turn (`setImmediate` runs
 * after the poll phase), so replies already received win; only a reply that really is not there
 * times out.
 *
 * The command itself cannot be cancelled and may still run: the caller must not replay it.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, context: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (settled) return;
        settled = true;
        reject(new StoreTimeoutError(`${context}: Redis did not reply within ${ms} ms`, { cause: undefined }));
      });
    }, ms);
    work.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export interface ProgressDeadlineOptions {
  /** How long a connection may stay silent, with our command unanswered, before it counts as failed. */
  readonly ms: number;
  /**
   * Reads the connection's progress counter (ConnectionProgress.received): anything that changes
   * whenever data arrives.
   */
  readonly progress: () => number;
  /**
   * Upper bound of the whole wait, however much progress the connection makes: a reply that never
   * comes while other replies keep arriving means the command was lost (the client's own backstop
   * rejects it too). Default: 100 × `ms`, at least 2 s.
   */
  readonly maxWaitMs?: number;
  /** Monotonic milliseconds; injected by tests. */
  readonly now?: () => number;
}

/**
 * Settles like `work`, or rejects with StoreTimeoutError once the connection has been silent for
 * `ms` while the command was waiting: no data at all from Redis in a whole `ms` that began after
 * the command was written.
 *
 * This is the deadline of the decision path. A late reply is a Redis failure only if Redis said
 * nothing in the meantime; replies that arrive late because our event loop was busy (a burst of
 * requests queued behind each other, a GC pause, the CPU work of building a large batch) are not.
 * So the silence is measured from a checkpoint taken one event-loop turn after the call, when the
 * client has written it (ioredis writes on process.nextTick) and our own synchronous work is done.
 * At each expiry the check waits one more turn (as withDeadline does), so data that arrived during
 * a stall is read before it is judged. A connection that keeps delivering other replies moves the
 * checkpoint, so a hung Redis is detected about `ms` after the last data it sent (within 2 × `ms`
 * of the call), and a busy one never is.
 *
 * The command itself cannot be cancelled and may still run: the caller must not replay it.
 */
export function withProgressDeadline<T>(work: Promise<T>, context: string, options: ProgressDeadlineOptions): Promise<T> {
  const { ms, progress } = options;
  const now = options.now ?? (() => performance.now());
  const maxWaitMs = options.maxWaitMs ?? Math.max(2_000, ms * 100);
  const giveUpAt = now() + maxWaitMs;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let seen = 0;
    let timer: NodeJS.Timeout | undefined;
    const checkpoint = (): void => {
      if (settled) return;
      seen = progress();
      timer = setTimeout(expire, ms);
    };
    const judge = (): void => {
      if (settled) return;
      const current = progress();
      // Data arrived: Redis is working through the commands ahead of ours; watch one more window.
      // A timer that fired late (our loop was busy, or our process was not scheduled) needs no
      // special case: the socket was read just before this check, so the window we judge is the
      // whole time since the checkpoint, longer than `ms`, and Redis was silent through all of it.
      if (current !== seen && now() < giveUpAt) {
        checkpoint();
        return;
      }
      settled = true;
      const why = current !== seen ? `no reply within ${maxWaitMs} ms although the connection kept answering` : `Redis sent nothing for ${ms} ms`;
      reject(new StoreTimeoutError(`${context}: ${why}`, { cause: undefined }));
    };
    const expire = (): void => {
      setImmediate(judge);
    };
    const first = setImmediate(checkpoint);
    work.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearImmediate(first);
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearImmediate(first);
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
