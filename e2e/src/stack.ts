import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decisionEventsStream, policyChangesStream } from '@rl/contracts';
import { freePort, startPolicyService, startRegion, type RegionHandle, type ServiceHandle } from '@rl/devstack';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import { connect } from 'nats';

export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * The control plane and two regions as real processes on free ports: the policy service with its
 * own database and NATS namespace, and us-east and eu-west, each an enforcer with its own
 * redis-server following the policy service. `stop()` stops every process and removes the
 * database, the namespace's stream and the enforcers' snapshot caches.
 */
export interface ControlPlaneStack {
  /** Unique per run: for keys, namespaces and tokens. */
  readonly unique: string;
  readonly namespace: string;
  readonly adminToken: string;
  /** The enforcers' POLICY_SERVICE_TOKEN: the policy service's ENFORCER_API_KEY (role `enforcer`). */
  readonly enforcerApiKey: string;
  /** The enforcers' INTERNAL_API_TOKEN, which the policy service sends as ENFORCER_INTERNAL_TOKEN. */
  readonly internalToken: string;
  readonly database: TestDatabase;
  readonly policyService: ServiceHandle;
  readonly usEast: RegionHandle;
  readonly euWest: RegionHandle;
  /** Where each region's enforcer persists its last snapshot (`<region>.json`). */
  readonly cacheDir: string;
  /** The first enforcer of each region. */
  enforcers(): ServiceHandle[];
  stop(): Promise<void>;
}

export async function startControlPlaneStack(options: { label: string; enforcerEnv?: Record<string, string> }): Promise<ControlPlaneStack> {
  const unique = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const namespace = `e2e${options.label}${unique}`;
  const adminToken = `e2e-admin-${unique}`;
  const enforcerApiKey = `e2e-enforcer-${unique}`;
  const internalToken = `e2e-internal-${unique}`;
  const cacheDir = mkdtempSync(join(tmpdir(), `rl-e2e-${options.label}-`));
  const database = await createTestDatabase();
  // Every port is chosen up front, so the policy service knows where each region is and the
  // enforcers where the policy service is; all three start at once, so no chosen port stays free
  // (for another process to take) longer than one service's start.
  const [policyServicePort, usEastPort, euWestPort] = [await freePort(), await freePort(), await freePort()];
  const regionEnv = (region: string): Record<string, string> => ({
    POLICY_SERVICE_URL: `http://127.0.0.1:${policyServicePort}`,
    POLICY_SERVICE_TOKEN: enforcerApiKey,
    INTERNAL_API_TOKEN: internalToken,
    NATS_URL,
    NATS_NAMESPACE: namespace,
    POLICY_CACHE_FILE: join(cacheDir, `${region}.json`),
    ...options.enforcerEnv,
  });
  const started = await Promise.allSettled([
    startPolicyService({
      port: policyServicePort,
      databaseUrl: database.url,
      natsUrl: NATS_URL,
      namespace,
      adminToken,
      enforcerApiKey,
      enforcers: {
        urls: [
          { region: 'us-east', url: `http://127.0.0.1:${usEastPort}` },
          { region: 'eu-west', url: `http://127.0.0.1:${euWestPort}` },
        ],
        internalToken,
      },
    }),
    startRegion({ region: 'us-east', enforcerPorts: [usEastPort], env: regionEnv('us-east') }),
    startRegion({ region: 'eu-west', enforcerPorts: [euWestPort], env: regionEnv('eu-west') }),
  ]);
  const [policyServiceStart, usEastStart, euWestStart] = started;
  if (policyServiceStart.status === 'rejected' || usEastStart.status === 'rejected' || euWestStart.status === 'rejected') {
    // Stop what did start before failing, so no process outlives the suite.
    await Promise.all(started.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.stop() : undefined)));
    await database.drop();
    rmSync(cacheDir, { recursive: true, force: true });
    throw started.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as unknown) : undefined)).find((reason) => reason !== undefined);
  }
  const [policyService, usEast, euWest] = [policyServiceStart.value, usEastStart.value, euWestStart.value];
  return {
    unique,
    namespace,
    adminToken,
    enforcerApiKey,
    internalToken,
    database,
    policyService,
    usEast,
    euWest,
    cacheDir,
    enforcers: () => [usEast.enforcers[0], euWest.enforcers[0]],
    async stop(): Promise<void> {
      await Promise.all([usEast.stop(), euWest.stop()]);
      await policyService.stop();
      await database.drop();
      const nc = await connect({ servers: NATS_URL });
      try {
        await (await nc.jetstreamManager()).streams.delete(policyChangesStream(namespace)).catch(() => false);
        await (await nc.jetstreamManager()).streams.delete(decisionEventsStream(namespace)).catch(() => false);
      } finally {
        await nc.close();
      }
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}
