import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { createLogger, createMetricsRegistry } from '@rl/platform';
import type { Registry } from 'prom-client';
import { AppModule } from '../app.module';
import { EnforcerConfig } from '../config/enforcer-config';
import { createServiceAdapter } from '@rl/platform/service';
import { PolicySource } from '../policies/policy-source';
import { LocalStoreBackend } from '@rl/decision-pipeline';
import { StoreBackend } from '@rl/decision-pipeline';

export interface TestAppOptions {
  /** Environment on top of the defaults (LOG_LEVEL is silent). */
  readonly env?: Readonly<Record<string, string>>;
  /** The counter store: a LocalLimiter on the system clock when omitted; `from-config` keeps the real Redis wiring. */
  readonly store?: StoreBackend | 'from-config';
  /** Replaces the POLICY_FILE / empty source. */
  readonly policies?: PolicySource;
}

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly registry: Registry;
  readonly config: EnforcerConfig;
}

/**
 * The real enforcer module graph on Fastify, initialised but not listening (drive it with
 * `app.inject`). Only the store, and optionally the policy source, are swapped.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = EnforcerConfig.fromEnv({ LOG_LEVEL: 'silent', ...options.env });
  const logger = createLogger({ service: 'enforcer', level: config.logLevel });
  const registry = createMetricsRegistry({ defaultLabels: { service: 'enforcer' }, processMetrics: 'off' });
  let builder = Test.createTestingModule({ imports: [AppModule.register({ config, logger, registry })] });
  if (options.store !== 'from-config') builder = builder.overrideProvider(StoreBackend).useValue(options.store ?? new LocalStoreBackend());
  if (options.policies !== undefined) builder = builder.overrideProvider(PolicySource).useValue(options.policies);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createServiceAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, registry, config };
}
