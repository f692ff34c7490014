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
