import { freePort } from './ports';
import { startRedisServer, type RedisServerHandle } from './redis-server';
import { startNodeService, type ServiceHandle } from './services';
import { defaultStackSigningKeys, enforcerSigningEnv, type StackSigningKeys } from './signing';

export interface RegionOptions {
  readonly region: string;
  /** Fixed Redis port (npm start) or a free one (tests). */
  readonly redisPort?: number;
  /** One entry per enforcer instance: a fixed port, or undefined for a free one. */
  readonly enforcerPorts: ReadonlyArray<number | undefined>;
  /** The stack's signing keys (public keys to verify with, the region's private key); the process-wide default set when omitted. */
  readonly signingKeys?: StackSigningKeys;
  readonly env?: Record<string, string>;
  readonly onLine?: (service: string, line: string) => void;
  /** How long each enforcer may take to answer /readyz 200 (default 30 s; a loaded machine needs more). */
  readonly readyTimeoutMs?: number;
}

export interface RegionHandle {
  readonly region: string;
  readonly redis: RedisServerHandle;
  readonly enforcers: readonly ServiceHandle[];
  stop(): Promise<void>;
}

/** One region: its own redis-server and one or more enforcer instances sharing it, with the stack's signing keys. */
export async function startRegion(options: RegionOptions): Promise<RegionHandle> {
  const redis = await startRedisServer({ port: options.redisPort });
  const enforcers: ServiceHandle[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(enforcers.map((e) => e.stop()));
    await redis.stop();
  };
  try {
    for (const [i, fixedPort] of options.enforcerPorts.entries()) {
      const port = fixedPort ?? (await freePort());
      const name = `enforcer ${options.region}#${i + 1}`;
      enforcers.push(
        await startNodeService({
          name,
          entry: 'apps/enforcer/src/main.js',
          port,
          env: {
            REGION: options.region,
            REDIS_URL: redis.url,
            INSTANCE_ID: `${options.region}-${i + 1}`,
            ...enforcerSigningEnv(options.signingKeys ?? defaultStackSigningKeys(), options.region),
            ...options.env,
          },
          readyTimeoutMs: options.readyTimeoutMs,
          onLine: options.onLine && ((line) => options.onLine?.(name, line)),
        }),
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { region: options.region, redis, enforcers, stop };
}
