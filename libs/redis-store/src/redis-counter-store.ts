import { Cluster, type Redis } from 'ioredis';
import {
  StoreError,
  StoreUnavailableError,
  unadmissible,
  unadmissibleStacked,
  type BatchCounterStore,
  type CounterStore,
  type GlobalWindowDecision,
  type GlobalWindowRequest,
  type GlobalWindowStore,
  type LimitRequest,
  type RawDecision,
  type StoreDecision,
  type StoreRequest,
} from '@rl/limiter-core';
import { BatchEntryNotRunError, encodeBatch, globalWindowDecisionOf, parseBatchReply, rawDecisionOf, type BatchEntryOutcome } from './batch-codec';
import { boundCall, type CallDeadline } from './call-deadline';
import { keySlot, mastersByAddress, masterForSlot } from './cluster-routing';
import { waitForReady } from './connection';
import { CrossSlotSupport } from './cross-slot-support';
import { redisErrorCode, toStoreError } from './errors';
import { ScriptRegistry, scriptKeys, type BatchScriptVariant, type RedisClient, type ScriptRunner } from './script-registry';

/** Upper bound (exclusive) of the default TTL jitter, in milliseconds. */
export const DEFAULT_TTL_JITTER_MS = 1_000;

/**
 * Decisions per batch script call. A call holds Redis for its whole run, and every other client
 * waits behind it. Measured on a loaded 2-core machine, Redis CPU per decision at 64 per call was
 * 0.6× (token bucket) to 0.8× (sliding log, a mix of all six) of the single-decision script's, and
 * no lower at 128 or 256: 64 takes the gain while keeping each call half as long as 128 would.
 */
export const DEFAULT_MAX_BATCH_SIZE = 64;

const defaultJitterMs = (): number => Math.floor(Math.random() * DEFAULT_TTL_JITTER_MS);

const DEFAULT_READY_TIMEOUT_MS = 10_000;

/** Replies that prove a cluster node did not run the command: it belongs elsewhere, or not now. */
const REDIRECTIONS = new Set(['MOVED', 'ASK', 'TRYAGAIN', 'CLUSTERDOWN']);

let sharedRegistry: ScriptRegistry | undefined;

export interface RedisCounterStoreOptions {
  readonly client: RedisClient;
  /**
   * Milliseconds added to each written key's TTL, so keys written in the same instant do not all
   * expire in the same instant. Injected so tests can assert exact TTLs. Default: uniform in
   * [0, 1000). A batch call takes one value as its base and spreads its decisions over
   * `jitterSpanMs` from there (batchJitterMs).
   */
  readonly jitterMs?: () => number;
  /** The span a batch call's jitters are spread over, milliseconds (>= 1). Default DEFAULT_TTL_JITTER_MS. */
  readonly jitterSpanMs?: number;
  /** The composed scripts; defaults to one registry with the Redis TIME clock, shared by all stores. */
  readonly registry?: ScriptRegistry;
  /**
   * Decision deadline in milliseconds, tolerant of event-loop stalls (see withDeadline). When set,
   * give the client's own `commandTimeoutMs` a much larger value: it then only bounds how long a
   * lost command is remembered. Ignored for calls the `deadline` hook bounds.
   */
  readonly deadlineMs?: number;
  /** Bounds every script call (decide, decideGlobal, each call of decideMany) in place of `deadlineMs`. */
  readonly deadline?: CallDeadline;
  /** Most decisions per batch script call (>= 1). Default DEFAULT_MAX_BATCH_SIZE. */
  readonly maxBatchSize?: number;
  /**
   * How decideMany splits a batch on Redis Cluster. `per-node` (default): one call per node with
   * the cross-slot batch script when every master runs Redis 7 or later, one call per slot until
   * that is known or where it is not so. `per-slot`: always one call per slot.
   */
  readonly clusterCalls?: 'per-node' | 'per-slot';
}

/** One script call of decideMany: which requests (by index), to which node, through which client. */
interface PlannedCall {
  readonly indexes: readonly number[];
  readonly variant: BatchScriptVariant;
  /** How many of the leading requests' keys are declared as KEYS (the rest ride in ARGV). */
  readonly declared: number;
  /** The client the call goes through: a node's own client, or the Cluster client (which follows redirections). */
  readonly runner: ScriptRunner;
  /** The node it is expected on, for the deadline hook. */
  readonly node: Redis | undefined;
  /** A direct call to a node: a redirection reply, or an entry not run, sends the requests again per slot. */
  readonly rerouteRefused: boolean;
}

/**
 * The counter-store ports over Redis, with `now` from Redis TIME:
 * - `decide` / `decideGlobal`: one atomic single-decision script per decision;
 * - `decideMany`: any mix of regional and global requests in batch script calls (one TIME per
 *   call), each decision exactly what its single-decision twin would decide.
 * Works on a standalone Redis, behind Sentinel and on a Redis Cluster (every decision's keys share
 * a hash tag).
 *
 * Failures are StoreErrors: StoreTimeoutError when no reply came in time (the request may have
 * been counted), StoreUnavailableError otherwise. Nothing that may have run is ever sent again;
 * only NOSCRIPT (EVAL fallback) and cluster redirections, which prove a call did not run, are.
 */
export class RedisCounterStore implements CounterStore, GlobalWindowStore, BatchCounterStore {
  private readonly client: RedisClient;
  private readonly jitterMs: () => number;
  private readonly jitterSpanMs: number;
  private readonly registry: ScriptRegistry;
  private readonly deadlineMs: number | undefined;
  private readonly deadline: CallDeadline | undefined;
  private readonly maxBatchSize: number;
  private readonly clusterCalls: 'per-node' | 'per-slot';
  private readonly crossSlot = new CrossSlotSupport();

  constructor(options: RedisCounterStoreOptions) {
    this.client = options.client;
    this.deadlineMs = options.deadlineMs;
    this.deadline = options.deadline;
    this.jitterMs = options.jitterMs ?? defaultJitterMs;
    this.jitterSpanMs = options.jitterSpanMs ?? DEFAULT_TTL_JITTER_MS;
    this.registry = options.registry ?? (sharedRegistry ??= new ScriptRegistry());
    this.maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    this.clusterCalls = options.clusterCalls ?? 'per-node';
    if (!Number.isInteger(this.maxBatchSize) || this.maxBatchSize < 1) throw new RangeError(`maxBatchSize must be an integer >= 1, got ${this.maxBatchSize}`);
    if (!Number.isInteger(this.jitterSpanMs) || this.jitterSpanMs < 1) throw new RangeError(`jitterSpanMs must be an integer >= 1, got ${this.jitterSpanMs}`);
  }

  /**
   * One decision by its single-decision script; a dry run and a calendar window go through the
   * batch script (the single scripts always write, and know no calendar).
   */
  async decide(request: LimitRequest): Promise<RawDecision> {
    const refused = unadmissible(request);
    if (refused !== undefined) return refused;
    if (request.dryRun === true || request.calendar !== undefined) return (await this.decideOne(request)) as RawDecision;
    const context = `${request.algorithm} decision`;
    const keys = scriptKeys(request.algorithm, request.key);
    const work = this.registry.run(this.client, { algorithm: request.algorithm, keys, args: [request.limit, request.windowUs, request.burst, request.cost, this.jitter()] });
    return parseDecisionReply(await this.settled({ work, node: this.nodeFor(request.key), context }), request.algorithm);
  }

  /**
   * A region's share of a global limit (global_window.lua): admits `cost` if the region's count in
   * the aligned window plus `cost` stays within `cap`. Same failure semantics as `decide`.
   */
  async decideGlobal(request: GlobalWindowRequest): Promise<GlobalWindowDecision> {
    if (request.dryRun === true) return (await this.decideOne(request)) as GlobalWindowDecision;
    const work = this.registry.runGlobalWindow(this.client, {
      keys: [request.key],
      args: [request.cap, request.windowMs, request.cost, this.jitter(), request.expectedStartMs],
    });
    return parseGlobalWindowReply(await this.settled({ work, node: this.nodeFor(request.key), context: 'global_window decision' }));
  }

  /**
   * Decides every request (BatchCounterStore): entry i answers requests[i], or is the StoreError
   * that kept it from being decided. Never rejects.
   *
   * - Standalone and Sentinel: chunks of at most `maxBatchSize` requests, one batch call each.
   * - Redis Cluster, `per-node`: one cross-slot call per node (and chunk), sent to the node's own
   *   client. A redirection reply (MOVED, ASK, TRYAGAIN, CLUSTERDOWN) proves the call did not run,
   *   and an entry the script reports as not run (its key moved to another node meanwhile) wrote
   *   nothing: those requests are sent once more, per slot, through the Cluster client.
   * - Redis Cluster, per slot: one plain call per slot (and chunk) through the Cluster client,
   *   which follows redirections itself.
   * A call that fails or times out fails its own entries only, and is never sent again.
   */
  async decideMany(requests: readonly StoreRequest[]): Promise<Array<StoreDecision | StoreError>> {
    const results: Array<StoreDecision | StoreError | undefined> = new Array(requests.length);
    const pending: number[] = [];
    requests.forEach((request, index) => {
      const refused = request.algorithm === 'global_window' ? undefined : request.algorithm === 'stacked' ? unadmissibleStacked(request) : unadmissible(request);
      if (refused === undefined) pending.push(index);
      else results[index] = refused;
    });
    if (pending.length > 0) {
      const client = this.client;
      if (client instanceof Cluster) await this.decideOnCluster({ cluster: client, requests, pending, results });
      else await Promise.all(this.chunks(pending).map((indexes) => this.send({ indexes, variant: 'plain', declared: indexes.length, runner: client, node: client, rerouteRefused: false }, requests, results)));
    }
    return results as Array<StoreDecision | StoreError>;
  }

  /**
   * Loads every script up front (on a cluster, into every master: the cross-slot batch variant into
   * those that run Redis 7), once the client is ready, so the first decisions skip the NOSCRIPT
   * round trip and the first batches know whether they may go per node. Decisions work without it.
   */
  async load(options: { readyTimeoutMs?: number } = {}): Promise<void> {
    try {
      await waitForReady(this.client, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
      await this.registry.load(this.client);
      if (this.client instanceof Cluster) {
        const masters = this.client.nodes('master');
        await this.crossSlot.checkAll(masters);
        const crossSlotSource = this.registry.batchScript('cross-slot').source;
        await Promise.all(masters.map(async (node) => ((await this.crossSlot.checkAll([node])) ? node.script('LOAD', crossSlotSource) : undefined)));
      }
    } catch (error) {
      throw toStoreError(error, 'SCRIPT LOAD');
    }
  }

  private async decideOne(request: StoreRequest): Promise<StoreDecision> {
    const [outcome] = await this.decideMany([request]);
    if (outcome instanceof StoreError) throw outcome;
    return outcome;
  }

  private async decideOnCluster(input: {
    cluster: Cluster;
    requests: readonly StoreRequest[];
    pending: readonly number[];
    results: Array<StoreDecision | StoreError | undefined>;
  }): Promise<void> {
    const { cluster, requests, results } = input;
    const bySlot = new Map<number, number[]>();
    for (const index of input.pending) {
      const slot = keySlot(requests[index].key);
      const indexes = bySlot.get(slot);
      if (indexes === undefined) bySlot.set(slot, [index]);
      else indexes.push(index);
    }
    const masters = mastersByAddress(cluster);
    const perNode = this.clusterCalls === 'per-node' && this.crossSlot.everyNode([...masters.values()]);
    const perSlotCalls = (slots: Iterable<number[]>): PlannedCall[] =>
      [...slots].flatMap((indexes) => {
        const node = masterForSlot(cluster, keySlot(requests[indexes[0]].key), masters);
        return this.chunks(indexes).map((chunk): PlannedCall => ({ indexes: chunk, variant: 'plain', declared: chunk.length, runner: cluster, node, rerouteRefused: false }));
      });
    if (!perNode) {
      await Promise.all(perSlotCalls(bySlot.values()).map((call) => this.send(call, requests, results)));
      return;
    }
    // Slots by the node serving them; a slot whose node the map does not know goes per slot.
    const byNode = new Map<Redis, number[][]>();
    const unplaced: number[][] = [];
    for (const [slot, indexes] of bySlot) {
      const node = masterForSlot(cluster, slot, masters);
      if (node === undefined) unplaced.push(indexes);
      else byNode.set(node, [...(byNode.get(node) ?? []), indexes]);
    }
    const calls: PlannedCall[] = perSlotCalls(unplaced);
    for (const [node, slots] of byNode) {
      for (const chunk of this.chunks(slots.flat())) {
        // Redis 7.0 refuses declared keys of several slots: declare the first slot's, carry the rest.
        const anchor = keySlot(requests[chunk[0]].key);
        let declared = 1;
        while (declared < chunk.length && keySlot(requests[chunk[declared]].key) === anchor) declared++;
        calls.push({ indexes: chunk, variant: 'cross-slot', declared, runner: node, node, rerouteRefused: true });
      }
    }
    const refused = (await Promise.all(calls.map((call) => this.send(call, requests, results)))).flat();
    if (refused.length === 0) return;
    const again = new Map<number, number[]>();
    for (const index of refused.sort((a, b) => a - b)) {
      const slot = keySlot(requests[index].key);
      again.set(slot, [...(again.get(slot) ?? []), index]);
    }
    await Promise.all(perSlotCalls(again.values()).map((call) => this.send(call, requests, results)));
  }

  /**
   * Sends one batch call and writes its entries into `results`. Resolves with the indexes that
   * must be sent again (only for a call with `rerouteRefused`: the ones that provably did not run).
   */
  private async send(call: PlannedCall, requests: readonly StoreRequest[], results: Array<StoreDecision | StoreError | undefined>): Promise<number[]> {
    const batch = call.indexes.map((index) => requests[index]);
    const context = `batch of ${batch.length} decisions`;
    const { keys, args } = encodeBatch({ requests: batch, declared: call.declared, jitterBaseMs: this.jitter() % this.jitterSpanMs, jitterSpanMs: this.jitterSpanMs });
    let outcomes: BatchEntryOutcome[];
    try {
      const work = this.registry.runBatch(call.runner, { variant: call.variant, keys, args });
      outcomes = parseBatchReply(await boundCall({ work, node: call.node, context, deadline: this.deadline, deadlineMs: this.deadlineMs }), batch);
    } catch (error) {
      if (call.rerouteRefused && REDIRECTIONS.has(redisErrorCode(error) ?? '')) {
        if (call.runner !== this.client && this.client instanceof Cluster) this.client.refreshSlotsCache();
        return [...call.indexes];
      }
      const failure = toStoreError(error, context);
      for (const index of call.indexes) results[index] = failure;
      return [];
    }
    const again: number[] = [];
    outcomes.forEach((outcome, position) => {
      const index = call.indexes[position];
      if (!(outcome instanceof BatchEntryNotRunError)) results[index] = outcome;
      else if (call.rerouteRefused) again.push(index);
      else results[index] = new StoreUnavailableError(outcome.message, { cause: outcome.cause, code: outcome.code });
    });
    return again;
  }

  private chunks<T>(items: readonly T[]): T[][] {
    const chunks: T[][] = [];
    for (let start = 0; start < items.length; start += this.maxBatchSize) chunks.push(items.slice(start, start + this.maxBatchSize));
    return chunks;
  }

  private jitter(): number {
    const jitter = Math.floor(this.jitterMs());
    return jitter > 0 ? jitter : 0;
  }

  /** The node a command for `key` is written to: the client itself, or on a Cluster the slot's master in the client's map. */
  private nodeFor(key: string): Redis | undefined {
    const client = this.client;
    return client instanceof Cluster ? masterForSlot(client, keySlot(key)) : client;
  }

  /** The reply of one single-decision call, bounded; failures as StoreErrors. */
  private async settled({ work, node, context }: { work: Promise<unknown>; node: Redis | undefined; context: string }): Promise<unknown> {
    try {
      return await boundCall({ work, node, context, deadline: this.deadline, deadlineMs: this.deadlineMs });
    } catch (error) {
      throw toStoreError(error, context);
    }
  }
}

/** The single-decision scripts reply `{allowed (0|1), remaining, resetUs, retryAfterUs}` as integers. */
export function parseDecisionReply(reply: unknown, algorithm: string): RawDecision {
  const decision = rawDecisionOf(reply);
  if (decision !== undefined) return decision;
  throw new StoreUnavailableError(`${algorithm} script returned an unexpected reply: ${JSON.stringify(reply)}`, { cause: reply });
}

/** global_window.lua replies `{allowed, remaining, resetUs, retryAfterUs, windowStartMs, count, matched}` as integers. */
export function parseGlobalWindowReply(reply: unknown): GlobalWindowDecision {
  const decision = globalWindowDecisionOf(reply);
  if (decision !== undefined) return decision;
  throw new StoreUnavailableError(`global_window script returned an unexpected reply: ${JSON.stringify(reply)}`, { cause: reply });
}
