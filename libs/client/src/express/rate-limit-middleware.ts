import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DENIAL_CONTENT_TYPE, denialBody } from '../http/rate-limit-headers';
import type { RequestLimiter, RouteLimitOptions } from '../http/request-limiter';

export interface ExpressRateLimitOptions extends RouteLimitOptions<Request> {
  /** Shared by every middleware of the app: the client and the trusted proxies. */
  readonly limiter: RequestLimiter;
}

/** The matched route pattern inside a router (`/v1` + `/items/:id`), when Express knows it. */
function routePattern(req: Request): string | undefined {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
}

/**
 * Express middleware: sets the contract's rate-limit headers on every limited response, answers
 * a denial itself (429, or 503 when the limiter is down and fails closed; an
 * `application/problem+json` body, see denialBody, with `Retry-After`), and passes programming errors (a bad check) to `next(error)`.
 * With `concurrency: true` it holds a lease while the request is in flight and releases it when
 * the response closes (sent, failed or aborted).
 * Use it app-wide (`app.use(...)`) or per route (`app.get(path, rateLimit({...}), handler)`; only
 * there does Express know the route pattern).
 */
export function rateLimitMiddleware(options: ExpressRateLimitOptions): RequestHandler {
  const { limiter, ...route } = options;
  return (req: Request, res: Response, next: NextFunction): void => {
    limiter
      .limit(
        { request: req, method: req.method, routePattern: routePattern(req), headers: req.headers, remoteAddress: req.socket.remoteAddress },
        route,
      )
      .then((limited) => {
        if (limited === undefined) return next();
        res.set(limited.headers);
        // 'close' follows the end of every response, sent, failed or aborted.
        if (limited.holdsLease) res.once('close', () => void limited.release());
        if (limited.decision.allowed) return next();
        // res.json keeps a content type already set.
        res.status(limited.decision.statusCode).type(DENIAL_CONTENT_TYPE).json(denialBody(limited.decision));
      })
      .catch(next);
  };
}
