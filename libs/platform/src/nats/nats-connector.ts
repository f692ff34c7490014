import { connect, ErrorCode, Events, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { ThrottledLog } from '../logging/throttled-log';
import { explainConnectError, natsConnectionOptions, natsErrorText, NO_NATS_TRANSPORT, type NatsTransportSettings } from './nats-auth';

/** The longest a close waits for pending publishes to reach the server. */
const DRAIN_TIMEOUT_MS = 2_000;

export interface NatsConnectorOptions {
  readonly url: string;
  /** Connection name, shown by the server (`nats server report connections`). */
  readonly name: string;
  readonly logger: Logger;
  /** Credentials and TLS (NATS_AUTH_ENV); none and plaintext when omitted. */
  readonly transport?: NatsTransportSettings;
  /** Pause between failed first-connection attempts. */
  readonly retryMs?: number;
  /**
   * How often the client pings the server (default 10 s); two unanswered pings close the
   * connection, and it reconnects. Bounds how long a silently dropped link goes unnoticed.
   */
  readonly pingIntervalMs?: number;
  /**
   * Called once when the first connection fails for a reason retrying cannot fix (credentials
   * refused, server certificate not trusted, TLS not offered), with a message naming the NATS_*
   * variables. The connector has stopped by then. When omitted, the message is logged at fatal
   * level and the process exits with 78 (EX_CONFIG), as for any other bad configuration.
   */
  readonly onFatal?: (message: string) => void;
}

/** A server refusal of one operation of a connection that is otherwise up. */
export interface NatsPermissionDenial {
  readonly operation: string;
  readonly subject: string;
  readonly atMs: number;
}

const LOG_INTERVAL_MS = 10_000;
/** A service whose NATS user was denied an operation this recently is not ready (`notReadyReason` says which). */
const DENIAL_NOT_READY_MS = 30_000;

function exitOnFatal(logger: Logger): (message: string) => void {
  return (message) => {
    logger.fatal(`cannot use NATS: ${message}`);
    process.exit(78); // EX_CONFIG
  };
}

/**
 * Keeps one NATS connection, connecting in the background: a service boots and serves HTTP while
 * NATS is down, and /readyz names NATS (`notReadyReason`) until it is up. `onConnect` runs for each
 * new connection (subscriptions, streams, KV) before the connection counts as up; if it throws,
 * the connection is closed and retried. After the first connection the client reconnects on its
 * own, forever.
 *
 * Security: every connection carries the configured credentials and TLS settings. A first
 * connection the server refuses for good (credentials, certificate, TLS) stops the connector and
 * calls `onFatal`; once a service has been connected, the same refusal is retried and logged, so
 * a credential rotation gone wrong leaves it running and not ready instead of down. Operations
 * the server denies (publish or subscribe without permission) are logged with their subject at
 * most once per interval and never close the connection.
 */
export class NatsConnector {
  private nc: NatsConnection | undefined;
  private connected = false;
  private everConnected = false;
  private problem = 'not connected yet';
  private closing = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private denial: NatsPermissionDenial | undefined;
  private readonly transport: NatsTransportSettings;
  private readonly log: ThrottledLog;

  constructor(private readonly options: NatsConnectorOptions) {
    this.transport = options.transport ?? NO_NATS_TRANSPORT;
    this.log = new ThrottledLog(options.logger, { intervalMs: LOG_INTERVAL_MS, now: Date.now });
  }

  start(onConnect?: (nc: NatsConnection) => Promise<void>): void {
    this.loop ??= this.connectLoop(onConnect);
  }

  /** The connection while it is up; `undefined` while connecting or reconnecting. */
  connection(): NatsConnection | undefined {
    return this.connected ? this.nc : undefined;
  }

  /**
   * Why the connection cannot be used: not connected, or the server denied an operation within the
   * last 30 s (the service then lacks something it needs: a publish, a subscription, a JetStream
   * API call), naming the operation and subject.
   */
  notReadyReason(): string | undefined {
    if (!this.connected) return `${this.problem} (${this.options.url})`;
    const denial = this.denial;
    if (denial !== undefined && Date.now() - denial.atMs < DENIAL_NOT_READY_MS) {
      return `the NATS server denied ${denial.operation} on "${denial.subject}" to this service's NATS user (${this.options.url})`;
    }
    return undefined;
  }

  /** The latest operation the server denied on this connection, if any. */
  lastPermissionDenial(): NatsPermissionDenial | undefined {
    return this.denial;
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
      let nc: NatsConnection;
      try {
        nc = await connect({
          servers: this.options.url,
          name: this.options.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          timeout: 2_000,
          pingInterval: this.options.pingIntervalMs ?? 10_000,
          ...natsConnectionOptions(this.transport),
        });
      } catch (error) {
        const explained = explainConnectError(error, this.transport);
        this.connected = false;
        this.problem = `cannot connect: ${explained.message}`;
        if (explained.fatal && !this.everConnected) {
          this.closing = true;
          (this.options.onFatal ?? exitOnFatal(this.options.logger))(explained.message);
          return;
        }
        if (explained.fatal) this.log.error('connect', { url: this.options.url }, `NATS ${this.problem}; retrying`);
        else if (attempts % 20 === 0) this.options.logger.warn({ url: this.options.url }, `NATS ${this.problem}; retrying`);
        attempts++;
        await this.pause();
        continue;
      }
      try {
        if (this.closing) {
          await nc.close();
          return;
        }
        this.nc = nc;
        void this.watch(nc);
        if (onConnect !== undefined) {
          try {
            await onConnect(nc);
          } catch (error) {
            await nc.close();
            throw error;
          }
        }
        this.connected = true;
        this.everConnected = true;
        attempts = 0;
        this.log.clear('connect');
        this.options.logger.info({ url: this.options.url }, 'NATS connected');
        const error = await nc.closed();
        this.connected = false;
        this.nc = undefined;
        if (this.closing) return;
        this.problem = `connection closed: ${error?.message ?? 'by the server'}`;
        this.options.logger.warn(this.problem);
      } catch (error) {
        this.connected = false;
        this.problem = `cannot set up the connection: ${natsErrorText(error)}`;
        if (isPermissionError(error)) this.log.error('setup', { url: this.options.url }, `NATS ${this.problem}; this NATS user lacks a permission the service needs (README: NATS permissions); retrying`);
        else if (attempts % 20 === 0) this.options.logger.warn({ url: this.options.url }, `NATS ${this.problem}; retrying`);
        attempts++;
        await this.pause();
      }
    }
  }

  private pause(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      setTimeout(resolve, this.options.retryMs ?? 500);
    });
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
      } else if (status.type === Events.Error && status.permissionContext !== undefined) {
        const { operation, subject } = status.permissionContext;
        this.denial = { operation, subject, atMs: Date.now() };
        this.log.error(
          `denied ${operation} ${subject}`,
          { operation, subject },
          `NATS denied ${operation} on "${subject}": this NATS user lacks the permission (README: NATS permissions); the service keeps running without it`,
        );
      } else if (status.type === Events.Error) {
        this.log.error(`error ${String(status.data)}`, { code: status.data }, 'NATS reported an error on the connection');
      }
    }
  }
}

function isPermissionError(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === ErrorCode.PermissionsViolation;
}
