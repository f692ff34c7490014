import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decisionEventsStream, policyChangesStream } from '@rl/contracts';
import { freePort, startPolicyService, startRegion, waitFor, workspaceRoot, type RegionHandle, type ServiceHandle } from '@rl/devstack';
import { describeStatus, ENVOY_SAMENESS_MATRIX, MATRIX_FILES, type MatrixCase } from '@rl/envoy-config';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import { connect } from 'nats';
import { expectedResults, rlsClient, runMatrixCase, type RlsClient } from './rls';
import { NATS_URL } from './stack';

const fixture = (file: string): string => readFileSync(join(workspaceRoot(), 'libs', 'envoy-config', 'src', 'fixtures', file), 'utf8');

interface Region {
  readonly name: string;
  readonly handle: RegionHandle;
  readonly client: RlsClient;
  readonly enforcerUrl: string;
}

/** Both regions of a stack, each an enforcer with its own redis-server and its own Envoy gRPC port. */
async function startRegions(env: (region: string) => Record<string, string>): Promise<Region[]> {
  return Promise.all(
    ['us-east', 'eu-west'].map(async (name) => {
      const grpcPort = await freePort();
      const handle = await startRegion({ region: name, enforcerPorts: [undefined], env: { ENVOY_GRPC_PORT: String(grpcPort), GLOBAL_REGIONS: 'us-east,eu-west', ...env(name) } });
      return { name, handle, client: rlsClient(`127.0.0.1:${grpcPort}`), enforcerUrl: handle.enforcers[0].url };
    }),
  );
}

async function stopRegions(regions: readonly Region[]): Promise<void> {
  for (const region of regions) region.client.close();
  await Promise.all(regions.map((r) => r.handle.stop()));
}

const CASES = ENVOY_SAMENESS_MATRIX.map((c) => [c.name, c] as const);

describe('envoyproxy/ratelimit files imported through the admin API: the matrix over gRPC in both regions', () => {
  const unique = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const namespace = `e2eenvoy${unique}`;
  const adminToken = `e2e-admin-${unique}`;
  let database: TestDatabase | undefined;
  let policyService: ServiceHandle | undefined;
  let regions: Region[] = [];
  let cacheDir: string | undefined;

  const importFile = async (text: string): Promise<{ status: number; body: { revision?: number } }> => {
    const response = await fetch(`${(policyService as ServiceHandle).url}/v1/imports/envoy-ratelimit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/yaml' },
      body: text,
    });
    return { status: response.status, body: (await response.json()) as { revision?: number } };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    policyService = await startPolicyService({ databaseUrl: database.url, natsUrl: NATS_URL, namespace, adminToken });
    const dir = mkdtempSync(join(tmpdir(), 'rl-e2e-envoy-import-'));
    cacheDir = dir;
    const url = policyService.url;
    regions = await startRegions((region) => ({ POLICY_SERVICE_URL: url, POLICY_SERVICE_TOKEN: adminToken, NATS_URL, NATS_NAMESPACE: namespace, POLICY_CACHE_FILE: join(dir, `${region}.json`) }));
    for (const file of MATRIX_FILES) expect((await importFile(fixture(file))).status).toBe(201);
    // Both regions decide the last imported domain by its rules.
    for (const region of regions) {
      await waitFor(
        `${region.name} deciding domain edge by its imported rules`,
        async () => describeStatus((await region.client.ask({ domain: 'edge', descriptors: [{ entries: [{ key: 'remote_address', value: '10.0.0.1' }] }] })).statuses[0]) === 'OK - r0',
        10_000,
      );
    }
  }, 180_000);

  afterAll(async () => {
    await stopRegions(regions);
    await policyService?.stop();
    await database?.drop();
    const nc = await connect({ servers: NATS_URL });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(policyChangesStream(namespace)).catch(() => false);
      await jsm.streams.delete(decisionEventsStream(namespace)).catch(() => false);
    } finally {
      await nc.close();
    }
    if (cacheDir !== undefined) rmSync(cacheDir, { recursive: true, force: true });
  });

  describe.each(['us-east', 'eu-west'])('in %s', (name) => {
    it.each(CASES)('%s', async (_name, matrixCase: MatrixCase) => {
      const region = regions.find((r) => r.name === name) as Region;
      expect(await runMatrixCase({ client: region.client, enforcerUrl: region.enforcerUrl, matrixCase, tokenBase: `cp${unique}` })).toEqual(expectedResults(matrixCase));
    });
  });

  it('applies a re-import in every region within 1 s, as one revision', async () => {
    const changed = fixture('edge.yaml').replace('rate_limit: { unit: minute, requests_per_unit: 4 }', 'rate_limit: { unit: minute, requests_per_unit: 7 }');
    const started = Date.now();
    const imported = await importFile(changed);
    expect(imported.status).toBe(201);
    const applied = await Promise.all(
      regions.map(async (region) => {
        for (;;) {
          const status = describeStatus((await region.client.ask({ domain: 'edge', descriptors: [{ entries: [{ key: 'remote_address', value: `10.250.${region.name}.1` }] }] })).statuses[0]);
          if (status.startsWith('OK 7/MINUTE')) return Date.now() - started;
          if (Date.now() - started > 5_000) return Infinity;
        }
      }),
    );
    expect(Math.max(...applied)).toBeLessThan(1_000);
  });
});

describe('the same files in ENVOY_RATELIMIT_CONFIG_DIR, with no policy service: the matrix over gRPC in both regions', () => {
  const unique = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  let dir: string | undefined;
  let regions: Region[] = [];

  beforeAll(async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'rl-e2e-envoy-dir-'));
    dir = configDir;
    for (const file of MATRIX_FILES) writeFileSync(join(configDir, file), fixture(file));
    regions = await startRegions(() => ({ ENVOY_RATELIMIT_CONFIG_DIR: configDir }));
  }, 120_000);

  afterAll(async () => {
    await stopRegions(regions);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  describe.each(['us-east', 'eu-west'])('in %s', (name) => {
    it.each(CASES)('%s', async (_name, matrixCase: MatrixCase) => {
      const region = regions.find((r) => r.name === name) as Region;
      expect(await runMatrixCase({ client: region.client, enforcerUrl: region.enforcerUrl, matrixCase, tokenBase: `dir${unique}` })).toEqual(expectedResults(matrixCase));
    });
  });
});
