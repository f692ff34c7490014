import http from 'node:http';
import https from 'node:https';
import type { CheckInput } from '../core/check-input';
import { fallbackDecision, type ClientFailureMode, type DegradedReason, type RateLimitDecision, type SettleResult } from '../core/decision';
import { parseCheckReply } from './parse-check-reply';

export interface RemoteModeOptions {
  /** Base URL of the regional enforcer, e.g. `http://127.0.0.1:8081`. */
  readonly enforcerUrl: string;
  /** Per-call deadline in milliseconds (default 50). */
  readonly timeoutMs?: number;
  /** When the enforcer is unreachable, too slow or failing: admit (`open`, default) or deny with 503 (`closed`). */
  readonly failureMode?: ClientFailureMode;
  /**
   * Calls in flight at most (default 64), and the size of the keep-alive connection pool. A call
   * beyond it is not queued: it gets the failure-mode decision at once (reason `overloaded`).
   */
  readonly maxConcurrency?: number;
  /** Largest enforcer reply body read, in bytes (default 16 KiB). */
  readonly maxReplyBytes?: number;
}

/** Called, off the decision's path, whenever a check falls back to the failure mode. */
export type DegradedListener = (event: { readonly reason: DegradedReason; readonly error: unknown }) => void;

/**
 * The enforcer answered 400: the client sent a check the contract refuses. Not a failure of the
 * enforcer, so the failure mode does not apply; adapters turn it into a 500.
 */
export class EnforcerRejectedError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`enforcer rejected the check: ${field} ${message}`);
    this.name = 'EnforcerRejectedError';
  }
}

class CallFailure extends Error {
  constructor(
    readonly reason: DegradedReason,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'CallFailure';
  }
}

const DEFAULTS = { timeoutMs: 50, maxConcurrency: 64, maxReplyBytes: 16 * 1024, failureMode: 'open' as ClientFailureMode };

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
  return value;
}

/**
 * Remote mode: asks the regional enforcer's `POST /v1/check` over keep-alive HTTP/1.1.
 *
 * - One connection pool of at most `maxConcurrency` sockets, reused across calls (the enforcer
 *   keeps connections alive; the agent honours its Keep-Alive timeout hint).
 * - A deadline per call. Like the counter store's, it yields one event-loop turn before it
 *   fires, so a reply that arrived during a stall is read rather than declared late. A late call
 *   is aborted (its socket is closed, not reused) and never retried: it may have been counted.
 * - Unreachable, late, 5xx without a decision, or not a decision at all: the failure mode
 *   decides (`degraded: true`). A 503 carrying a decision is the enforcer's own fail-closed
 *   answer and is passed on as it is.
 */
export class EnforcerClient {
  private readonly url: URL;
  private readonly settleUrl: URL;
  private readonly acquireUrl: URL;
  private readonly releaseUrl: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly timeoutMs: number;
  private readonly maxConcurrency: number;
  private readonly maxReplyBytes: number;
  readonly failureMode: ClientFailureMode;
  private inFlight = 0;

  constructor(
    options: RemoteModeOptions,
    private readonly onDegraded?: DegradedListener,
  ) {
    let base: URL;
    try {
      base = new URL(options.enforcerUrl);
    } catch (error) {
      throw new RangeError(`enforcerUrl must be an http(s) URL, got ${JSON.stringify(options.enforcerUrl)}`, { cause: error });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new RangeError(`enforcerUrl must be an http(s) URL, got ${JSON.stringify(options.enforcerUrl)}`);
    const root = base.href.endsWith('/') ? base.href : `${base.href}/`;
    this.url = new URL('v1/check', root);
    this.settleUrl = new URL('v1/settle', root);
    this.acquireUrl = new URL('v1/acquire', root);
    this.releaseUrl = new URL('v1/release', root);
    this.timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? DEFAULTS.timeoutMs);
    this.maxConcurrency = positiveInteger('maxConcurrency', options.maxConcurrency ?? DEFAULTS.maxConcurrency);
    this.maxReplyBytes = positiveInteger('maxReplyBytes', options.maxReplyBytes ?? DEFAULTS.maxReplyBytes);
    const failureMode = options.failureMode ?? DEFAULTS.failureMode;
    if (failureMode !== 'open' && failureMode !== 'closed') throw new RangeError(`failureMode must be "open" or "closed", got ${JSON.stringify(failureMode)}`);
    this.failureMode = failureMode;
    const agentOptions = { keepAlive: true, maxSockets: this.maxConcurrency, maxFreeSockets: this.maxConcurrency, scheduling: 'lifo' as const };
    const secure = base.protocol === 'https:';
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.request = secure ? https.request : http.request;
  }

  /** Calls now in flight. */
  get pending(): number {
    return this.inFlight;
  }

  /** Never rejects for an enforcer failure (the failure mode answers); rejects with EnforcerRejectedError on a 400. */
  check(input: CheckInput): Promise<RateLimitDecision> {
    return this.decide(this.url, input);
  }

  /**
   * `POST /v1/acquire`: a lease under the concurrency policy that matches `input` (its `leaseId`),
   * or a denial. Like `check`, the failure mode answers when the enforcer cannot (with no lease).
   */
  acquire(input: CheckInput): Promise<RateLimitDecision> {
    return this.decide(this.acquireUrl, input);
  }

  /**
   * `POST /v1/release`: `released`, `unknown` (released already or expired) or `failed` (the
   * enforcer did not answer; the lease then expires on its own). Never rejects.
   */
  async release(leaseId: string): Promise<'released' | 'unknown' | 'failed'> {
    try {
      const { statusCode } = await this.exchange(this.releaseUrl, JSON.stringify({ leaseId }));
      return statusCode === 204 ? 'released' : statusCode === 404 ? 'unknown' : 'failed';
    } catch (error) {
      if (error instanceof CallFailure) return 'failed';
      throw error;
    }
  }

  private async decide(url: URL, input: CheckInput): Promise<RateLimitDecision> {
    if (this.inFlight >= this.maxConcurrency) {
      return this.degrade(input, new CallFailure('overloaded', `${this.inFlight} checks already in flight (maxConcurrency)`));
    }
    this.inFlight++;
    try {
      return await this.call(url, input);
    } catch (error) {
      if (error instanceof CallFailure) return this.degrade(input, error);
      throw error;
    } finally {
      this.inFlight--;
    }
  }

  /**
   * `POST /v1/settle`: charges or refunds the difference between a recorded decision's cost and
   * `actualCost`. Never rejects: an enforcer that does not answer gives `failed` (the settle may or
   * may not have been applied; sending it again is harmless, a repeat changes nothing).
   */
  async settle(input: { decisionId: string; actualCost: number }): Promise<SettleResult> {
    let exchanged: { statusCode: number; text: string };
    try {
      exchanged = await this.exchange(this.settleUrl, JSON.stringify({ decisionId: input.decisionId, actualCost: input.actualCost }));
    } catch (error) {
      if (error instanceof CallFailure) return { status: 'failed' };
      throw error;
    }
    if (exchanged.statusCode === 404) return { status: 'unknown' };
    if (exchanged.statusCode === 410) return { status: 'expired' };
    if (exchanged.statusCode !== 200) return { status: 'failed' };
    let body: { remaining?: unknown; resetSeconds?: unknown; actualCost?: unknown; repeated?: unknown };
    try {
      body = JSON.parse(exchanged.text) as typeof body;
    } catch {
      return { status: 'failed' };
    }
    const { remaining, resetSeconds, actualCost } = body;
    if (typeof remaining !== 'number' || typeof resetSeconds !== 'number' || typeof actualCost !== 'number') return { status: 'failed' };
    return { status: body.repeated === true ? 'repeated' : 'settled', remaining, resetSeconds, actualCost };
  }

  /** Closes the pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  private degrade(input: CheckInput, failure: CallFailure): RateLimitDecision {
    if (this.onDegraded !== undefined) {
      const listener = this.onDegraded;
      queueMicrotask(() => listener({ reason: failure.reason, error: failure }));
    }
    return fallbackDecision({ failureMode: this.failureMode, reason: failure.reason, limit: input.limit, windowSeconds: input.windowSeconds });
  }

  private async call(url: URL, input: CheckInput): Promise<RateLimitDecision> {
    const { statusCode, headers, text } = await this.exchange(url, JSON.stringify(checkBody(input)));
    return this.toDecision({ statusCode, headers }, text);
  }

  /** One POST of `payload` under the call deadline: the reply's status, headers and body text, or a CallFailure. */
  private exchange(url: URL, payload: string): Promise<{ statusCode: number; headers: http.IncomingHttpHeaders; text: string }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error: unknown, reply?: { statusCode: number; headers: http.IncomingHttpHeaders; text: string }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (reply !== undefined) resolve(reply);
        else reject(error);
      };
      const req = this.request(url, {
        method: 'POST',
        agent: this.agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), accept: 'application/json' },
      });
      const timer = setTimeout(() => {
        // One more turn first: a reply already in the socket buffer wins over the expired timer.
        setImmediate(() => {
          if (settled) return;
          const failure = new CallFailure('timeout', `enforcer did not answer within ${this.timeoutMs} ms`);
          finish(failure);
          req.destroy(failure);
        });
      }, this.timeoutMs);
      req.on('error', (error) => finish(error instanceof CallFailure ? error : new CallFailure('unreachable', `enforcer unreachable: ${error.message}`, { cause: error })));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxReplyBytes) {
            res.destroy();
            finish(new CallFailure('bad-response', `enforcer reply exceeds ${this.maxReplyBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) => finish(new CallFailure('unreachable', `enforcer reply broken off: ${error.message}`, { cause: error })));
        res.on('end', () => finish(undefined, { statusCode: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.end(payload);
    });
  }

  private toDecision(res: { statusCode: number; headers: http.IncomingHttpHeaders }, text: string): RateLimitDecision {
    const statusCode = res.statusCode;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      body = undefined;
      if (statusCode < 500) throw new CallFailure('bad-response', `enforcer answered ${statusCode} without JSON`, { cause: error });
    }
    if (statusCode === 400) {
      const field = typeof (body as { field?: unknown })?.field === 'string' ? (body as { field: string }).field : 'body';
      const message = typeof (body as { message?: unknown })?.message === 'string' ? (body as { message: string }).message : 'is invalid';
      throw new EnforcerRejectedError(field, message);
    }
    const policyHeader = res.headers['ratelimit-policy'];
    const rateLimitHeader = res.headers.ratelimit;
    const decision = parseCheckReply({
      statusCode,
      body,
      policyHeader: typeof policyHeader === 'string' ? policyHeader : undefined,
      rateLimitHeader: typeof rateLimitHeader === 'string' ? rateLimitHeader : undefined,
    });
    if (decision !== undefined) return decision;
    if (statusCode >= 500) throw new CallFailure('server-error', `enforcer answered ${statusCode}`);
    throw new CallFailure('bad-response', `enforcer answered ${statusCode} without a decision`);
  }
}

/** The `POST /v1/check` body: only the fields that are set (the enforcer refuses unknown ones). */
function checkBody(input: CheckInput): Record<string, string | number | boolean> {
  const body: Record<string, string | number | boolean> = { key: input.key };
  if (input.customerId !== undefined) body.customerId = input.customerId;
  if (input.route !== undefined) body.route = input.route;
  if (input.method !== undefined) body.method = input.method;
  if (input.cost !== undefined) body.cost = input.cost;
  if (input.limit !== undefined && input.windowSeconds !== undefined) {
    body.limit = input.limit;
    body.windowSeconds = input.windowSeconds;
  }
  if (input.ip !== undefined) body.ip = input.ip;
  if (input.settle === true) body.settle = true;
  return body;
}
