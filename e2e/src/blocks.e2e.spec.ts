import type { ServiceHandle } from '@rl/devstack';
import { startControlPlaneStack, type ControlPlaneStack } from './stack';
import { check, type CheckReply } from './http';

/** A block reaches every region within this budget, like any control-plane change. */
const PROPAGATION_BUDGET_MS = 1_000;

/**
 * Operator blocks end to end: added and removed through the policy service's admin API, carried
 * over NATS to two regions (each an enforcer with its own redis-server), answered 429 `blocked`.
 */
describe('block list (policy service, two regions, real Postgres, NATS and Redis)', () => {
  let stack: ControlPlaneStack;
  let unique: string;
  let adminToken: string;
  let policyService: ServiceHandle;
  const enforcers = (): ServiceHandle[] => stack.enforcers();

  beforeAll(async () => {
    stack = await startControlPlaneStack({ label: 'b', enforcerEnv: { ESCALATION_THRESHOLD: '3', ESCALATION_WINDOW_SECONDS: '60', ESCALATION_BLOCK_SECONDS: '120' } });
    ({ unique, adminToken, policyService } = stack);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  async function admin(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<Response> {
    return fetch(`${policyService.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** Polls `url` with `request` until `done` holds; resolves with the reply and the milliseconds since `since`. */
  async function until(url: string, request: Record<string, unknown>, done: (reply: CheckReply) => boolean, since: number): Promise<{ reply: CheckReply; ms: number }> {
    for (;;) {
      const reply = await check(url, request);
      if (done(reply)) return { reply, ms: Date.now() - since };
      if (Date.now() - since > 10_000) throw new Error(`${url} still answers ${reply.status} ${JSON.stringify(reply.body)} after 10 s`);
    }
  }

  const isBlocked = (reply: CheckReply): boolean => reply.status === 429 && (reply.body as { blocked?: boolean }).blocked === true;

  it.each([
    ['key', `abuser:${Date.now()}`, (value: string) => ({ key: value, limit: 1000, windowSeconds: 60 })],
    ['cidr', '2001:db8:42::/48', () => ({ key: `user:${Date.now()}`, ip: '2001:db8:42:7::1', limit: 1000, windowSeconds: 60 })],
  ])('a %s block answers 429 blocked in both regions within one second, and admits again once deleted', async (type, value, request) => {
    const body = request(value);
    for (const enforcer of enforcers()) expect((await check(enforcer.url, body)).status).toBe(200);

    const created = await admin('POST', '/v1/blocks', { type, value, ttlSeconds: 600, reason: 'e2e' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const added = Date.now();
    const blocked = await Promise.all(enforcers().map((e) => until(e.url, body, isBlocked, added)));
    console.log(`block ${type}: admin 201 -> both regions blocking (ms): ${blocked.map((b) => b.ms).join(', ')}`);
    for (const { reply, ms } of blocked) {
      expect(ms).toBeLessThan(PROPAGATION_BUDGET_MS);
      const retryAfter = Number(reply.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(599);
      expect(retryAfter).toBeLessThanOrEqual(600);
      expect(reply.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(reply.body).toMatchObject({ allowed: false, remaining: 0 });
    }
    expect(blocked.map((b) => b.reply.body.region).sort()).toEqual(['eu-west', 'us-east']);

    expect((await admin('DELETE', `/v1/blocks/${id}`)).status).toBe(204);
    const removed = Date.now();
    const admitted = await Promise.all(enforcers().map((e) => until(e.url, body, (reply) => reply.status === 200, removed)));
    for (const { ms } of admitted) expect(ms).toBeLessThan(PROPAGATION_BUDGET_MS);

    for (const enforcer of enforcers()) {
      const metrics = await (await fetch(`${enforcer.url}/metrics`)).text();
      expect(metrics).toMatch(/rl_decisions_total\{[^}]*result="blocked"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/rl_policy_messages_rejected_total(\{[^}]*\})? 0/);
    }
  });

  it('does not block a key that one inline limit denies on many routes', async () => {
    const key = `one-limit:${unique}`;
    const at = (route: string) => ({ key, route, method: 'GET', limit: 1, windowSeconds: 60 });
    const [home] = enforcers();
    expect((await check(home.url, at('/a'))).status).toBe(200);
    for (const route of ['/a', '/b', '/c', '/d', '/e']) {
      const reply = await check(home.url, at(route));
      expect(reply.status).toBe(429);
      expect(isBlocked(reply)).toBe(false);
    }
    // Long enough for an escalation's round trip to the policy service and back to the region.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(isBlocked(await check(home.url, at('/f')))).toBe(false);
    const listed = (await (await admin('GET', '/v1/blocks')).json()) as { items: { value: string }[] };
    expect(listed.items.filter((b) => b.value === key)).toEqual([]);
  });

  it('blocks a key denied by three distinct policies automatically, with the denials that caused it, visibly and removably, in both regions', async () => {
    const key = `greedy:${unique}`;
    // Three inline limits: three counters, so three distinct policies.
    const limits = [60, 61, 62].map((windowSeconds, i) => ({ key, route: `/r${i}`, method: 'GET', limit: 1, windowSeconds }));
    const [home] = enforcers();
    for (const request of limits) expect((await check(home.url, request)).status).toBe(200);
    for (const request of limits) expect((await check(home.url, request)).status).toBe(429);
    const escalated = Date.now();
    const blocked = await Promise.all(enforcers().map((e) => until(e.url, { key, route: '/d', limit: 1000, windowSeconds: 60 }, isBlocked, escalated)));
    for (const { reply } of blocked) expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(119);

    const listed = (await (await admin('GET', '/v1/blocks')).json()) as {
      items: { id: string; type: string; value: string; source: string; reason: string; denials?: Record<string, unknown>[] }[];
    };
    const automatic = listed.items.filter((b) => b.value === key);
    expect(automatic).toEqual([expect.objectContaining({ type: 'key', source: 'automatic' })]);
    expect(automatic[0].reason).toBe('automatic: denied by 3 distinct policies within 60 s (region us-east): inline 1/60s, inline 1/61s, inline 1/62s');
    expect(automatic[0].denials?.map(({ at: _at, ...rest }) => rest)).toEqual(
      limits.map(({ route, method, limit, windowSeconds }) => ({ policyId: 'inline', route, method, limit, windowSeconds, region: 'us-east' })),
    );

    expect((await admin('DELETE', `/v1/blocks/${automatic[0].id}`)).status).toBe(204);
    const removed = Date.now();
    // Still over its limits, but no longer blocked.
    await Promise.all(enforcers().map((e) => until(e.url, limits[0], (reply) => !isBlocked(reply), removed)));
  });

  it("follows a policy's own escalation settings: one denial of a login policy blocks for its own time", async () => {
    const created = await admin('POST', '/v1/policies', {
      id: `login-${unique}`.slice(0, 64),
      match: { route: `/login-${unique}`, method: 'POST' },
      algorithm: 'fixed_window',
      limit: 1,
      windowSeconds: 60,
      escalation: { threshold: 1, blockSeconds: 900 },
    });
    expect(created.status).toBe(201);
    const request = { key: `guesser:${unique}`, route: `/login-${unique}`, method: 'POST' };
    const [home] = enforcers();
    await until(home.url, request, (reply) => reply.body.policy?.id === `login-${unique}`.slice(0, 64), Date.now());
    const denied = await check(home.url, request);
    expect(denied.status).toBe(429);
    const since = Date.now();
    const blocked = await Promise.all(enforcers().map((e) => until(e.url, request, isBlocked, since)));
    for (const { reply } of blocked) expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(899);
    const listed = (await (await admin('GET', '/v1/blocks')).json()) as { items: { value: string; denials?: { policyId: string }[] }[] };
    expect(listed.items.find((b) => b.value === request.key)?.denials?.map((d) => d.policyId)).toEqual([`login-${unique}`.slice(0, 64)]);
  });
});
