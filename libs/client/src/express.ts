// @rl/client/express: the Express middleware.
export { rateLimitMiddleware } from './express/rate-limit-middleware';
export type { ExpressRateLimitOptions } from './express/rate-limit-middleware';
export { settleRequest } from './http/request-limiter';
