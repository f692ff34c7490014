import { isCertificateError } from '@rl/platform';
import { createRedisClient, reconnectDelayMs, RedisCounterStore, RedisLeaseStore, type RedisClient, type RedisTarget } from '@rl/redis-store';
import type { Logger } from 'pino';
import type { BreakerSettings } from '../config/enforcer-config';
import type { RedisTlsSettings } from '../config/redis-tls-env';
import type { EnforcerMetrics } from '../metrics/enforcer-metrics';
import { CircuitBreaker, type BreakerState } from '../resilience/circuit-breaker';
import { BreakerGuardedGlobalStore } from '../global/global-window-stores';
import { BreakerGuardedStore } from '../resilience/guarded-store';
import { guardedLeasePort } from '../hot-keys/guarded-lease-port';
import type { LeasePort } from '../hot-keys/hot-key-store';

/**
 * Upper bound of the reconnect backoff. Low enough that a Redis back after an outage is used again
 * within about a second (plus one breaker cooldown); the jitter keeps the connection rate capped.
 */
const RECONNECT_CAP_MS = 1_000;
/** First delay of the reconnect backoff, and of reviving a client that ended on its own. */
const RECONNECT_BASE_MS = 50;

/**
 * The client's own command timeout only bounds how long a lost command is remembered; decisions
 * use the store's stall-tolerant deadline (REDIS_COMMAND_TIMEOUT_MS), see withDeadline.
 */
const CLIENT_BACKSTOP_TIMEOUT_MS = 2_000;

export interface RedisTierOptions {
  /** `primary` or `secondary`: the store label in logs and metrics. */
  readonly name: string;
  readonly target: RedisTarget;
  /** ACL user and password; a URL target's own credentials apply when these are undefined. */
  readonly auth?: { readonly username?: string; readonly password?: string };
  /**
   * TLS files (REDIS_TLS_*), used for a `rediss://` URL and for Cluster and Sentinel targets. A
   * server whose certificate does not verify is never used: the tier stays down and decisions get
   * the policy's failure mode.
   */
  readonly tls?: RedisTlsSettings;
  readonly commandTimeoutMs: number;
  readonly connectionName: string;
  readonly breaker: BreakerSettings;
  readonly logger: Logger;
  readonly metrics: EnforcerMetrics;
  /** Called on every breaker state change, after the gauge is set. */
  readonly onBreakerState?: (state: BreakerState) => void;
}

/**
 * One Redis connection of the counter store, with its own circuit breaker. The client reconnects
 * forever with jittered backoff; while it is down, decisions fail fast (no offline queue, and an
 * open breaker does not even try). Scripts are loaded on every (re)connection so a restarted Redis
 * does not cost a NOSCRIPT round trip per script; a NOSCRIPT in between falls back to EVAL.
 */
export class RedisTier {
  readonly store: BreakerGuardedStore;
  /** Global-policy decisions on this connection, behind the same breaker. */
  readonly globalStore: BreakerGuardedGlobalStore;
  /** Hot-key lease scripts on this connection, behind the same breaker. */
  readonly leases: LeasePort;
  private readonly client: RedisClient;
  private readonly scripts: RedisCounterStore;
  private readonly leaseScripts: RedisLeaseStore;
  private connected = false;
  /** Why the store is not connected (the latest error), for /readyz. */
  private downReason: string | undefined;
  /** Whether the current outage has been logged: one warning per outage, not one per reconnect attempt. */
  private outageLogged = false;
  private closing = false;
  private revival: NodeJS.Timeout | undefined;
  private revivals = 0;

  constructor(private readonly options: RedisTierOptions) {
    this.client = createRedisClient(options.target, {
      commandTimeoutMs: Math.max(CLIENT_BACKSTOP_TIMEOUT_MS, options.commandTimeoutMs),
      connectionName: options.connectionName,
      username: options.auth?.username,
      password: options.auth?.password,
      tls: tlsOptions(options.target, options.tls),
      reconnectBaseMs: RECONNECT_BASE_MS,
      reconnectCapMs: RECONNECT_CAP_MS,
      lazyConnect: true,
    });
    this.scripts = new RedisCounterStore({ client: this.client, deadlineMs: options.commandTimeoutMs });
    const breaker = new CircuitBreaker({
      ...options.breaker,
      now: () => performance.now(),
      random: Math.random,
      onStateChange: (state) => this.noteBreakerState(state),
    });
    options.metrics.setBreakerState(options.name, 'closed');
    this.store = new BreakerGuardedStore(options.name, this.scripts, breaker);
    this.leaseScripts = new RedisLeaseStore({ client: this.client, deadlineMs: options.commandTimeoutMs });
    this.leases = guardedLeasePort({ guard: this.store, leases: this.leaseScripts });
    this.globalStore = new BreakerGuardedGlobalStore(options.name, this.scripts, breaker);
  }

  start(): void {
    this.client.on('ready', () => {
      this.connected = true;
      this.downReason = undefined;
      this.outageLogged = false;
      this.revivals = 0;
      this.options.logger.info({ store: this.options.name }, 'counter store connected');
      this.loadScripts();
      this.store.breaker.allowProbeNow();
    });
    this.client.on('error', (error: Error) => this.noteError(error));
    this.client.on('end', () => {
      this.connected = false;
      if (!this.closing) this.revive();
    });
    this.client.on('close', () => {
      if (this.connected) this.noteError(new Error('connection lost'));
      this.connected = false;
    });
    // The 'error' event above reports why; the rejection of the first attempt adds nothing for /readyz.
    this.client.connect().catch((error: unknown) => this.options.logger.debug({ err: error }, 'first counter-store connection attempt failed'));
  }

  async ping(): Promise<void> {
    if (!this.connected) throw new Error(this.downReason ?? 'not connected yet');
    await this.client.ping();
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.revival !== undefined) clearTimeout(this.revival);
    try {
      await this.client.quit();
    } catch (error) {
      this.options.logger.debug({ err: error }, 'counter store quit failed; disconnecting');
      this.client.disconnect();
    }
  }

  /**
   * Reconnects a client that ended without being closed. ioredis 5 ends a Sentinel client for good
   * when its failover detector (+switch-master) disconnects it while a reconnection is resolving the
   * primary: the connector fails with "Connection is closed." and the client goes to status "end"
   * instead of reconnecting. Killing the primary under load hit this in about one failover in six.
   * The same jittered backoff as reconnects applies, so the connection rate stays capped.
   */
  private revive(): void {
    if (this.revival !== undefined) return;
    this.revivals += 1;
    const delay = reconnectDelayMs({ attempt: this.revivals, baseMs: RECONNECT_BASE_MS, capMs: RECONNECT_CAP_MS, random: Math.random });
    this.options.logger.warn({ store: this.options.name, delayMs: delay }, 'counter store connection ended on its own; reconnecting');
    this.revival = setTimeout(() => {
      this.revival = undefined;
      if (this.closing || this.client.status !== 'end') return;
      this.client.connect().catch((error: unknown) => this.noteError(error));
    }, delay);
    this.revival.unref();
  }

  private loadScripts(): void {
    this.scripts.load().catch((error: unknown) => this.options.logger.warn({ err: error }, 'loading counter-store scripts failed; decisions fall back to EVAL'));
    this.leaseScripts.load().catch((error: unknown) => this.options.logger.warn({ err: error }, 'loading lease scripts failed; leases fall back to EVAL'));
  }

  private noteBreakerState(state: BreakerState): void {
    this.options.metrics.setBreakerState(this.options.name, state);
    if (state !== 'half-open') this.options.logger.info({ store: this.options.name, breaker: state }, 'counter store circuit breaker changed state');
    this.options.onBreakerState?.(state);
  }

  private noteError(error: unknown): void {
    if (this.closing) return;
    const message = error instanceof Error ? error.message : String(error);
    this.downReason = isCertificateError(error)
      ? `the server's certificate does not verify against ${this.options.tls?.ca === undefined ? "the system's CAs (set REDIS_TLS_CA_FILE)" : `the CA in REDIS_TLS_CA_FILE (${this.options.tls.ca.path})`}: ${message}`
      : message;
    if (this.outageLogged) return;
    this.outageLogged = true;
    this.options.logger.warn({ store: this.options.name, reason: this.downReason }, 'counter store unavailable; reconnecting until it answers');
  }
}

/** The PEM texts for createRedisClient: for rediss:// URLs and for Cluster and Sentinel targets; a redis:// URL gets none. */
function tlsOptions(target: RedisTarget, tls: RedisTlsSettings | undefined): { ca?: string; cert?: string; key?: string } | undefined {
  if (tls === undefined || ('url' in target && !/^rediss:\/\//i.test(target.url))) return undefined;
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca.text }),
    ...(tls.clientCertificate === undefined ? {} : { cert: tls.clientCertificate.cert.text, key: tls.clientCertificate.key.text }),
  };
}
