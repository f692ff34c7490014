import { startRegion, type RegionHandle } from '@rl/devstack';
import { check, sleep, type CheckReply } from './http';

/**
 * The regional enforcer, black-box: two regions, each with its own redis-server; us-east runs
 * two enforcer instances sharing its Redis, as gateways would see a load-balanced region.
 */
describe('enforcer (two regions, real redis-server per region)', () => {
  let usEast: RegionHandle;
  let euWest: RegionHandle;
  const unique = `${Date.now()}-${process.pid}`;

  beforeAll(async () => {
    [usEast, euWest] = await Promise.all([
      // The settings `npm start` uses: a burst of 1,000 is slow for the enforcer's own event loop,
      // never a Redis failure (the command deadline judges Redis by its silence, not by our lag).
      startRegion({ region: 'us-east', enforcerPorts: [undefined, undefined] }),
      startRegion({ region: 'eu-west', enforcerPorts: [undefined] }),
    ]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([usEast?.stop(), euWest?.stop()]);
  });

  it.each([
    ['one instance', 1],
    ['two instances sharing one Redis', 2],
  ])('admits exactly 100 of 1,000 concurrent checks for one key, none degraded, run after run (%s)', async (_name, instances) => {
    const urls = usEast.enforcers.slice(0, instances).map((e) => e.url);
    for (let run = 0; run < 3; run++) {
      const key = `burst:${unique}:${instances}:${run}`;
      // The default algorithm is a token bucket, which refills continuously: at 100 per minute it
      // would rightly admit ~2 more during a 1-2 s burst. An hour's window keeps the refill during
      // the burst below one token, so exactly 100 is the right answer.
      const replies = await Promise.all(Array.from({ length: 1000 }, (_, i) => check(urls[i % urls.length], { key, limit: 100, windowSeconds: 3600 })));
      expect({
        run,
        degraded: replies.filter((r) => r.body.degraded === true).length,
        overloaded: replies.filter((r) => r.body.overloaded === true).length,
        admitted: replies.filter((r) => r.status === 200).length,
        denied: replies.filter((r) => r.status === 429).length,
      }).toEqual({ run, degraded: 0, overloaded: 0, admitted: 100, denied: 900 });
      expect(replies.every((r) => r.body.region === 'us-east')).toBe(true);
    }
  });

  it('sends headers that agree with the body, on allowed and denied decisions', async () => {
    const url = usEast.enforcers[0].url;
    const key = `headers:${unique}`;
    const allowed = await check(url, { key, limit: 2, windowSeconds: 30 });
    await check(url, { key, limit: 2, windowSeconds: 30 });
    const denied = await check(url, { key, limit: 2, windowSeconds: 30 });

    expect(allowed.status).toBe(200);
    expect(denied.status).toBe(429);
    for (const reply of [allowed, denied]) assertHeadersMatchBody(reply, 30);
    expect(allowed.headers.get('retry-after')).toBeNull();
    expect(Number(denied.headers.get('retry-after'))).toBe(Math.max(1, Math.ceil(denied.body.retryAfterSeconds)));
    expect(denied.body.remaining).toBe(0);
    expect(allowed.body.remaining).toBe(1);
  });

  it('admits the next request after waiting Retry-After', async () => {
    const url = usEast.enforcers[1].url;
    const key = `retry:${unique}`;
    expect((await check(url, { key, limit: 1, windowSeconds: 1 })).status).toBe(200);
    const denied = await check(url, { key, limit: 1, windowSeconds: 1 });
    expect(denied.status).toBe(429);
    const retryAfter = Number(denied.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    await sleep(retryAfter * 1000);
    expect((await check(url, { key, limit: 1, windowSeconds: 1 })).status).toBe(200);
  });

  it('counts each region independently for regional limits', async () => {
    const key = `regional:${unique}`;
    const body = { key, limit: 3, windowSeconds: 60 };
    const us = [];
    for (let i = 0; i < 4; i++) us.push(await check(usEast.enforcers[0].url, body));
    const eu = [];
    for (let i = 0; i < 4; i++) eu.push(await check(euWest.enforcers[0].url, body));
    expect(us.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(eu.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(eu[0].body.region).toBe('eu-west');
  });

  it('rejects a malformed request with 400 naming the field', async () => {
    const res = await fetch(`${usEast.enforcers[0].url}/v1/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'x', cost: 0 }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('cost');
  });

  it('serves health, readiness and Prometheus metrics', async () => {
    const url = euWest.enforcers[0].url;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/# TYPE \w+ (counter|histogram|gauge)/);
  });
});

function assertHeadersMatchBody(reply: CheckReply, windowSeconds: number): void {
  const { headers, body } = reply;
  expect(Number(headers.get('x-ratelimit-limit'))).toBe(body.limit);
  expect(Number(headers.get('x-ratelimit-remaining'))).toBe(body.remaining);
  expect(Number(headers.get('x-ratelimit-reset'))).toBe(Math.ceil(body.resetSeconds));
  expect(headers.get('ratelimit-policy')).toBe(`"${body.policy.id}";q=${body.limit};w=${windowSeconds}`);
  expect(headers.get('ratelimit')).toBe(`"${body.policy.id}";r=${body.remaining};t=${Math.ceil(body.resetSeconds)}`);
}
