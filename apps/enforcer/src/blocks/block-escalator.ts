import { Inject, Injectable } from '@nestjs/common';
import type { CheckRequest } from '@rl/contracts';
import type { Logger } from 'pino';
import { EnforcerConfig } from '../config/enforcer-config';
import { LOGGER } from '../core/logger.token';
import { EscalationTracker } from './escalation-tracker';

/** Keys whose denials are tracked at once; the least recently denied are forgotten beyond this. */
const TRACKED_KEYS = 10_000;
/** Block requests to the policy service in flight at once; escalations beyond are dropped (logged). */
const MAX_IN_FLIGHT = 8;
const REQUEST_TIMEOUT_MS = 2_000;
const LOG_INTERVAL_MS = 10_000;

/**
 * Automatic escalation: a key denied by ESCALATION_THRESHOLD distinct policies or routes within
 * ESCALATION_WINDOW_SECONDS is blocked for ESCALATION_BLOCK_SECONDS. The block is created through
 * the policy service (`POST /v1/blocks`, `source: "automatic"`), so it is audited, listed and
 * removable like an operator's, and reaches every region over the change feed.
 *
 * Off the request path: denials are counted synchronously (a map update), the request is sent
 * without being awaited, at most MAX_IN_FLIGHT at once, never queued and never retried (the next
 * escalation of the key tries again). Off when the policies do not come from the control plane.
 */
@Injectable()
export class BlockEscalator {
  private readonly tracker: EscalationTracker | undefined;
  private readonly url: string | undefined;
  private readonly token: string;
  private readonly blockSeconds: number;
  private readonly region: string;
  private readonly describeRule: string;
  private inFlight = 0;
  private lastLogAt = 0;

  constructor(config: EnforcerConfig, @Inject(LOGGER) private readonly logger: Logger) {
    const { threshold, windowMs, blockSeconds } = config.escalation;
    const controlPlane = config.controlPlane;
    this.tracker = threshold > 0 && controlPlane !== undefined ? new EscalationTracker({ threshold, windowMs, maxKeys: TRACKED_KEYS }) : undefined;
    this.url = controlPlane === undefined ? undefined : `${controlPlane.policyServiceUrl}/v1/blocks`;
    this.token = controlPlane?.policyServiceToken ?? '';
    this.blockSeconds = blockSeconds;
    this.region = config.region;
    this.describeRule = `${threshold} distinct policies or routes within ${windowMs / 1000} s`;
  }

  /** Counts one denial (not a block) of `request` by `policyId`. */
  noteDenial(request: CheckRequest, policyId: string): void {
    if (this.tracker === undefined) return;
    const reason = request.route === undefined ? policyId : `${policyId} ${request.method ?? ''} ${request.route}`;
    if (this.tracker.recordDenial({ key: request.key, reason, nowMs: Date.now() })) this.escalate(request.key);
  }

  private escalate(key: string): void {
    if (this.url === undefined) return;
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.warn({ key }, 'too many automatic blocks in flight; dropping this one');
      return;
    }
    this.inFlight += 1;
    void fetch(this.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'key',
        value: key,
        ttlSeconds: this.blockSeconds,
        reason: `automatic: denied by ${this.describeRule} (region ${this.region})`,
        source: 'automatic',
      }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
      .then(async (response) => {
        const text = await response.text();
        if (response.status === 201) this.logger.info({ key, blockSeconds: this.blockSeconds }, 'key blocked automatically');
        else this.warn({ key, status: response.status, body: text.slice(0, 200) }, 'the policy service refused an automatic block');
      })
      .catch((error: unknown) => this.warn({ key, err: error }, 'automatic block request failed'))
      .finally(() => {
        this.inFlight -= 1;
      });
  }

  private warn(fields: object, message: string): void {
    const now = Date.now();
    if (now - this.lastLogAt < LOG_INTERVAL_MS) return;
    this.lastLogAt = now;
    this.logger.warn(fields, message);
  }
}
