import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { mergeMap, type Observable } from 'rxjs';
import { mergeRouteOptions, settleRequest, type RouteLimitOptions } from '../http/request-limiter';
import { RATE_LIMIT_METADATA, type HttpRequestLike } from './rate-limit.decorator';
import { RATE_LIMIT_DEFAULTS } from './tokens';

/**
 * Settles the cost of a guarded handler from what it returned: `@RateLimit({ cost: 4_000,
 * actualCost: (result) => (result as Completion).usage.total_tokens })` checks an estimate before
 * the handler and charges or refunds the difference once it has answered, before the response is
 * sent. Registered app-wide with the global guard (`RateLimitModule.forRoot({ global: true })`),
 * or per controller with `@UseInterceptors(RateLimitSettleInterceptor)`. A handler that throws
 * settles nothing: the estimate stands.
 */
@Injectable()
export class RateLimitSettleInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(RATE_LIMIT_DEFAULTS) private readonly defaults: RouteLimitOptions<HttpRequestLike>,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const classOptions = this.reflector.get<RouteLimitOptions<HttpRequestLike> | undefined>(RATE_LIMIT_METADATA, context.getClass());
    const handlerOptions = this.reflector.get<RouteLimitOptions<HttpRequestLike> | undefined>(RATE_LIMIT_METADATA, context.getHandler());
    const actualCost = mergeRouteOptions<HttpRequestLike>(this.defaults, classOptions, handlerOptions).actualCost;
    if (actualCost === undefined) return next.handle();
    const request = context.switchToHttp().getRequest<HttpRequestLike>();
    return next.handle().pipe(
      mergeMap(async (result: unknown) => {
        const cost = actualCost(result, request);
        if (cost !== undefined) await settleRequest(request, cost);
        return result;
      }),
    );
  }
}
