import { join } from 'node:path';
import { Client, credentials, Metadata, status, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { freePort, startRegion, workspaceRoot, type RegionHandle } from '@rl/devstack';
import { check } from './http';

interface RlsResponse {
  overall_code: string;
  statuses: { code: string; current_limit: { name: string; requests_per_unit: number; unit: string } | null; limit_remaining: number }[];
  response_headers_to_add: { key: string; value: string }[];
}

/**
 * A client of Envoy's RateLimitService generated at run time from the public protos the repository
 * keeps (apps/enforcer/proto), as a gateway built from Envoy's API would send.
 */
function rlsClient(address: string): { ask(request: object): Promise<RlsResponse>; close(): void } {
  const definition = loadSync('envoy/service/ratelimit/v3/rls.proto', {
    includeDirs: [join(workspaceRoot(), 'apps', 'enforcer', 'proto')],
    keepCase: true,
    enums: String,
    longs: Number,
    defaults: true,
    arrays: true,
  });
  const service = definition['envoy.service.ratelimit.v3.RateLimitService'] as unknown as Record<string, MethodDefinition<object, RlsResponse>>;
  const method = service.ShouldRateLimit;
  const client = new Client(address, credentials.createInsecure());
  return {
    ask: (request) =>
      new Promise((resolve, reject) => {
        client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, new Metadata(), { deadline: Date.now() + 10_000 }, (error: ServiceError | null, response?: RlsResponse) =>
          error !== null ? reject(error) : response === undefined ? reject(new Error('no response')) : resolve(response),
        );
      }),
    close: () => client.close(),
  };
}

describe("enforcer process serving Envoy's rate-limit gRPC API (ENVOY_GRPC_PORT)", () => {
  let region: RegionHandle | undefined;
  let grpcPort: number;
  const unique = `${Date.now()}-${process.pid}`;

  beforeAll(async () => {
    grpcPort = await freePort();
    region = await startRegion({ region: 'us-east', enforcerPorts: [undefined], env: { ENVOY_GRPC_PORT: String(grpcPort) } });
  }, 90_000);

  afterAll(async () => {
    await region?.stop();
  });

  it('answers OK then OVER_LIMIT with the contract headers, sharing counters with POST /v1/check, and stops with the process', async () => {
    const enforcer = (region as RegionHandle).enforcers[0];
    const client = rlsClient(`127.0.0.1:${grpcPort}`);
    try {
      const key = `envoy:${unique}`;
      const request = { domain: 'edge', descriptors: [{ entries: [{ key: 'key', value: key }, { key: 'path', value: '/v1/orders?page=2' }], limit: { requests_per_unit: 2, unit: 'MINUTE' } }] };

      const first = await client.ask(request);
      expect(first.overall_code).toBe('OK');
      expect(first.statuses[0]).toMatchObject({ code: 'OK', current_limit: { name: 'inline', requests_per_unit: 2, unit: 'MINUTE' }, limit_remaining: 1 });
      expect(first.response_headers_to_add.map((h) => h.key)).toEqual(['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit-policy', 'ratelimit']);

      expect((await check(enforcer.url, { key, limit: 2, windowSeconds: 60 })).status).toBe(200);

      const over = await client.ask(request);
      expect(over.overall_code).toBe('OVER_LIMIT');
      expect(over.statuses[0]).toMatchObject({ code: 'OVER_LIMIT', limit_remaining: 0 });
      const headers = Object.fromEntries(over.response_headers_to_add.map((h) => [h.key, h.value]));
      expect(headers).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'ratelimit-policy': '"inline";q=2;w=60' });
      expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(1);

      const metrics = await (await fetch(`${enforcer.url}/metrics`)).text();
      expect(metrics).toMatch(/rl_envoy_rls_requests_total\{outcome="OVER_LIMIT",service="enforcer"\} 1/);

      await enforcer.stop();
      const error = await client.ask(request).then(
        () => undefined,
        (e: ServiceError) => e,
      );
      expect(error?.code).toBe(status.UNAVAILABLE);
    } finally {
      client.close();
    }
  });
});
