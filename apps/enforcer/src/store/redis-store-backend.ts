import type { CounterStore, LimitRequest } from '@rl/limiter-core';
import { TieredGlobalStore } from '../global/global-window-stores';
import type { Logger } from 'pino';
import type { RedisSettings } from '../config/enforcer-config';
import type { EnforcerMetrics } from '../metrics/enforcer-metrics';
import type { BreakerState } from '../resilience/circuit-breaker';
import { DegradedGlobalLedger, type DegradedGlobalAdmit } from '../global/degraded-global-ledger';
import { DegradedUsageLedger } from '../resilience/degraded-usage-ledger';
import { TieredStore } from '../resilience/tiered-store';
import { HotKeyStore } from '../hot-keys/hot-key-store';
import type { HotKeySettings } from '../hot-keys/hot-key-settings';
import { RedisTier } from './redis-tier';
import { StoreBackend } from './store-backend';

/** Counter keys whose locally admitted usage is held for write-back; the oldest is dropped beyond it. */
const DEGRADED_LEDGER_MAX_KEYS = 10_000;

export interface RedisStoreBackendOptions {
  readonly settings: RedisSettings;
  readonly connectionName: string;
  readonly logger: Logger;
  readonly metrics: EnforcerMetrics;
  /** Hot-key leases (on the regional Redis) and the deny cache, in front of the tiers; none when undefined. */
  readonly hotKeys?: HotKeySettings;
}

/**
 * The regional Redis (or Redis Cluster) counter store, and the one place its tiers are wired:
 * 1. the regional Redis, behind its circuit breaker;
 * 2. the secondary (REDIS_FALLBACK_URL), behind its own breaker, when set;
 * 3. (in the check path, on a StoreError from both) the policy's failure mode: local buckets or 503.
 *
 * Usage admitted by local buckets is held in a bounded ledger and written back into the regional
 * Redis, off the request path, each time its breaker closes again.
 */
export class RedisStoreBackend extends StoreBackend {
  readonly name = 'redis';
  /** The tiers, behind the hot-key layer when configured. */
  readonly store: CounterStore;
  readonly globalStore: TieredGlobalStore;
  private readonly primary: RedisTier;
  private readonly secondary: RedisTier | undefined;
  private readonly ledger: DegradedUsageLedger;
  private readonly globalLedger: DegradedGlobalLedger;
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
    this.ledger = new DegradedUsageLedger({
      maxKeys: DEGRADED_LEDGER_MAX_KEYS,
      onDrop: (units) => metrics.recordWriteBack('dropped', units),
    });
    this.globalLedger = new DegradedGlobalLedger({
      maxKeys: DEGRADED_LEDGER_MAX_KEYS,
      onDrop: (units) => metrics.recordWriteBack('dropped', units),
    });
    const tiers = new TieredStore(this.primary.store, this.secondary?.store);
    this.hotKeys = options.hotKeys === undefined ? undefined : new HotKeyStore({ inner: tiers, leases: this.primary.leases, settings: options.hotKeys, metrics });
    this.store = this.hotKeys ?? tiers;
    this.globalStore = new TieredGlobalStore(this.primary.globalStore, this.secondary?.globalStore);
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

  recordDegradedAdmit(request: LimitRequest): void {
    this.ledger.record(request);
  }

  override recordDegradedGlobalAdmit(admit: DegradedGlobalAdmit): void {
    this.globalLedger.record(admit);
  }

  /** Resolves when no write-back is running (tests). */
  async writeBackIdle(): Promise<void> {
    while (this.writingBack) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  private onPrimaryBreaker(state: BreakerState): void {
    if (state !== 'closed' || this.writingBack || (this.ledger.size === 0 && this.globalLedger.size === 0)) return;
    this.writingBack = true;
    Promise.all([this.ledger.writeBack(this.primary.store), this.globalLedger.writeBack(this.primary.globalStore, Date.now())])
      .then(([regional, global]) => {
        const { metrics, logger } = this.options;
        const result = { written: regional.written + global.written, refused: regional.refused + global.refused, failed: regional.failed + global.failed };
        metrics.recordWriteBack('written', result.written);
        metrics.recordWriteBack('refused', result.refused);
        metrics.recordWriteBack('failed', result.failed);
        logger.info({ store: 'primary', ...result, globalWritten: global.written }, 'usage admitted while degraded written back');
      })
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'writing back usage admitted while degraded failed'))
      .finally(() => {
        this.writingBack = false;
      });
  }
}
