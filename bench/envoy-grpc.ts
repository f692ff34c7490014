/**
 * Envoy's rate-limit gRPC API against `POST /v1/check`, on one enforcer process with its own
 * redis-server, in the same run: decisions/s of ShouldRateLimit (one descriptor each) with the
 * ordinary descriptor mapping, of ShouldRateLimit for a domain with imported envoyproxy/ratelimit
 * rules (ENVOY_RATELIMIT_CONFIG_DIR: a key-only `remote_address` rule, 100 per minute, so every
 * address counts alone), and of the HTTP check for the same requests (random keys among 100k, an
 * inline 100/min limit), all driven from this process by Node clients (grpc-js over one HTTP/2
 * channel; node:http with keep-alive), in interleaved rounds. The ratios are the figures; absolute
 * numbers depend on this machine's load.
 *
 *   node -r ./tools/register-paths.js dist/bench/envoy-grpc.js     (after node tools/build.js; prints only)
 *   npm run bench -- envoy                                          (the section in bench/results)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNodeService, startRedisServer } from '@rl/devstack';
import { RlsTestClient } from '../apps/enforcer/src/testing/envoy-rls-client';
import { closedLoop } from './support/closed-loop';
import { fmt, type Figure } from './support/report';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLERS = 50;
const KEYS = 100_000;

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One `POST /v1/check` over a keep-alive node:http agent (undici's fetch costs the client far more). */
function postCheck(input: { agent: Agent; url: URL; body: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(input.url, { method: 'POST', agent: input.agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(input.body) } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => (res.statusCode === 200 || res.statusCode === 429 ? resolve() : reject(new Error(`POST /v1/check answered ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(input.body);
  });
}

const randomKey = (): string => `user:${1 + Math.floor(Math.random() * KEYS)}`;
const randomAddress = (): string => {
  const n = Math.floor(Math.random() * KEYS);
  return `10.${n >> 16}.${(n >> 8) & 255}.${n & 255}`;
};

/** The imported rules: one key-only rule, each address its own counter, as `remote_address` rules usually are. */
const IMPORTED_RULES = 'domain: imported\ndescriptors:\n  - key: remote_address\n    rate_limit: { unit: minute, requests_per_unit: 100 }\n';

export async function envoyGrpc(figures: Figure[]): Promise<void> {
  const redis = await startRedisServer();
  const grpcPort = await freePort();
  const configDir = mkdtempSync(join(tmpdir(), 'rl-bench-envoy-'));
  writeFileSync(join(configDir, 'imported.yaml'), IMPORTED_RULES);
  const enforcer = await startNodeService({
    name: 'enforcer (envoy gRPC)',
    entry: 'apps/enforcer/src/main.js',
    port: await freePort(),
    env: { REDIS_URL: redis.url, REGION: 'bench', LOG_LEVEL: 'warn', ENVOY_GRPC_PORT: String(grpcPort), ENVOY_RATELIMIT_CONFIG_DIR: configDir },
  });
  const client = new RlsTestClient(`127.0.0.1:${grpcPort}`);
  const agent = new Agent({ keepAlive: true, maxSockets: CALLERS });
  const url = new URL(`${enforcer.url}/v1/check`);
  try {
    const seconds = SECONDS / 2;
    const grpc = (): Promise<number> =>
      closedLoop({
        callers: CALLERS,
        seconds,
        op: () => client.shouldRateLimit({ domain: 'bench', descriptors: [{ entries: [{ key: 'key', value: randomKey() }], limit: { requests_per_unit: 100, unit: 'MINUTE' } }] }),
      });
    const imported = (): Promise<number> =>
      closedLoop({
        callers: CALLERS,
        seconds,
        op: () => client.shouldRateLimit({ domain: 'imported', descriptors: [{ entries: [{ key: 'remote_address', value: randomAddress() }] }] }),
      });
    const http = (): Promise<number> =>
      closedLoop({
        callers: CALLERS,
        seconds,
        op: () => postCheck({ agent, url, body: JSON.stringify({ key: randomKey(), limit: 100, windowSeconds: 60 }) }),
      });
    await grpc(); // warm-up: JIT, connections, the script cache
    await imported();
    await http();
    const r = { grpc: [] as number[], imported: [] as number[], http: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      r.grpc.push(await grpc());
      r.imported.push(await imported());
      r.http.push(await http());
    }
    const ratio = median(r.grpc.map((g, i) => g / r.http[i]));
    const importedRatio = median(r.imported.map((g, i) => g / r.http[i]));
    figures.push({ section: 'envoy gRPC', name: 'ShouldRateLimit decisions/s (1 descriptor, 50 callers)', value: median(r.grpc), unit: '/s' });
    figures.push({ section: 'envoy gRPC', name: 'ShouldRateLimit decisions/s, imported envoyproxy/ratelimit rules (1 descriptor, 50 callers)', value: median(r.imported), unit: '/s' });
    figures.push({ section: 'envoy gRPC', name: 'POST /v1/check decisions/s (same client process)', value: median(r.http), unit: '/s' });
    figures.push({ section: 'envoy gRPC', name: 'gRPC ÷ HTTP', value: ratio, unit: '×' });
    figures.push({ section: 'envoy gRPC', name: 'imported rules over gRPC ÷ HTTP', value: importedRatio, unit: '×' });
  } finally {
    client.close();
    agent.destroy();
    await enforcer.stop();
    await redis.stop();
    rmSync(configDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const figures: Figure[] = [];
  envoyGrpc(figures)
    // Printed only: bench/results/latest.* belong to the full `npm run bench`.
    .then(() => {
      for (const f of figures) console.log(`${f.name}: ${fmt(f.value)} ${f.unit}`);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
