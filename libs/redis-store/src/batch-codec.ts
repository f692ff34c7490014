import { ALGORITHMS, StoreUnavailableError, type GlobalWindowDecision, type RawDecision, type StoreDecision, type StoreRequest } from '@rl/limiter-core';
import { scriptKeys } from './script-registry';

/**
 * The wire format of lua/batch.lua: how decideMany turns requests into one call's KEYS and ARGV,
 * and the call's reply back into decisions. The layout is documented in batch.lua; this file is
 * its only writer and reader.
 */

/** batch.lua's `kind` of each request: the index in ALGORITHMS + 1, and 7 for global_window. */
export const BATCH_KINDS: Readonly<Record<StoreRequest['algorithm'], number>> = Object.freeze({
  ...(Object.fromEntries(ALGORITHMS.map((algorithm, index) => [algorithm, index + 1])) as Record<(typeof ALGORITHMS)[number], number>),
  global_window: ALGORITHMS.length + 1,
});

/** batch.lua's JITTER_STRIDE_MS: consecutive decisions' jitters lie this far apart, modulo the span. */
export const BATCH_JITTER_STRIDE_MS = 379;

/** Values per decision record in ARGV: kind, dry_run, then four numbers. */
export const BATCH_RECORD_WIDTH = 6;

/**
 * The TTL jitter batch.lua gives decision `index` (from 0) of a call: spread over the span with a
 * prime stride, so keys written together do not expire together, without one argument per decision.
 */
export function batchJitterMs(input: { baseMs: number; spanMs: number; index: number }): number {
  return (input.baseMs + input.index * BATCH_JITTER_STRIDE_MS) % input.spanMs;
}

/** The KEYS a request's decision takes, in order. */
export function requestKeys(request: StoreRequest): readonly string[] {
  return request.algorithm === 'global_window' ? [request.key] : scriptKeys(request.algorithm, request.key);
}

export interface EncodedBatch {
  readonly keys: string[];
  readonly args: (string | number)[];
}

/**
 * One call's KEYS and ARGV for `requests`, decided in the order given. The keys of the first
 * `declared` requests (all by default) go to KEYS; the rest are carried in ARGV (a cross-slot call
 * declares only the keys of one slot). `jitterBaseMs` must lie in [0, `jitterSpanMs`).
 */
export function encodeBatch(input: { requests: readonly StoreRequest[]; declared?: number; jitterBaseMs: number; jitterSpanMs: number }): EncodedBatch {
  const { requests } = input;
  const declared = input.declared ?? requests.length;
  const keys: string[] = [];
  const carried: string[] = [];
  const records: (string | number)[] = [];
  requests.forEach((request, index) => {
    (index < declared ? keys : carried).push(...requestKeys(request));
    const dryRun = request.dryRun === true ? 1 : 0;
    if (request.algorithm === 'global_window') {
      records.push(BATCH_KINDS.global_window, dryRun, request.cap, request.windowMs, request.cost, request.expectedStartMs);
    } else {
      records.push(BATCH_KINDS[request.algorithm], dryRun, request.limit, request.windowUs, request.burst, request.cost);
    }
  });
  return { keys, args: [requests.length, carried.length, input.jitterBaseMs, input.jitterSpanMs, ...carried, ...records] };
}

/**
 * A decision batch.lua reports as not run: Redis refused its first read (in a cross-slot call, a
 * key that moved to another node), so nothing of it was written and it may be sent again.
 */
export class BatchEntryNotRunError extends StoreUnavailableError {}

/** What one entry of a batch reply is: a decision, or why there is none. */
export type BatchEntryOutcome = StoreDecision | StoreUnavailableError;

/**
 * Reads a batch reply: entry i answers requests[i]. Anything malformed becomes a
 * StoreUnavailableError naming the entry (a reply of the wrong shape as a whole fails every entry).
 */
export function parseBatchReply(reply: unknown, requests: readonly StoreRequest[]): BatchEntryOutcome[] {
  if (!Array.isArray(reply) || reply.length !== requests.length) {
    const text = preview(reply);
    return requests.map((request, index) => new StoreUnavailableError(`${entryName(index, request)}: the batch script replied ${text}, not ${requests.length} entries`, { cause: reply }));
  }
  return requests.map((request, index) => parseEntry(reply[index], index, request));
}

function parseEntry(entry: unknown, index: number, request: StoreRequest): BatchEntryOutcome {
  if (Array.isArray(entry) && entry.length === 2 && (entry[0] === 'not_run' || entry[0] === 'failed') && typeof entry[1] === 'string') {
    const message = `${entryName(index, request)}: ${entry[1]}`;
    const code = errorCode(entry[1]);
    return entry[0] === 'not_run' ? new BatchEntryNotRunError(message, { cause: entry, code }) : new StoreUnavailableError(message, { cause: entry, code });
  }
  const decision = request.algorithm === 'global_window' ? globalWindowDecisionOf(entry) : rawDecisionOf(entry);
  return decision ?? new StoreUnavailableError(`${entryName(index, request)}: unexpected reply ${preview(entry)}`, { cause: entry });
}

/** `{allowed (0|1), remaining, resetUs, retryAfterUs}` as integers, or undefined. */
export function rawDecisionOf(reply: unknown): RawDecision | undefined {
  if (!Array.isArray(reply) || reply.length !== 4) return undefined;
  const [allowed, remaining, resetUs, retryAfterUs]: unknown[] = reply;
  if ((allowed === 0 || allowed === 1) && isCount(remaining) && isCount(resetUs) && isCount(retryAfterUs)) {
    return { allowed: allowed === 1, remaining, resetUs, retryAfterUs };
  }
  return undefined;
}

/** `{allowed, remaining, resetUs, retryAfterUs, windowStartMs, count, matched}` as integers, or undefined. */
export function globalWindowDecisionOf(reply: unknown): GlobalWindowDecision | undefined {
  if (!Array.isArray(reply) || reply.length !== 7) return undefined;
  const [allowed, remaining, resetUs, retryAfterUs, windowStartMs, count, matched]: unknown[] = reply;
  if (
    (allowed === 0 || allowed === 1) &&
    (matched === 0 || matched === 1) &&
    isCount(remaining) &&
    isCount(resetUs) &&
    isCount(retryAfterUs) &&
    isCount(windowStartMs) &&
    isCount(count)
  ) {
    return { allowed: allowed === 1, remaining, resetUs, retryAfterUs, windowStartMs, count, matched: matched === 1 };
  }
  return undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function entryName(index: number, request: StoreRequest): string {
  return `batch entry ${index} (${request.algorithm})`;
}

/** The first word of a Redis error text, when it looks like an error code (`WRONGTYPE`, `ERR`, ...). */
function errorCode(text: string): string | undefined {
  const word = /^[A-Z][A-Z_]*(?= |$)/.exec(text);
  return word === null ? undefined : word[0];
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
