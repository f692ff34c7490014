import type { ServiceHandle } from '@rl/devstack';
import { calendarBounds } from '@rl/limiter-core';
import { callApi, check, sleep, type CheckReply } from './http';
import { startControlPlaneStack, type ControlPlaneStack } from './stack';

/**
 * A plan of stacked limits end to end: set through the admin API (burst, minute and a calendar
 * month, plus "at most 2 in flight" as a concurrency policy on the same match), propagated to both
 * regions, and driven through each region's enforcer: every limit in the headers, a denial naming
 * the limit that denied, a partial admit that takes nothing, a month denial whose Retry-After
 * points at the month's end in the plan's time zone, leases held beside the rates, and a
 * plan's cost settled on every limit.
 */
describe('plans of stacked limits (policy service, two regions, real Postgres, NATS and Redis)', () => {
  let stack: ControlPlaneStack;
  let customerId: string;
  const BURST_WINDOW_MS = 10_000;

  /** Creates a stacked policy for `customer` through the admin API, and waits until both regions enforce it. */
  async function createPlan(input: { id: string; customer: string; limits: readonly Record<string, unknown>[] }): Promise<void> {
    const res = await fetch(`${stack.policyService.url}/v1/policies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: input.id, match: { customerId: input.customer }, algorithm: 'fixed_window', limits: input.limits }),
    });
    expect({ status: res.status, body: await res.text() }).toMatchObject({ status: 201 });
    // Both regions enforce the plan once a fresh key sees its limits.
    for (const enforcer of stack.enforcers()) {
      for (let probe = 0; ; probe++) {
        const reply = await check(enforcer.url, { key: `probe-${probe}`, customerId: input.customer });
        if (reply.headers.get('ratelimit-policy')?.startsWith(`"${input.id}-${String(input.limits[0].name)}"`) === true) break;
        if (probe > 200) throw new Error(`${enforcer.url} does not enforce ${input.id}`);
        await sleep(20);
      }
    }
  }

  beforeAll(async () => {
    stack = await startControlPlaneStack({ label: 'plans' });
    customerId = `plan-${stack.unique}`;
    await createPlan({
      id: 'plan',
      customer: customerId,
      limits: [
        { name: 'burst', limit: 3, windowSeconds: BURST_WINDOW_MS / 1000 },
        { name: 'minute', limit: 20, windowSeconds: 60, algorithm: 'sliding_window' },
        { name: 'month', limit: 5, window: 'calendar-month', timeZone: 'America/New_York' },
      ],
    });
    const inFlight = await callApi(stack.policyService.url, {
      token: stack.adminToken,
      method: 'POST',
      path: '/v1/policies',
      body: { id: 'plan-in-flight', match: { customerId }, algorithm: 'concurrency', limit: 2, leaseSeconds: 30 },
    });
    expect(inFlight).toMatchObject({ status: 201, json: { algorithm: 'concurrency', limit: 2 } });
    // Both regions hold the lease limit once a fresh key's acquire is decided by it.
    for (const enforcer of stack.enforcers()) {
      for (let probe = 0; ; probe++) {
        const acquired = await post(enforcer.url, '/v1/acquire', { key: `lease-probe-${probe}`, customerId });
        if (typeof acquired.json.leaseId === 'string') await post(enforcer.url, '/v1/release', { leaseId: acquired.json.leaseId });
        if (acquired.status === 200 && (acquired.json.policy as { id?: string } | undefined)?.id === 'plan-in-flight') break;
        if (probe > 200) throw new Error(`${enforcer.url} does not enforce plan-in-flight`);
        await sleep(20);
      }
    }
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  async function post(url: string, path: string, body: unknown): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  /** The `r` of each item of RateLimit, by name. */
  function remaining(reply: CheckReply): Record<string, number> {
    const items = (reply.headers.get('ratelimit') ?? '').split(', ').map((item) => /^"([^"]+)";r=(\d+);t=\d+$/.exec(item));
    return Object.fromEntries(items.map((match) => [match?.[1] ?? '?', Number(match?.[2])]));
  }

  /** Waits until the next burst window has begun (aligned to the epoch), so a step does not straddle one. */
  async function freshBurstWindow(): Promise<void> {
    await sleep(BURST_WINDOW_MS - (Date.now() % BURST_WINDOW_MS) + 50);
  }

  /** Waits for a fresh burst window unless this one has at least `ms` left. */
  async function burstWindowWithin(ms: number): Promise<void> {
    if (BURST_WINDOW_MS - (Date.now() % BURST_WINDOW_MS) < ms) await freshBurstWindow();
  }

  it('lists every limit and denies on the burst in each region, a partial admit taking nothing', async () => {
    for (const enforcer of stack.enforcers() as ServiceHandle[]) {
      await burstWindowWithin(5_000);
      const replies: CheckReply[] = [];
      for (let i = 0; i < 4; i++) replies.push(await check(enforcer.url, { key: 'user-a', customerId }));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect(replies[0].headers.get('ratelimit-policy')).toBe('"plan-burst";q=3;w=10, "plan-minute";q=20;w=60, "plan-month";q=5;w=2592000');
      expect(remaining(replies[0])).toEqual({ 'plan-burst': 2, 'plan-minute': 19, 'plan-month': 4 });
      expect(replies[0].headers.get('x-ratelimit-limit')).toBe('3');
      const denied = replies[3];
      expect(denied.body).toMatchObject({ allowed: false, limit: 3, remaining: 0, policy: { id: 'plan' } });
      expect((denied.body as Record<string, unknown>)['violated-policies']).toEqual(['plan-burst']);
      // The minute and the month would have admitted the fourth request; it took nothing from them.
      expect(remaining(denied)).toEqual({ 'plan-burst': 0, 'plan-minute': 17, 'plan-month': 2 });
      expect(Number(denied.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  });

  it('denies on the calendar month with Retry-After at the month end in the plan time zone', async () => {
    const [usEast, euWest] = stack.enforcers();
    await freshBurstWindow();
    expect((await check(euWest.url, { key: 'user-b', customerId, cost: 3 })).status).toBe(200);
    await freshBurstWindow();
    const denied = await check(euWest.url, { key: 'user-b', customerId, cost: 3 });
    expect(denied.status).toBe(429);
    expect((denied.body as Record<string, unknown>)['violated-policies']).toEqual(['plan-month']);
    expect(denied.body).toMatchObject({ limit: 5, remaining: 2 });
    const end = calendarBounds({ window: 'calendar-month', timeZone: 'America/New_York', nowUs: Date.now() * 1000 }).endUs / 1000;
    const seconds = (end - Date.now()) / 1000;
    expect(Number(denied.headers.get('retry-after'))).toBeGreaterThanOrEqual(Math.floor(seconds) - 10);
    expect(Number(denied.headers.get('retry-after'))).toBeLessThanOrEqual(Math.ceil(seconds) + 10);
    // Each region counts in its own Redis: the same key is fresh in us-east.
    await burstWindowWithin(5_000);
    expect(remaining(await check(usEast.url, { key: 'user-b', customerId, cost: 3 }))).toEqual({ 'plan-burst': 0, 'plan-minute': 17, 'plan-month': 2 });
  });

  it('holds at most two requests in flight per region beside the rate limits, each request checked and leased', async () => {
    for (const [index, enforcer] of (stack.enforcers() as ServiceHandle[]).entries()) {
      await burstWindowWithin(5_000);
      const key = `user-c-${index}`;
      const leases: string[] = [];
      for (let i = 0; i < 2; i++) {
        const acquired = await post(enforcer.url, '/v1/acquire', { key, customerId });
        expect(acquired).toMatchObject({ status: 200, json: { allowed: true, policy: { id: 'plan-in-flight' } } });
        expect(acquired.headers.get('ratelimit-policy')).toBe('"plan-in-flight";q=2;qu="concurrent-requests"');
        expect((await check(enforcer.url, { key, customerId })).status).toBe(200);
        leases.push(acquired.json.leaseId as string);
      }
      // A third request in flight is refused by the lease limit, though the rates would admit it.
      const third = await post(enforcer.url, '/v1/acquire', { key, customerId });
      expect(third.status).toBe(429);
      expect(third.json['violated-policies']).toEqual(['plan-in-flight']);
      // A dry run tells what a third check would leave: the rates hold room for it.
      expect(remaining(await check(enforcer.url, { key, customerId, dryRun: true }))).toEqual({ 'plan-burst': 0, 'plan-minute': 17, 'plan-month': 2 });
      // A finished request frees its slot for the next one; the burst then denies the fourth check.
      expect((await post(enforcer.url, '/v1/release', { leaseId: leases[0] })).status).toBe(204);
      expect((await post(enforcer.url, '/v1/acquire', { key, customerId })).status).toBe(200);
      expect((await check(enforcer.url, { key, customerId })).status).toBe(200);
      const overBurst = await check(enforcer.url, { key, customerId });
      expect(overBurst.status).toBe(429);
      expect((overBurst.body as Record<string, unknown>)['violated-policies']).toEqual(['plan-burst']);
    }
  });

  it('settles a plan without sliding limits on every limit, in the region that decided; a plan with one records nothing', async () => {
    const [usEast, euWest] = stack.enforcers();
    const settle = async (url: string, decisionId: string, actualCost: number) => {
      const res = await fetch(`${url}/v1/settle`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decisionId, actualCost }) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const idOf = (reply: CheckReply): string => String((reply.body as Record<string, unknown>).decisionId);

    // The plan above has a sliding minute: its decisions are not recorded.
    await burstWindowWithin(5_000);
    const sliding = await check(usEast.url, { key: 'user-s', customerId, settle: true });
    expect(sliding.status).toBe(200);
    expect(idOf(sliding)).toMatch(/^n1\./);
    expect((await settle(usEast.url, idOf(sliding), 0)).status).toBe(404);

    const tokens = `tokens-${stack.unique}`;
    await createPlan({
      id: 'tokens',
      customer: tokens,
      limits: [
        // 1,000 per hour: under 0.3 drains per second, so a settle seconds later sees the same whole units.
        { name: 'hour', limit: 1_000, windowSeconds: 3_600, algorithm: 'token_bucket' },
        { name: 'month', limit: 100_000, window: 'calendar-month', timeZone: 'Europe/Berlin' },
      ],
    });
    const decided = await check(usEast.url, { key: 'user-t', customerId: tokens, cost: 400, settle: true });
    expect(decided.status).toBe(200);
    expect(idOf(decided)).toMatch(/^s1\./);
    // The record lives in the deciding region's Redis only.
    expect((await settle(euWest.url, idOf(decided), 100)).status).toBe(404);
    const settled = await settle(usEast.url, idOf(decided), 900);
    expect(settled).toMatchObject({ status: 200, body: { estimatedCost: 400, actualCost: 900, limit: 1_000, remaining: 100, region: 'us-east' } });
    expect(settled.body.limits).toEqual([
      { name: 'hour', limit: 1_000, remaining: 100, resetSeconds: expect.any(Number), settled: true },
      { name: 'month', limit: 100_000, remaining: 99_100, resetSeconds: expect.any(Number), settled: true },
    ]);
    expect(await settle(usEast.url, idOf(decided), 0)).toMatchObject({ status: 200, body: { actualCost: 900, remaining: 100, repeated: true } });
    // 900 taken from each limit: 100 left in the hour for the next request of 101.
    expect((await check(usEast.url, { key: 'user-t', customerId: tokens, cost: 101 })).status).toBe(429);
  });
});
