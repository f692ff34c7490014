import { join } from 'node:path';
import { Client, credentials, Metadata, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { workspaceRoot } from '@rl/devstack';
import { describeStatus, MATRIX_UNIT_SECONDS, type MatrixCase } from '@rl/envoy-config';

export interface RlsStatus {
  code: string;
  current_limit: { name: string; requests_per_unit: number; unit: string | number } | null;
  limit_remaining: number;
  duration_until_reset: { seconds: number; nanos: number } | null;
}

export interface RlsResponse {
  overall_code: string;
  statuses: RlsStatus[];
  response_headers_to_add: { key: string; value: string }[];
}

export interface RlsClient {
  ask(request: object): Promise<RlsResponse>;
  close(): void;
}

/**
 * A client of Envoy's RateLimitService generated at run time from the public protos the repository
 * keeps (apps/enforcer/proto), as a gateway built from Envoy's API would send.
 */
export function rlsClient(address: string): RlsClient {
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

export interface MatrixStepResult {
  readonly overall: string;
  readonly statuses: string[];
  readonly resets: string[];
}

/** Decisions an enforcer answered from its local fallback so far (its /metrics). */
export async function degradedDecisions(enforcerUrl: string): Promise<number> {
  const text = await (await fetch(`${enforcerUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('rl_decisions_total{') && line.includes('result="degraded_'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function earlyInWindow(seconds: number): Promise<void> {
  const ms = seconds * 1000;
  const into = Date.now() % ms;
  const latest = seconds <= 10 ? ms * 0.3 : ms - 5_000;
  if (into > latest) await new Promise((resolve) => setTimeout(resolve, ms - into + 20));
}

async function runSteps(client: RlsClient, matrixCase: MatrixCase, token: string): Promise<MatrixStepResult[]> {
  const results: MatrixStepResult[] = [];
  for (const step of matrixCase.steps) {
    const before = Date.now() / 1000;
    const response = await client.ask({
      domain: matrixCase.domain,
      hits_addend: step.hitsAddend ?? 0,
      descriptors: step.descriptors.map((d) => ({ entries: d.entries.map(([key, value]) => ({ key, value: value.replace('$', token) })), limit: d.limit ?? null })),
    });
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
      if (matrixCase.alignedResets) {
        const low = unit - (Math.floor(after) % unit);
        const high = unit - (Math.floor(before) % unit);
        if (!(reset !== null && reset.nanos === 0 && (seconds === low || seconds === high))) resets.push(`status ${i}: reset ${seconds} s, expected ${high} (or ${low})`);
      } else if (!(seconds >= 0 && seconds <= 2 * unit)) {
        resets.push(`status ${i}: reset ${seconds} s outside 0..${2 * unit}`);
      }
    });
    results.push({ overall: response.overall_code, statuses: response.statuses.map(describeStatus), resets });
  }
  return results;
}

/**
 * Runs a case of the sameness matrix against one enforcer over gRPC, within one window of its
 * shortest unit; again with a fresh token when a run straddled a window boundary or the enforcer
 * answered any decision from its local fallback meanwhile (the store missed its deadline: that run
 * tested the fallback, not the rules).
 */
export async function runMatrixCase(input: { client: RlsClient; enforcerUrl: string; matrixCase: MatrixCase; tokenBase: string }): Promise<MatrixStepResult[]> {
  const { matrixCase } = input;
  const windowMs = matrixCase.windowSeconds * 1000;
  for (let attempt = 0; attempt < 4; attempt++) {
    await earlyInWindow(matrixCase.windowSeconds);
    const window = Math.floor(Date.now() / windowMs);
    const degraded = await degradedDecisions(input.enforcerUrl);
    const results = await runSteps(input.client, matrixCase, `${input.tokenBase}${attempt}`);
    if (Math.floor(Date.now() / windowMs) === window && (await degradedDecisions(input.enforcerUrl)) === degraded) return results;
  }
  throw new Error(`${matrixCase.name}: every run straddled a ${matrixCase.windowSeconds} s window boundary or had degraded decisions`);
}

export function expectedResults(matrixCase: MatrixCase): MatrixStepResult[] {
  return matrixCase.steps.map((step) => ({ overall: step.overall, statuses: [...step.statuses], resets: [] }));
}
