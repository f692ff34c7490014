import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CheckResponse, Policy, PolicyDocument } from '@rl/contracts';
import { ManualClock } from '@rl/limiter-core';
import { StoreTimeoutError, StoreUnavailableError } from '@rl/redis-store';
import type { Registry } from 'prom-client';
import { StaticPolicySource } from '../policies/static-policy-source';
import { LocalStoreBackend, MemoryDecisionStore, type DecisionFor, type DecisionStore, type StoreRequest } from '@rl/decision-pipeline';
import { waitFor } from '@rl/testing';
import { createTestApp } from '../testing/create-test-app';

/** A LocalLimiter that records every call, so specs can prove a request never reached the store. */
class RecordingStore implements DecisionStore {
  readonly calls: StoreRequest[] = [];
  constructor(private readonly inner: DecisionStore) {}

  decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    this.calls.push(request);
    return this.inner.decide(request);
  }
}

/** A store that is down: every decision fails with the given typed error. */
class FailingStore implements DecisionStore {
  calls = 0;
  constructor(private readonly error: () => Error) {}

  decide<R extends StoreRequest>(): Promise<DecisionFor<R>> {
    this.calls += 1;
    return Promise.reject(this.error());
  }
}

const policy = (overrides: Partial<Policy> & Pick<Policy, 'id' | 'match'>): Policy => ({
  algorithm: 'fixed_window',
  limit: 3,
  windowSeconds: 60,
  burst: 3,
  scope: 'regional',
  failureMode: 'open',
  mode: 'enforce',
  version: 1,
  ...overrides,
});

const document: PolicyDocument = {
  policies: [
    policy({ id: 'free-tier', match: { customerTier: 'free' }, version: 3 }),
    policy({ id: 'shadow-tier', match: { customerTier: 'trial' }, limit: 1, burst: 1, mode: 'shadow' }),
    policy({ id: 'open-tier', match: { customerTier: 'open' }, limit: 10, burst: 10, failureMode: 'open' }),
    policy({ id: 'closed-tier', match: { customerTier: 'closed' }, failureMode: 'closed' }),
  ],
  overrides: [],
  customers: { acme: { tier: 'free' }, tryme: { tier: 'trial' }, opensesame: { tier: 'open' }, fortknox: { tier: 'closed' } },
};

async function post(app: NestFastifyApplication, payload: unknown, headers: Record<string, string> = {}) {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/check',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  return { status: response.statusCode, headers: response.headers, body: response.json() };
}

/** The contract: headers say what the body says. */
function expectHeadersToAgree(headers: Record<string, unknown>, body: CheckResponse): void {
  expect(headers['x-ratelimit-limit']).toBe(String(body.limit));
  expect(headers['x-ratelimit-remaining']).toBe(String(body.remaining));
  expect(headers['x-ratelimit-reset']).toBe(String(Math.ceil(body.resetSeconds)));
  expect(headers['ratelimit-policy']).toMatch(new RegExp(`^"${body.policy.id}";q=${body.limit};w=\\d+$`));
  expect(headers['ratelimit']).toBe(`"${body.policy.id}";r=${body.remaining};t=${Math.ceil(body.resetSeconds)}`);
  if (body.allowed) {
    expect(headers['retry-after']).toBeUndefined();
  } else {
    expect(Number(headers['retry-after'])).toBe(Math.max(1, Math.ceil(body.retryAfterSeconds)));
    expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(1);
  }
}

describe('POST /v1/check', () => {
  let app: NestFastifyApplication;
  let registry: Registry;
  let store: RecordingStore;
  const clock = new ManualClock();

  beforeAll(async () => {
    store = new RecordingStore(new MemoryDecisionStore({ clock }));
    ({ app, registry } = await createTestApp({ store: new LocalStoreBackend({ store }), policies: new StaticPolicySource(document) }));
  });

  afterAll(async () => {
    await app.close();
  });

  beforeEach(() => {
    store.calls.length = 0;
  });

  describe('malformed requests get 400 naming the field and never reach the store', () => {
    const cases: [string, unknown, string, string][] = [
      ['missing key', { cost: 1 }, 'key', 'key is required'],
      ['empty key', { key: '' }, 'key', 'key must be a string of 1 to 256 printable characters'],
      ['key over 256 characters', { key: 'k'.repeat(257) }, 'key', 'key must be a string of 1 to 256 printable characters'],
      ['key with a control character', { key: 'user:\u0001' }, 'key', 'key must be a string of 1 to 256 printable characters'],
      ['key with a newline', { key: 'a\nb' }, 'key', 'key must be a string of 1 to 256 printable characters'],
      ['key that is a number', { key: 42 }, 'key', 'key must be a string of 1 to 256 printable characters'],
      ['cost 0', { key: 'k', cost: 0 }, 'cost', 'cost must be an integer from 1 to 1000000000'],
      ['negative cost', { key: 'k', cost: -1 }, 'cost', 'cost must be an integer from 1 to 1000000000'],
      ['fractional cost', { key: 'k', cost: 1.5 }, 'cost', 'cost must be an integer from 1 to 1000000000'],
      ['cost as a string', { key: 'k', cost: '2' }, 'cost', 'cost must be an integer from 1 to 1000000000'],
      ['limit without windowSeconds', { key: 'k', limit: 10 }, 'windowSeconds', 'windowSeconds is required together with limit'],
      ['windowSeconds without limit', { key: 'k', windowSeconds: 10 }, 'limit', 'limit is required together with windowSeconds'],
      ['limit 0', { key: 'k', limit: 0, windowSeconds: 1 }, 'limit', 'limit must be an integer from 1 to 1000000000'],
      ['window under 1 ms', { key: 'k', limit: 1, windowSeconds: 0.0001 }, 'windowSeconds', 'windowSeconds must be a number of seconds from 0.001 to 2592000'],
      ['window over 30 days', { key: 'k', limit: 1, windowSeconds: 2_592_001 }, 'windowSeconds', 'windowSeconds must be a number of seconds from 0.001 to 2592000'],
      ['unknown field', { key: 'k', colour: 'red' }, 'colour', 'colour is not a known field'],
      ['method with digits', { key: 'k', method: 'G3T' }, 'method', 'method must be an HTTP method name of 1 to 16 letters'],
      ['customerId too long', { key: 'k', customerId: 'c'.repeat(129) }, 'customerId', 'customerId must be a string of 1 to 128 printable characters'],
      ['array body', [{ key: 'k' }], 'body', 'body must be a JSON object'],
      ['null body', 'null', 'body', 'body must be a JSON object'],
      ['non-JSON body', '{"key": "k"', 'body', 'body is not valid JSON'],
      ['prototype poisoning', '{"key": "k", "__proto__": {"admin": true}}', 'body', 'body is not valid JSON'],
      ['empty body', '', 'body', 'body must be a JSON object'],
    ];

    it.each(cases)('%s', async (_name, payload, field, message) => {
      const response = await post(app, payload);
      expect(response).toMatchObject({ status: 400, body: { error: 'bad_request', field, message } });
      expect(store.calls).toHaveLength(0);
    });

    it('a body that is not application/json', async () => {
      const response = await post(app, 'key=k', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(response).toMatchObject({ status: 400, body: { error: 'bad_request', field: 'body', message: 'content-type must be application/json' } });
      const text = await post(app, '{"key":"k"}', { 'content-type': 'text/plain' });
      expect(text.status).toBe(400);
      expect(store.calls).toHaveLength(0);
    });

    it('no body and no content type', async () => {
      const response = await app.inject({ method: 'POST', url: '/v1/check' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ error: 'bad_request', field: 'body', message: 'body must be a JSON object' });
    });

    it('a body over the size limit', async () => {
      const response = await post(app, { key: 'k', customerId: 'x'.repeat(20_000) });
      expect(response).toMatchObject({ status: 400, body: { field: 'body', message: 'body must be at most 16384 bytes' } });
      expect(store.calls).toHaveLength(0);
    });
  });

  describe('decisions', () => {
    it('accepts application/json with a charset', async () => {
      const response = await post(app, { key: 'charset' }, { 'content-type': 'application/json; charset=utf-8' });
      expect(response.status).toBe(200);
    });

    it('applies the default policy when nothing matches and no inline limit is given', async () => {
      const response = await post(app, { key: 'default-user' });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        allowed: true,
        limit: 100,
        remaining: 99,
        resetSeconds: 0.6,
        retryAfterSeconds: 0,
        policy: { id: 'default', version: 0 },
        region: 'us-east',
        decisionId: expect.stringMatching(/^n1\./),
      });
      expectHeadersToAgree(response.headers, response.body);
      expect(response.headers['ratelimit-policy']).toBe('"default";q=100;w=60');
      expect(store.calls).toEqual([{ key: 'rl:{default:default-user}:tu', algorithm: 'token_bucket', limit: 100, windowUs: 60_000_000, burst: 100, cost: 1 }]);
    });

    it('counts an inline limit, then denies with 429 and Retry-After', async () => {
      const request = { key: 'inline-user', limit: 2, windowSeconds: 10 };
      const first = await post(app, request);
      const second = await post(app, { ...request, cost: 1 });
      const third = await post(app, request);
      expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
      for (const r of [first, second, third]) expectHeadersToAgree(r.headers, r.body);
      expect(third.body).toMatchObject({ allowed: false, limit: 2, remaining: 0, policy: { id: 'inline', version: 0 } });
      expect(third.body.retryAfterSeconds).toBeGreaterThan(0);
      expect(third.headers['retry-after']).toBe('5');
      expect(third.headers['ratelimit-policy']).toBe('"inline";q=2;w=10');
      expect(store.calls[0].key).toBe('rl:{inline:2:10:inline-user}:tu');
    });

    it('rounds Retry-After up to at least one second', async () => {
      const request = { key: 'fast-user', limit: 1, windowSeconds: 0.2 };
      await post(app, request);
      const denied = await post(app, request);
      expect(denied.status).toBe(429);
      expect(denied.body.retryAfterSeconds).toBeCloseTo(0.2, 5);
      expect(denied.headers['retry-after']).toBe('1');
      expect(denied.headers['ratelimit-policy']).toBe('"inline";q=1;w=1');
      expect(denied.body['violated-policies']).toEqual(['inline']);
      clock.advanceSeconds(0.2);
      expect((await post(app, request)).status).toBe(200);
    });

    it("uses the customer's tier policy over an inline limit", async () => {
      const responses = [];
      for (let i = 0; i < 4; i++) responses.push(await post(app, { key: 'acme-user', customerId: 'acme', limit: 1000, windowSeconds: 1 }));
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect(responses[3].body).toMatchObject({ policy: { id: 'free-tier', version: 3 }, limit: 3, remaining: 0 });
      for (const r of responses) expectHeadersToAgree(r.headers, r.body);
    });

    it('shadow policies count but always allow, reporting would-be denials', async () => {
      const first = await post(app, { key: 'shadow-user', customerId: 'tryme' });
      const second = await post(app, { key: 'shadow-user', customerId: 'tryme' });
      expect(first).toMatchObject({ status: 200, body: { allowed: true, shadow: true, wouldDeny: false, remaining: 0 } });
      expect(second).toMatchObject({ status: 200, body: { allowed: true, shadow: true, wouldDeny: true, retryAfterSeconds: 0 } });
      expectHeadersToAgree(second.headers, second.body);
    });

    it('exports decision metrics by policy, region and result, never by key', async () => {
      const text = await registry.metrics();
      expect(text).toContain('rl_decisions_total{policy="inline",region="us-east",result="denied",service="enforcer"} 2');
      expect(text).toContain('rl_decisions_total{policy="shadow-tier",region="us-east",result="shadow_denied",service="enforcer"} 1');
      expect(text).toMatch(/rl_check_duration_seconds_count\{service="enforcer"\} \d+/);
      expect(text).not.toContain('inline-user');
      expect(text).not.toContain('acme');
    });
  });
});

describe('POST /v1/check while the store fails', () => {
  let app: NestFastifyApplication;
  let registry: Registry;
  let failing: FailingStore;
  let error: () => Error = () => new StoreUnavailableError('connection refused', { cause: undefined });

  beforeAll(async () => {
    failing = new FailingStore(() => error());
    ({ app, registry } = await createTestApp({ store: new LocalStoreBackend({ store: failing }), policies: new StaticPolicySource(document) }));
  });

  afterAll(async () => {
    await app.close();
  });

  it('fails open into a conservative local bucket, flagged degraded', async () => {
    const responses = [];
    for (let i = 0; i < 6; i++) responses.push(await post(app, { key: 'open-user', customerId: 'opensesame' }));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(responses[0].body).toMatchObject({ allowed: true, degraded: true, limit: 5, remaining: 4, policy: { id: 'open-tier' } });
    expect(responses[5].body).toMatchObject({ allowed: false, degraded: true, limit: 5, remaining: 0 });
    for (const r of responses) expectHeadersToAgree(r.headers, r.body);
  });

  it('fails closed with 503 and Retry-After, flagged degraded', async () => {
    const response = await post(app, { key: 'closed-user', customerId: 'fortknox' });
    expect(response.status).toBe(503);
    expect(response.body).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 0,
      retryAfterSeconds: 1,
      policy: { id: 'closed-tier', version: 1 },
      region: 'us-east',
      degraded: true,
      decisionId: expect.stringMatching(/^n1\./),
    });
    expect(response.headers['retry-after']).toBe('1');
    expectHeadersToAgree(response.headers, response.body);
  });

  it('treats a timeout like an outage and counts both kinds', async () => {
    error = () => new StoreTimeoutError('no reply', { cause: undefined });
    const response = await post(app, { key: 'timeout-user', customerId: 'fortknox' });
    expect(response).toMatchObject({ status: 503, body: { degraded: true } });
    const text = await registry.metrics();
    expect(text).toContain('rl_store_errors_total{kind="timeout",service="enforcer"} 1');
    expect(text).toContain('rl_store_errors_total{kind="unavailable",service="enforcer"} 7');
    expect(text).toContain('rl_decisions_total{policy="closed-tier",region="us-east",result="degraded_denied",service="enforcer"} 2');
  });

  it('answers 500 without detail when the store fails in an unexpected way', async () => {
    error = () => new TypeError('bug');
    const response = await post(app, { key: 'bug-user' });
    expect(response).toMatchObject({ status: 500, body: { error: 'internal', message: 'internal error' } });
  });
});

describe('POST /v1/check: a cost the limit can never admit', () => {
  let app: NestFastifyApplication;
  let store: RecordingStore;

  beforeAll(async () => {
    store = new RecordingStore(new MemoryDecisionStore());
    ({ app } = await createTestApp({ store: new LocalStoreBackend({ store }), policies: new StaticPolicySource(document) }));
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers 429 with reason cost_exceeds_limit and no Retry-After, without a store call', async () => {
    const response = await post(app, { key: 'big-spender', customerId: 'acme', cost: 4 });
    expect(response.status).toBe(429);
    expect(response.body).toMatchObject({ allowed: false, limit: 3, remaining: 0, retryAfterSeconds: 0, reason: 'cost_exceeds_limit', policy: { id: 'free-tier' } });
    expect(response.headers['retry-after']).toBeUndefined();
    expect(store.calls).toEqual([]);
    // A cost the limit can admit is decided as usual, and the counter was not touched.
    const fits = await post(app, { key: 'big-spender', customerId: 'acme', cost: 3 });
    expect(fits).toMatchObject({ status: 200, body: { remaining: 0 } });
    expect(fits.body.reason).toBeUndefined();
  });
});

describe('POST /v1/check past ENFORCER_MAX_IN_FLIGHT', () => {
  /** A store whose answers wait until released, so decisions pile up in flight. */
  class HeldStore implements DecisionStore {
    private readonly inner = new MemoryDecisionStore();
    private readonly held: Array<() => void> = [];
    calls = 0;

    decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
      this.calls += 1;
      return new Promise<void>((resolve) => this.held.push(resolve)).then(() => this.inner.decide(request));
    }

    release(): void {
      for (const resume of this.held.splice(0)) resume();
    }
  }

  let app: NestFastifyApplication;
  let registry: Registry;
  const store = new HeldStore();

  beforeAll(async () => {
    ({ app, registry } = await createTestApp({ env: { ENFORCER_MAX_IN_FLIGHT: '2' }, store: new LocalStoreBackend({ store }), policies: new StaticPolicySource(document) }));
  });

  afterAll(async () => {
    await app.close();
  });

  it('sheds what exceeds the cap with 503 overloaded and Retry-After, never from the local buckets', async () => {
    const inFlight = [post(app, { key: 'u1', customerId: 'acme' }), post(app, { key: 'u2', customerId: 'acme' })];
    await waitFor('two decisions in flight', async () => store.calls === 2, 2_000);
    const shed = await post(app, { key: 'u3', customerId: 'acme' });
    expect(shed.status).toBe(503);
    expect(shed.body).toEqual({ allowed: false, limit: 0, remaining: 0, resetSeconds: 0, retryAfterSeconds: 1, policy: { id: 'overloaded', version: 0 }, region: 'us-east', overloaded: true, decisionId: expect.stringMatching(/^n1\./) });
    expect(shed.body.degraded).toBeUndefined();
    expect(shed.headers['retry-after']).toBe('1');
    expect(store.calls).toBe(2);
    store.release();
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200]);
    // Capacity is back once the decisions in flight are done.
    const next = post(app, { key: 'u4', customerId: 'acme' });
    await waitFor('the next decision in flight', async () => store.calls === 3, 2_000);
    store.release();
    expect((await next).status).toBe(200);
    expect(await registry.metrics()).toContain('rl_overloaded_total{service="enforcer"} 1');
  });
});

describe('POST /v1/check with dryRun', () => {
  let app: NestFastifyApplication;
  let registry: Registry;
  let store: RecordingStore;
  const routed: PolicyDocument = {
    ...document,
    policies: [
      ...document.policies,
      policy({ id: 'free-search', match: { customerTier: 'free', route: '/v1/search' }, limit: 2, burst: 2 }),
      policy({ id: 'vip', match: { customerId: 'vip' }, limit: 7, burst: 7 }),
    ],
    overrides: [policy({ id: 'override-boss', match: { customerId: 'boss' }, limit: 9, burst: 9 })],
  };

  beforeAll(async () => {
    store = new RecordingStore(new MemoryDecisionStore());
    ({ app, registry } = await createTestApp({ store: new LocalStoreBackend({ store }), policies: new StaticPolicySource(routed) }));
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers exactly as a real check would, consuming nothing, and names the rule that matched', async () => {
    const before = await registry.metrics();
    const dry = await post(app, { key: 'dry-user', customerId: 'acme', dryRun: true });
    const dryAgain = await post(app, { key: 'dry-user', customerId: 'acme', dryRun: true });
    const real = await post(app, { key: 'dry-user', customerId: 'acme' });
    expect(dry.status).toBe(real.status);
    // The same answer; only the time to the window's end moved on between the calls, and each decision has its own id.
    const at = (body: CheckResponse) => ({ ...body, resetSeconds: 0, decisionId: '' });
    expect(at(dry.body)).toEqual(at({ ...real.body, dryRun: true, matched: 'tier' }));
    expect(at(dryAgain.body)).toEqual(at(dry.body));
    expect(Math.abs(dry.body.resetSeconds - real.body.resetSeconds)).toBeLessThan(1);
    for (const header of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'ratelimit-policy']) expect(dry.headers[header]).toBe(real.headers[header]);
    // Dry runs are not decisions: the decision counter moved by the real check alone.
    const after = await registry.metrics();
    const allowed = (text: string): number => Number(/rl_decisions_total\{policy="free-tier",region="us-east",result="allowed"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
    expect(allowed(after) - allowed(before)).toBe(1);
  });

  it('reports a denial without consuming, with Retry-After, when the key is out', async () => {
    for (let i = 0; i < 3; i++) await post(app, { key: 'spent', customerId: 'acme' });
    const dry = await post(app, { key: 'spent', customerId: 'acme', dryRun: true });
    expect(dry.status).toBe(429);
    expect(dry.body).toMatchObject({ allowed: false, remaining: 0, dryRun: true, matched: 'tier' });
    expect(Number(dry.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['override', { key: 'k', customerId: 'boss' }, 'override-boss'],
    ['customer', { key: 'k', customerId: 'vip' }, 'vip'],
    ['tier-route', { key: 'k', customerId: 'acme', route: '/v1/search', method: 'GET' }, 'free-search'],
    ['tier', { key: 'k', customerId: 'acme' }, 'free-tier'],
    ['inline', { key: 'k', limit: 5, windowSeconds: 10 }, 'inline'],
    ['default', { key: 'k' }, 'default'],
  ] as const)('names %s', async (matched, request, policyId) => {
    const dry = await post(app, { ...request, dryRun: true });
    expect(dry.body).toMatchObject({ dryRun: true, matched, policy: { id: policyId } });
  });

  it('rejects a dryRun that is not a boolean', async () => {
    const response = await post(app, { key: 'k', dryRun: 'yes' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ field: 'dryRun' });
  });
});
