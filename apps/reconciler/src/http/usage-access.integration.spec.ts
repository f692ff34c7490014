import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { globalAllocationsStream, reconcilerKvBucket } from '@rl/contracts';
import { createLogger } from '@rl/platform';
import { waitFor } from '@rl/testing';
import { connect } from 'nats';
import { ReconcilerConfig } from '../config/reconciler-config';
import { createReconcilerApp } from '../app.module';
import { reconcilerSigningEnv } from '../testing/signing-keys';

const TOKEN = 'reconciler-api-token-for-tests';

async function start(namespace: string, env: Record<string, string>): Promise<NestFastifyApplication> {
  const config = ReconcilerConfig.fromEnv({ NATS_NAMESPACE: namespace, RECONCILER_REGIONS: 'us-east,eu-west', LOG_LEVEL: 'silent', INSTANCE_ID: `access-${namespace}`, ...reconcilerSigningEnv(['us-east', 'eu-west']), ...env });
  const app = await createReconcilerApp({ config, logger: createLogger({ service: 'reconciler', level: 'silent' }) });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  await waitFor('reconciler ready', async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 15_000);
  return app;
}

/** A query that passes access and validation and reaches the book: 404, no usage of that policy yet. */
const USAGE = '/v1/global/usage?policyId=search';

describe('GET /v1/global/usage access (raw identities)', () => {
  const namespaces: string[] = [];
  const apps: NestFastifyApplication[] = [];

  async function app(env: Record<string, string>): Promise<NestFastifyApplication> {
    const namespace = `t${Math.random().toString(36).slice(2, 12)}`;
    namespaces.push(namespace);
    const started = await start(namespace, env);
    apps.push(started);
    return started;
  }

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    const jsm = await nc.jetstreamManager();
    for (const namespace of namespaces) {
      await jsm.streams.delete(globalAllocationsStream(namespace)).catch(() => false);
      await jsm.streams.delete(`KV_${reconcilerKvBucket(namespace)}`).catch(() => false);
    }
    await nc.close();
  });

  it('without RECONCILER_API_TOKEN: loopback clients only, on every bind address; health and metrics stay open', async () => {
    const open = await app({ HOST: '0.0.0.0' });
    expect((await open.inject({ method: 'GET', url: USAGE, remoteAddress: '127.0.0.1' })).statusCode).toBe(404);
    expect((await open.inject({ method: 'GET', url: USAGE, remoteAddress: '::1' })).statusCode).toBe(404);
    const remote = await open.inject({ method: 'GET', url: USAGE, remoteAddress: '10.1.2.3' });
    expect(remote.statusCode).toBe(403);
    expect(remote.json()).toEqual({ error: 'forbidden', message: 'GET /v1/global/usage answers loopback clients only while RECONCILER_API_TOKEN is unset' });
    for (const url of ['/healthz', '/readyz', '/metrics']) expect((await open.inject({ method: 'GET', url, remoteAddress: '10.1.2.3' })).statusCode).toBe(200);
  });

  it('with RECONCILER_API_TOKEN: the bearer token from anywhere; no or a wrong token gets 401, loopback included', async () => {
    const guarded = await app({ RECONCILER_API_TOKEN: TOKEN });
    const ok = await guarded.inject({ method: 'GET', url: USAGE, remoteAddress: '10.1.2.3', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(404);
    for (const headers of [{}, { authorization: 'Bearer not-the-token-0123456' }]) {
      const refused = await guarded.inject({ method: 'GET', url: USAGE, remoteAddress: '127.0.0.1', headers });
      expect(refused.statusCode).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="reconciler"');
      expect(refused.json()).toMatchObject({ error: 'unauthorized' });
    }
    // Access is checked before the query: an unauthenticated caller learns nothing from validation.
    expect((await guarded.inject({ method: 'GET', url: '/v1/global/usage', remoteAddress: '10.1.2.3' })).statusCode).toBe(401);
  });
});
