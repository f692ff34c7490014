import type { Duplex } from 'node:stream';
import { Cluster, Redis, SentinelConnector, type RedisOptions, type SentinelConnectionOptions } from 'ioredis';
import StandaloneConnector, { type StandaloneConnectionOptions } from 'ioredis/built/connectors/StandaloneConnector';
import type { RedisClient } from './script-registry';

/**
 * Where the counters live: one Redis (URL), a Redis Cluster (seed nodes as "host:port"), or the
 * primary of a Sentinel-managed group (`sentinels` as "host:port", the group's `masterName`).
 */
export type RedisTarget =
  | { readonly url: string }
  | { readonly clusterNodes: readonly string[] }
  | { readonly sentinels: readonly string[]; readonly masterName: string; readonly sentinelPassword?: string };

export interface RedisClientOptions {
  /** A command without a reply after this long is rejected (and never sent again). */
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs?: number;
  /**
   * How many reconnect attempts an in-flight command waits for before it is rejected. Commands
   * are never resent after a reconnect, so waiting longer only delays the failure; default 0.
   */
  readonly maxRetriesPerRequest?: number;
  /** Reconnect backoff: the first delay's upper bound, doubling per attempt up to `reconnectCapMs`. */
  readonly reconnectBaseMs?: number;
  readonly reconnectCapMs?: number;
  /** Random source in [0, 1) for the backoff jitter; injected by tests. */
  readonly random?: () => number;
  readonly username?: string;
  readonly password?: string;
  readonly connectionName?: string;
  /** Do not connect until the first command or `connect()`; for tests and tools. */
  readonly lazyConnect?: boolean;
  /**
   * TLS towards the store, certificates as PEM text: the CA the server's certificate must chain to
   * (the system's when omitted) and a client certificate for servers that verify clients. It
   * applies to a `rediss://` URL (a `redis://` URL with it is refused: no silent plaintext), and to
   * every Cluster node, Sentinel and Sentinel-managed primary. A server whose certificate does not
   * verify is never used.
   */
  readonly tls?: RedisTlsOptions;
}

export interface RedisTlsOptions {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

const DEFAULTS = {
  connectTimeoutMs: 2_000,
  maxRetriesPerRequest: 0,
  reconnectBaseMs: 50,
  reconnectCapMs: 2_000,
};

/**
 * "Full jitter" exponential backoff: a uniform delay in [base, min(cap, base * 2^(attempt-1))] ms,
 * so that many enforcers that lost Redis together do not reconnect in lockstep. Never below
 * `base`: that floor caps each connection's reconnect rate at 1000 / base attempts per second,
 * however the jitter falls (with the defaults, 20/s at worst and about 2/s once at the cap).
 */
export function reconnectDelayMs(input: { attempt: number; baseMs: number; capMs: number; random: () => number }): number {
  const exponent = Math.min(Math.max(input.attempt - 1, 0), 30);
  const ceiling = Math.min(input.capMs, input.baseMs * 2 ** exponent);
  const floor = Math.max(1, Math.min(input.baseMs, ceiling));
  return Math.max(floor, Math.ceil(input.random() * ceiling));
}

/**
 * ioredis listens for a connection's `error` with `once()`. A TLS socket can err twice (a failed
 * handshake, then the server's alert or the reset that follows), and the second error, finding no
 * listener, is thrown by Node: the whole process dies because a certificate did not verify. Every
 * stream these connectors open keeps a listener for its whole life; ioredis still sees the first
 * error as before and reconnects on `close`.
 */
function keepListening<S extends Duplex>(stream: S): S {
  stream.on('error', ignoreLaterErrors);
  return stream;
}

function ignoreLaterErrors(): void {
  // The first error of a connection reached ioredis's own listener; later ones change nothing.
}

// ioredis constructs a connector with the client's own options (`ConnectorConstructor` types them `unknown`).
class GuardedStandaloneConnector extends StandaloneConnector {
  constructor(options: unknown) {
    super(options as StandaloneConnectionOptions);
  }

  override async connect(emit: Parameters<StandaloneConnector['connect']>[0]): ReturnType<StandaloneConnector['connect']> {
    return keepListening(await super.connect(emit));
  }
}

class GuardedSentinelConnector extends SentinelConnector {
  constructor(options: unknown) {
    super(options as SentinelConnectionOptions);
  }

  override async connect(emit: Parameters<SentinelConnector['connect']>[0]): ReturnType<SentinelConnector['connect']> {
    return keepListening(await super.connect(emit));
  }
}

/**
 * A Sentinel client with the guarded connector. ioredis gives its own Sentinel connector the client
 * as `emitter` (for `+switch-master` and reconnection events) but not a connector passed as an
 * option, so this does the same.
 */
function sentinelClient(options: RedisOptions & SentinelConnectionOptions): Redis {
  const created: GuardedSentinelConnector[] = [];
  const Connector = class extends GuardedSentinelConnector {
    constructor(connectorOptions: unknown) {
      super(connectorOptions);
      created.push(this);
    }
  };
  const client = new Redis({ ...options, Connector });
  for (const connector of created) connector.emitter = client;
  return client;
}

/** The guarded connector for a standalone server or a Cluster node. */
const STANDALONE: Pick<RedisOptions, 'Connector'> = { Connector: GuardedStandaloneConnector };

/**
 * A client for the counter store, tuned for a hot path that must fail fast rather than queue:
 * - auto-pipelining batches concurrent decisions into one write per event-loop turn;
 * - no offline queue: while disconnected, commands fail at once (the enforcer then applies the
 *   policy's failure mode) instead of piling up;
 * - a command timeout, and no automatic resend of unanswered commands after a reconnect or a
 *   cluster failover: an unanswered script may already have run, and a resend could count the
 *   request twice;
 * - reconnects with capped, jittered exponential backoff.
 */
export function createRedisClient(target: RedisTarget, options: RedisClientOptions): RedisClient {
  const random = options.random ?? Math.random;
  const baseMs = options.reconnectBaseMs ?? DEFAULTS.reconnectBaseMs;
  const capMs = options.reconnectCapMs ?? DEFAULTS.reconnectCapMs;
  const retryStrategy = (attempt: number): number => reconnectDelayMs({ attempt, baseMs, capMs, random });
  const redisOptions: RedisOptions = {
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? DEFAULTS.maxRetriesPerRequest,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: true,
    retryStrategy,
    username: options.username,
    password: options.password,
    connectionName: options.connectionName,
    lazyConnect: options.lazyConnect ?? false,
  };
  const standalone: RedisOptions = { ...redisOptions, ...STANDALONE };
  const tls = options.tls === undefined ? undefined : { ...options.tls };
  if ('url' in target) {
    if (tls === undefined) return new Redis(target.url, standalone);
    if (!/^rediss:\/\//i.test(target.url)) throw new RangeError('TLS settings need a rediss:// URL (a redis:// URL would connect in plaintext)');
    return new Redis(target.url, { ...standalone, tls });
  }
  if ('sentinels' in target) {
    // The client asks the sentinels for the current primary on every (re)connection, checks that
    // the node it reached really is the primary, and (failoverDetector) watches +switch-master so
    // a failover moves it to the new primary at once. Commands in flight on the old primary fail;
    // like every failure here they are never resent.
    return sentinelClient({
      ...redisOptions,
      sentinels: target.sentinels.map(hostPort),
      name: target.masterName,
      role: 'master',
      sentinelRetryStrategy: retryStrategy,
      sentinelPassword: target.sentinelPassword,
      failoverDetector: true,
      sentinelMaxConnections: 3,
      ...(tls === undefined ? {} : { tls, sentinelTLS: tls, enableTLSForSentinelMode: true }),
    });
  }
  return new Cluster([...target.clusterNodes], {
    redisOptions: tls === undefined ? standalone : { ...standalone, tls },
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    lazyConnect: options.lazyConnect ?? false,
    clusterRetryStrategy: retryStrategy,
    // A command whose node connection closed under it may have run: never resend it after the
    // failover settles. (MOVED, ASK, TRYAGAIN and CLUSTERDOWN replies, which prove the command
    // did not run, are still followed.)
    retryDelayOnFailover: 0,
  });
}

function hostPort(node: string): { host: string; port: number } {
  const colon = node.lastIndexOf(':');
  const port = Number(node.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535) throw new RangeError(`expected host:port, got ${JSON.stringify(node)}`);
  return { host: node.slice(0, colon), port };
}

/**
 * Resolves once the client can take commands: with the offline queue off, commands sent earlier
 * fail at once. Starts the connection of a lazy client.
 */
export function waitForReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  const ready = new Promise<void>((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReady = (): void => done();
    const onEnd = (): void => done(new Error('Redis connection ended before it became ready'));
    const timer = setTimeout(() => done(new Error(`Redis not ready after ${timeoutMs} ms`)), timeoutMs);
    client.on('ready', onReady);
    client.on('end', onEnd);
  });
  // A connection failure surfaces as 'end' (or the timeout) above; this rejection adds nothing.
  if (client.status === 'wait') client.connect().catch(() => undefined);
  return ready;
}
