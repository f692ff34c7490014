import { readFileSync } from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestPki, type TestPki } from '@rl/devstack';
import { freePort, startRedisServer, waitFor, type RedisServerHandle } from '@rl/testing';
import { Redis } from 'ioredis';
import { createTestApp } from '../testing/create-test-app';

/** A check with an inline limit: decided by the counter store, or by the default failure mode when it is down. */
const CHECK = { key: 'user:tls', limit: 100, windowSeconds: 60 };

interface Answer {
  readonly status: number;
  readonly degraded: boolean;
}

async function check(app: NestFastifyApplication): Promise<Answer> {
  const response = await app.inject({ method: 'POST', url: '/v1/check', payload: CHECK });
  return { status: response.statusCode, degraded: response.json<{ degraded?: boolean }>().degraded === true };
}

async function readiness(app: NestFastifyApplication): Promise<{ status: number; body: string }> {
  const response = await app.inject({ method: 'GET', url: '/readyz' });
  return { status: response.statusCode, body: response.body };
}

/** Script calls a server has run since its last CONFIG RESETSTAT: any would mean a decision reached it. */
async function scriptCalls(admin: Redis): Promise<number> {
  const stats = await admin.info('commandstats');
  return [...stats.matchAll(/^cmdstat_(?:evalsha|eval|script):calls=(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('counter store over TLS (rediss://, REDIS_TLS_*), against redis-server with TLS', () => {
  let pki: TestPki;
  let redis: RedisServerHandle;
  let mutual: RedisServerHandle;
  let plaintextPort: number;
  let admin: Redis;
  let mutualAdmin: Redis;
  const apps: NestFastifyApplication[] = [];

  const tlsOf = (authority: TestPki['trusted'], client: boolean): { ca: string; cert?: string; key?: string } => ({
    ca: readFileSync(authority.caFile, 'utf8'),
    ...(client ? { cert: readFileSync(authority.clientCertFile, 'utf8'), key: readFileSync(authority.clientKeyFile, 'utf8') } : {}),
  });

  async function enforcer(env: Record<string, string>): Promise<NestFastifyApplication> {
    const { app } = await createTestApp({ store: 'from-config', env });
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    pki = createTestPki();
    plaintextPort = await freePort();
    const files = { certFile: pki.trusted.serverCertFile, keyFile: pki.trusted.serverKeyFile, caFile: pki.trusted.caFile };
    redis = await startRedisServer({ tls: { ...files, plaintextPort } });
    mutual = await startRedisServer({ tls: { ...files, verifyClients: true } });
    admin = new Redis(redis.url, { tls: tlsOf(pki.trusted, false), lazyConnect: true });
    mutualAdmin = new Redis(mutual.url, { tls: tlsOf(pki.trusted, true), lazyConnect: true });
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  afterAll(async () => {
    admin?.disconnect();
    mutualAdmin?.disconnect();
    await Promise.all([redis?.stop(), mutual?.stop()]);
    pki?.remove();
  });

  it('decides against a store whose certificate chains to REDIS_TLS_CA_FILE', async () => {
    expect(redis.url).toMatch(/^rediss:\/\//);
    const app = await enforcer({ REDIS_URL: redis.url, REDIS_TLS_CA_FILE: pki.trusted.caFile });
    await waitFor('enforcer ready', async () => (await readiness(app)).status === 200, 10_000);
    expect(await check(app)).toEqual({ status: 200, degraded: false });
    expect(await admin.exists(...(await admin.keys('*user:tls*')))).toBeGreaterThan(0);
  });

  it.each([
    ['open', { status: 200, degraded: true }],
    ['closed', { status: 503, degraded: true }],
  ])('a certificate from another CA is refused: no command reaches the store, failure mode %s applies', async (failureMode, expected) => {
    await admin.config('RESETSTAT');
    const app = await enforcer({ REDIS_URL: redis.url, REDIS_TLS_CA_FILE: pki.other.caFile, DEFAULT_POLICY_FAILURE_MODE: failureMode });
    await waitFor('the certificate problem in /readyz', async () => (await readiness(app)).body.includes('does not verify against the CA in REDIS_TLS_CA_FILE'), 10_000);
    expect((await readiness(app)).status).toBe(503);
    for (let i = 0; i < 3; i++) expect(await check(app)).toEqual(expected);
    expect(await scriptCalls(admin)).toBe(0);
  });

  it('never falls back to plaintext: a rediss:// URL pointing at a plaintext port gets no command through', async () => {
    const plain = new Redis({ port: plaintextPort, host: '127.0.0.1', lazyConnect: true });
    try {
      await plain.config('RESETSTAT');
      const app = await enforcer({ REDIS_URL: `rediss://127.0.0.1:${plaintextPort}`, REDIS_TLS_CA_FILE: pki.trusted.caFile });
      await waitFor('a failed TLS handshake', async () => (await readiness(app)).status === 503 && (await readiness(app)).body.includes('redis'), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await check(app)).toEqual({ status: 200, degraded: true });
      expect(await scriptCalls(plain)).toBe(0);
    } finally {
      plain.disconnect();
    }
  });

  it('mutual TLS: the client certificate from REDIS_TLS_CERT_FILE gets in; one from another CA is refused', async () => {
    const withCert = await enforcer({
      REDIS_URL: mutual.url,
      REDIS_TLS_CA_FILE: pki.trusted.caFile,
      REDIS_TLS_CERT_FILE: pki.trusted.clientCertFile,
      REDIS_TLS_KEY_FILE: pki.trusted.clientKeyFile,
    });
    await waitFor('enforcer ready', async () => (await readiness(withCert)).status === 200, 10_000);
    expect(await check(withCert)).toEqual({ status: 200, degraded: false });

    await mutualAdmin.config('RESETSTAT');
    const otherCert = await enforcer({
      REDIS_URL: mutual.url,
      REDIS_TLS_CA_FILE: pki.trusted.caFile,
      REDIS_TLS_CERT_FILE: pki.other.clientCertFile,
      REDIS_TLS_KEY_FILE: pki.other.clientKeyFile,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await readiness(otherCert)).status).toBe(503);
    expect(await check(otherCert)).toEqual({ status: 200, degraded: true });
    expect(await scriptCalls(mutualAdmin)).toBe(0);
  });
});
