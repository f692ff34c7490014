import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PolicyDocument } from '@rl/contracts';
import { StaticPolicySource } from '../policies/static-policy-source';
import { createTestApp } from './create-test-app';

/**
 * `POST url` with a JSON body, through Fastify's inject: the status, the headers, and the body as
 * inject parses it (untyped, as specs read it field by field; undefined when empty, as for a 204).
 */
export async function postJson(app: NestFastifyApplication, url: string, payload: unknown) {
  const response = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
  return { status: response.statusCode, headers: response.headers, body: response.body === '' ? undefined : response.json() };
}

/**
 * The real enforcer module graph with `document`'s policies, on the Redis at `redisUrl` with
 * `npm start`'s settings, resolved once /readyz answers 200.
 */
export async function startAppOnRedis(input: { redisUrl: string; document: PolicyDocument }): Promise<NestFastifyApplication> {
  const { app } = await createTestApp({ store: 'from-config', policies: new StaticPolicySource(input.document), env: { REDIS_URL: input.redisUrl } });
  const deadline = Date.now() + 10_000;
  while ((await app.inject({ method: 'GET', url: '/readyz' })).statusCode !== 200) {
    if (Date.now() > deadline) {
      await app.close();
      throw new Error('the enforcer was not ready within 10 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return app;
}
