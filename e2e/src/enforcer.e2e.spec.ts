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
      // 1,000 requests land at once; with the default 50 ms command deadline the event-loop lag
      // of that burst alone can trip it and (correctly) fail open. This suite is about exact
      // shared counting, so it allows the store a longer deadline and asserts nothing degraded.
      startRegion({ region: 'us-east', enforcerPorts: [undefined, undefined], env: { REDIS_COMMAND_TIMEOUT_MS: '2000' } }),
      startRegion({ region: 'eu-west', enforcerPorts: [undefined] }),
    ]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([usEast?.stop(), euWest?.stop()]);
  });

  it('admits exactly 100 of 1,000 concurrent checks for one key across two instances sharing one Redis', async () => {
    const key = `burst:${unique}`;
    const [a, b] = usEast.enforcers.map((e) => e.url);
    // The default algorithm is a token bucket, which refills continuously: at 100 per minute it
    // would rightly admit ~2 more during a 1-2 s burst. An hour's window keeps the refill during
    // the burst below one token, so exactly 100 is the right answer.
    const replies = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => check(i % 2 === 0 ? a : b, { key, limit: 100, windowSeconds: 3600 })),
    );
    expect(replies.filter((r) => r.body.degraded === true)).toHaveLength(0);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(100);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(900);
    expect(replies.every((r) => r.body.region === 'us-east')).toBe(true);
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
