import { freePort } from './ports';
import { startNodeService, type ServiceHandle } from './services';
import { defaultStackSigningKeys, reconcilerSigningEnv, type StackSigningKeys } from './signing';

export interface ReconcilerOptions {
  /** Fixed port (npm start: 8090) or a free one (tests, benches). */
  readonly port?: number;
  /** Every region sharing global limits (RECONCILER_REGIONS); the enforcers' GLOBAL_REGIONS. */
  readonly regions: readonly string[];
  readonly natsUrl?: string;
  /** NATS_NAMESPACE: a suite's own, so suites sharing one NATS server stay apart. */
  readonly namespace?: string;
  readonly instanceId?: string;
  /** The stack's signing keys (its allocation key, every region's public key); the process-wide default set when omitted. */
  readonly signingKeys?: StackSigningKeys;
  /** Any further RECONCILER_* / GLOBAL_FLOOR_PERCENT / LOG_LEVEL settings. */
  readonly env?: Record<string, string>;
  readonly onLine?: (line: string) => void;
  /** How long it may take to answer /readyz 200 (default 30 s). */
  readonly readyTimeoutMs?: number;
}

/**
 * Starts the compiled reconciler (run `npm run build` first) and waits until /readyz answers 200
 * (NATS connected, allocation stream and KV bucket in place). Stop it with `stop()`: SIGTERM, so
 * it gives its leader lease up; `process.kill('SIGKILL')` simulates a crash.
 */
export async function startReconciler(options: ReconcilerOptions): Promise<ServiceHandle> {
  const port = options.port ?? (await freePort());
  const instanceId = options.instanceId ?? `reconciler-${port}`;
  return startNodeService({
    name: `reconciler ${instanceId}`,
    entry: 'apps/reconciler/src/main.js',
    port,
    env: {
      RECONCILER_REGIONS: options.regions.join(','),
      INSTANCE_ID: instanceId,
      ...reconcilerSigningEnv(options.signingKeys ?? defaultStackSigningKeys(), options.regions),
      ...(options.natsUrl === undefined ? {} : { NATS_URL: options.natsUrl }),
      ...(options.namespace === undefined ? {} : { NATS_NAMESPACE: options.namespace }),
      ...options.env,
    },
    onLine: options.onLine,
    readyTimeoutMs: options.readyTimeoutMs,
  });
}
