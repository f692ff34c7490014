import { Inject, Injectable } from '@nestjs/common';
import { CounterStateDto, EXPLAINED_HEADER_NAMES, toFieldErrors, type CheckExplanationView, type CheckResponse, type CounterQueryDto, type ExplainCheckDto } from '@rl/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { Logger } from 'pino';
import { PolicyServiceConfig } from '../config/policy-service-config';
import type { RegionEnforcer } from '../config/enforcers-env';
import { LOGGER } from '@rl/platform/service';
import { BadGatewayError, NotConfiguredError, RuleViolationError } from '../errors/api-errors';
import { describeFetchError, MAX_UPSTREAM_BODY_BYTES, messageOf, parseJson } from '../http/upstream-response';

/** One region's answer about a counter. `missing`: the region answered 404 (it has no such policy). */
export type RegionCounter =
  | { readonly region: string; readonly outcome: 'state'; readonly state: CounterStateDto }
  | { readonly region: string; readonly outcome: 'missing'; readonly reason: string }
  | { readonly region: string; readonly outcome: 'unreachable'; readonly reason: string };

interface Fetched {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/**
 * The regions' enforcers as the policy service reaches them (ENFORCER_URLS):
 *
 * - `counters` asks every region's internal `GET /internal/v1/counters` at once, each with the
 *   Bearer ENFORCER_INTERNAL_TOKEN and its own ENFORCER_TIMEOUT_MS deadline. A refused connection,
 *   a timeout, a 5xx, a 401 (wrong token) or a body that is not a counter state makes that region
 *   `unreachable` with the reason, never a zero; one slow region delays the answer by at most the
 *   timeout and never hides the others.
 * - `explain` sends the check to one region's public `POST /v1/check` with `"dryRun": true`: the
 *   enforcer answers as a real check would and consumes nothing.
 *
 * Queries go out as URL parameters and bodies as JSON, never spliced into a path.
 */
@Injectable()
export class EnforcerClient {
  private readonly regions: readonly RegionEnforcer[];
  private readonly timeoutMs: number;
  private readonly internalHeaders: Readonly<Record<string, string>>;

  constructor(config: PolicyServiceConfig, @Inject(LOGGER) private readonly logger: Logger) {
    this.regions = config.enforcers.regions;
    this.timeoutMs = config.enforcers.timeoutMs;
    this.internalHeaders = { accept: 'application/json', authorization: `Bearer ${config.enforcers.internalToken ?? ''}` };
  }

  /** Every configured region's state of the counter, in ENFORCER_URLS order. */
  async counters(query: CounterQueryDto): Promise<RegionCounter[]> {
    const enforcers = this.configured();
    const params = new URLSearchParams();
    if (query.key !== undefined) params.set('key', query.key);
    if (query.policyId !== undefined) params.set('policyId', query.policyId);
    if (query.customerId !== undefined) params.set('customerId', query.customerId);
    return Promise.all(enforcers.map((enforcer) => this.counterIn(enforcer, params)));
  }

  /** The check as a dry run on `request.region`'s enforcer (the first configured by default). */
  async explain(request: ExplainCheckDto): Promise<CheckExplanationView> {
    const enforcers = this.configured();
    const enforcer = request.region === undefined ? enforcers[0] : enforcers.find((candidate) => candidate.region === request.region);
    if (enforcer === undefined) {
      throw new RuleViolationError([{ path: 'region', message: `must be one of the configured regions: ${enforcers.map((known) => known.region).join(', ')}` }]);
    }
    const check = { key: request.key, customerId: request.customerId, route: request.route, method: request.method, cost: request.cost, ip: request.ip };
    let answer: Fetched;
    try {
      answer = await this.fetchJson(`${enforcer.url}/v1/check`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ ...check, dryRun: true }),
      });
    } catch (error) {
      throw new BadGatewayError(`the ${enforcer.region} enforcer at ${enforcer.url} is unreachable: ${describeFetchError(error, this.timeoutMs)}`);
    }
    const decision = answer.body as Partial<CheckResponse> | undefined;
    if (![200, 429, 503].includes(answer.status) || decision?.dryRun !== true || typeof decision.matched !== 'string') {
      this.logger.warn({ region: enforcer.region, status: answer.status }, 'enforcer answered a dry-run check unexpectedly');
      throw new BadGatewayError(`the ${enforcer.region} enforcer answered the dry run ${answer.status}${messageOf(answer.body) === undefined ? '' : `: ${messageOf(answer.body)}`}`);
    }
    const headers: Record<string, string> = {};
    for (const name of EXPLAINED_HEADER_NAMES) {
      const value = answer.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    return { region: enforcer.region, status: answer.status, headers, decision: decision as CheckResponse };
  }

  private configured(): readonly RegionEnforcer[] {
    if (this.regions.length === 0) throw new NotConfiguredError('no enforcers are configured: set ENFORCER_URLS (region=url, ...) and ENFORCER_INTERNAL_TOKEN');
    return this.regions;
  }

  private async counterIn(enforcer: RegionEnforcer, params: URLSearchParams): Promise<RegionCounter> {
    const unreachable = (reason: string): RegionCounter => ({ region: enforcer.region, outcome: 'unreachable', reason });
    let answer: Fetched;
    try {
      answer = await this.fetchJson(`${enforcer.url}/internal/v1/counters?${params.toString()}`, { headers: this.internalHeaders });
    } catch (error) {
      return unreachable(describeFetchError(error, this.timeoutMs));
    }
    const message = messageOf(answer.body);
    if (answer.status === 404 && (answer.body as { field?: unknown } | undefined)?.field === 'policyId') {
      return { region: enforcer.region, outcome: 'missing', reason: message ?? 'no such policy in this region' };
    }
    if (answer.status !== 200) {
      this.logger.warn({ region: enforcer.region, status: answer.status, message }, 'enforcer refused a counter query');
      return unreachable(`answered ${answer.status}${message === undefined ? '' : `: ${message}`}`);
    }
    const state = plainToInstance(CounterStateDto, answer.body);
    const problems = typeof answer.body === 'object' && answer.body !== null ? toFieldErrors(validateSync(state, { stopAtFirstError: true })) : [{ path: '', message: 'is not a JSON object' }];
    if (problems.length > 0) {
      this.logger.warn({ region: enforcer.region, problems }, 'enforcer answered an unexpected counter body');
      return unreachable(`answered an unexpected body: ${problems.slice(0, 3).map((problem) => problem.message).join('; ')}`);
    }
    return { region: enforcer.region, outcome: 'state', state };
  }

  /** One request with the timeout; throws on network errors, timeouts and oversized bodies. */
  private async fetchJson(url: string, init: RequestInit): Promise<Fetched> {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    const text = await response.text();
    if (Buffer.byteLength(text) > MAX_UPSTREAM_BODY_BYTES) throw new Error(`answered more than ${MAX_UPSTREAM_BODY_BYTES} bytes`);
    return { status: response.status, headers: response.headers, body: parseJson(text) };
  }
}
