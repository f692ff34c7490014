import { algorithmKind, decisionRecordKey, type SettleableAlgorithm, type SettleStatus } from '@rl/limiter-core';
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

export type RedisSettleStoreOptions = ScriptSetOptions;

/** The settle scripts are composed from the same helpers: clock prelude, lib/common.lua, lib/meter.lua, lib/settle.lua, then the script. */
const settleFiles = (file: string): readonly string[] => ['lib/common.lua', 'lib/meter.lua', 'lib/settle.lua', `settle/${file}`];

/**
 * Decision records, settles and charges (lua/settle/*.lua). The record and the counter share a
 * hash tag (decisionRecordKey), so a settle is one atomic script on one Cluster slot. Failures
 * reject with a StoreError; nothing is retried (a settle that timed out may have been applied: a
 * repeat is idempotent anyway, and the caller may send it again).
 */
export class RedisSettleStore {
  private readonly scripts: ScriptSet<'record' | 'settle' | 'charge'>;

  constructor(options: RedisSettleStoreOptions) {
    this.scripts = new ScriptSet(options, { record: settleFiles('record.lua'), settle: settleFiles('settle.lua'), charge: settleFiles('charge.lua') });
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
    const reply = await this.scripts.run('charge', { keys: [request.counterKey], args, context: 'charge' });
    if (Array.isArray(reply) && reply.length === 2 && reply.every((n) => typeof n === 'number' && n >= 0)) {
      const [remaining, resetUs] = reply as number[];
      return { remaining, resetUs };
    }
    throw new StoreUnavailableError(`charge script replied ${JSON.stringify(reply)}`, { cause: reply });
  }

  /** SCRIPT LOAD of the three scripts into every master. */
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
