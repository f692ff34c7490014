import { Cluster, type Redis } from 'ioredis';
import type { Socket } from 'node:net';

/**
 * Evidence that a Redis connection is alive: how many times data has arrived on it.
 *
 * A deadline that expires proves nothing by itself: the timer may have fired late because our own
 * event loop was busy (a burst of requests, a GC pause, a starved VM), while the replies sat in the
 * socket. What does prove a stall is silence: a command written when the count was n, with the
 * count still n a whole deadline later, has had no byte of any reply since, and Redis answers in
 * order on a connection. Any data at all means Redis is working through the commands in front of
 * ours, so the wait is our queue's, not a Redis failure.
 *
 * One tracker per ioredis client (on a Cluster, per node client), kept across reconnects: each new
 * socket is watched as it connects. Counting chunks costs one integer increment per read, no clock.
 */
export class ConnectionProgress {
  private static readonly byClient = new WeakMap<Redis, ConnectionProgress>();

  private chunks = 0;
  private readonly watched = new WeakSet<Socket>();

  private constructor(private readonly client: Redis) {
    this.watch();
    client.on('connect', () => this.watch());
  }

  /** The tracker of `client`, created (and attached) on first use. */
  static of(client: Redis): ConnectionProgress {
    let progress = ConnectionProgress.byClient.get(client);
    if (progress === undefined) {
      progress = new ConnectionProgress(client);
      ConnectionProgress.byClient.set(client, progress);
    }
    return progress;
  }

  /** Data chunks received so far; compare two readings to know whether anything arrived between them. */
  get received(): number {
    return this.chunks;
  }

  private watch(): void {
    // ioredis exposes the current socket (a net.Socket or a tls.TLSSocket) as `stream` once it
    // starts connecting; before the first connection it is not set yet.
    const stream: Socket | undefined = this.client.stream;
    if (stream === undefined || this.watched.has(stream)) return;
    this.watched.add(stream);
    stream.on('data', () => {
      this.chunks += 1;
    });
  }
}

/**
 * A reading of `client`'s progress for withProgressDeadline: its own tracker for a single
 * connection; for a Cluster client, the sum over its node connections (data from any node counts,
 * so prefer the node's own tracker when the node a command went to is known).
 */
export function progressReader(client: Redis | Cluster): () => number {
  if (!(client instanceof Cluster)) {
    const progress = ConnectionProgress.of(client);
    return () => progress.received;
  }
  return () => {
    let total = 0;
    for (const node of client.nodes()) total += ConnectionProgress.of(node).received;
    return total;
  };
}
