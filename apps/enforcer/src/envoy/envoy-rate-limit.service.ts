import { Inject, Injectable } from '@nestjs/common';
import { CHECK_BOUNDS, type CheckRequest } from '@rl/contracts';
import { envoyCounterIdentity, resolveEnvoyDescriptors, type EnvoyMatch } from '@rl/envoy-config';
import { safeIdentity } from '@rl/limiter-core';
import { CheckService } from '../check/check.service';
import { EnforcerConfig } from '../config/enforcer-config';
import { compilePolicy } from '../policies/compiled-policy';
import type { CompiledEnvoyRule } from '../policies/envoy/compiled-envoy-rule';
import type { EnvoyDomainRules } from '../policies/envoy/envoy-domain-rules';
import { EnvoyRules } from '../policies/envoy/envoy-rules';
import { readImportedRequest, type ImportedDescriptor } from './imported-request';
import { formatImportedResponse, type ImportedOutcome } from './imported-response';
import type { RateLimitRequestMessage, RateLimitResponseMessage } from './rls-proto';
import { isStreamDoneRequest, withoutStreamDoneEntries } from './stream-done';
import { mapRateLimitRequest } from './rls-request';
import { formatRateLimitResponse } from './rls-response';

/** Distinct request `limit` overrides kept compiled; beyond this the cache starts over (it only saves work). */
const OVERRIDE_CACHE_SIZE = 1_024;

/**
 * `ShouldRateLimit`. Two ways to decide, chosen by the request's domain:
 *
 * - A domain with imported rules (envoyproxy/ratelimit files, through the policy service or
 *   ENVOY_RATELIMIT_CONFIG_DIR) is decided by those rules, as envoyproxy/ratelimit decides: each
 *   descriptor finds its rule in the domain's tree (EnvoyRuleIndex), the request's descriptors are
 *   resolved together (`replaces`, `unlimited`), and each counted descriptor is decided by the
 *   CheckService with its rule's compiled policy (blocks, store, failure mode, as for any check).
 * - Any other domain keeps the descriptor mapping of rls-request.ts: every descriptor becomes a
 *   check request, resolved like a `POST /v1/check`.
 *
 * Either way every descriptor is decided, all of them counted even when one is over its limit.
 *
 * A request whose descriptors carry the entry `rl_phase=stream_done` is Envoy's second call, from
 * a rate-limit action with `apply_on_stream_done` (stream-done.ts): its `hits_addend` (or a
 * descriptor's own, which overrides it for that descriptor), the actual cost, is charged to the same counters (the marker entry removed), never refused
 * (CheckService.charge), and every descriptor is answered OK; Envoy ignores that answer.
 * Throws RlsInvalidArgumentError for a bad request (before any counter is touched) and
 * RlsUnavailableError for a fail-closed descriptor the store could not count; the gRPC edge
 * turns them into status codes.
 */
@Injectable()
export class EnvoyRateLimitService {
  private readonly overrides = new Map<string, CompiledEnvoyRule>();
  private readonly localPercent: number;

  constructor(
    private readonly checks: CheckService,
    @Inject(EnvoyRules) private readonly rules: EnvoyRules,
    config: EnforcerConfig,
  ) {
    this.localPercent = config.localLimitPercent;
  }

  async shouldRateLimit(received: RateLimitRequestMessage): Promise<RateLimitResponseMessage> {
    const streamDone = isStreamDoneRequest(received);
    const message = streamDone ? withoutStreamDoneEntries(received) : received;
    const domain = this.rules.domain(message.domain);
    if (domain !== undefined) return this.decideImported(message, domain, streamDone);
    const requests = mapRateLimitRequest(message);
    // CheckService notes each decision as on the HTTP route: automatic blocks, decision events.
    const replies = await Promise.all(requests.map((request) => (streamDone ? this.checks.charge(request) : this.checks.check(request))));
    return formatRateLimitResponse(replies);
  }

  private async decideImported(message: RateLimitRequestMessage, rules: EnvoyDomainRules, streamDone: boolean): Promise<RateLimitResponseMessage> {
    const request = readImportedRequest(message);
    const matches = request.descriptors.map((descriptor): EnvoyMatch<CompiledEnvoyRule> | undefined =>
      descriptor.override === undefined ? rules.index.match(descriptor.entries) : { rule: this.overrideRule(descriptor.override), sharedValues: undefined },
    );
    const resolutions = resolveEnvoyDescriptors(matches);
    const outcomes = await Promise.all(
      resolutions.map((resolution, i): ImportedOutcome | Promise<ImportedOutcome> => {
        if (resolution.kind !== 'limited') return { kind: resolution.kind };
        const { rule, sharedValues } = resolution.match;
        const policy = rule.policy;
        if (policy === undefined) return { kind: 'unlimited' };
        const descriptor = request.descriptors[i];
        const check = checkRequestOf({ domain: request.domain, descriptor, sharedValues, cost: descriptor.cost });
        const decided = streamDone ? this.checks.charge(check, policy) : this.checks.checkWithPolicy(check, policy);
        return decided.then((reply): ImportedOutcome => ({ kind: 'decided', rule, reply }));
      }),
    );
    return formatImportedResponse(outcomes, Date.now() / 1000);
  }

  /**
   * The rule of a descriptor's `limit` override, as envoyproxy/ratelimit applies one in a configured
   * domain: instead of the configured rules, never shadowed, never replaced, counted per domain and
   * entries in windows aligned to its unit.
   */
  private overrideRule(override: NonNullable<ImportedDescriptor['override']>): CompiledEnvoyRule {
    const counterId = `envoy-inline:${override.requestsPerUnit}:${override.unitSeconds}`;
    let rule = this.overrides.get(counterId);
    if (rule === undefined) {
      if (this.overrides.size >= OVERRIDE_CACHE_SIZE) this.overrides.clear();
      const policy = compilePolicy({
        parameters: {
          id: 'inline',
          version: 0,
          counterId,
          algorithm: 'fixed_window',
          limit: override.requestsPerUnit,
          burst: override.requestsPerUnit,
          windowSeconds: override.unitSeconds,
          failureMode: 'open',
          mode: 'enforce',
        },
        localPercent: this.localPercent,
      });
      rule = {
        unlimited: false,
        name: undefined,
        replaces: [],
        limitName: '',
        quotaMode: false,
        policy,
        unit: override.unit,
        unitSeconds: override.unitSeconds,
        requestsPerUnit: override.requestsPerUnit,
        alignedWindows: true,
      };
      this.overrides.set(counterId, rule);
    }
    return rule;
  }
}

/**
 * The check request of a counted descriptor: its counter identity (entries, shared wildcard values;
 * the domain too for an override, whose policy all domains share), a digest beyond the longest
 * check key, the request's cost, and the customer and address entries for the block list.
 */
function checkRequestOf(input: { domain: string; descriptor: ImportedDescriptor; sharedValues: readonly (string | undefined)[] | undefined; cost: number }): CheckRequest {
  const { descriptor } = input;
  let identity = envoyCounterIdentity(descriptor.entries, input.sharedValues);
  if (descriptor.override !== undefined) identity = `${envoyCounterIdentity([{ key: 'domain', value: input.domain }], undefined)}|${identity}`;
  const key = identity.length <= CHECK_BOUNDS.keyMaxLength ? identity : safeIdentity(identity);
  const request: { -readonly [K in keyof CheckRequest]: CheckRequest[K] } = { key, cost: input.cost };
  if (descriptor.customerId !== undefined) request.customerId = descriptor.customerId;
  if (descriptor.ip !== undefined) request.ip = descriptor.ip;
  return request;
}
