/** Injection token of RateLimitModule's default route options (RouteLimitOptions). */
export const RATE_LIMIT_DEFAULTS = Symbol('RATE_LIMIT_DEFAULTS');
