import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { BLOCK_BOUNDS, BLOCK_DENIALS_MAX, type CheckRequest } from '@rl/contracts';
import type { Logger } from 'pino';
import { EnforcerConfig } from '../config/enforcer-config';
import { LOGGER } from '@rl/platform/service';
import { PolicySource, type ActivePolicies } from '../policies/policy-source';
import { counterOf, EscalationRules, type EscalationRule } from './escalation-rules';
import { EscalationTracker, type Denial } from './escalation-tracker';

/** Keys whose denials are tracked at once; the least recently denied are forgotten beyond this. */
const TRACKED_KEYS = 10_000;
/** Block requests to the policy service in flight at once; escalations beyond are dropped (logged). */
const MAX_IN_FLIGHT = 8;
const REQUEST_TIMEOUT_MS = 2_000;
const LOG_INTERVAL_MS = 10_000;

/**
 * Automatic escalation: a key denied by `threshold` distinct policies within `windowSeconds` is
 * blocked for `blockSeconds`, where the settings are those of the policy that denied last (its
 * `escalation` fields over ESCALATION_THRESHOLD, ESCALATION_WINDOW_SECONDS and
 * ESCALATION_BLOCK_SECONDS). Distinct policies are distinct counters: one policy covering many
 * routes counts once, and so does one inline limit sent on many routes. A policy with
 * `threshold: 0` never counts. The block is created through the policy service
 * (`POST /v1/blocks`, `source: "automatic"`, with the denials that caused it), so it is
 * audited, listed and removable like an operator's, and reaches every region over the change feed.
 *
 * Off the request path: denials are counted synchronously (a map update), the request is sent
 * without being awaited, at most MAX_IN_FLIGHT at once, never queued and never retried (the next
 * escalation of the key tries again). Off when the policies do not come from the control plane.
 */
@Injectable()
export class BlockEscalator implements OnModuleDestroy {
  private readonly tracker = new EscalationTracker({ maxKeys: TRACKED_KEYS });
  private readonly url: string | undefined;
  private readonly token: string;
  private readonly region: string;
  private readonly defaults: EscalationRule;
  private rules: EscalationRules;
  private readonly unsubscribe: () => void;
  private inFlight = 0;
  private lastLogAt = 0;

  constructor(config: EnforcerConfig, source: PolicySource, @Inject(LOGGER) private readonly logger: Logger) {
    const controlPlane = config.controlPlane;
    this.url = controlPlane === undefined ? undefined : `${controlPlane.policyServiceUrl}/v1/blocks`;
    this.token = controlPlane?.policyServiceToken ?? '';
    this.region = config.region;
    this.defaults = config.escalation;
    this.rules = this.compile(source.current());
    this.unsubscribe = source.subscribe((snapshot) => {
      this.rules = this.compile(snapshot);
    });
  }

  /** Counts one denial (not a block) of `request` by the policy `policyId`. */
  noteDenial(request: CheckRequest, policyId: string): void {
    if (this.url === undefined) return;
    const rule = this.rules.ruleOf(policyId);
    if (rule.threshold === 0) return;
    const denial: Denial = {
      policyId,
      atMs: Date.now(),
      ...(request.route === undefined ? {} : { route: request.route }),
      ...(request.method === undefined ? {} : { method: request.method.toUpperCase() }),
      ...(request.customerId === undefined ? {} : { customerId: request.customerId }),
      ...(policyId === 'inline' ? { limit: request.limit, windowSeconds: request.windowSeconds } : {}),
    };
    const denials = this.tracker.recordDenial({ key: request.key, counter: counterOf(request, policyId), denial, rule, maxCounters: this.rules.maxThreshold });
    if (denials !== undefined) this.escalate({ key: request.key, rule, denials });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  private compile(snapshot: ActivePolicies | undefined): EscalationRules {
    return EscalationRules.compile({ policies: snapshot === undefined ? [] : [...snapshot.policies, ...snapshot.overrides], defaults: this.defaults });
  }

  private escalate(input: { key: string; rule: EscalationRule; denials: readonly Denial[] }): void {
    const { key, rule } = input;
    if (this.url === undefined) return;
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.warn({ key }, 'too many automatic blocks in flight; dropping this one');
      return;
    }
    const denials = input.denials.slice(-BLOCK_DENIALS_MAX);
    this.inFlight += 1;
    void fetch(this.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'key',
        value: key,
        ttlSeconds: rule.blockSeconds,
        reason: blockReason({ rule, denials, region: this.region }),
        source: 'automatic',
        denials: denials.map(({ atMs, ...rest }) => ({ ...rest, at: new Date(atMs).toISOString(), region: this.region })),
      }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
      .then(async (response) => {
        const text = await response.text();
        if (response.status === 201) this.logger.info({ key, blockSeconds: rule.blockSeconds, policies: denials.map((d) => d.policyId) }, 'key blocked automatically');
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

/** The block's reason: the rule and the policies, within the 500 characters a reason may have. */
export function blockReason(input: { rule: EscalationRule; denials: readonly Denial[]; region: string }): string {
  const { rule, denials, region } = input;
  const head = `automatic: denied by ${denials.length} distinct ${denials.length === 1 ? 'policy' : 'policies'} within ${rule.windowMs / 1000} s (region ${region})`;
  const names = denials.map((d) => (d.policyId === 'inline' ? `inline ${d.limit ?? '?'}/${d.windowSeconds ?? '?'}s` : d.policyId)).join(', ');
  const text = `${head}: ${names}`;
  return text.length <= BLOCK_BOUNDS.reasonMaxLength ? text : `${text.slice(0, BLOCK_BOUNDS.reasonMaxLength - 1)}…`;
}
