/**
 * Profiling aid: `node --cpu-prof -r ./tools/register-paths.js dist/bench/profile-inprocess.js`
 * Drives the decision pipeline (batches, breaker, progress deadline) as the enforcer wires it,
 * 50 callers over 100k random keys, and prints decisions/s, batch sizes and Redis's CPU per decision.
 */
import { buildCounterKey } from '@rl/limiter-core';
import { CountingMetrics, DecisionPipeline, RedisStoreBackend } from '@rl/decision-pipeline';
import { createLogger } from '@rl/platform';
import { startRedisServer, waitFor } from '@rl/devstack';
import Redis from 'ioredis';
import { closedLoop } from './support/closed-loop';

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const logger = createLogger({ service: 'bench', level: (process.env.LOG_LEVEL as 'silent' | undefined) ?? 'silent' });
  const metrics = new CountingMetrics();
  const backend = new RedisStoreBackend({
    settings: {
      url: redis.url,
      clusterNodes: undefined,
      sentinels: undefined,
      auth: {},
      commandTimeoutMs: Number(process.env.DEADLINE_MS ?? 50),
      fallbackUrl: undefined,
      breaker: { failureThreshold: 3, failureWindowMs: 1_000, cooldownMs: 250, cooldownJitterMs: 250 },
    },
    connectionName: 'profile',
    logger,
    metrics,
  });
  backend.start();
  await waitFor('redis', () => backend.ping().then(() => true, () => false), 10_000);
  const pipeline = new DecisionPipeline({ backend, metrics, logger });
  const local = { limit: 50, burst: 50 };
  const admin = new Redis(redis.url);
  const redisCpu = async (): Promise<number> => {
    const info = await admin.info('cpu');
    return (Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1])) * 1e6;
  };
  const cpuBefore = process.cpuUsage();
  const redisBefore = await redisCpu();
  let decisions = 0;
  const rate = await closedLoop({
    callers: 50,
    seconds: Number(process.env.SECONDS ?? 5),
    op: () => {
      decisions++;
      return pipeline.decide({
        request: {
          key: buildCounterKey({ policyId: 'bench', identity: `user:${1 + Math.floor(Math.random() * 100_000)}`, algorithm: 'token_bucket' }),
          algorithm: 'token_bucket',
          limit: 100,
          windowUs: 60_000_000,
          burst: 100,
          cost: 1,
        },
        failureMode: 'open',
        local,
      });
    },
  });
  const cpu = process.cpuUsage(cpuBefore);
  const redisUs = (await redisCpu()) - redisBefore;
  console.log(`CPU per decision: node ${((cpu.user + cpu.system) / decisions).toFixed(1)} us, redis ${(redisUs / decisions).toFixed(1)} us`);
  console.log((await admin.info('commandstats')).split('\n').filter((l) => /evalsha|cmdstat_eval:/.test(l)).join('\n'));
  admin.disconnect();
  const batches = metrics.batches;
  console.log(`decisions/s: ${Math.round(rate)}; batches: ${batches.length}, mean size ${(batches.reduce((a, b) => a + b, 0) / batches.length).toFixed(1)}; failures ${JSON.stringify(metrics.storeFailures)}`);
  await backend.close();
  await redis.stop();
}
void main();
