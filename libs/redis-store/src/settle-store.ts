import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, type Redis } from 'ioredis';
import { algorithmKind, decisionRecordKey, type SettleableAlgorithm, type SettleStatus } from '@rl/limiter-core';
import { boundCall, type CallDeadline } from './call-deadline';
import { keySlot, masterForSlot } from './cluster-routing';
import { StoreUnavailableError, toStoreError } from './errors';
import { composeScript, evalScript, redisTimeClockPrelude, sha1, type RedisClient } from './script-registry';

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

interface SettleScript {
  readonly source: string;
  readonly sha: string;
}

const LUA_DIR = join(__dirname, 'lua');
const readLua = (relativePath: string): string => readFileSync(join(LUA_DIR, relativePath), 'utf8');

export interface RedisSettleStoreOptions {
  readonly client: RedisClient;
  /** Milliseconds added to a written counter's TTL. Default: uniform in [0, 1000). */
  readonly jitterMs?: () => number;
  /** Deadline of one script call, milliseconds (see RedisLeaseStore). */
  readonly deadlineMs?: number;
  /** Bounds every script call in place of `deadlineMs` (see RedisCounterStoreOptions.deadline). */
  readonly deadline?: CallDeadline;
  /** Lua that defines `local now`; Redis TIME by default (tests: the argv clock, see ScriptRegistryOptions). */
  readonly clockPrelude?: string;
  /** Appended to every call's ARGV, for a swapped clock prelude. */
  readonly clockArgs?: () => readonly number[];
}

/**
 * Decision records, settles and charges (lua/settle/*.lua), composed like the limiter scripts:
 * clock prelude, lib/common.lua, lib/meter.lua, lib/settle.lua, then the script. The record and
 * the counter share a hash tag (decisionRecordKey), so a settle is one atomic script on one
 * Cluster slot. Failures reject with a StoreError; nothing is retried (a settle that timed out may
 * have been applied: a repeat is idempotent anyway, and the caller may send it again).
 */
export class RedisSettleStore {
  private readonly client: RedisClient;
  private readonly recordScript: SettleScript;
  private readonly settleScript: SettleScript;
  private readonly chargeScript: SettleScript;
  private readonly jitterMs: () => number;
  private readonly clockArgs: (() => readonly number[]) | undefined;

  constructor(private readonly options: RedisSettleStoreOptions) {
    this.client = options.client;
    const prelude = options.clockPrelude ?? redisTimeClockPrelude();
    const compose = (file: string): SettleScript => {
      const source = composeScript([prelude, ...['lib/common.lua', 'lib/meter.lua', 'lib/settle.lua', `settle/${file}`].map(readLua)]);
      return { source, sha: sha1(source) };
    };
    this.recordScript = compose('record.lua');
    this.settleScript = compose('settle.lua');
    this.chargeScript = compose('charge.lua');
    this.jitterMs = options.jitterMs ?? (() => Math.floor(Math.random() * 1_000));
    this.clockArgs = options.clockArgs;
  }

  /** Records an admitted decision; resolves with its expiry, epoch microseconds (Redis time). */
  async record(decision: DecisionToRecord): Promise<number> {
    const key = decisionRecordKey(decision.counterKey, decision.nonce);
    const args = [algorithmKind(decision.algorithm), decision.limit, decision.windowUs, decision.burst, decision.cost, DECISION_RECORD_GRACE_MS];
    const reply = await this.call(this.recordScript, [key], args, 'decision record');
    if (typeof reply !== 'number') throw new StoreUnavailableError(`decision record script replied ${JSON.stringify(reply)}`, { cause: reply });
    return reply;
  }

  /** Settles the decision recorded as (counterKey, nonce) at `actualCost` (see settle/settle.lua). */
  async settle(input: { counterKey: string; nonce: string; actualCost: number }): Promise<SettleReply> {
    const keys = [decisionRecordKey(input.counterKey, input.nonce), input.counterKey];
    const jitter = Math.max(0, Math.floor(this.jitterMs()));
    return parseSettleReply(await this.call(this.settleScript, keys, [input.actualCost, jitter], 'settle'));
  }

  /** Charges `cost` to a counter without deciding (settle/charge.lua): never refused, it may run into debt. */
  async charge(request: CounterToCharge): Promise<{ remaining: number; resetUs: number }> {
    const jitter = Math.max(0, Math.floor(this.jitterMs()));
    const args = [algorithmKind(request.algorithm), request.limit, request.windowUs, request.burst, request.cost, jitter];
    const reply = await this.call(this.chargeScript, [request.counterKey], args, 'charge');
    if (Array.isArray(reply) && reply.length === 2 && reply.every((n) => typeof n === 'number' && n >= 0)) {
      const [remaining, resetUs] = reply as number[];
      return { remaining, resetUs };
    }
    throw new StoreUnavailableError(`charge script replied ${JSON.stringify(reply)}`, { cause: reply });
  }

  /** SCRIPT LOAD of the three scripts into every master. */
  async load(): Promise<void> {
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    try {
      await Promise.all(nodes.flatMap((node) => [this.recordScript, this.settleScript, this.chargeScript].map((script) => node.script('LOAD', script.source))));
    } catch (error) {
      throw toStoreError(error, 'SCRIPT LOAD (settle)');
    }
  }

  private async call(script: SettleScript, keys: readonly string[], args: readonly number[], context: string): Promise<unknown> {
    const client = this.client;
    const node: Redis | undefined = client instanceof Cluster ? masterForSlot(client, keySlot(keys[0])) : client;
    const withClock = this.clockArgs === undefined ? args : [...args, ...this.clockArgs()];
    try {
      const work = evalScript(client, { script, keys, args: withClock });
      return await boundCall({ work, node, context, deadline: this.options.deadline, deadlineMs: this.options.deadlineMs });
    } catch (error) {
      throw toStoreError(error, context);
    }
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
