import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, createMetricsRegistry, generateSigningKeyPair, NatsConnector } from '@rl/platform';
import type { Registry } from 'prom-client';
import { PolicyServiceConfig } from '../config/policy-service-config';
import type { Clock } from '../core/clock';
import { createPolicyServiceApp } from '../create-app';
import type { RelayHooks } from '../outbox/outbox-relay.service';

/** The admin token test apps bootstrap with. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

/** The POLICY_SIGNING_PRIVATE_KEY test apps sign with (one per test process); verify with its publicKey. */
export const TEST_POLICY_SIGNING_KEY = generateSigningKeyPair();

export interface TestAppOptions {
  /** A migrated database of the suite's own (createTestDatabase from @rl/testing). */
  readonly databaseUrl: string;
  /** NATS_NAMESPACE of the suite's own: its own stream. */
  readonly namespace: string;
  /** ADMIN_TOKEN; TEST_ADMIN_TOKEN unless given, `null` for unset. */
  readonly adminToken?: string | null;
  /** More environment on top (LOG_LEVEL is silent). */
  readonly env?: Readonly<Record<string, string>>;
  readonly relayHooks?: RelayHooks;
  readonly clock?: Clock;
  /** Wait for NATS before returning (default true). */
  readonly waitForNats?: boolean;
}

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly config: PolicyServiceConfig;
  readonly registry: Registry;
}

/** The real policy service module graph on Fastify against real PostgreSQL and NATS, initialised but not listening (drive it with `app.inject`). */
export async function createTestApp(options: TestAppOptions): Promise<TestApp> {
  const adminToken = options.adminToken === undefined ? TEST_ADMIN_TOKEN : options.adminToken;
  const config = PolicyServiceConfig.fromEnv({
    LOG_LEVEL: 'silent',
    DATABASE_URL: options.databaseUrl,
    NATS_NAMESPACE: options.namespace,
    OUTBOX_POLL_MS: '50',
    POLICY_SIGNING_PRIVATE_KEY: TEST_POLICY_SIGNING_KEY.privateKey,
    ...(adminToken === null ? {} : { ADMIN_TOKEN: adminToken }),
    ...options.env,
  });
  const logger = createLogger({ service: 'policy-service', level: config.logLevel });
  const registry = createMetricsRegistry({ defaultLabels: { service: 'policy-service' }, processMetrics: 'off' });
  const app = await createPolicyServiceApp({ config, logger, registry, relayHooks: options.relayHooks, clock: options.clock });
  await app.getHttpAdapter().getInstance().ready();
  if (options.waitForNats !== false) await app.get(NatsConnector).ready(10_000);
  return { app, config, registry };
}
