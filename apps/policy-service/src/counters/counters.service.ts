import { Injectable } from '@nestjs/common';
import type { CounterQueryDto, CounterResetView, CountersView, CounterStateView } from '@rl/contracts';
import type { Actor } from '../auth/principal';
import { ChangeLog } from '../changes/change-log';
import { BadGatewayError, NotFoundError } from '../errors/api-errors';
import { EnforcerClient, type RegionCounter } from './enforcer-client';

type RegionView = CountersView['regions'][string];

/**
 * Operators' view of one counter in every region, and its reset.
 *
 * Reading asks each region's enforcer (EnforcerClient); the policy service never reads Redis.
 * A region that has no such policy is shown as unreachable with that reason while another region
 * has it (a change still propagating); when no region has it, the answer is 404.
 *
 * A reset is a control-plane change: one `counter.reset` per counter, committed with its audit
 * row (actor, `counter.reset`, entity `counter` `<policyId>:<key>`) and published through the
 * outbox, signed like every change, so every instance of every region applies it from the stream.
 * With `customerId` alone the regions name the customer's policy; every distinct one they name is
 * reset (two during a policy change), and when no region answers there is nothing to name: 502.
 */
@Injectable()
export class CountersService {
  constructor(
    private readonly enforcers: EnforcerClient,
    private readonly changes: ChangeLog,
  ) {}

  async read(query: CounterQueryDto): Promise<CountersView> {
    const answers = await this.enforcers.counters(query);
    const missing = answers.filter((answer) => answer.outcome === 'missing');
    if (missing.length > 0 && answers.every((answer) => answer.outcome !== 'state')) {
      throw new NotFoundError(`no policy "${query.policyId ?? ''}" is loaded in ${missing.map((answer) => answer.region).join(', ')}`);
    }
    const regions: Record<string, RegionView> = {};
    for (const answer of answers) regions[answer.region] = regionView(answer);
    return { key: query.key ?? (query.customerId as string), policyId: query.policyId, customerId: query.customerId, regions };
  }

  async reset(actor: Actor, query: CounterQueryDto): Promise<CounterResetView> {
    const counters = query.policyId !== undefined && query.key !== undefined ? [{ policyId: query.policyId, key: query.key }] : await this.customerCounters(query.customerId as string);
    return this.changes.commit(actor, async (tx) => {
      let revision = 0;
      for (const counter of counters) {
        revision = await tx.record({
          change: { kind: 'counter.reset', policyId: counter.policyId, key: counter.key },
          action: 'counter.reset',
          entityType: 'counter',
          entityId: `${counter.policyId}:${counter.key}`,
          before: null,
          after: counter,
        });
      }
      return { resets: counters, revision };
    });
  }

  /** The customer's own counter under each policy the regions say matches the customer. */
  private async customerCounters(customerId: string): Promise<{ policyId: string; key: string }[]> {
    const answers = await this.enforcers.counters({ customerId });
    const policyIds = [...new Set(answers.flatMap((answer) => (answer.outcome === 'state' ? [answer.state.policy.id] : [])))];
    if (policyIds.length === 0) {
      const reasons = answers.map((answer) => `${answer.region}: ${answer.outcome === 'state' ? 'answered' : answer.reason}`).join('; ');
      throw new BadGatewayError(`no region named the policy of customer ${customerId} (${reasons}); reset with key and policyId instead`);
    }
    return policyIds.sort().map((policyId) => ({ policyId, key: customerId }));
  }
}

function regionView(answer: RegionCounter): RegionView {
  if (answer.outcome !== 'state') return { unreachable: true, reason: answer.reason };
  const { region, instance, policy, key, algorithm, scope, limit, used, remaining, resetSeconds, leasedUnits, denyCached, limits, leases } = answer.state;
  const state: CounterStateView = {
    region,
    instance,
    policy: { id: policy.id, version: policy.version },
    key,
    algorithm,
    scope,
    limit,
    used,
    remaining,
    resetSeconds,
    leasedUnits,
    denyCached,
    ...(limits === undefined ? {} : { limits: limits.map((item) => ({ name: item.name, limit: item.limit, used: item.used, remaining: item.remaining, resetSeconds: item.resetSeconds })) }),
    ...(leases === undefined ? {} : { leases: { inFlight: leases.inFlight, nextExpirySeconds: leases.nextExpirySeconds } }),
  };
  return state;
}
