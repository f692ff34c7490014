import { Injectable } from '@nestjs/common';
import type { SettledLimitState, SettleRequest, SettleResponse } from '@rl/contracts';
import { StoreBackend, type SettlementPort } from '@rl/decision-pipeline';
import { StoreError } from '@rl/limiter-core';
import type { SettleReply, StackSettleReply } from '@rl/redis-store';
import { EnforcerConfig } from '../config/enforcer-config';
import { DecisionIds } from './decision-id';

/** Status, headers and body of one settle reply. */
export interface SettleReplyHttp {
  readonly statusCode: 200 | 404 | 410 | 503;
  readonly headers: Record<string, string>;
  readonly body: SettleResponse | { readonly error: string; readonly message: string };
}

const MICROS = 1_000_000;

/**
 * `POST /v1/settle`: charges or refunds the difference between the cost a recorded decision
 * consumed and its actual cost (settle/settle.lua on the regional Redis). Answers:
 * - 200 with the counter's state; `repeated: true` when an earlier settle was applied (this one
 *   changed nothing);
 * - 404 for a decision that was never recorded (no `settle: true`, a denial, another region's, an
 *   algorithm or scope that cannot be settled) or whose record was reset;
 * A stacked policy's decision (settle/stack_settle.lua) is settled on every limit at once; its
 * body reports the most constraining limit, and every limit in `limits`.
 * - 410 once the decision's window is over (the id's expiry, against the store's clock, tells it
 *   even after the record is gone);
 * - 503 with `Retry-After` when the regional store cannot answer; nothing was changed, or the
 *   settle was applied and a repeat is harmless.
 */
@Injectable()
export class SettleService {
  private readonly region: string;

  constructor(
    private readonly backend: StoreBackend,
    config: EnforcerConfig,
  ) {
    this.region = config.region;
  }

  async settle(request: SettleRequest): Promise<SettleReplyHttp> {
    const parsed = DecisionIds.parse(request.decisionId);
    const settlement = this.backend.settlement;
    if (parsed === undefined || !parsed.recorded || settlement === undefined) {
      return notFound(`decision ${request.decisionId} was not recorded: only an admitted check with "settle": true under a regional token_bucket, gcra, leaky_bucket or fixed_window policy (for stacked limits: every limit so, calendar windows included) can be settled, in the region that decided it`);
    }
    let reply: Settled;
    try {
      reply = parsed.stackCounterKeys === undefined ? await settlement.settle({ counterKey: parsed.counterKey, nonce: parsed.nonce, actualCost: request.actualCost }) : await settleStack({ settlement, stackKey: parsed.counterKey, counterKeys: parsed.stackCounterKeys, nonce: parsed.nonce, actualCost: request.actualCost });
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      return { statusCode: 503, headers: { 'retry-after': '1' }, body: { error: 'store_unavailable', message: 'the regional counter store is unavailable; retry the settle' } };
    }
    if (reply.status === 'expired' || (reply.status === 'unknown' && reply.nowUs >= parsed.expiresAtUs)) {
      return { statusCode: 410, headers: {}, body: { error: 'decision_expired', message: `decision ${request.decisionId} can no longer be settled: its window is over` } };
    }
    if (reply.status === 'unknown' || reply.actualCost === undefined) return notFound(`decision ${request.decisionId} is unknown in region ${this.region}`);
    const body: { -readonly [K in keyof SettleResponse]: SettleResponse[K] } = {
      decisionId: request.decisionId,
      estimatedCost: reply.estimatedCost,
      actualCost: reply.actualCost,
      limit: reply.limit,
      remaining: reply.remaining,
      resetSeconds: reply.resetUs / MICROS,
      region: this.region,
    };
    if (reply.limits !== undefined) body.limits = reply.limits;
    if (reply.status === 'repeated') body.repeated = true;
    return { statusCode: 200, headers: {}, body };
  }
}

/** A settle's reply, of one limit or of a stack (then its most constraining limit, and every limit). */
type Settled = SettleReply & { readonly limits?: readonly SettledLimitState[] };

/**
 * Settles a stacked decision (settle/stack_settle.lua). The reply reports its most constraining
 * limit (the fewest units remaining, the first of equals), as a stacked check does.
 */
async function settleStack(input: { settlement: SettlementPort; stackKey: string; counterKeys: readonly string[]; nonce: string; actualCost: number }): Promise<Settled> {
  const { settlement, stackKey, counterKeys, nonce, actualCost } = input;
  const stacked = settlement.stacked;
  const nowUs = 0;
  if (stacked === undefined) return { status: 'unknown', remaining: 0, resetUs: 0, estimatedCost: 0, actualCost: undefined, limit: 0, nowUs };
  const reply: StackSettleReply = await stacked.settleStack({ stackKey, counterKeys, nonce, actualCost });
  if (reply.limits.length === 0) return { status: reply.status, remaining: 0, resetUs: 0, estimatedCost: 0, actualCost: undefined, limit: 0, nowUs: reply.nowUs };
  let constraining = 0;
  reply.limits.forEach((limit, index) => {
    if (limit.remaining < reply.limits[constraining].remaining) constraining = index;
  });
  const chosen = reply.limits[constraining];
  const limits = reply.limits.map((limit, index): SettledLimitState => ({ name: limitName(stackKey, counterKeys[index]), limit: limit.limit, remaining: limit.remaining, resetSeconds: limit.resetUs / MICROS, settled: limit.open }));
  return { status: reply.status, remaining: chosen.remaining, resetUs: chosen.resetUs, estimatedCost: reply.estimatedCost, actualCost: reply.actualCost, limit: chosen.limit, nowUs: reply.nowUs, limits };
}

/** A stacked limit's name, from its counter key: `rl:{<policy>:<identity>}:<name>:<xx>` under the stack's `rl:{<policy>:<identity>}:st`. */
function limitName(stackKey: string, counterKey: string): string {
  const prefixLength = stackKey.length - 'st'.length;
  return counterKey.slice(prefixLength, counterKey.lastIndexOf(':'));
}

function notFound(message: string): SettleReplyHttp {
  return { statusCode: 404, headers: {}, body: { error: 'unknown_decision', message } };
}
