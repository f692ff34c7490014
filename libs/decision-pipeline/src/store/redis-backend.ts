import type { Logger } from 'pino';
import type { HotKeySettings } from '../hot-keys/hot-key-settings';
import { HotKeyStore } from '../hot-keys/hot-key-store';
import type { PipelineMetrics } from '../metrics';
import type { BreakerState } from '../resilience/circuit-breaker';
import { DegradedLedger } from '../resilience/degraded-ledger';
import { TieredStore } from '../resilience/tiered-store';
import type { ConcurrencyPort } from '../concurrency/concurrency-port';
import type { SettlementPort } from '../settle/settlement-port';
import type { DecisionStore, StoreRequest } from '../store-port';
import { RedisTier, type BreakerSettings, type RedisTlsSettings } from './redis-tier';
import { StoreBackend } from './store-backend';

/** Counter keys (and global windows) whose locally admitted usage is held for write-back. */
const DEGRADED_LEDGER_MAX_KEYS = 10_000;

/** Where and how the counters live (REDIS_* settings). */
export interface RedisSettings {
  /** Used when `clusterNodes` and `sentinels` are undefined. */
  readonly url: string;
  /** `host:port` seed nodes; set means cluster mode. */
  readonly clusterNodes: readonly string[] | undefined;
  /** Set means the primary of a Sentinel-managed group (`host:port` sentinels and the group name). */
  readonly sentinels: { readonly nodes: readonly string[]; readonly masterName: string; readonly password?: string } | undefined;
  /** ACL user and password of every counter-store connection; a URL may carry its own instead. */
  readonly auth: { readonly username?: string; readonly password?: string };
  /** TLS files (REDIS_TLS_*); undefined: rediss:// URLs verify against the system's CAs, Cluster and Sentinel are plaintext. */
  readonly tls?: RedisTlsSettings;
  /** How long a connection may stay silent with a command unanswered before it counts as failed, ms. */
  readonly commandTimeoutMs: number;
  /** The secondary store asked while the regional one is down; none when undefined. */
  readonly fallbackUrl: string | undefined;
  readonly breaker: BreakerSettings;
}

export interface RedisStoreBackendOptions {
  readonly settings: RedisSettings;
  readonly connectionName: string;
  readonly logger: Logger;
  readonly metrics: PipelineMetrics;
  /** Hot-key leases (on the regional Redis) and the deny cache, in front of the tiers; none when undefined. */
  readonly hotKeys?: HotKeySettings;
}

/**
 * The regional Redis (or Redis Cluster) counter store, and the one place its tiers are wired, for
 * regional and global decisions alike:
 * 1. the regional Redis, batched, behind its circuit breaker;
 * 2. the secondary (REDIS_FALLBACK_URL), behind its own breaker, when set;
 * 3. (in the pipeline, on a StoreError from both) the policy's failure mode: local buckets or 503.
 *
 * Usage admitted by local buckets is held in one bounded ledger and written back into the
 * regional Redis, off the request path, each time its breaker closes again.
 */
export class RedisStoreBackend extends StoreBackend {
  readonly name = 'redis';
  /** The tiers, behind the hot-key layer when configured. */
  readonly store: DecisionStore;
  /** On the regional Redis only: records live beside their counters (see SettlementPort). */
  override readonly settlement: SettlementPort;
  /** On the regional Redis only: a lease lives where it was taken; the secondary holds none. */
  override readonly concurrency: ConcurrencyPort;
  private readonly primary: RedisTier;
  private readonly secondary: RedisTier | undefined;
  private readonly ledger: DegradedLedger;
  private writingBack = false;
  private readonly hotKeys: HotKeyStore | undefined;

  constructor(private readonly options: RedisStoreBackendOptions) {
    super();
    const { settings, connectionName, logger, metrics } = options;
    const common = { commandTimeoutMs: settings.commandTimeoutMs, breaker: settings.breaker, auth: settings.auth, tls: settings.tls, logger, metrics };
    this.primary = new RedisTier({
      ...common,
      name: 'primary',
      target:
        settings.clusterNodes !== undefined
          ? { clusterNodes: settings.clusterNodes }
          : settings.sentinels !== undefined
            ? { sentinels: settings.sentinels.nodes, masterName: settings.sentinels.masterName, sentinelPassword: settings.sentinels.password }
            : { url: settings.url },
      connectionName,
      onBreakerState: (state) => this.onPrimaryBreaker(state),
    });
    this.secondary =
      settings.fallbackUrl === undefined
        ? undefined
        : new RedisTier({ ...common, name: 'secondary', target: { url: settings.fallbackUrl }, connectionName: `${connectionName}:fallback` });
    this.ledger = new DegradedLedger({ maxKeys: DEGRADED_LEDGER_MAX_KEYS, onDrop: (units) => metrics.recordWriteBack('dropped', units) });
    const tiers = new TieredStore(this.primary.store, this.secondary?.store);
    this.hotKeys = options.hotKeys === undefined ? undefined : new HotKeyStore({ inner: tiers, leases: this.primary.leases, settings: options.hotKeys, metrics });
    this.store = this.hotKeys ?? tiers;
    this.settlement = this.primary.settlement;
    this.concurrency = this.primary.concurrency;
  }

  start(): void {
    this.primary.start();
    this.secondary?.start();
  }

  /** Ready when the regional Redis answers; the secondary only covers outages. */
  ping(): Promise<void> {
    return this.primary.ping();
  }

  /** Remembered denials and leases were computed under the old policies: drop them. */
  override policiesChanged(): void {
    this.hotKeys?.invalidate();
  }

  async close(): Promise<void> {
    // Unused leased units go back while the connection is still open.
    await this.hotKeys?.close();
    await Promise.all([this.primary.close(), this.secondary?.close()]);
  }

  override describeKey(key: string): { leaseUnits: number; denyCached: boolean } {
    return this.hotKeys?.describe(key) ?? { leaseUnits: 0, denyCached: false };
  }

  /** Deletes the counter from the regional Redis and the secondary (when set); forgets this instance's lease and denial. */
  async resetCounter(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.hotKeys?.forget(key);
    await Promise.all([this.primary.deleteKeys(keys), this.secondary?.deleteKeys(keys)]);
  }

  recordDegradedAdmit(request: StoreRequest): void {
    this.ledger.record(request);
  }

  /** Resolves when no write-back is running (tests). */
  async writeBackIdle(): Promise<void> {
    while (this.writingBack) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  private onPrimaryBreaker(state: BreakerState): void {
    if (state !== 'closed' || this.writingBack || this.ledger.size === 0) return;
    this.writingBack = true;
    const { metrics, logger } = this.options;
    this.ledger
      .writeBack(this.primary.store, Date.now())
      .then((result) => {
        metrics.recordWriteBack('written', result.written);
        metrics.recordWriteBack('refused', result.refused);
        metrics.recordWriteBack('failed', result.failed);
        logger.info({ store: 'primary', ...result }, 'usage admitted while degraded written back');
      })
      .catch((error: unknown) => logger.error({ err: error }, 'writing back usage admitted while degraded failed'))
      .finally(() => {
        this.writingBack = false;
      });
  }
}
