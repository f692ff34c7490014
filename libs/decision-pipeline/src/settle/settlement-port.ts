import type { CounterToCharge, DecisionToRecord, SettleableStackLimit, SettleReply, StackSettleReply, StackToRecord } from '@rl/redis-store';
import type { BreakerGuardedStore } from '../resilience/breaker-guarded-store';

/**
 * Decision records and settles (`POST /v1/settle`), on the store that holds the counters: the
 * regional Redis (settle/*.lua) or the in-process store. Both reject with a StoreError when the
 * store cannot answer. A settle goes to the primary store only: a record lives beside its counter,
 * and the secondary store holds neither while the primary is up.
 */
export interface SettlementPort {
  /** Records an admitted decision; resolves with the time from which a settle of it changes nothing, epoch microseconds. */
  record(decision: DecisionToRecord): Promise<number>;
  /** Settles the decision recorded as (counterKey, nonce): see settle/settle.lua for what it changes. */
  settle(input: { readonly counterKey: string; readonly nonce: string; readonly actualCost: number }): Promise<SettleReply>;
  /** Charges a counter without deciding: never refused, it may run into debt (settle/charge.lua). */
  charge(request: CounterToCharge): Promise<{ remaining: number; resetUs: number }>;
  /**
   * Records, settles and charges of stacked policies whose every limit is settleable
   * (settle/stack_*.lua, or its twin in process); undefined on a store that has none, where
   * stacked decisions stay unrecorded and Envoy's charge decides them as a check.
   */
  readonly stacked?: StackSettlementPort;
}

/** Settlement of stacked policies: every limit at once, in one atomic call, as the single-limit port does for one. */
export interface StackSettlementPort {
  /** Records an admitted stacked decision; resolves with the time from which a settle of it changes nothing, epoch microseconds. */
  recordStack(decision: StackToRecord): Promise<number>;
  /** Settles the stacked decision recorded as (stackKey, nonce) naming `counterKeys`: see settle/stack_settle.lua. */
  settleStack(input: { readonly stackKey: string; readonly counterKeys: readonly string[]; readonly nonce: string; readonly actualCost: number }): Promise<StackSettleReply>;
  /** Charges every limit without deciding: never refused, any may run into debt (settle/stack_charge.lua). */
  chargeStack(input: { readonly limits: readonly SettleableStackLimit[]; readonly cost: number }): Promise<{ remaining: number; resetUs: number }[]>;
}

/** A settlement port behind a connection's circuit breaker: an open breaker fails it at once, like a decision. */
export function guardedSettlementPort(input: { guard: BreakerGuardedStore; settlement: SettlementPort }): SettlementPort {
  const { guard, settlement } = input;
  const stacked = settlement.stacked;
  return {
    record: (decision) => guard.guard(() => settlement.record(decision)),
    settle: (call) => guard.guard(() => settlement.settle(call)),
    charge: (request) => guard.guard(() => settlement.charge(request)),
    stacked:
      stacked === undefined
        ? undefined
        : {
            recordStack: (decision) => guard.guard(() => stacked.recordStack(decision)),
            settleStack: (call) => guard.guard(() => stacked.settleStack(call)),
            chargeStack: (call) => guard.guard(() => stacked.chargeStack(call)),
          },
  };
}
