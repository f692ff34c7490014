import { connect, Events, type NatsConnection } from 'nats';
import type { Logger } from 'pino';

/** The longest a close waits for pending publishes to reach the server. */
const DRAIN_TIMEOUT_MS = 2_000;

export interface NatsConnectorOptions {
  readonly url: string;
  /** Connection name, shown by the server (`nats server report connections`). */
  readonly name: string;
  readonly logger: Logger;
  /** Pause between failed first-connection attempts. */
  readonly retryMs?: number;
  /**
   * How often the client pings the server (default 10 s); two unanswered pings close the
   * connection, and it reconnects. Bounds how long a silently dropped link goes unnoticed.
   */
  readonly pingIntervalMs?: number;
}

/**
 * Keeps one NATS connection, connecting in the background: a service boots and serves HTTP while
 * NATS is down, and /readyz names NATS (`notReadyReason`) until it is up. `onConnect` runs for each
 * new connection (subscriptions, streams, KV) before the connection counts as up; if it throws,
 * the connection is closed and retried. After the first connection the client reconnects on its
 * own, forever.
 */
export class NatsConnector {
  private nc: NatsConnection | undefined;
  private connected = false;
  private problem = 'not connected yet';
  private closing = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: NatsConnectorOptions) {}

  start(onConnect?: (nc: NatsConnection) => Promise<void>): void {
    this.loop ??= this.connectLoop(onConnect);
  }

  /** The connection while it is up; `undefined` while connecting or reconnecting. */
  connection(): NatsConnection | undefined {
    return this.connected ? this.nc : undefined;
  }

  notReadyReason(): string | undefined {
    return this.connected ? undefined : `${this.problem} (${this.options.url})`;
  }

  /** Waits until connected, for tests and tools. */
  async ready(timeoutMs: number): Promise<NatsConnection> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const nc = this.connection();
      if (nc !== undefined) return nc;
      if (Date.now() > deadline) throw new Error(`NATS not connected after ${timeoutMs} ms: ${this.notReadyReason()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Drains the connection (pending publishes are flushed) and stops reconnecting. A drain needs the
   * server: while disconnected, or when it takes longer than DRAIN_TIMEOUT_MS, the connection is
   * closed instead (a shutdown must not wait for a NATS that may never come back).
   */
  async close(): Promise<void> {
    this.closing = true;
    this.wake?.();
    const nc = this.nc;
    if (nc !== undefined && !nc.isClosed()) {
      if (!this.connected) await nc.close();
      else {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), DRAIN_TIMEOUT_MS);
        });
        try {
          if ((await Promise.race([nc.drain().then(() => 'drained' as const), timedOut])) === 'timeout') {
            this.options.logger.warn(`NATS drain took over ${DRAIN_TIMEOUT_MS} ms; closing`);
            await nc.close();
          }
        } catch (error) {
          this.options.logger.warn({ err: error }, 'NATS drain failed; closing');
          await nc.close();
        } finally {
          clearTimeout(timer);
        }
      }
    }
    await this.loop;
  }

  private async connectLoop(onConnect: ((nc: NatsConnection) => Promise<void>) | undefined): Promise<void> {
    let attempts = 0;
    while (!this.closing) {
      try {
        const nc = await connect({
          servers: this.options.url,
          name: this.options.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          timeout: 2_000,
          pingInterval: this.options.pingIntervalMs ?? 10_000,
        });
        if (this.closing) {
          await nc.close();
          return;
        }
        this.nc = nc;
        if (onConnect !== undefined) {
          try {
            await onConnect(nc);
          } catch (error) {
            await nc.close();
            throw error;
          }
        }
        this.connected = true;
        attempts = 0;
        this.options.logger.info({ url: this.options.url }, 'NATS connected');
        void this.watch(nc);
        const error = await nc.closed();
        this.connected = false;
        this.nc = undefined;
        if (this.closing) return;
        this.problem = `connection closed: ${error?.message ?? 'by the server'}`;
        this.options.logger.warn(this.problem);
      } catch (error) {
        this.connected = false;
        this.problem = `cannot connect: ${error instanceof Error ? error.message : String(error)}`;
        if (attempts++ % 20 === 0) this.options.logger.warn({ url: this.options.url }, `NATS ${this.problem}; retrying`);
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, this.options.retryMs ?? 500);
        });
      }
    }
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) {
        this.connected = false;
        this.problem = 'disconnected, reconnecting';
        this.options.logger.warn('NATS disconnected; reconnecting');
      } else if (status.type === Events.Reconnect) {
        this.connected = true;
        this.options.logger.info('NATS reconnected');
      }
    }
  }
}
