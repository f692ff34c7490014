// @rl/client/fastify: the Fastify plugin and its onRequest hook.
export { fastifyRateLimitHook, rateLimitPlugin } from './fastify/rate-limit-plugin';
export type { FastifyRateLimitOptions, RateLimitRouteConfig } from './fastify/rate-limit-plugin';
export { settleRequest } from './http/request-limiter';
