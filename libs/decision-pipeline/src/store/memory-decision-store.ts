import {
  acquireStep,
  peekLeases,
  releaseStep,
  type LeaseSet,
  type LeaseView,
  type RawDecision,
  recordExpiryUs,
  decisionRecordKey,
  globalWindowStep,
  LocalLimiter,
  MemoryStateStore,
  systemClock,
  type Clock,
  type DecisionRecord,
  type GlobalWindowDecision,
  type GlobalWindowRequest,
  type GlobalWindowState,
  type KeyedSettleableLimit,
  type StackedDecisionRecord,
} from '@rl/limiter-core';
import { DECISION_RECORD_GRACE_MS, type CounterToCharge, type DecisionToRecord, type LeaseToAcquire, type SettleableStackLimit, type SettleReply, type StackSettleReply, type StackToRecord } from '@rl/redis-store';
import type { ConcurrencyPort } from '../concurrency/concurrency-port';
import type { SettlementPort, StackSettlementPort } from '../settle/settlement-port';
import { isGlobalRequest, type BatchCounterStore, type DecisionFor, type DecisionStore, type StoreDecision, type StoreRequest } from '../store-port';

/**
 * Every kind of decision in process memory, with the same semantics as the Redis scripts: the
 * LocalLimiter for the six algorithms, globalWindowStep for global windows. For tests,
 * single-instance experiments and library mode; it never fails.
 */
export class MemoryDecisionStore implements DecisionStore, BatchCounterStore, SettlementPort, StackSettlementPort, ConcurrencyPort {
  private readonly limits: LocalLimiter;
  private readonly windows: MemoryStateStore<GlobalWindowState>;
  private readonly records: MemoryStateStore<DecisionRecord>;
  /** Stacked records, with the counter keys they name. */
  private readonly stackRecords: MemoryStateStore<{ readonly record: StackedDecisionRecord; readonly keys: readonly string[] }>;
  private readonly leases: MemoryStateStore<LeaseSet>;
  private readonly clock: Clock;

  constructor(options: { clock?: Clock; maxKeys?: number } = {}) {
    this.clock = options.clock ?? systemClock;
    this.limits = new LocalLimiter({ clock: this.clock, maxKeys: options.maxKeys });
    this.windows = new MemoryStateStore(options.maxKeys ?? 100_000);
    this.records = new MemoryStateStore(options.maxKeys ?? 100_000);
    this.stackRecords = new MemoryStateStore(options.maxKeys ?? 100_000);
    this.leases = new MemoryStateStore(options.maxKeys ?? 100_000);
  }

  /** Takes a lease, as concurrency/acquire.lua does (acquireStep). */
  acquire(lease: LeaseToAcquire): Promise<RawDecision> {
    const now = this.clock.nowMicros();
    const result = acquireStep({ leases: this.leases.get(lease.key, now), limit: lease.limit, leaseUs: lease.leaseUs, leaseId: lease.leaseId, now });
    if (result.next !== undefined) this.leases.set(lease.key, result.next, now + result.ttlUs);
    return Promise.resolve(result.decision);
  }

  /** Releases a lease, as concurrency/release.lua does (releaseStep). */
  release(input: { key: string; leaseId: string }): Promise<boolean> {
    const now = this.clock.nowMicros();
    const result = releaseStep({ leases: this.leases.get(input.key, now), leaseId: input.leaseId, now });
    // The set lives as long as its last lease (an empty one expires at once).
    if (result.next !== undefined) this.leases.set(input.key, result.next, Math.max(now, ...result.next.values()));
    return Promise.resolve(result.released);
  }

  /** The leases held now, as concurrency/peek.lua reads them (peekLeases). */
  peek(input: { key: string }): Promise<LeaseView> {
    const now = this.clock.nowMicros();
    return Promise.resolve(peekLeases({ leases: this.leases.get(input.key, now), now }));
  }

  /** Records an admitted decision, as settle/record.lua does. */
  record(decision: DecisionToRecord): Promise<number> {
    const now = this.clock.nowMicros();
    const { algorithm, limit, windowUs, burst } = decision;
    const counterWindowStartUs = algorithm === 'fixed_window' ? this.limits.stateOf(decision.counterKey, algorithm)?.[0] : undefined;
    const expiresAtUs = recordExpiryUs({ algorithm, windowUs, recordedAtUs: now, counterWindowStartUs });
    const record: DecisionRecord = { algorithm, params: { limit, windowUs, burst }, estimatedCost: decision.cost, decidedAtUs: now, expiresAtUs, actualCost: undefined };
    this.records.set(decisionRecordKey(decision.counterKey, decision.nonce), record, expiresAtUs + DECISION_RECORD_GRACE_MS * 1000);
    return Promise.resolve(expiresAtUs);
  }

  /** Charges a counter without deciding, as settle/charge.lua does (adjustCounter). */
  charge(request: CounterToCharge): Promise<{ remaining: number; resetUs: number }> {
    const { counterKey, ...limit } = request;
    const { remaining, resetUs } = this.limits.charge({ key: counterKey, ...limit });
    return Promise.resolve({ remaining, resetUs });
  }

  /** Settles a recorded decision, as settle/settle.lua does (settleStep). */
  settle(input: { counterKey: string; nonce: string; actualCost: number }): Promise<SettleReply> {
    const key = decisionRecordKey(input.counterKey, input.nonce);
    const nowUs = this.clock.nowMicros();
    const record = this.records.get(key, nowUs);
    if (record === undefined) return Promise.resolve({ status: 'unknown', remaining: 0, resetUs: 0, estimatedCost: 0, actualCost: undefined, limit: 0, nowUs });
    const result = this.limits.settle({ key: input.counterKey, record, actualCost: input.actualCost });
    if (result.record !== undefined) this.records.set(key, result.record, record.expiresAtUs + DECISION_RECORD_GRACE_MS * 1000);
    const applied = result.record ?? record;
    return Promise.resolve({ status: result.status, remaining: result.remaining, resetUs: result.resetUs, estimatedCost: record.estimatedCost, actualCost: applied.actualCost, limit: record.params.limit, nowUs });
  }

  /** The stacked records, settles and charges are this store's own. */
  get stacked(): StackSettlementPort {
    return this;
  }

  /** Records an admitted stacked decision, as settle/stack_record.lua does (recordStackLimit). */
  recordStack(decision: StackToRecord): Promise<number> {
    const record = this.limits.recordStack({ limits: decision.limits.map(keyedLimit), cost: decision.cost });
    const keys = decision.limits.map((limit) => limit.counterKey);
    this.stackRecords.set(decisionRecordKey(decision.stackKey, decision.nonce), { record, keys }, record.expiresAtUs + DECISION_RECORD_GRACE_MS * 1000);
    return Promise.resolve(record.expiresAtUs);
  }

  /** Settles a stacked decision, as settle/stack_settle.lua does (settleStackStep). */
  settleStack(input: { stackKey: string; counterKeys: readonly string[]; nonce: string; actualCost: number }): Promise<StackSettleReply> {
    const key = decisionRecordKey(input.stackKey, input.nonce);
    const nowUs = this.clock.nowMicros();
    const held = this.stackRecords.get(key, nowUs);
    if (held === undefined || held.keys.length !== input.counterKeys.length || held.keys.some((counterKey, index) => counterKey !== input.counterKeys[index])) {
      return Promise.resolve({ status: 'unknown', estimatedCost: 0, actualCost: undefined, nowUs, limits: [] });
    }
    const result = this.limits.settleStack({ keys: held.keys, record: held.record, actualCost: input.actualCost });
    if (result.record !== undefined) this.stackRecords.set(key, { record: result.record, keys: held.keys }, held.record.expiresAtUs + DECISION_RECORD_GRACE_MS * 1000);
    const applied = result.record ?? held.record;
    const limits = result.limits.map((limit, index) => ({ limit: held.record.limits[index].params.limit, remaining: limit.remaining, resetUs: limit.resetUs, open: limit.open }));
    return Promise.resolve({ status: result.status, estimatedCost: held.record.estimatedCost, actualCost: applied.actualCost, nowUs, limits });
  }

  /** Charges every limit of a stack without deciding, as settle/stack_charge.lua does (adjustStackLimit). */
  chargeStack(input: { limits: readonly SettleableStackLimit[]; cost: number }): Promise<{ remaining: number; resetUs: number }[]> {
    const charged = this.limits.chargeStack({ limits: input.limits.map(keyedLimit), cost: input.cost });
    return Promise.resolve(charged.map(({ remaining, resetUs }) => ({ remaining, resetUs })));
  }

  decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    return Promise.resolve(this.decideSync(request) as DecisionFor<R>);
  }

  decideMany(requests: readonly StoreRequest[]): Promise<StoreDecision[]> {
    return Promise.resolve(requests.map((request) => this.decideSync(request)));
  }

  /** Drops the state of counter `key`, as if it had expired. */
  forget(key: string): void {
    this.limits.forget(key);
    this.windows.delete(key);
    this.leases.delete(key);
    // Records under the counter's key stay: their settles then adjust a counter that restarted.
  }

  decideSync(request: StoreRequest): StoreDecision {
    if (isGlobalRequest(request)) return this.decideWindow(request);
    return request.algorithm === 'stacked' ? this.limits.decideStackedSync(request) : this.limits.decideSync(request);
  }

  private decideWindow(request: GlobalWindowRequest): GlobalWindowDecision {
    const now = this.clock.nowMicros();
    const result = globalWindowStep({ state: this.windows.get(request.key, now), ...request, now });
    if (result.next !== undefined) this.windows.set(request.key, result.next, now + result.ttlUs);
    return result.decision;
  }
}

function keyedLimit(limit: SettleableStackLimit): KeyedSettleableLimit {
  return { key: limit.counterKey, algorithm: limit.algorithm, params: { limit: limit.limit, windowUs: limit.windowUs, burst: limit.burst }, calendar: limit.calendar };
}
