import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { RateLimitClient, type RateLimitClientOptions } from '../core/rate-limit-client';
import { RequestLimiter, type RouteLimitOptions } from '../http/request-limiter';
import type { HttpRequestLike } from './rate-limit.decorator';
import { RateLimitSettleInterceptor } from './rate-limit-settle.interceptor';
import { RateLimitGuard } from './rate-limit.guard';
import { RATE_LIMIT_DEFAULTS } from './tokens';

export interface RateLimitModuleOptions {
  /** Client options (the module creates the client and closes it on shutdown), or a client the caller owns. */
  readonly client: RateLimitClientOptions | RateLimitClient;
  /** Addresses and CIDRs of proxies whose X-Forwarded-For is believed. Default: none. */
  readonly trustedProxies?: readonly string[];
  /** IPv6 clients are counted per network of this prefix length (default 64). */
  readonly ipv6Prefix?: number;
  /** Route options of every guarded handler, refined by @RateLimit(). */
  readonly defaults?: RouteLimitOptions<HttpRequestLike>;
  /** Guard every HTTP handler of the app (APP_GUARD); otherwise use @UseGuards(RateLimitGuard). */
  readonly global?: boolean;
}

const OWNED_CLIENT = Symbol('RATE_LIMIT_OWNED_CLIENT');

/** Closes a client the module created. */
@Injectable()
class ClientCloser implements OnApplicationShutdown {
  constructor(@Inject(OWNED_CLIENT) private readonly owned: RateLimitClient | undefined) {}

  onApplicationShutdown(): void {
    this.owned?.close();
  }
}

/**
 * `RateLimitModule.forRoot({ client: { mode: 'remote', enforcerUrl }, global: true })`: provides
 * RateLimitClient, RequestLimiter, RateLimitGuard and RateLimitSettleInterceptor to the whole app
 * (a global module); `global` also installs the guard and the interceptor on every handler.
 */
@Module({})
export class RateLimitModule {
  static forRoot(options: RateLimitModuleOptions): DynamicModule {
    const owned = options.client instanceof RateLimitClient ? undefined : new RateLimitClient(options.client);
    const client = options.client instanceof RateLimitClient ? options.client : (owned as RateLimitClient);
    const limiter = new RequestLimiter({ client, trustedProxies: options.trustedProxies, ipv6Prefix: options.ipv6Prefix });
    const providers: Provider[] = [
      { provide: RateLimitClient, useValue: client },
      { provide: RequestLimiter, useValue: limiter },
      { provide: RATE_LIMIT_DEFAULTS, useValue: options.defaults ?? {} },
      { provide: OWNED_CLIENT, useValue: owned },
      ClientCloser,
      RateLimitGuard,
      RateLimitSettleInterceptor,
    ];
    if (options.global === true) {
      providers.push({ provide: APP_GUARD, useExisting: RateLimitGuard }, { provide: APP_INTERCEPTOR, useExisting: RateLimitSettleInterceptor });
    }
    return {
      module: RateLimitModule,
      global: true,
      providers,
      exports: [RateLimitClient, RequestLimiter, RateLimitGuard, RateLimitSettleInterceptor, RATE_LIMIT_DEFAULTS],
    };
  }
}
