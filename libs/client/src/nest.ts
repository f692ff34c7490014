// @rl/client/nest: RateLimitModule, RateLimitGuard and the @RateLimit() decorator.
export { RateLimit, RATE_LIMIT_METADATA } from './nest/rate-limit.decorator';
export type { HttpRequestLike } from './nest/rate-limit.decorator';
export { RateLimitGuard } from './nest/rate-limit.guard';
export { RateLimitModule } from './nest/rate-limit.module';
export type { RateLimitModuleOptions } from './nest/rate-limit.module';
export { RATE_LIMIT_DEFAULTS } from './nest/tokens';
export { RateLimitSettleInterceptor } from './nest/rate-limit-settle.interceptor';
export { settleRequest } from './http/request-limiter';
