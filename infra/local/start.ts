/**
 * `npm start`: the local multi-region stack (CONTRACT.md, "Local topology").
 * Each region gets its own redis-server and enforcer; Ctrl-C stops everything started here.
 */
import { isListening, startRegion, type RegionHandle } from '@rl/devstack';

interface RegionPlan {
  readonly region: string;
  readonly enforcerPort: number;
  readonly redisPort: number;
}

const REGIONS: readonly RegionPlan[] = [
  { region: 'us-east', enforcerPort: 8081, redisPort: 6380 },
  { region: 'eu-west', enforcerPort: 8082, redisPort: 6381 },
];

async function assertPortsFree(ports: readonly number[]): Promise<void> {
  const busy: number[] = [];
  for (const port of ports) if (await isListening(port)) busy.push(port);
  if (busy.length > 0) {
    throw new Error(`port(s) ${busy.join(', ')} already in use on 127.0.0.1: is another \`npm start\` running?`);
  }
}

async function main(): Promise<void> {
  await assertPortsFree(REGIONS.flatMap((r) => [r.enforcerPort, r.redisPort]));
  const started: RegionHandle[] = [];
  let stopping = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping...');
    await Promise.all(started.map((r) => r.stop()));
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    for (const plan of REGIONS) {
      started.push(
        await startRegion({
          region: plan.region,
          redisPort: plan.redisPort,
          enforcerPorts: [plan.enforcerPort],
          onLine: (service, line) => {
            if (/"level":(4|5|6)\d/.test(line)) console.error(`[${service}] ${line}`);
          },
        }),
      );
    }
  } catch (err) {
    console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
    return;
  }

  console.log('\nRate limiter: local multi-region stack is ready\n');
  for (const [i, region] of started.entries()) {
    const plan = REGIONS[i];
    console.log(`  enforcer ${plan.region.padEnd(8)} ${region.enforcers[0].url}   (POST /v1/check, /healthz, /readyz, /metrics)`);
    console.log(`  redis    ${plan.region.padEnd(8)} ${region.redis.url}`);
  }
  console.log('\nTry: curl -s -XPOST http://127.0.0.1:8081/v1/check -H "content-type: application/json" -d \'{"key":"user:42","limit":5,"windowSeconds":60}\'');
  console.log('Press Ctrl-C to stop.');
}

void main();
