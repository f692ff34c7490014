import type { CounterToCharge, DecisionToRecord, SettleReply } from '@rl/redis-store';
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
}

/** A settlement port behind a connection's circuit breaker: an open breaker fails it at once, like a decision. */
export function guardedSettlementPort(input: { guard: BreakerGuardedStore; settlement: SettlementPort }): SettlementPort {
  const { guard, settlement } = input;
  return {
    record: (decision) => guard.guard(() => settlement.record(decision)),
    settle: (call) => guard.guard(() => settlement.settle(call)),
    charge: (request) => guard.guard(() => settlement.charge(request)),
  };
}
