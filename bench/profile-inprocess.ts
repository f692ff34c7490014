/** Profiling aid: `node --cpu-prof -r ./tools/register-paths.js dist/bench/profile-inprocess.js` */
import { buildCounterKey } from '@rl/limiter-core';
import { createRedisClient, RedisCounterStore } from '@rl/redis-store';
import { startRedisServer } from '@rl/devstack';
import { closedLoop } from './support/closed-loop';

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const client = createRedisClient({ url: redis.url }, { commandTimeoutMs: 1000 });
  const store = new RedisCounterStore({ client });
  await store.load();
  const rate = await closedLoop({
    callers: 50,
    seconds: Number(process.env.SECONDS ?? 5),
    op: () =>
      store.decide({
        key: buildCounterKey({ policyId: 'bench', identity: `user:${1 + Math.floor(Math.random() * 100_000)}`, algorithm: 'token_bucket' }),
        algorithm: 'token_bucket',
        limit: 100,
        windowUs: 60_000_000,
        burst: 100,
        cost: 1,
      }),
  });
  console.log(`decisions/s: ${Math.round(rate)}`);
  client.disconnect();
  await redis.stop();
}
void main();
