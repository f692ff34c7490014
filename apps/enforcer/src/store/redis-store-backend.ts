import { createRedisClient, RedisCounterStore, type RedisClient } from '@rl/redis-store';
import type { Logger } from 'pino';
import type { RedisSettings } from '../config/enforcer-config';
import { StoreBackend } from './store-backend';

/**
 * The regional Redis (or Redis Cluster) counter store. This is the one place RedisCounterStore is
 * wired. The client reconnects forever with jittered backoff; while it is down, decisions fail fast
 * (no offline queue) and the check path applies failure modes. Scripts are loaded on every
 * (re)connection so a restarted Redis does not cost a NOSCRIPT round trip per script.
 */
export class RedisStoreBackend extends StoreBackend {
  readonly name = 'redis';
  readonly store: RedisCounterStore;
  private readonly client: RedisClient;
  private connected = false;
  /** Why the store is not connected (the latest error), for /readyz. */
  private downReason: string | undefined;
  /** Whether the current outage has been logged: one warning per outage, not one per reconnect attempt. */
  private outageLogged = false;
  private closing = false;

  constructor(
    settings: RedisSettings & { readonly connectionName: string },
    private readonly logger: Logger,
  ) {
    super();
    const target = settings.clusterNodes !== undefined ? { clusterNodes: settings.clusterNodes } : { url: settings.url };
    this.client = createRedisClient(target, {
      commandTimeoutMs: settings.commandTimeoutMs,
      connectionName: settings.connectionName,
      lazyConnect: true,
    });
    this.store = new RedisCounterStore({ client: this.client });
  }

  start(): void {
    this.client.on('ready', () => {
      this.connected = true;
      this.downReason = undefined;
      this.outageLogged = false;
      this.logger.info({ store: this.name }, 'counter store connected');
      this.loadScripts();
    });
    this.client.on('error', (error: Error) => this.noteError(error));
    this.client.on('end', () => {
      this.connected = false;
    });
    this.client.on('close', () => {
      if (this.connected) this.noteError(new Error('connection lost'));
      this.connected = false;
    });
    // The 'error' event above reports why; the rejection of the first attempt adds nothing for /readyz.
    this.client.connect().catch((error: unknown) => this.logger.debug({ err: error }, 'first counter-store connection attempt failed'));
  }

  async ping(): Promise<void> {
    if (!this.connected) throw new Error(this.downReason ?? 'not connected yet');
    await this.client.ping();
  }

  async close(): Promise<void> {
    this.closing = true;
    try {
      await this.client.quit();
    } catch (error) {
      this.logger.debug({ err: error }, 'counter store quit failed; disconnecting');
      this.client.disconnect();
    }
  }

  private loadScripts(): void {
    this.store.load().catch((error: unknown) => this.logger.warn({ err: error }, 'loading counter-store scripts failed; decisions fall back to EVAL'));
  }

  private noteError(error: unknown): void {
    if (this.closing) return;
    this.downReason = error instanceof Error ? error.message : String(error);
    if (this.outageLogged) return;
    this.outageLogged = true;
    this.logger.warn({ store: this.name, reason: this.downReason }, 'counter store unavailable; reconnecting until it answers');
  }
}
