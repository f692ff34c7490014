import 'reflect-metadata';
import { createLogger } from '@rl/platform';
import { runService } from '@rl/platform/service';
import { createReconcilerApp } from './app.module';
import { ReconcilerConfig } from './config/reconciler-config';

/**
 * The reconciler (runService: config, boot, shutdown hooks, listen). NATS down does not stop it
 * (it starts not-ready and keeps connecting). SIGTERM gives the leader lease up, so a standby
 * takes over at once, then drains NATS.
 */
runService({
  name: 'reconciler',
  loadConfig: (env) => ReconcilerConfig.fromEnv(env),
  createLogger: (config) => createLogger({ service: 'reconciler', level: config.logLevel, fields: { instance: config.instanceId } }),
  createApp: (config, logger) => createReconcilerApp({ config, logger }),
  listeningFields: (config) => ({
    nats: config.nats.url,
    namespace: config.nats.namespace,
    regions: config.regions,
    // Key ids only (fingerprints of public keys): what an operator checks during a rotation.
    allocationKeyId: config.signing.allocationSigner.keyId,
    usageKeyIds: Object.fromEntries([...config.signing.usageKeys].map(([region, keys]) => [region, keys.keyIds])),
  }),
});
