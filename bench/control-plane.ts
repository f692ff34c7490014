/**
 * Control-plane figures (issue: policy control plane), each against an in-run baseline:
 *   1. propagation latency: from the admin API's 200 for `PUT /admin/limits` until every
 *      enforcer (two regions) decides with the new limit, over 200 changes; p50 and p99;
 *   2. check throughput with 10,000 policies loaded vs 10 policies (same request mix).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, preparePolicyDatabase, startNodeService, startPolicyService, startRedisServer, startRegion, type ServiceHandle } from '@rl/devstack';
import type { Figure } from './support/report';
import { runWrk } from './support/wrk';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

async function postJson(url: string, method: string, body: unknown, token: string): Promise<Response> {
  return fetch(url, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
}

async function limitSeenBy(enforcer: string, customerId: string): Promise<number> {
  const res = await fetch(`${enforcer}/v1/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: `probe:${customerId}`, customerId }),
  });
  return ((await res.json()) as { limit: number }).limit;
}

export async function propagation(figures: Figure[]): Promise<void> {
  const dbName = `rl_bench_${randomBytes(4).toString('hex')}`;
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/${dbName}`;
  await preparePolicyDatabase(databaseUrl);
  const adminToken = randomBytes(24).toString('base64url');
  const namespace = `bench${randomBytes(3).toString('hex')}`;
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const service = await startPolicyService({ databaseUrl, natsUrl, namespace, adminToken, env: { LOG_LEVEL: 'warn' } });
  const env = { POLICY_SERVICE_URL: service.url, POLICY_SERVICE_TOKEN: adminToken, NATS_URL: natsUrl, NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn' };
  const regions = await Promise.all([
    startRegion({ region: 'us-east', enforcerPorts: [undefined], env }),
    startRegion({ region: 'eu-west', enforcerPorts: [undefined], env }),
  ]);
  const enforcers = regions.flatMap((r) => r.enforcers.map((e) => e.url));
  const latencies: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const customerId = `bench-${i % 20}`;
      const limit = 1000 + i;
      const started = performance.now();
      const res = await postJson(`${service.url}/admin/limits`, 'PUT', { customer_id: customerId, limit, window: 60 }, adminToken);
      if (res.status !== 200) throw new Error(`PUT /admin/limits answered ${res.status}: ${await res.text()}`);
      const acknowledged = performance.now();
      await Promise.all(
        enforcers.map(async (url) => {
          const deadline = acknowledged + 10_000;
          while ((await limitSeenBy(url, customerId)) !== limit) {
            if (performance.now() > deadline) throw new Error(`${url} did not apply change ${i} within 10 s`);
            await new Promise((r) => setTimeout(r, 2));
          }
        }),
      );
      latencies.push(performance.now() - acknowledged);
      if (started > acknowledged) throw new Error('clock went backwards');
    }
  } finally {
    await Promise.all(regions.map((r) => r.stop()));
    await service.stop();
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  figures.push({ section: 'propagation (200 changes, 2 regions)', name: 'p50 admin 200 → every enforcer applies', value: pct(0.5), unit: 'ms' });
  figures.push({ section: 'propagation (200 changes, 2 regions)', name: 'p99 admin 200 → every enforcer applies', value: pct(0.99), unit: 'ms', target: '≤ 250 ms', met: pct(0.99) <= 250 });
}

/** A POLICY_FILE with `count` policies: one per customer `cust-<n>` plus tier policies. */
function policyFile(count: number): string {
  const policies = [];
  for (let n = 0; n < count; n++) {
    policies.push({ id: `cust-${n}`, match: { customerId: `cust-${n}` }, algorithm: 'token_bucket', limit: 1000 + n, windowSeconds: 60 });
  }
  const dir = mkdtempSync(join(tmpdir(), 'rl-bench-policies-'));
  const path = join(dir, `policies-${count}.json`);
  writeFileSync(path, JSON.stringify({ policies, overrides: [], customers: {} }));
  return path;
}

export async function manyPolicies(figures: Figure[]): Promise<void> {
  const redis = await startRedisServer();
  const few = policyFile(10);
  const many = policyFile(10_000);
  const rate = async (file: string): Promise<number> => {
    const svc: ServiceHandle = await startNodeService({
      name: 'enforcer',
      entry: 'apps/enforcer/src/main.js',
      port: await freePort(),
      env: { REDIS_URL: redis.url, REGION: 'bench', POLICY_FILE: file, LOG_LEVEL: 'warn' },
    });
    try {
      // Touch every customer once first: the first decision under a policy creates its metric
      // series, which would otherwise be charged to the measurement.
      let next = 0;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (next < 20_000) {
            const customerId = `cust-${next++}`;
            await fetch(`${svc.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'warmup', customerId, route: '/v1/search', method: 'GET' }) });
          }
        }),
      );
      await runWrk({ url: `${svc.url}/v1/check`, connections: 50, seconds: 2, script: 'check-customers.lua' });
      return (await runWrk({ url: `${svc.url}/v1/check`, connections: 50, seconds: SECONDS / 2, script: 'check-customers.lua' })).requestsPerSecond;
    } finally {
      await svc.stop();
    }
  };
  try {
    // Alternate the two configurations so drift in the machine's load hits both alike.
    const fewRuns: number[] = [];
    const manyRuns: number[] = [];
    for (let r = 0; r < 3; r++) {
      fewRuns.push(await rate(few));
      manyRuns.push(await rate(many));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    figures.push({ section: 'policy resolution', name: 'check req/s with 10 policies', value: median(fewRuns), unit: 'req/s' });
    figures.push({ section: 'policy resolution', name: 'check req/s with 10,000 policies', value: median(manyRuns), unit: 'req/s' });
    const ratio = median(manyRuns.map((x, i) => x / fewRuns[i]));
    figures.push({ section: 'policy resolution', name: '10,000 ÷ 10 policies', value: ratio, unit: '×', target: '≥ 0.95×', met: ratio >= 0.95 });
  } finally {
    await redis.stop();
  }
}
