/**
 * `npm start`: the local multi-region stack (CONTRACT.md, "Local topology").
 *
 * 1. Makes sure PostgreSQL, Redis and NATS (JetStream) answer on loopback (tools/ensure-services.sh).
 * 2. Creates and migrates the `ratelimit` database (DATABASE_URL).
 * 3. Generates the stack's Ed25519 signing keys (policy changes and snapshots, allocations, one
 *    per region for usage reports) and hands each process its part; prints the key ids.
 * 4. Starts the policy service on 8080 with ADMIN_TOKEN (generated and printed when unset) and
 *    ENFORCER_API_KEY (generated when unset): the enforcers' key, of the `enforcer` role; and
 *    ENFORCER_URLS with a generated ENFORCER_INTERNAL_TOKEN, so GET /v1/counters can ask each
 *    region's enforcer (their INTERNAL_API_TOKEN) for a counter.
 * 5. Starts the reconciler on 8090 (global limits: usage sums and regional allocations over NATS);
 *    its /v1/global/usage answers loopback clients only (no RECONCILER_API_TOKEN locally).
 * 6. Starts each region: its own redis-server and an enforcer that takes its policies from the
 *    policy service (snapshot, then changes over NATS) with the enforcer key, never the admin
 *    token, applying only what verifies.
 * Prints every URL once everything is ready; Ctrl-C stops every process started here.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateStackSigningKeys,
  isListening,
  preparePolicyDatabase,
  startPolicyService,
  startReconciler,
  startRegion,
  workspaceRoot,
  type RegionHandle,
  type ServiceHandle,
} from '@rl/devstack';

interface RegionPlan {
  readonly region: string;
  readonly enforcerPort: number;
  readonly redisPort: number;
  /** Envoy's rate-limit gRPC service (envoy.service.ratelimit.v3) of the region's enforcer. */
  readonly envoyGrpcPort: number;
}

const POLICY_SERVICE_PORT = 8080;
const RECONCILER_PORT = 8090;
const REGIONS: readonly RegionPlan[] = [
  { region: 'us-east', enforcerPort: 8081, redisPort: 6380, envoyGrpcPort: 9081 },
  { region: 'eu-west', enforcerPort: 8082, redisPort: 6381, envoyGrpcPort: 9082 },
];

const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/ratelimit';
const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const NATS_NAMESPACE = process.env.NATS_NAMESPACE || 'rl';

async function assertPortsFree(ports: readonly number[]): Promise<void> {
  const busy: number[] = [];
  for (const port of ports) if (await isListening(port)) busy.push(port);
  if (busy.length > 0) {
    throw new Error(`port(s) ${busy.join(', ')} already in use on 127.0.0.1: is another \`npm start\` running?`);
  }
}

function ensureServices(): void {
  const result = spawnSync('bash', [join(workspaceRoot(), 'tools', 'ensure-services.sh')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('PostgreSQL, Redis and NATS must run on loopback (see the messages above)');
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.href;
}

/** Warnings and errors of a child service, prefixed with its name; its info lines stay quiet. */
function relay(service: string, line: string): void {
  // The services log level names (platform createLogger), not pino's numbers.
  if (/"level":"(warn|error|fatal)"/.test(line)) console.error(`[${service}] ${line}`);
}

async function main(): Promise<void> {
  const generatedToken = process.env.ADMIN_TOKEN === undefined || process.env.ADMIN_TOKEN === '';
  const adminToken = generatedToken ? `rl_admin_${randomBytes(24).toString('base64url')}` : (process.env.ADMIN_TOKEN as string);
  // Fresh keys every run, held only by the processes started here. The enforcers persist their
  // snapshots in a directory of this run's too: one signed by a previous run's key is of no use.
  const signingKeys = generateStackSigningKeys();
  const runDir = mkdtempSync(join(tmpdir(), 'rl-local-'));
  // The enforcers' least-privilege key: it reads the snapshot and creates automatic blocks, nothing else.
  const enforcerApiKey = process.env.ENFORCER_API_KEY || `rl_enforcer_${randomBytes(24).toString('base64url')}`;
  // The token of the enforcers' internal routes, which the policy service's counter inspector uses.
  const internalToken = `rl_internal_${randomBytes(24).toString('base64url')}`;

  const regions: RegionHandle[] = [];
  let policyService: ServiceHandle | undefined;
  let reconciler: ServiceHandle | undefined;
  let stopping = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping...');
    await Promise.all(regions.map((r) => r.stop()));
    await reconciler?.stop();
    await policyService?.stop();
    rmSync(runDir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    await assertPortsFree([POLICY_SERVICE_PORT, RECONCILER_PORT, ...REGIONS.flatMap((r) => [r.enforcerPort, r.redisPort, r.envoyGrpcPort])]);
    ensureServices();
    console.log(`migrate: ${await preparePolicyDatabase(DATABASE_URL)}`);
    policyService = await startPolicyService({
      port: POLICY_SERVICE_PORT,
      databaseUrl: DATABASE_URL,
      natsUrl: NATS_URL,
      namespace: NATS_NAMESPACE,
      adminToken,
      signingKeys,
      enforcerApiKey,
      enforcers: { urls: REGIONS.map((r) => ({ region: r.region, url: `http://127.0.0.1:${r.enforcerPort}` })), internalToken },
      onLine: (line) => relay('policy-service', line),
    });
    reconciler = await startReconciler({
      port: RECONCILER_PORT,
      regions: REGIONS.map((r) => r.region),
      natsUrl: NATS_URL,
      namespace: NATS_NAMESPACE,
      instanceId: 'reconciler-1',
      signingKeys,
      onLine: (line) => relay('reconciler', line),
    });
    for (const plan of REGIONS) {
      regions.push(
        await startRegion({
          region: plan.region,
          redisPort: plan.redisPort,
          enforcerPorts: [plan.enforcerPort],
          signingKeys,
          env: {
            POLICY_SERVICE_URL: policyService.url,
            POLICY_SERVICE_TOKEN: enforcerApiKey,
            INTERNAL_API_TOKEN: internalToken,
            POLICY_CACHE_FILE: join(runDir, `${plan.region}-policies.json`),
            NATS_URL,
            NATS_NAMESPACE,
            GLOBAL_REGIONS: REGIONS.map((r) => r.region).join(','),
            ENVOY_GRPC_PORT: String(plan.envoyGrpcPort),
          },
          onLine: relay,
        }),
      );
    }
  } catch (err) {
    console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
    return;
  }

  console.log('\nRate limiter: local multi-region stack is ready\n');
  console.log(`  policy service    ${policyService.url}   (admin API, /docs, /v1/policies, /healthz, /readyz, /metrics)`);
  console.log(`  admin console     ${policyService.url}/   (sign in with the ADMIN_TOKEN below)`);
  for (const [i, region] of regions.entries()) {
    const plan = REGIONS[i];
    console.log(`  enforcer ${plan.region.padEnd(8)} ${region.enforcers[0].url}   (POST /v1/check, /healthz, /readyz, /metrics)`);
    console.log(`  envoy    ${plan.region.padEnd(8)} grpc://127.0.0.1:${plan.envoyGrpcPort}   (envoy.service.ratelimit.v3.RateLimitService)`);
    console.log(`  redis    ${plan.region.padEnd(8)} ${region.redis.url}`);
  }
  console.log(`  reconciler        ${reconciler.url}   (/healthz, /readyz, /metrics, /v1/global/usage?policyId=<id>[&key=<key>])`);
  console.log(`  postgres          ${withoutPassword(DATABASE_URL)}`);
  console.log(`  nats              ${NATS_URL}   (namespace ${NATS_NAMESPACE})`);
  console.log(`  signing keys      policy ${signingKeys.policy.keyId}, allocations ${signingKeys.allocation.keyId}, usage ${REGIONS.map((r) => `${r.region} ${signingKeys.usage(r.region).keyId}`).join(', ')}   (key ids; generated for this run)`);
  console.log(`\n  ADMIN_TOKEN=${adminToken}${generatedToken ? '   (generated; set ADMIN_TOKEN to choose one)' : ''}`);
  console.log('  enforcers authenticate with ENFORCER_API_KEY (role enforcer: snapshot and automatic blocks only), never the admin token');
  console.log('  the policy service asks the enforcers for counters (GET /v1/counters) with a generated internal token (ENFORCER_INTERNAL_TOKEN = their INTERNAL_API_TOKEN)');
  console.log('\nTry:');
  console.log(
    `  curl -s -XPUT ${policyService.url}/admin/limits -H "authorization: Bearer ${adminToken}" -H "content-type: application/json" -d '{"customer_id":"acme","limit":5,"window":"1m"}'`,
  );
  console.log('  curl -s -XPOST http://127.0.0.1:8081/v1/check -H "content-type: application/json" -d \'{"key":"user:42","customerId":"acme"}\'');
  console.log('Press Ctrl-C to stop.');
}

void main();
