/**
 * Peer: a Fastify route calling rate-limiter-flexible's RateLimiterRedis on the same Redis,
 * replying like our enforcer (status, limit headers, JSON body). The usual Node choice.
 */
import Fastify from 'fastify';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
const limiter = new RateLimiterRedis({ storeClient: redis, points: 100, duration: 60, keyPrefix: 'rlflex' });

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ ok: true }));
app.get('/readyz', async (_req, reply) => reply.code(redis.status === 'ready' ? 200 : 503).send({ ready: redis.status === 'ready' }));
app.post<{ Body: { key: string } }>('/v1/check', async (req, reply) => {
  let res: RateLimiterRes;
  let allowed = true;
  try {
    res = await limiter.consume(req.body.key);
  } catch (rejected) {
    if (!(rejected instanceof RateLimiterRes)) throw rejected;
    res = rejected;
    allowed = false;
  }
  reply
    .code(allowed ? 200 : 429)
    .header('X-RateLimit-Limit', 100)
    .header('X-RateLimit-Remaining', res.remainingPoints)
    .header('X-RateLimit-Reset', Math.ceil(res.msBeforeNext / 1000));
  return { allowed, limit: 100, remaining: res.remainingPoints, resetSeconds: res.msBeforeNext / 1000 };
});
void app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
