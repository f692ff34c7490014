import type { NatsConnector } from '@rl/platform';
import type { ReadinessOptions } from '@rl/platform/service';
import type { DataSource } from 'typeorm';
import type { PolicyServiceConfig } from '../config/policy-service-config';

const DATABASE_PING_TIMEOUT_MS = 1_000;

/**
 * Ready means: not shutting down, PostgreSQL answers within a second, NATS is connected. On
 * shutdown it turns not-ready first and holds for SHUTDOWN_DRAIN_MS.
 */
export function policyServiceReadiness(dataSource: DataSource, nats: NatsConnector, config: PolicyServiceConfig): ReadinessOptions {
  return {
    checks: [
      { name: 'postgres', problem: () => pingDatabase(dataSource) },
      { name: 'nats', problem: () => nats.notReadyReason() },
    ],
    shutdownDrainMs: config.shutdownDrainMs,
  };
}

async function pingDatabase(dataSource: DataSource): Promise<string | undefined> {
  if (!dataSource.isInitialized) return 'not connected';
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${DATABASE_PING_TIMEOUT_MS} ms`), DATABASE_PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([dataSource.query('SELECT 1').then(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
