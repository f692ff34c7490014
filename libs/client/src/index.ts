// @rl/client: the rate-limit client core (remote and library mode, headers, trusted proxies).
// Framework adapters live in their own entry points so an app loads only its framework:
// @rl/client/nest, @rl/client/fastify, @rl/client/express, @rl/client/throttler.
export { InvalidCheckError, normalizeKey, validateCheckInput } from './core/check-input';
export type { CheckInput } from './core/check-input';
export { CLIENT_FALLBACK_POLICY, FAIL_CLOSED_RETRY_SECONDS, fallbackDecision } from './core/decision';
export type { ClientFailureMode, DegradedReason, RateLimitDecision, SettleResult } from './core/decision';
export { RateLimitClient } from './core/rate-limit-client';
export type { LibraryClientOptions, RateLimitClientOptions, RemoteClientOptions } from './core/rate-limit-client';
export { EnforcerRejectedError } from './remote/enforcer-client';
export type { DegradedListener, RemoteModeOptions } from './remote/enforcer-client';
export { InvalidPolicyError } from './library/library-policy';
export type { LibraryPolicy } from './library/library-policy';
export type { LibraryModeOptions } from './library/library-decider';
export { denialBody, rateLimitHeaders } from './http/rate-limit-headers';
export { mergeRouteOptions, RequestLimiter, settleRequest, UNKNOWN_CLIENT_KEY } from './http/request-limiter';
export type { LimitedRequest, PerRequest, RequestFacts, RequestLimiterOptions, RouteLimitOptions } from './http/request-limiter';
export { InvalidProxyListError, MAX_FORWARDED_HOPS, TrustedProxies, parseHopAddress } from './ip/trusted-proxies';
export type { TrustedProxiesOptions } from './ip/trusted-proxies';
