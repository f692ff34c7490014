import {
  ConnectionProgress,
  createRedisClient,
  progressReader,
  reconnectDelayMs,
  RedisCounterStore,
  toStoreError,
  RedisLeaseStore,
  RedisSettleStore,
  RedisConcurrencyStore,
  withProgressDeadline,
  type CallDeadline,
  type RedisClient,
  type RedisTarget,
} from '@rl/redis-store';
import { isCertificateError } from '@rl/platform';
import type { Logger } from 'pino';
import { BatchingStore } from '../batching/batching-store';
import { guardedLeasePort } from '../hot-keys/guarded-lease-port';
import type { LeasePort } from '../hot-keys/hot-key-store';
import type { PipelineMetrics } from '../metrics';
import { BreakerGuardedStore } from '../resilience/breaker-guarded-store';
import { CircuitBreaker, type BreakerState } from '../resilience/circuit-breaker';
import { guardedSettlementPort, type SettlementPort } from '../settle/settlement-port';
import { guardedConcurrencyPort, type ConcurrencyPort } from '../concurrency/concurrency-port';

/** A TLS file as configured: its path (for messages) and its PEM text. */
export interface RedisTlsFile {
  readonly path: string;
  readonly text: string;
}

/**
 * TLS towards the counter stores (REDIS_TLS_*): used for a `rediss://` URL and for Cluster and
 * Sentinel targets; a `redis://` URL gets none.
 */
export interface RedisTlsSettings {
  /** CA certificates the server's certificate must chain to; the system's when undefined. */
  readonly ca: RedisTlsFile | undefined;
  readonly clientCertificate: { readonly cert: RedisTlsFile; readonly key: RedisTlsFile } | undefined;
}

/** The circuit breaker of each counter-store connection (BREAKER_* settings). */
export interface BreakerSettings {
  readonly failureThreshold: number;
  readonly failureWindowMs: number;
  readonly cooldownMs: number;
  readonly cooldownJitterMs: number;
}

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
   * TLS files (REDIS_TLS_*). A server whose certificate does not verify is never used: the tier
   * stays down, /readyz says why, and decisions get the policy's failure mode.
   */
  readonly tls?: RedisTlsSettings;
  readonly commandTimeoutMs: number;
  readonly connectionName: string;
  readonly breaker: BreakerSettings;
  readonly logger: Logger;
  readonly metrics: PipelineMetrics;
  /** Called on every breaker state change, after the gauge is set. */
  readonly onBreakerState?: (state: BreakerState) => void;
}

/**
 * One Redis connection of the counter store, with its own circuit breaker: decisions are batched
 * per event-loop turn (BatchingStore) behind the breaker. The client reconnects
 * forever with jittered backoff; while it is down, decisions fail fast (no offline queue, and an
 * open breaker does not even try). Scripts are loaded on every (re)connection so a restarted Redis
 * does not cost a NOSCRIPT round trip per script; a NOSCRIPT in between falls back to EVAL.
 */
export class RedisTier {
  /** Every kind of decision on this connection, batched, behind its breaker. */
  readonly store: BreakerGuardedStore;
  /** Hot-key lease scripts on this connection, behind the same breaker. */
  readonly leases: LeasePort;
  /** Decision records and settles on this connection, behind the same breaker. */
  readonly settlement: SettlementPort;
  /** Concurrency leases on this connection, behind the same breaker. */
  readonly concurrency: ConcurrencyPort;
  private readonly client: RedisClient;
  private readonly scripts: RedisCounterStore;
  private readonly leaseScripts: RedisLeaseStore;
  private readonly settleScripts: RedisSettleStore;
  private readonly concurrencyScripts: RedisConcurrencyStore;
  private connected = false;
  /** Why the store is not connected (the latest error), for /readyz. */
  private downReason: string | undefined;
  /** Whether the current outage has been logged: one warning per outage, not one per reconnect attempt. */
  private outageLogged = false;
  private closing = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly probeProgress: () => number;
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
    // Every call on the hot path is bounded by the progress of the connection (on a Cluster, the
    // node) it was written to, not by a plain timer: silence for commandTimeoutMs fails a call,
    // our own queueing never does (withProgressDeadline).
    const ms = options.commandTimeoutMs;
    const deadline: CallDeadline = ({ work, node, context }) => {
      const progress = ConnectionProgress.of(node);
      return withProgressDeadline(work, context, { ms, progress: () => progress.received });
    };
    this.probeProgress = progressReader(this.client);
    this.scripts = new RedisCounterStore({ client: this.client, deadline });
    const breaker = new CircuitBreaker({
      ...options.breaker,
      now: () => performance.now(),
      random: Math.random,
      onStateChange: (state) => this.noteBreakerState(state),
    });
    options.metrics.setBreakerState(options.name, 'closed');
    this.store = new BreakerGuardedStore(options.name, new BatchingStore(this.scripts, (size) => options.metrics.recordBatch(size)), breaker);
    this.leaseScripts = new RedisLeaseStore({ client: this.client, deadline });
    this.leases = guardedLeasePort({ guard: this.store, leases: this.leaseScripts });
    this.settleScripts = new RedisSettleStore({ client: this.client, deadline });
    this.settlement = guardedSettlementPort({ guard: this.store, settlement: this.settleScripts });
    this.concurrencyScripts = new RedisConcurrencyStore({ client: this.client, deadline });
    this.concurrency = guardedConcurrencyPort({ guard: this.store, concurrency: this.concurrencyScripts });
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
      this.probeSoon();
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

  /** DEL of one counter's keys (they share a hash tag, so one call works on a Cluster too), bounded like decisions. */
  async deleteKeys(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await withProgressDeadline(this.client.del(...keys), `${this.options.name} counter reset`, { ms: this.options.commandTimeoutMs, progress: this.probeProgress });
    } catch (error) {
      throw toStoreError(error, `${this.options.name} counter reset`);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
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
    this.settleScripts.load().catch((error: unknown) => this.options.logger.warn({ err: error }, 'loading settle scripts failed; settles fall back to EVAL'));
    this.concurrencyScripts.load().catch((error: unknown) => this.options.logger.warn({ err: error }, 'loading concurrency scripts failed; leases fall back to EVAL'));
  }

  /**
   * While the breaker is open, this tier probes the connection itself (a PING under the same
   * progress deadline as decisions) once the cooldown is over, and again after each failed probe:
   * no caller's decision is ever the probe, so none waits on a Redis that may still be down.
   */
  private probeSoon(): void {
    if (this.closing) return;
    const wait = this.store.breaker.msUntilProbe();
    if (wait === Infinity) return;
    if (this.probeTimer !== undefined) {
      if (wait > 0) return;
      clearTimeout(this.probeTimer);
    }
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      this.probe();
    }, wait);
    this.probeTimer.unref();
  }

  private probe(): void {
    const breaker = this.store.breaker;
    if (this.closing || breaker.probe() !== 'probe') {
      this.probeSoon();
      return;
    }
    withProgressDeadline(this.client.ping(), `${this.options.name} probe`, { ms: this.options.commandTimeoutMs, progress: this.probeProgress }).then(
      () => breaker.record('probe', 'success'),
      () => breaker.record('probe', 'failure'),
    );
  }

  private noteBreakerState(state: BreakerState): void {
    if (state === 'open') this.probeSoon();
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
