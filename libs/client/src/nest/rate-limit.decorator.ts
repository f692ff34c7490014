import { SetMetadata } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { RouteLimitOptions } from '../http/request-limiter';

/** Metadata key of @RateLimit(). */
export const RATE_LIMIT_METADATA = 'rl:rate-limit';

/**
 * What option functions (key, cost, customerId, skip) can count on in a Nest app, on either
 * platform. Name your platform's request type instead (`@RateLimit<FastifyRequest>({...})`) to
 * read more of it.
 */
export interface HttpRequestLike {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * Per-controller or per-handler limits for RateLimitGuard: key function, cost, route, policy,
 * inline limit and window, skip. The handler's fields win over the controller's, which win over
 * RateLimitModule's defaults. `@RateLimit({ skip: () => true })` exempts a handler.
 */
export const RateLimit = <TRequest extends HttpRequestLike = HttpRequestLike>(options: RouteLimitOptions<TRequest> = {}): MethodDecorator & ClassDecorator =>
  SetMetadata(RATE_LIMIT_METADATA, options);
