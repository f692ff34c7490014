import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PolicyDocument } from '@rl/contracts';
import { describeStatus, ENVOY_SAMENESS_MATRIX, envoyPolicies, envoyRuleId, MATRIX_FILES, MATRIX_UNIT_SECONDS, parseEnvoyConfig, type MatrixCase } from '@rl/envoy-config';
import { freePort, startRedisServer, waitFor, type RedisServerHandle } from '@rl/testing';
import { Redis } from 'ioredis';
import { StaticPolicySource } from '../policies/static-policy-source';
import { createTestApp } from '../testing/create-test-app';
import { RlsTestClient, type RlsRequestInput, type RlsResponse } from '../testing/envoy-rls-client';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'libs', 'envoy-config', 'src', 'fixtures');

async function fixtureText(file: string): Promise<string> {
  return readFile(join(FIXTURES, file), 'utf8');
}

/** Starts the steps early in a window of `seconds`, so that a run of them fits in one window. */
async function earlyInWindow(seconds: number): Promise<void> {
  const ms = seconds * 1000;
  const into = Date.now() % ms;
  // Short windows: start in the first 30%; long ones: not in the last 5 s.
  const latest = seconds <= 10 ? ms * 0.3 : ms - 5_000;
  if (into > latest) await new Promise((resolve) => setTimeout(resolve, ms - into + 20));
}

function requestOf(domain: string, step: MatrixCase['steps'][number], token: string): RlsRequestInput {
  return {
    domain,
    hits_addend: step.hitsAddend ?? 0,
    descriptors: step.descriptors.map((d) => ({
      entries: d.entries.map(([key, value]) => ({ key, value: value.replace('$', token) })),
      limit: d.limit ?? null,
    })),
  };
}

interface StepResult {
  readonly overall: string;
  readonly statuses: string[];
  /** Problems with duration_until_reset, if any. */
  readonly resets: string[];
}

/** Runs a case's steps; the window is checked by the caller, resets here against the clock around each call. */
async function runCase(input: { client: RlsTestClient; matrixCase: MatrixCase; token: string }): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of input.matrixCase.steps) {
    const before = Date.now() / 1000;
    const response: RlsResponse = await input.client.shouldRateLimit(requestOf(input.matrixCase.domain, step, input.token));
    const after = Date.now() / 1000;
    const resets: string[] = [];
    response.statuses.forEach((status, i) => {
      const reset = status.duration_until_reset;
      if (status.current_limit === null) {
        if (reset !== null) resets.push(`status ${i}: a reset without a current limit`);
        return;
      }
      const unit = MATRIX_UNIT_SECONDS[status.current_limit.unit === 7 ? 'WEEK' : String(status.current_limit.unit)];
      const seconds = reset === null ? -1 : reset.seconds + reset.nanos / 1e9;
      if (input.matrixCase.alignedResets) {
        // envoyproxy/ratelimit: whole seconds to the end of the unit, from the clock.
        const low = unit - (Math.floor(after) % unit);
        const high = unit - (Math.floor(before) % unit);
        const ok = reset !== null && reset.nanos === 0 && (seconds === low || seconds === high);
        if (!ok) resets.push(`status ${i}: reset ${seconds} s, expected ${high} (or ${low})`);
      } else if (!(seconds >= 0 && seconds <= 2 * unit)) {
        // Our algorithms' time until the quota is fully restored: a sliding window's can reach two units.
        resets.push(`status ${i}: reset ${seconds} s outside 0..${2 * unit}`);
      }
    });
    results.push({ overall: response.overall_code, statuses: response.statuses.map(describeStatus), resets });
  }
  return results;
}

/**
 * Runs the case within one window of its shortest unit, and again with a fresh token when a run
 * straddled a window boundary, or when the store missed its deadline for any decision of the run
 * (a degraded answer comes from the local fallback, which another suite tests: this one is about
 * the rules).
 */
async function runInOneWindow(input: { client: RlsTestClient; matrixCase: MatrixCase; tokenBase: string; degraded: () => Promise<number> }): Promise<StepResult[]> {
  const { matrixCase } = input;
  const windowMs = matrixCase.windowSeconds * 1000;
  for (let attempt = 0; attempt < 4; attempt++) {
    await earlyInWindow(matrixCase.windowSeconds);
    const window = Math.floor(Date.now() / windowMs);
    const degradedBefore = await input.degraded();
    const results = await runCase({ client: input.client, matrixCase, token: `${input.tokenBase}${attempt}` });
    if (Math.floor(Date.now() / windowMs) === window && (await input.degraded()) === degradedBefore) return results;
  }
  throw new Error(`${matrixCase.name}: every run straddled a ${matrixCase.windowSeconds} s window boundary or had degraded decisions`);
}

function expected(matrixCase: MatrixCase): StepResult[] {
  return matrixCase.steps.map((step) => ({ overall: step.overall, statuses: [...step.statuses], resets: [] }));
}

async function decisions(app: NestFastifyApplication, filter: (line: string) => boolean): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  return text
    .split('\n')
    .filter((line) => line.startsWith('rl_decisions_total{') && filter(line))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

type Mode = 'ENVOY_RATELIMIT_CONFIG_DIR' | 'a policy source (imported policies)';

describe.each<Mode>(['ENVOY_RATELIMIT_CONFIG_DIR', 'a policy source (imported policies)'])(
  'imported envoyproxy/ratelimit rules over gRPC against a real redis-server, from %s',
  (mode) => {
    let redis: RedisServerHandle | undefined;
    let app: NestFastifyApplication | undefined;
    let client: RlsTestClient;
    let dir: string | undefined;

    beforeAll(async () => {
      redis = await startRedisServer();
      const grpcPort = await freePort();
      const env: Record<string, string> = { REDIS_URL: redis.url, ENVOY_GRPC_PORT: String(grpcPort) };
      if (mode === 'ENVOY_RATELIMIT_CONFIG_DIR') {
        dir = await mkdtemp(join(tmpdir(), 'rl-envoy-config-'));
        for (const file of MATRIX_FILES) await writeFile(join(dir, file), await fixtureText(file));
        ({ app } = await createTestApp({ store: 'from-config', env: { ...env, ENVOY_RATELIMIT_CONFIG_DIR: dir } }));
      } else {
        const policies = [];
        for (const file of MATRIX_FILES) policies.push(...envoyPolicies(parseEnvoyConfig({ fileName: file, text: await fixtureText(file) })));
        const document: PolicyDocument = { policies, overrides: [], customers: {} };
        ({ app } = await createTestApp({ store: 'from-config', env, policies: new StaticPolicySource(document) }));
      }
      const enforcer = app;
      await waitFor('enforcer ready', async () => (await enforcer.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 15_000);
      client = new RlsTestClient(`127.0.0.1:${grpcPort}`);
    }, 60_000);

    afterAll(async () => {
      client?.close();
      await app?.close();
      await redis?.stop();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    it.each(ENVOY_SAMENESS_MATRIX.map((c) => [c.name, c] as const))('%s', async (_name, matrixCase) => {
      const enforcer = app as NestFastifyApplication;
      const degraded = (): Promise<number> => decisions(enforcer, (line) => line.includes('result="degraded_'));
      expect(await runInOneWindow({ client, matrixCase, tokenBase: `${process.pid}`, degraded })).toEqual(expected(matrixCase));
    });

    it('answers unlimited descriptors, whitelists and unknown descriptors without deciding anything or writing to Redis', async () => {
      const probe = new Redis((redis as RedisServerHandle).url);
      try {
        const keys = await probe.dbsize();
        const decided = await decisions(app as NestFastifyApplication, () => true);
        const response = await client.shouldRateLimit({
          domain: 'internal',
          descriptors: [{ entries: [{ key: 'ldap', value: `never-${process.pid}` }] }, { entries: [{ key: 'unknown', value: 'y' }] }],
        });
        expect(response.statuses.map(describeStatus)).toEqual(['OK - r4294967295', 'OK - r0']);
        const whitelisted = await client.shouldRateLimit({ domain: 'edge', descriptors: [{ entries: [{ key: 'remote_address', value: '10.0.0.1' }] }] });
        expect(whitelisted.statuses.map(describeStatus)).toEqual(['OK - r0']);
        expect(await decisions(app as NestFastifyApplication, () => true)).toBe(decided);
        expect(await probe.dbsize()).toBe(keys);
      } finally {
        probe.disconnect();
      }
    });

    it("counts shadow mode's would-be denials, and carries the contract's headers of the rule", async () => {
      const shadowRule = envoyRuleId('edge', [{ key: 'tenant' }]);
      const shadowDenied = (line: string): boolean => line.includes(`policy="${shadowRule}"`) && line.includes('result="shadow_denied"');
      const before = await decisions(app as NestFastifyApplication, shadowDenied);
      const tenant = { domain: 'edge', descriptors: [{ entries: [{ key: 'tenant', value: `metrics-${process.pid}` }] }] };
      for (let i = 0; i < 3; i++) expect((await client.shouldRateLimit(tenant)).overall_code).toBe('OK');
      expect(await decisions(app as NestFastifyApplication, shadowDenied)).toBe(before + 1);

      const rule = envoyRuleId('edge', [{ key: 'remote_address' }]);
      const response = await client.shouldRateLimit({ domain: 'edge', descriptors: [{ entries: [{ key: 'remote_address', value: `10.1.${process.pid % 250}.1` }] }] });
      const headers = Object.fromEntries(response.response_headers_to_add.map((h) => [h.key, h.value]));
      expect(headers).toMatchObject({ 'ratelimit-policy': `"${rule}";q=4;w=60`, 'x-ratelimit-limit': '4', 'x-ratelimit-remaining': '3' });
    });

    it("charges apply_on_stream_done's hits_addend to an imported rule's counter, never refused; a descriptor's own overrides the request's", async () => {
      // A fresh one-second window of mongo_cps's `database: users` rule (500 per second), to ourselves.
      await new Promise((resolve) => setTimeout(resolve, 1_000 - (Date.now() % 1_000) + 20));
      const entries = [{ key: 'database', value: 'users' }];
      const first = await client.shouldRateLimit({ domain: 'mongo_cps', hits_addend: 2, descriptors: [{ entries, hits_addend: { value: 10 } }] });
      expect(first.statuses[0]).toMatchObject({ code: 'OK', limit_remaining: 490 });
      const done = await client.shouldRateLimit({ domain: 'mongo_cps', hits_addend: 3, descriptors: [{ entries: [...entries, { key: 'rl_phase', value: 'stream_done' }], hits_addend: { value: 600 } }] });
      expect(done.overall_code).toBe('OK');
      expect(done.statuses[0]).toMatchObject({ code: 'OK', limit_remaining: 0 });
      expect((await client.shouldRateLimit({ domain: 'mongo_cps', descriptors: [{ entries }] })).overall_code).toBe('OVER_LIMIT');
    });

    it('keeps the ordinary descriptor mapping for a domain without imported rules', async () => {
      const response = await client.shouldRateLimit({
        domain: 'not-imported',
        descriptors: [{ entries: [{ key: 'key', value: `plain-${process.pid}` }], limit: { requests_per_unit: 2, unit: 'MINUTE' } }],
      });
      expect(response.statuses.map(describeStatus)).toEqual(['OK 2/MINUTE inline r1']);
    });

    it('refuses a bad request to an imported domain before counting, naming the field', async () => {
      await expect(client.shouldRateLimit({ domain: 'edge', descriptors: [{ entries: [{ key: 'remote_address', value: '' }] }] })).rejects.toMatchObject({
        code: 3,
        details: 'descriptors[0].entries[0].value must be a string of 1 to 1024 printable characters',
      });
      await expect(
        client.shouldRateLimit({ domain: 'edge', descriptors: [{ entries: [{ key: 'a', value: 'b' }], limit: { requests_per_unit: 1, unit: 'UNKNOWN' } }] }),
      ).rejects.toMatchObject({ code: 3, details: 'descriptors[0].limit.unit must be one of SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, YEAR, not UNKNOWN' });
    });
  },
);

describe('ENVOY_RATELIMIT_CONFIG_DIR reloads on change, and keeps the last good configuration when a file is bad', () => {
  let redis: RedisServerHandle | undefined;
  let app: NestFastifyApplication | undefined;
  let client: RlsTestClient;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    dir = await mkdtemp(join(tmpdir(), 'rl-envoy-reload-'));
    await writeFile(join(dir, 'edge.yaml'), await fixtureText('edge.yaml'));
    const grpcPort = await freePort();
    ({ app } = await createTestApp({ store: 'from-config', env: { REDIS_URL: redis.url, ENVOY_GRPC_PORT: String(grpcPort), ENVOY_RATELIMIT_CONFIG_DIR: dir } }));
    const enforcer = app;
    await waitFor('enforcer ready', async () => (await enforcer.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 15_000);
    client = new RlsTestClient(`127.0.0.1:${grpcPort}`);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await app?.close();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const limitOf = async (value: string): Promise<string> =>
    describeStatus((await client.shouldRateLimit({ domain: 'edge', descriptors: [{ entries: [{ key: 'remote_address', value }] }] })).statuses[0]);
  const readyz = async () => {
    const response = await (app as NestFastifyApplication).inject({ method: 'GET', url: '/readyz' });
    return { status: response.statusCode, body: response.json() };
  };

  it('applies a changed file, refuses a bad one with the reason, and recovers', async () => {
    expect(await limitOf('10.2.0.1')).toBe('OK 4/MINUTE r3');

    const edge = await fixtureText('edge.yaml');
    await writeFile(join(dir, 'edge.yaml'), edge.replace('rate_limit: { unit: minute, requests_per_unit: 4 }', 'rate_limit: { unit: minute, requests_per_unit: 9 }'));
    await waitFor('the changed file in force', async () => (await limitOf('10.2.0.2')).startsWith('OK 9/MINUTE'), 10_000);

    // A second file for a new domain, and a bad unit in it: nothing of it applies, the rest stays.
    await writeFile(join(dir, 'more.yaml'), 'domain: more\ndescriptors:\n  - key: k\n    rate_limit: { unit: fortnight, requests_per_unit: 1 }\n');
    const problem = "more.yaml: descriptors[0].rate_limit.unit: invalid rate limit unit 'fortnight'";
    await waitFor('the bad file reported', async () => (await readyz()).body.warnings?.[0]?.reason === problem, 10_000);
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', missing: [], warnings: [{ name: 'envoy-config', reason: problem }] } });
    expect(await limitOf('10.2.0.3')).toBe('OK 9/MINUTE r8');
    const metrics = (await (app as NestFastifyApplication).inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^rl_envoy_config_healthy\{[^}]*\} 0$/m);
    expect(metrics).toMatch(/^rl_envoy_config_reloads_total\{result="error"[^}]*\} 1$/m);

    await writeFile(join(dir, 'more.yaml'), 'domain: more\ndescriptors:\n  - key: k\n    rate_limit: { unit: day, requests_per_unit: 1 }\n');
    await waitFor('the fixed file in force', async () => (await readyz()).body.warnings === undefined, 10_000);
    const more = await client.shouldRateLimit({ domain: 'more', descriptors: [{ entries: [{ key: 'k', value: 'v' }] }] });
    expect(more.statuses.map(describeStatus)).toEqual(['OK 1/DAY r0']);
    expect((await (app as NestFastifyApplication).inject({ method: 'GET', url: '/metrics' })).body).toMatch(/^rl_envoy_config_healthy\{[^}]*\} 1$/m);
  });
});
