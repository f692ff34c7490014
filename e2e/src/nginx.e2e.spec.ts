import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRegion, type RegionHandle } from '@rl/devstack';
import { ensureNginx, renderTemplate, startNginxExample, type NginxExampleVars, type NginxHandle } from './nginx';

/**
 * infra/examples/nginx, black-box: Debian's nginx in front of a tiny upstream, asking a real
 * enforcer (with its own redis-server) through `auth_request` → `GET /v1/auth`. The enforcer runs
 * on its default policy, set to 3 requests per hour so nothing refills during the test.
 */
describe('nginx auth_request in front of an upstream (infra/examples/nginx)', () => {
  const LIMIT = 3;
  const unique = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  let region: RegionHandle;
  let upstream: Server;
  let upstreamHits: string[];
  let failOpen: NginxHandle;
  let failClosed: NginxHandle;

  const get = async (nginx: NginxHandle, path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${nginx.url}${path}`, { headers });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  beforeAll(async () => {
    ensureNginx();
    upstreamHits = [];
    upstream = createServer((req, res) => {
      upstreamHits.push(req.url ?? '');
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`upstream saw ${req.method} ${req.url}${body === '' ? '' : ` with ${body}`}`);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    region = await startRegion({
      region: 'us-east',
      enforcerPorts: [undefined],
      // A generous store deadline: this suite is about the nginx wiring, not degraded answers.
      env: { DEFAULT_POLICY_LIMIT: String(LIMIT), DEFAULT_POLICY_WINDOW_SECONDS: '3600', DEFAULT_POLICY_ALGORITHM: 'fixed_window' },
    });
    const vars = (unavailable: NginxExampleVars['RL_ENFORCER_UNAVAILABLE_STATUS']): NginxExampleVars => ({
      RL_UPSTREAM: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      RL_ENFORCER: region.enforcers[0].url.replace('http://', ''),
      RL_ENFORCER_TIMEOUT: '5s',
      RL_ENFORCER_UNAVAILABLE_STATUS: unavailable,
      RL_KEY: '$http_x_api_key',
      RL_CUSTOMER: '$http_x_customer_id',
    });
    [failOpen, failClosed] = await Promise.all([startNginxExample(vars('204')), startNginxExample(vars('503'))]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([failOpen?.stop(), failClosed?.stop()]);
    await region?.stop();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('passes requests to the upstream with the rate-limit headers, then answers 429 with Retry-After without calling it', async () => {
    const headers = { 'x-api-key': `key-${unique}` };
    const replies = [];
    for (let i = 0; i < LIMIT + 2; i++) replies.push(await get(failOpen, `/items/${i}?page=1`, headers));

    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    expect(replies[0].text).toBe('upstream saw GET /items/0?page=1');
    expect(replies.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0', '0']);
    for (const reply of replies) {
      expect(reply.headers.get('x-ratelimit-limit')).toBe(String(LIMIT));
      expect(reply.headers.get('ratelimit-policy')).toBe(`"default";q=${LIMIT};w=3600`);
      expect(reply.headers.get('ratelimit')).toMatch(/^"default";r=\d+;t=\d+$/);
    }
    expect(replies[0].headers.get('retry-after')).toBeNull();
    const denied = replies[LIMIT];
    expect(Number(denied.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(denied.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    expect(denied.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(denied.text)).toMatchObject({ error: 'too_many_requests' });
    expect(upstreamHits.filter((url) => url.startsWith('/items/'))).toEqual(['/items/0?page=1', '/items/1?page=1', '/items/2?page=1']);
  });

  it('counts each API key separately, and callers without one by their address', async () => {
    expect((await get(failOpen, '/other', { 'x-api-key': `other-${unique}` })).status).toBe(200);
    const byAddress = [];
    for (let i = 0; i < LIMIT + 1; i++) byAddress.push((await get(failOpen, '/anonymous')).status);
    expect(byAddress).toEqual([200, 200, 200, 429]);
  });

  it('does not let the client choose its own cost or key header', async () => {
    const headers = { 'x-api-key': `cost-${unique}`, 'x-ratelimit-cost': '1000', 'x-ratelimit-key': 'someone-else' };
    const replies = [];
    for (let i = 0; i < LIMIT; i++) replies.push(await get(failOpen, '/cost', headers));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(replies[0].headers.get('x-ratelimit-remaining')).toBe(String(LIMIT - 1));
  });

  it('rate-limits other methods too, with the body reaching the upstream untouched', async () => {
    const post = (body: string) => fetch(`${failOpen.url}/orders`, { method: 'POST', headers: { 'x-api-key': `post-${unique}`, 'content-type': 'text/plain' }, body });
    const replies = [];
    for (let i = 0; i < LIMIT + 1; i++) {
      const res = await post(`order ${i}`);
      replies.push({ status: res.status, text: await res.text() });
    }
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(replies[2].text).toBe('upstream saw POST /orders with order 2');
    expect(upstreamHits.filter((url) => url === '/orders')).toHaveLength(LIMIT);

    // A chunked body (no Content-Length) as well.
    const chunked = await fetch(`${failOpen.url}/chunked`, {
      method: 'PUT',
      headers: { 'x-api-key': `chunked-${unique}` },
      body: new Blob(['streamed']).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(200);
    expect(await chunked.text()).toBe('upstream saw PUT /chunked with streamed');
    expect((await get(failOpen, '/after-chunked', { 'x-api-key': `chunked-${unique}` })).headers.get('x-ratelimit-remaining')).toBe(String(LIMIT - 2));
  });

  it('answers 400 for an identity the enforcer refuses', async () => {
    const reply = await get(failOpen, '/long', { 'x-api-key': 'k'.repeat(300) });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text)).toMatchObject({ error: 'bad_request' });
  });

  it('fails open or closed, as configured, while the enforcer is down', async () => {
    await region.enforcers[0].stop();
    const open = await get(failOpen, '/while-down', { 'x-api-key': `down-${unique}` });
    expect(open.status).toBe(200);
    expect(open.text).toBe('upstream saw GET /while-down');
    expect(open.headers.get('x-ratelimit-limit')).toBeNull();

    const closed = await get(failClosed, '/while-down', { 'x-api-key': `down-${unique}` });
    expect(closed.status).toBe(503);
    expect(JSON.parse(closed.text)).toMatchObject({ error: 'rate_limiter_unavailable' });
    expect(upstreamHits.filter((url) => url === '/while-down')).toHaveLength(1);
  });

  it('renders templates strictly: a missing variable fails instead of rendering empty', () => {
    expect(renderTemplate('listen ${RL_LISTEN}; set $x $host;', { RL_LISTEN: '8080' })).toBe('listen 8080; set $x $host;');
    expect(() => renderTemplate('server ${RL_UPSTREAM};', {})).toThrow('RL_UPSTREAM');
  });
});
