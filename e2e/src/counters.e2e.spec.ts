import type { ServiceHandle } from '@rl/devstack';
import { callApi, check, type CheckReply } from './http';
import { startControlPlaneStack, type ControlPlaneStack } from './stack';

/** A reset reaches every region within this budget, like any control-plane change. */
const PROPAGATION_BUDGET_MS = 1_000;

type Credential = 'none' | 'wrong' | 'viewer' | 'editor' | 'admin' | 'enforcer';
const CREDENTIALS: Credential[] = ['none', 'wrong', 'viewer', 'editor', 'admin', 'enforcer'];
const RANK: Partial<Record<Credential, number>> = { viewer: 0, editor: 1, admin: 2 };

interface RegionState {
  readonly used?: number;
  readonly remaining?: number;
  readonly limit?: number;
  readonly denyCached?: boolean;
  readonly leasedUnits?: number;
  readonly policy?: { id: string; version: number };
  readonly unreachable?: true;
  readonly reason?: string;
}

interface CountersBody {
  readonly key: string;
  readonly regions: Record<string, RegionState>;
}

/**
 * The caller inspector end to end: the policy service asks each region's enforcer (its internal
 * counter route, with the internal token) for a counter, explains a check with a dry run, and
 * resets a counter in both regions through a signed, audited control change; against the running
 * services (two regions, each an enforcer with its own redis-server; real Postgres and NATS).
 */
describe('counters: inspect, explain and reset a caller (policy service, two regions)', () => {
  let stack: ControlPlaneStack;
  let policyService: ServiceHandle;
  const tokens: Partial<Record<Credential, string>> = { wrong: 'rlk_never-issued' };
  let customer: string;
  let policyId: string;
  let n = 0;

  beforeAll(async () => {
    // Denials stay remembered (deny cache) until their retry time, so only a reset can end them early.
    stack = await startControlPlaneStack({ label: 'ctr', enforcerEnv: { ESCALATION_THRESHOLD: '0', DENY_CACHE_MAX_MS: '60000' } });
    policyService = stack.policyService;
    tokens.admin = stack.adminToken;
    tokens.enforcer = stack.enforcerApiKey;
    for (const role of ['viewer', 'editor'] as const) tokens[role] = (await api('admin', 'POST', '/v1/api-keys', { name: `counters ${role}`, role })).json.token as string;
    customer = `acme-${stack.unique}`;
    policyId = `gold-${stack.unique}`;
    expect((await api('admin', 'POST', '/v1/tiers', { id: 'gold' })).status).toBe(201);
    // A token bucket, not an hour's fixed window: a run across the top of the hour would find its counts gone.
    const created = await api('admin', 'POST', '/v1/policies', { id: policyId, match: { customerTier: 'gold' }, algorithm: 'token_bucket', limit: 5, windowSeconds: 3_600 });
    expect(created.status).toBe(201);
    expect((await api('admin', 'PUT', `/v1/customers/${customer}`, { tier: 'gold' })).status).toBe(200);
    // Both regions have the policy and the customer's tier.
    for (const enforcer of stack.enforcers()) await until(enforcer.url, { key: 'probe', customerId: customer, dryRun: true }, (reply) => reply.body.policy.id === policyId);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  function api(as: Credential, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    return callApi(policyService.url, { token: tokens[as], method, path, body });
  }

  async function counters(query: string): Promise<CountersBody> {
    const response = await api('viewer', 'GET', `/v1/counters?${query}`);
    expect(response.status).toBe(200);
    return response.json as unknown as CountersBody;
  }

  async function until(url: string, request: Record<string, unknown>, done: (reply: CheckReply) => boolean, since = Date.now()): Promise<{ reply: CheckReply; ms: number }> {
    for (;;) {
      const reply = await check(url, request);
      if (done(reply)) return { reply, ms: Date.now() - since };
      if (Date.now() - since > 10_000) throw new Error(`${url} still answers ${reply.status} ${JSON.stringify(reply.body)} after 10 s`);
    }
  }

  const query = (key: string): string => `key=${encodeURIComponent(key)}&policyId=${policyId}`;
  const [usEast, euWest] = [(): ServiceHandle => stack.enforcers()[0], (): ServiceHandle => stack.enforcers()[1]];

  describe('authorization matrix of the new routes', () => {
    const ROUTES = [
      { route: 'GET /v1/counters', access: 'viewer', ok: 200, request: () => ({ method: 'GET', path: `/v1/counters?${query('matrix')}` }) },
      { route: 'DELETE /v1/counters', access: 'editor', ok: 200, request: (i: number) => ({ method: 'DELETE', path: `/v1/counters?${query(`matrix-${i}`)}` }) },
      { route: 'POST /v1/counters/explain', access: 'viewer', ok: 200, request: () => ({ method: 'POST', path: '/v1/counters/explain', body: { key: 'matrix', customerId: customer } }) },
    ] as const;

    const expected = (access: 'viewer' | 'editor', ok: number, credential: Credential): number => {
      if (credential === 'none' || credential === 'wrong') return 401;
      const held = RANK[credential];
      return held !== undefined && held >= (RANK[access] ?? Infinity) ? ok : 403;
    };

    it.each(ROUTES.flatMap((route) => CREDENTIALS.map((credential) => [route.route, credential, expected(route.access, route.ok, credential), route] as const)))(
      '%s with %s -> %d',
      async (_route, credential, status, route) => {
        const request = route.request(n++);
        const response = await api(credential, request.method, request.path, 'body' in request ? request.body : undefined);
        expect(response.status).toBe(status);
        if (status === 401) expect(response.json).toMatchObject({ error: 'unauthorized' });
        if (status === 403) expect(response.json).toMatchObject({ error: 'forbidden' });
      },
    );

    it('names the offending field of a malformed selector or explanation (400), and an unknown region (422)', async () => {
      expect((await api('viewer', 'GET', '/v1/counters?key=x')).json).toMatchObject({ fields: [{ path: 'policyId' }] });
      expect((await api('editor', 'DELETE', '/v1/counters?policyId=Bad_Id&key=x')).json).toMatchObject({ fields: [{ path: 'policyId' }] });
      expect((await api('viewer', 'POST', '/v1/counters/explain', { customerId: customer })).json).toMatchObject({ fields: [{ path: 'key' }] });
      const unknown = await api('viewer', 'POST', '/v1/counters/explain', { key: 'x', region: 'mars' });
      expect(unknown.status).toBe(422);
      expect(unknown.json).toMatchObject({ fields: [{ path: 'region', message: 'must be one of the configured regions: us-east, eu-west' }] });
    });
  });

  it("shows each region's usage, which dry runs and explanations leave untouched", async () => {
    const key = `reader-${stack.unique}`;
    const request = { key, customerId: customer };
    for (let i = 0; i < 2; i++) expect((await check(usEast().url, request)).status).toBe(200);
    expect((await check(euWest().url, request)).status).toBe(200);

    const before = await counters(query(key));
    expect(before.regions['us-east']).toMatchObject({ used: 2, remaining: 3, limit: 5, policy: { id: policyId }, leasedUnits: 0, denyCached: false });
    expect(before.regions['eu-west']).toMatchObject({ used: 1, remaining: 4 });

    for (let i = 0; i < 3; i++) {
      for (const region of ['us-east', 'eu-west']) {
        const explained = await api('viewer', 'POST', '/v1/counters/explain', { ...request, region });
        expect(explained.status).toBe(200);
        expect(explained.json).toMatchObject({ region, status: 200, decision: { dryRun: true, matched: 'tier', policy: { id: policyId }, region } });
      }
      for (const enforcer of stack.enforcers()) expect((await check(enforcer.url, { ...request, dryRun: true })).status).toBe(200);
    }
    const explained = (await api('viewer', 'POST', '/v1/counters/explain', request)).json as { headers: Record<string, string>; decision: { remaining: number } };
    // The answer a real check would get: it would leave 2 of the 3 remaining.
    expect(explained.decision.remaining).toBe(2);
    expect(explained.headers['x-ratelimit-limit']).toBe('5');

    const after = await counters(query(key));
    expect(after.regions['us-east']).toMatchObject({ used: 2, remaining: 3 });
    expect(after.regions['eu-west']).toMatchObject({ used: 1, remaining: 4 });
    // customerId alone names the customer's own key under the policy matching the customer.
    expect((await counters(`customerId=${customer}`)).regions['us-east']).toMatchObject({ key: customer, policy: { id: policyId } });
  });

  it('resets an exhausted counter in both regions within one second, denials remembered by the enforcers included, audited with the actor', async () => {
    const key = `spender-${stack.unique}`;
    const request = { key, customerId: customer };
    for (const enforcer of stack.enforcers()) {
      for (let i = 0; i < 5; i++) expect((await check(enforcer.url, request)).status).toBe(200);
      for (let i = 0; i < 3; i++) expect((await check(enforcer.url, request)).status).toBe(429);
    }
    const exhausted = await counters(query(key));
    for (const region of ['us-east', 'eu-west']) expect(exhausted.regions[region]).toMatchObject({ used: 5, remaining: 0, denyCached: true });

    const reset = await api('editor', 'DELETE', `/v1/counters?${query(key)}`);
    expect(reset.status).toBe(200);
    expect(reset.json).toMatchObject({ resets: [{ policyId, key }] });
    const since = Date.now();
    const admitted = await Promise.all(stack.enforcers().map((enforcer) => until(enforcer.url, { ...request, dryRun: true }, (reply) => reply.status === 200, since)));
    console.log(`counter reset: DELETE 200 -> both regions admitting (ms): ${admitted.map((a) => a.ms).join(', ')}`);
    for (const { ms, reply } of admitted) {
      expect(ms).toBeLessThan(PROPAGATION_BUDGET_MS);
      // A fresh counter: a real check now would leave 4 of 5.
      expect(reply.body).toMatchObject({ remaining: 4 });
    }
    const cleared = await counters(query(key));
    for (const region of ['us-east', 'eu-west']) expect(cleared.regions[region]).toMatchObject({ used: 0, remaining: 5, denyCached: false, leasedUnits: 0 });
    for (const enforcer of stack.enforcers()) expect((await check(enforcer.url, request)).status).toBe(200);

    const audit = await api('admin', 'GET', `/v1/audit?entity=counter&entityId=${encodeURIComponent(`${policyId}:${key}`)}`);
    expect(audit.json).toMatchObject({ items: [{ action: 'counter.reset', actorName: 'counters editor', after: { policyId, key } }] });
  });

  it("resets a customer's own counter named by customerId alone", async () => {
    for (let i = 0; i < 5; i++) await check(usEast().url, { key: customer, customerId: customer });
    expect((await counters(`customerId=${customer}`)).regions['us-east']).toMatchObject({ used: 5 });
    const reset = await api('editor', 'DELETE', `/v1/counters?customerId=${customer}`);
    expect(reset.json).toMatchObject({ resets: [{ policyId, key: customer }] });
    await until(usEast().url, { key: customer, customerId: customer, dryRun: true }, (reply) => reply.body.remaining === 4);
  });

  it('shows a region whose enforcer is down as unreachable, not as zero, and the other as it is', async () => {
    const key = `lonely-${stack.unique}`;
    expect((await check(usEast().url, { key, customerId: customer })).status).toBe(200);
    await stack.euWest.stop();
    const view = await counters(query(key));
    expect(view.regions['us-east']).toMatchObject({ used: 1 });
    expect(view.regions['eu-west']).toEqual({ unreachable: true, reason: 'connection refused' });
  });
});
