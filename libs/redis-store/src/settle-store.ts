import { algorithmKind, decisionRecordKey, type CalendarBounds, type SettleableAlgorithm, type SettleStatus } from '@rl/limiter-core';
import { StoreUnavailableError } from './errors';
import { ScriptSet, type ScriptSetOptions } from './script-set';

/**
 * How long a decision record outlives its expiry: a settle that comes that much late is still told
 * "expired" (410) by the script rather than "unknown" (404). After that, the caller tells them
 * apart by the expiry its decision id carries.
 */
export const DECISION_RECORD_GRACE_MS = 60_000;

/** What to record of one admitted decision: its counter, its limit and the cost it consumed. */
export interface DecisionToRecord {
  readonly counterKey: string;
  /** Unique per decision; with counterKey it names the record. */
  readonly nonce: string;
  readonly algorithm: SettleableAlgorithm;
  readonly limit: number;
  readonly windowUs: number;
  readonly burst: number;
  readonly cost: number;
}

/** A counter to charge (settle/charge.lua): its key, its policy's limit, and the cost. */
export interface CounterToCharge {
  readonly counterKey: string;
  readonly algorithm: SettleableAlgorithm;
  readonly limit: number;
  readonly windowUs: number;
  readonly burst: number;
  readonly cost: number;
}

/** One settle, as settle/settle.lua replies. */
export interface SettleReply {
  /** `unknown`: no record (never recorded, reset, or gone after its grace period). */
  readonly status: SettleStatus | 'unknown';
  /** Units left in the counter now, in [0, limit]. */
  readonly remaining: number;
  /** Microseconds until the counter is fully restored. */
  readonly resetUs: number;
  /** The cost the decision consumed. */
  readonly estimatedCost: number;
  /** The actual cost applied (now or by an earlier settle); undefined when none was. */
  readonly actualCost: number | undefined;
  /** The limit the decision was made under (0 when unknown). */
  readonly limit: number;
  /** The store's time of the settle, epoch microseconds: with an id's expiry, tells "unknown" from "gone after expiry". */
  readonly nowUs: number;
}

const STATUSES: readonly SettleReply['status'][] = ['unknown', 'settled', 'repeated', 'expired'];

/** One settleable limit of a stacked policy: its counter (under the stack's hash tag) and its parameters. */
export interface SettleableStackLimit {
  readonly counterKey: string;
  readonly algorithm: SettleableAlgorithm;
  readonly limit: number;
  readonly windowUs: number;
  readonly burst: number;
  /** A calendar window (with `algorithm: 'fixed_window'`): the bounds of the window holding the caller's now. */
  readonly calendar: CalendarBounds | undefined;
}

/** What to record of one admitted stacked decision: every limit's counter, and the cost it took from each. */
export interface StackToRecord {
  /** The stack's own key (`rl:{<policy>:<identity>}:st`); with nonce it names the record. */
  readonly stackKey: string;
  readonly nonce: string;
  readonly limits: readonly SettleableStackLimit[];
  readonly cost: number;
}

/** One limit after a stacked settle or charge. */
export interface SettledLimit {
  readonly limit: number;
  /** Units left now, in [0, limit]. */
  readonly remaining: number;
  readonly resetUs: number;
  /** The limit's own settle window is still open (a settle adjusts it); false once its window is over. */
  readonly open: boolean;
}

/** One stacked settle, as settle/stack_settle.lua replies. */
export interface StackSettleReply {
  readonly status: SettleReply['status'];
  readonly estimatedCost: number;
  readonly actualCost: number | undefined;
  readonly nowUs: number;
  /** Every limit, in the stack's order; empty for an unknown decision. */
  readonly limits: readonly SettledLimit[];
}

/** How each stacked limit is sent to settle/stack_*.lua: LIMIT_ARGS values (lib/settle.lua). */
const CALENDAR_WINDOW_KIND = 9;
function stackLimitArgs(limits: readonly SettleableStackLimit[]): number[] {
  const args: number[] = [];
  for (const limit of limits) {
    const kind = limit.calendar === undefined ? algorithmKind(limit.algorithm) : CALENDAR_WINDOW_KIND;
    const bounds = limit.calendar ?? { startUs: 0, endUs: 0, nextEndUs: 0 };
    args.push(kind, limit.limit, limit.windowUs, limit.burst, bounds.startUs, bounds.endUs, bounds.nextEndUs);
  }
  return args;
}

export type RedisSettleStoreOptions = ScriptSetOptions;

/** The settle scripts are composed from the same helpers: clock prelude, lib/common.lua, lib/meter.lua, lib/settle.lua, then the script. */
const settleFiles = (file: string): readonly string[] => ['lib/common.lua', 'lib/meter.lua', 'lib/window.lua', 'lib/settle.lua', `settle/${file}`];

type SettleScript = 'record' | 'settle' | 'charge' | 'stackRecord' | 'stackSettle' | 'stackCharge';

/**
 * Decision records, settles and charges (lua/settle/*.lua). The record and the counter share a
 * hash tag (decisionRecordKey), so a settle is one atomic script on one Cluster slot. Failures
 * reject with a StoreError; nothing is retried (a settle that timed out may have been applied: a
 * repeat is idempotent anyway, and the caller may send it again).
 */
export class RedisSettleStore {
  private readonly scripts: ScriptSet<SettleScript>;

  constructor(options: RedisSettleStoreOptions) {
    this.scripts = new ScriptSet(options, {
      record: settleFiles('record.lua'),
      settle: settleFiles('settle.lua'),
      charge: settleFiles('charge.lua'),
      stackRecord: settleFiles('stack_record.lua'),
      stackSettle: settleFiles('stack_settle.lua'),
      stackCharge: settleFiles('stack_charge.lua'),
    });
  }

  /** The stacked records, settles and charges (recordStack, settleStack, chargeStack) are this store's own. */
  get stacked(): RedisSettleStore {
    return this;
  }

  /** Records an admitted decision; resolves with its expiry, epoch microseconds (Redis time). */
  async record(decision: DecisionToRecord): Promise<number> {
    const key = decisionRecordKey(decision.counterKey, decision.nonce);
    const args = [algorithmKind(decision.algorithm), decision.limit, decision.windowUs, decision.burst, decision.cost, DECISION_RECORD_GRACE_MS];
    const reply = await this.scripts.run('record', { keys: [key, decision.counterKey], args, context: 'decision record' });
    if (typeof reply !== 'number') throw new StoreUnavailableError(`decision record script replied ${JSON.stringify(reply)}`, { cause: reply });
    return reply;
  }

  /** Settles the decision recorded as (counterKey, nonce) at `actualCost` (see settle/settle.lua). */
  async settle(input: { counterKey: string; nonce: string; actualCost: number }): Promise<SettleReply> {
    const keys = [decisionRecordKey(input.counterKey, input.nonce), input.counterKey];
    return parseSettleReply(await this.scripts.run('settle', { keys, args: [input.actualCost, this.scripts.jitter()], context: 'settle' }));
  }

  /** Charges `cost` to a counter without deciding (settle/charge.lua): never refused, it may run into debt. */
  async charge(request: CounterToCharge): Promise<{ remaining: number; resetUs: number }> {
    const args = [algorithmKind(request.algorithm), request.limit, request.windowUs, request.burst, request.cost, this.scripts.jitter()];
    const [charged] = parseCharges(await this.scripts.run('charge', { keys: [request.counterKey], args, context: 'charge' }), 1);
    return charged;
  }

  /** Records an admitted stacked decision (settle/stack_record.lua); resolves with its expiry, epoch microseconds (Redis time). */
  async recordStack(decision: StackToRecord): Promise<number> {
    const keys = [decisionRecordKey(decision.stackKey, decision.nonce), ...decision.limits.map((limit) => limit.counterKey)];
    const args = [decision.cost, DECISION_RECORD_GRACE_MS, ...stackLimitArgs(decision.limits)];
    const reply = await this.scripts.run('stackRecord', { keys, args, context: 'stacked decision record' });
    if (typeof reply !== 'number') throw new StoreUnavailableError(`stacked decision record script replied ${JSON.stringify(reply)}`, { cause: reply });
    return reply;
  }

  /** Settles the stacked decision recorded as (stackKey, nonce), whose record names `counterKeys` (see settle/stack_settle.lua). */
  async settleStack(input: { stackKey: string; counterKeys: readonly string[]; nonce: string; actualCost: number }): Promise<StackSettleReply> {
    const keys = [decisionRecordKey(input.stackKey, input.nonce), ...input.counterKeys];
    return parseStackSettleReply(await this.scripts.run('stackSettle', { keys, args: [input.actualCost, this.scripts.jitter()], context: 'stacked settle' }));
  }

  /** Charges `cost` to every limit of a stack without deciding (settle/stack_charge.lua): never refused, any may run into debt. */
  async chargeStack(input: { limits: readonly SettleableStackLimit[]; cost: number }): Promise<{ remaining: number; resetUs: number }[]> {
    const keys = input.limits.map((limit) => limit.counterKey);
    const args = [input.cost, this.scripts.jitter(), ...stackLimitArgs(input.limits)];
    return parseCharges(await this.scripts.run('stackCharge', { keys, args, context: 'stacked charge' }), input.limits.length);
  }

  /** SCRIPT LOAD of the settle scripts into every master. */
  load(): Promise<void> {
    return this.scripts.load('SCRIPT LOAD (settle)');
  }
}

export function parseSettleReply(reply: unknown): SettleReply {
  if (Array.isArray(reply) && reply.length === 7 && reply.every((n) => typeof n === 'number')) {
    const [status, remaining, resetUs, estimatedCost, actualCost, limit, nowUs] = reply as number[];
    const named = STATUSES[status];
    if (named !== undefined && remaining >= 0 && resetUs >= 0) return { status: named, remaining, resetUs, estimatedCost, actualCost: actualCost < 0 ? undefined : actualCost, limit, nowUs };
  }
  throw new StoreUnavailableError(`settle script returned an unexpected reply: ${JSON.stringify(reply)}`, { cause: reply });
}

/** `count` pairs {remaining, reset_us} of settle/charge.lua or settle/stack_charge.lua. */
function parseCharges(reply: unknown, count: number): { remaining: number; resetUs: number }[] {
  if (Array.isArray(reply) && reply.length === 2 * count && reply.every((n) => typeof n === 'number' && n >= 0)) {
    const values = reply as number[];
    return Array.from({ length: count }, (_, index) => ({ remaining: values[2 * index], resetUs: values[2 * index + 1] }));
  }
  throw new StoreUnavailableError(`charge script replied ${JSON.stringify(reply)}`, { cause: reply });
}

const STACK_REPLY_HEAD = 4;
const STACK_REPLY_LIMIT = 4;

export function parseStackSettleReply(reply: unknown): StackSettleReply {
  if (Array.isArray(reply) && reply.length >= STACK_REPLY_HEAD && (reply.length - STACK_REPLY_HEAD) % STACK_REPLY_LIMIT === 0 && reply.every((n) => typeof n === 'number')) {
    const values = reply as number[];
    const [status, estimatedCost, actualCost, nowUs] = values;
    const named = STATUSES[status];
    const limits: SettledLimit[] = [];
    for (let at = STACK_REPLY_HEAD; at < values.length; at += STACK_REPLY_LIMIT) {
      limits.push({ remaining: values[at], resetUs: values[at + 1], limit: values[at + 2], open: values[at + 3] === 1 });
    }
    const sane = limits.every((limit) => limit.remaining >= 0 && limit.resetUs >= 0) && (named === 'unknown' || limits.length > 0);
    if (named !== undefined && sane) return { status: named, estimatedCost, actualCost: actualCost < 0 ? undefined : actualCost, nowUs, limits };
  }
  throw new StoreUnavailableError(`stacked settle script returned an unexpected reply: ${JSON.stringify(reply)}`, { cause: reply });
}
