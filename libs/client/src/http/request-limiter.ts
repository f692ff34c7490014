import type { IncomingHttpHeaders } from 'node:http';
import type { CheckInput } from '../core/check-input';
import type { RateLimitDecision, SettleResult } from '../core/decision';
import type { RateLimitClient } from '../core/rate-limit-client';
import { TrustedProxies } from '../ip/trusted-proxies';
import { rateLimitHeaders } from './rate-limit-headers';

/** A value given directly, or computed from the framework's request object. */
export type PerRequest<T, TRequest> = T | ((request: TRequest) => T);

/**
 * What one route is limited by. Every adapter takes these, globally and per route/handler (the
 * more specific wins, field by field).
 */
export interface RouteLimitOptions<TRequest = unknown> {
  /**
   * The counted identity (an API key, a user id...). Default: the client's IP address, taking
   * `X-Forwarded-For` only from trusted proxies (`ip:203.0.113.7`, IPv6 per /64). Returning
   * undefined falls back to the IP.
   */
  readonly key?: (request: TRequest) => string | undefined | Promise<string | undefined>;
  /** Units this request costs (integer >= 1, default 1). */
  readonly cost?: PerRequest<number, TRequest>;
  /** The route sent to the enforcer for per-endpoint policies; default the framework's route pattern. */
  readonly route?: string;
  readonly customerId?: PerRequest<string | undefined, TRequest>;
  /** Library mode: which of the client's policies applies. */
  readonly policy?: string;
  /** Inline limit (with windowSeconds): the enforcer uses it when no stored policy matches; library mode enforces it. */
  readonly limit?: number;
  readonly windowSeconds?: number;
  /** Requests for which this returns true are not limited. */
  readonly skip?: (request: TRequest) => boolean;
  /**
   * Ask the enforcer to record each decision so that the handler can settle its actual cost
   * (`settleRequest(request, actualCost)`), e.g. the LLM tokens a response used against an
   * estimate in `cost`. Remote mode only.
   */
  readonly settle?: boolean;
  /**
   * Nest: the actual cost read from the handler's result (with `settle` implied); the
   * RateLimitSettleInterceptor settles it before the response is sent. Undefined settles nothing.
   */
  readonly actualCost?: (result: unknown, request: TRequest) => number | undefined;
  /**
   * Also limit requests in flight (remote mode): after an admitted check, acquire a lease under
   * the concurrency policy that matches the request (`POST /v1/acquire`; 429 when all are held),
   * and release it when the response finishes, errors or the connection is aborted.
   */
  readonly concurrency?: boolean;
}

export interface RequestLimiterOptions {
  readonly client: RateLimitClient;
  /** Addresses and CIDRs of proxies whose X-Forwarded-For is believed. Default: none. */
  readonly trustedProxies?: readonly string[];
  /** IPv6 clients are counted per network of this prefix length (default 64). */
  readonly ipv6Prefix?: number;
}

/** The parts of an HTTP request the limiter reads, whatever the framework. */
export interface RequestFacts<TRequest> {
  readonly request: TRequest;
  readonly method: string;
  /** The matched route pattern (`/v1/items/:id`), when the framework knows it. */
  readonly routePattern: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** The socket's peer address. */
  readonly remoteAddress: string | undefined;
}

/** A decision with the headers to send, whatever the status. */
export interface LimitedRequest {
  readonly decision: RateLimitDecision;
  readonly headers: Record<string, string>;
  /** Settles this decision at `actualCost` (RateLimitClient.settle). */
  settle(actualCost: number): Promise<SettleResult>;
  /** Whether a lease is held for this request (`concurrency`): the adapter calls `release` when the response is done. */
  readonly holdsLease: boolean;
  /** Releases the request's lease, once (later calls do nothing); never rejects. */
  release(): Promise<void>;
}

const NOTHING_TO_RELEASE = (): Promise<void> => Promise.resolve();

/** The decision of each limited request, by the framework's request object, for settleRequest. */
const limitedRequests = new WeakMap<object, LimitedRequest>();

/**
 * Settles the decision the rate-limit adapter made for `request` (the framework's own request
 * object: Express `req`, Fastify `request`, or Nest's platform request) at `actualCost`. A request
 * that was not limited, or limited without `settle: true`, has nothing to settle: `unknown`.
 */
export function settleRequest(request: object, actualCost: number): Promise<SettleResult> {
  return limitedRequests.get(request)?.settle(actualCost) ?? Promise.resolve({ status: 'unknown' });
}

/** The identity used when neither a key function nor the socket gives one: all such requests share one counter. */
export const UNKNOWN_CLIENT_KEY = 'ip:unknown';

/**
 * The framework-independent half of every adapter: builds the check for a request (identity,
 * cost, route, inline limit), asks the client, and formats the headers. Adapters only read
 * request facts and write the response.
 */
export class RequestLimiter {
  readonly client: RateLimitClient;
  readonly proxies: TrustedProxies;

  constructor(options: RequestLimiterOptions) {
    this.client = options.client;
    this.proxies = new TrustedProxies({ trustedProxies: options.trustedProxies ?? [], ipv6Prefix: options.ipv6Prefix });
  }

  /** Undefined when the route's `skip` says so; otherwise the decision and its headers. */
  async limit<TRequest>(facts: RequestFacts<TRequest>, options: RouteLimitOptions<TRequest>): Promise<LimitedRequest | undefined> {
    if (options.skip?.(facts.request) === true) return undefined;
    const forwarded = { remoteAddress: facts.remoteAddress, forwardedFor: facts.headers['x-forwarded-for'] };
    const custom = options.key === undefined ? undefined : await options.key(facts.request);
    const key = custom ?? this.proxies.clientKey(forwarded) ?? UNKNOWN_CLIENT_KEY;
    const check: { -readonly [K in keyof CheckInput]: CheckInput[K] } = { key, method: facts.method };
    const route = options.route ?? facts.routePattern;
    if (route !== undefined) check.route = route;
    const ip = this.proxies.clientIp(forwarded);
    if (ip !== undefined) check.ip = ip;
    const cost = resolve(options.cost, facts.request);
    if (cost !== undefined) check.cost = cost;
    const customerId = resolve(options.customerId, facts.request);
    if (customerId !== undefined) check.customerId = customerId;
    if (options.policy !== undefined) check.policy = options.policy;
    if (options.limit !== undefined) check.limit = options.limit;
    if (options.windowSeconds !== undefined) check.windowSeconds = options.windowSeconds;
    const settleable = options.settle === true || options.actualCost !== undefined;
    if (settleable) check.settle = true;
    const client = this.client;
    const checked = await client.check(check);
    const acquired = options.concurrency === true && checked.allowed ? await client.acquire(check) : undefined;
    // A denied acquire answers the request; an admitted one adds its lease to the check's decision.
    const decision = acquired !== undefined && !acquired.allowed ? acquired : checked;
    const leaseId = acquired?.allowed === true ? acquired.leaseId : undefined;
    const limited: LimitedRequest = {
      decision,
      headers: rateLimitHeaders(decision),
      settle: (actualCost) => client.settle(decision, actualCost),
      holdsLease: leaseId !== undefined,
      release: leaseId === undefined ? NOTHING_TO_RELEASE : releaseOnce(client, leaseId),
    };
    if (settleable && typeof facts.request === 'object' && facts.request !== null) limitedRequests.set(facts.request, limited);
    return limited;
  }
}

function releaseOnce(client: RateLimitClient, leaseId: string): () => Promise<void> {
  let released: Promise<void> | undefined;
  return () => (released ??= client.release(leaseId).then(() => undefined));
}

function resolve<T, TRequest>(value: PerRequest<T, TRequest> | undefined, request: TRequest): T | undefined {
  return typeof value === 'function' ? (value as (request: TRequest) => T)(request) : value;
}

/** Later options win, field by field (undefined fields do not override). */
export function mergeRouteOptions<TRequest>(...layers: ReadonlyArray<RouteLimitOptions<TRequest> | undefined>): RouteLimitOptions<TRequest> {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const [name, value] of Object.entries(layer)) if (value !== undefined) merged[name] = value;
  }
  return merged as RouteLimitOptions<TRequest>;
}
