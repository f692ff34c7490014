import { policyChangesSubject } from '@rl/contracts';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ControlPlaneSettings } from '../../config/enforcer-config';
import { ControlPlanePolicySource } from './control-plane-policy-source';
import { JetStreamChangeFeed } from './jetstream-change-feed';
import { PolicySyncMetrics } from './policy-sync-metrics';
import { DEFAULT_RETRY } from './retry';
import { SnapshotCache } from './snapshot-cache';
import { HttpSnapshotClient } from './snapshot-client';

/** A snapshot read that takes longer than this fails and is retried. */
const SNAPSHOT_TIMEOUT_MS = 5_000;
/** Writes of the persisted snapshot are coalesced over this long. */
const CACHE_DEBOUNCE_MS = 250;

/** The production wiring: HTTP snapshot client, JetStream feed, file cache. Started before it returns. */
export async function createControlPlanePolicySource(input: {
  settings: ControlPlaneSettings;
  connectionName: string;
  logger: Logger;
  registry: Registry;
}): Promise<ControlPlanePolicySource> {
  const { settings } = input;
  const logger = input.logger.child({ component: 'policy-sync' });
  const source = new ControlPlanePolicySource({
    client: new HttpSnapshotClient({ policyServiceUrl: settings.policyServiceUrl, token: settings.policyServiceToken, timeoutMs: SNAPSHOT_TIMEOUT_MS, verifier: settings.policyKeys }),
    feed: new JetStreamChangeFeed({ url: settings.nats.url, transport: settings.nats.transport, namespace: settings.nats.namespace, connectionName: input.connectionName, logger, retry: DEFAULT_RETRY }),
    cache: new SnapshotCache(settings.cacheFile, {
      origin: { policyServiceUrl: settings.policyServiceUrl, namespace: settings.nats.namespace },
      verifier: settings.policyKeys,
      debounceMs: CACHE_DEBOUNCE_MS,
      onWriteError: (error) => logger.error({ err: error, file: settings.cacheFile }, 'cannot persist the policy snapshot'),
    }),
    metrics: new PolicySyncMetrics(input.registry),
    verifier: settings.policyKeys,
    subject: policyChangesSubject(settings.nats.namespace),
    logger,
    resyncIntervalMs: settings.resyncIntervalSeconds * 1000,
  });
  await source.start();
  return source;
}
