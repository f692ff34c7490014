import { Inject, Injectable } from '@nestjs/common';
import { GlobalKeyUsageView, GlobalPolicyUsageView, toFieldErrors, type GlobalUsageQueryDto } from '@rl/contracts';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { Logger } from 'pino';
import { PolicyServiceConfig } from '../config/policy-service-config';
import { LOGGER } from '@rl/platform/service';
import { BadGatewayError, NotFoundError } from '../errors/api-errors';
import { describeFetchError, MAX_UPSTREAM_BODY_BYTES, messageOf, parseJson } from '../http/upstream-response';

/**
 * The reconciler's `GET /v1/global/usage` (contract: the global-limits design, "Reconciler HTTP"),
 * as the console reaches it through the policy service. The query is validated before it gets here
 * and sent as URL parameters, never spliced into the path. The reconciler's body is validated too:
 * a 200 whose shape does not match, a refused connection, a timeout or any other status becomes a
 * BadGatewayError (502) naming the reconciler; its 404 (no such policy/key in the current window)
 * stays a 404 with the reconciler's message.
 */
@Injectable()
export class ReconcilerClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly headers: Readonly<Record<string, string>>;

  constructor(config: PolicyServiceConfig, @Inject(LOGGER) private readonly logger: Logger) {
    this.baseUrl = config.reconciler.url;
    this.timeoutMs = config.reconciler.timeoutMs;
    this.headers = { accept: 'application/json', ...(config.reconciler.token === undefined ? {} : { authorization: `Bearer ${config.reconciler.token}` }) };
  }

  async usage(query: GlobalUsageQueryDto): Promise<GlobalKeyUsageView | GlobalPolicyUsageView> {
    const params = new URLSearchParams({ policyId: query.policyId });
    if (query.key !== undefined) params.set('key', query.key);
    if (query.limitName !== undefined) params.set('limitName', query.limitName);
    const url = `${this.baseUrl}/v1/global/usage?${params.toString()}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await response.text();
    } catch (error) {
      throw new BadGatewayError(`the reconciler at ${this.baseUrl} is unreachable: ${describeFetchError(error, this.timeoutMs)}`);
    }
    if (Buffer.byteLength(text) > MAX_UPSTREAM_BODY_BYTES) throw new BadGatewayError(`the reconciler at ${this.baseUrl} answered more than ${MAX_UPSTREAM_BODY_BYTES} bytes`);
    const body = parseJson(text);
    if (response.status === 404) {
      throw new NotFoundError(messageOf(body) ?? `the reconciler has no usage for policy ${query.policyId} in the current window`);
    }
    if (response.status !== 200) {
      this.logger.warn({ status: response.status, url, body: text.slice(0, 500) }, 'reconciler refused a usage query');
      throw new BadGatewayError(`the reconciler at ${this.baseUrl} answered ${response.status}${messageOf(body) === undefined ? '' : `: ${messageOf(body)}`}`);
    }
    return query.key === undefined ? this.validated(GlobalPolicyUsageView, body) : this.validated(GlobalKeyUsageView, body);
  }

  private validated<T extends object>(cls: ClassConstructor<T>, body: unknown): T {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadGatewayError(`the reconciler at ${this.baseUrl} answered a body that is not a JSON object`);
    }
    const view = plainToInstance(cls, body);
    const problems = toFieldErrors(validateSync(view, { whitelist: false }));
    if (problems.length > 0) {
      this.logger.warn({ problems }, 'reconciler answered an unexpected usage body');
      throw new BadGatewayError(
        `the reconciler at ${this.baseUrl} answered an unexpected body: ${problems
          .slice(0, 3)
          .map((p) => `${p.path} ${p.message}`)
          .join('; ')}`,
      );
    }
    return view;
  }
}
