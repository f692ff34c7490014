import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { DENIAL_CONTENT_TYPE, denialBody } from '../http/rate-limit-headers';
import { mergeRouteOptions, type RequestLimiter, type RouteLimitOptions } from '../http/request-limiter';

export interface FastifyRateLimitOptions extends RouteLimitOptions<FastifyRequest> {
  readonly limiter: RequestLimiter;
}

/**
 * Per-route settings, in the route's `config`: `{ config: { rateLimit: { cost: 5 } } }` refines the
 * plugin's options for that route, `{ config: { rateLimit: false } }` exempts it.
 */
export interface RateLimitRouteConfig {
  readonly rateLimit?: RouteLimitOptions<FastifyRequest> | false;
}

/**
 * The onRequest hook that limits one request: the contract's headers on every limited response,
 * and 429 (or 503, failing closed) with an `application/problem+json` body (see denialBody) on a denial. Runs before the
 * body is parsed, so a denied request costs no parsing. Usable on its own as a route's `onRequest`.
 */
export function fastifyRateLimitHook(options: FastifyRateLimitOptions): onRequestAsyncHookHandler {
  const { limiter, ...defaults } = options;
  return async function rateLimitOnRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const config = (request.routeOptions.config as RateLimitRouteConfig | undefined)?.rateLimit;
    if (config === false) return undefined;
    const limited = await limiter.limit(
      {
        request,
        method: request.method,
        routePattern: request.routeOptions.url,
        headers: request.headers,
        remoteAddress: request.raw.socket.remoteAddress,
      },
      mergeRouteOptions(defaults, config),
    );
    if (limited === undefined) return undefined;
    reply.headers(limited.headers);
    // 'close' follows the end of every response, sent, failed or aborted.
    if (limited.holdsLease) reply.raw.once('close', () => void limited.release());
    // Returning the reply tells Fastify the response is sent and the lifecycle stops here.
    if (!limited.decision.allowed) return reply.code(limited.decision.statusCode).type(DENIAL_CONTENT_TYPE).send(denialBody(limited.decision));
    return undefined;
  };
}

/**
 * Fastify plugin limiting every route of the instance it is registered on, including routes of
 * sibling plugins (it is not encapsulated, like plugins wrapped by fastify-plugin):
 * `await app.register(rateLimitPlugin, { limiter, ... })`.
 */
export async function rateLimitPlugin(instance: FastifyInstance, options: FastifyRateLimitOptions): Promise<void> {
  instance.addHook('onRequest', fastifyRateLimitHook(options));
}
// Fastify's documented opt-out of encapsulation (what fastify-plugin sets), so the hook applies app-wide.
Object.assign(rateLimitPlugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'rl-rate-limit' });
