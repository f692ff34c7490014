import { HttpException, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Socket } from 'node:net';
import { DENIAL_CONTENT_TYPE, denialBody } from '../http/rate-limit-headers';
import { mergeRouteOptions, RequestLimiter, type RouteLimitOptions } from '../http/request-limiter';
import { RATE_LIMIT_METADATA, type HttpRequestLike } from './rate-limit.decorator';
import { RATE_LIMIT_DEFAULTS } from './tokens';

/** What the guard reads of a request on either platform (Express `Request` or `FastifyRequest`). */
interface PlatformRequest extends HttpRequestLike {
  /** Express. */
  readonly socket?: Socket;
  readonly baseUrl?: string;
  readonly route?: { readonly path?: unknown };
  /** Fastify. */
  readonly raw?: { readonly socket?: Socket };
  readonly routeOptions?: { readonly url?: string };
}

/** What the guard writes on a response: Fastify's reply has `header`, Express' response `setHeader`. */
interface PlatformResponse {
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
  /** Fastify: the Node response under the reply. */
  raw?: { once(event: 'close', listener: () => void): unknown };
  /** Express: the response is the Node response. */
  once?: (event: 'close', listener: () => void) => unknown;
}

function routePattern(req: PlatformRequest): string | undefined {
  if (req.routeOptions?.url !== undefined) return req.routeOptions.url;
  const path = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : undefined;
}

/**
 * Nest guard that limits HTTP handlers on Express or Fastify. It sets the contract's rate-limit
 * headers on the response and, on a denial, throws an HttpException whose status is the
 * decision's (429, or 503 when the limiter is down and fails closed) and whose body is the
 * `application/problem+json` of denialBody; `Retry-After` is set.
 * Register it globally with `RateLimitModule.forRoot({ global: true, ... })` or per controller
 * with `@UseGuards(RateLimitGuard)`; `@RateLimit({...})` refines it per handler.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: RequestLimiter,
    private readonly reflector: Reflector,
    @Inject(RATE_LIMIT_DEFAULTS) private readonly defaults: RouteLimitOptions<HttpRequestLike>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    // @RateLimit<T>() options were typed for the app's own request type, which is what arrives here.
    const classOptions = this.reflector.get<RouteLimitOptions<HttpRequestLike> | undefined>(RATE_LIMIT_METADATA, context.getClass());
    const handlerOptions = this.reflector.get<RouteLimitOptions<HttpRequestLike> | undefined>(RATE_LIMIT_METADATA, context.getHandler());
    const options = mergeRouteOptions<HttpRequestLike>(this.defaults, classOptions, handlerOptions);
    const http = context.switchToHttp();
    const req = http.getRequest<PlatformRequest>();
    const res = http.getResponse<PlatformResponse>();
    const limited = await this.limiter.limit(
      {
        request: req,
        method: req.method,
        routePattern: routePattern(req),
        headers: req.headers,
        remoteAddress: (req.raw?.socket ?? req.socket)?.remoteAddress,
      },
      options,
    );
    if (limited === undefined) return true;
    // A lease (`concurrency`) is released when the response closes: sent, failed or aborted.
    if (limited.holdsLease) {
      const release = (): void => void limited.release();
      if (res.raw !== undefined) res.raw.once('close', release);
      else res.once?.('close', release);
    }
    const headers = limited.decision.allowed ? limited.headers : { ...limited.headers, 'content-type': DENIAL_CONTENT_TYPE };
    for (const [name, value] of Object.entries(headers)) {
      if (typeof res.header === 'function') res.header(name, value);
      else if (typeof res.setHeader === 'function') res.setHeader(name, value);
    }
    // Nest's exception filter sends the body as JSON under the content type already set.
    if (!limited.decision.allowed) throw new HttpException(denialBody(limited.decision), limited.decision.statusCode);
    return true;
  }
}
