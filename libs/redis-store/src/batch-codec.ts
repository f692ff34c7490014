import {
  ALGORITHMS,
  combineStacked,
  StoreUnavailableError,
  type GlobalWindowDecision,
  type RawDecision,
  type StackedDecision,
  type StackedGlobalWindow,
  type StackedLimit,
  type StoreDecision,
  type StoreRequest,
} from '@rl/limiter-core';
import { SLIDING_LOG_SEQUENCE_SUFFIX } from './script-registry';

/**
 * The wire format of lua/batch.lua: how decideMany turns requests into one call's KEYS and ARGV,
 * and the call's reply back into decisions. The layout is documented in batch.lua; this file is
 * its only writer and reader.
 */

/** batch.lua's `kind` of each request: the index in ALGORITHMS + 1, 7 for global_window, 8 for stacked. */
export const BATCH_KINDS: Readonly<Record<StoreRequest['algorithm'], number>> = Object.freeze({
  ...(Object.fromEntries(ALGORITHMS.map((algorithm, index) => [algorithm, index + 1])) as Record<(typeof ALGORITHMS)[number], number>),
  global_window: ALGORITHMS.length + 1,
  stacked: ALGORITHMS.length + 2,
});

/** batch.lua's CALENDAR_WINDOW: the kind of a stacked limit with calendar bounds. */
export const BATCH_CALENDAR_KIND = ALGORITHMS.length + 3;

/** batch.lua's GLOBAL_LIMIT: the kind of a stacked limit shared by all regions (global_window with this region's cap). */
export const BATCH_GLOBAL_LIMIT_KIND = ALGORITHMS.length + 4;

/** batch.lua's GLOBAL_CALENDAR_LIMIT: a global limit counted in calendar bounds (global_calendar_window). */
export const BATCH_GLOBAL_CALENDAR_KIND = ALGORITHMS.length + 5;

/** Values of a stacked record before its limits (kind, dry_run, n, cost), and per limit (kind, p1..p4). */
export const BATCH_STACKED_HEAD = 4;
export const BATCH_LIMIT_WIDTH = 5;

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

/** The KEYS a request's decision takes, in order (a stack: each limit's). */
export function requestKeys(request: StoreRequest): readonly string[] {
  const keys: string[] = [];
  pushKeys(keys, request);
  return keys;
}

/**
 * The limits a request is encoded with as a stacked record: a stack's own, and a lone calendar
 * limit as a stack of one (calendar windows exist in batch.lua only as limits of a stack).
 */
function stackedLimits(request: StoreRequest): readonly StackedLimit[] | undefined {
  if (request.algorithm === 'stacked') return request.limits;
  if (request.algorithm !== 'global_window' && request.calendar !== undefined) return [request];
  return undefined;
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
  const args: (string | number)[] = [requests.length, 0, input.jitterBaseMs, input.jitterSpanMs];
  for (let index = 0; index < requests.length; index++) pushKeys(index < declared ? keys : args, requests[index]);
  args[1] = args.length - 4;
  for (const request of requests) {
    const dryRun = request.dryRun === true ? 1 : 0;
    const limits = stackedLimits(request);
    if (limits !== undefined) {
      args.push(BATCH_KINDS.stacked, dryRun, limits.length, request.cost);
      for (const limit of limits) pushStackedLimit(args, limit);
    } else if (request.algorithm === 'global_window') {
      args.push(BATCH_KINDS.global_window, dryRun, request.cap, request.windowMs, request.cost, request.expectedStartMs);
    } else if (request.algorithm !== 'stacked') {
      args.push(BATCH_KINDS[request.algorithm], dryRun, request.limit, request.windowUs, request.burst, request.cost);
    }
  }
  return { keys, args };
}

/**
 * Appends one limit of a stack as BATCH_LIMIT_WIDTH values (kind, p1..p4), the layout batch.lua
 * and the stacked lease scripts (lua/lease/stacked_limits.lua) read.
 */
export function pushStackedLimit(into: (string | number)[], limit: StackedLimit): void {
  if (limit.global !== undefined && limit.calendar !== undefined) into.push(BATCH_GLOBAL_CALENDAR_KIND, limit.limit, limit.calendar.startUs, limit.calendar.endUs, limit.calendar.nextEndUs);
  else if (limit.global !== undefined) into.push(BATCH_GLOBAL_LIMIT_KIND, limit.limit, Math.max(1, Math.round(limit.windowUs / 1000)), limit.global.expectedStartMs, 0);
  else if (limit.calendar === undefined) into.push(BATCH_KINDS[limit.algorithm], limit.limit, limit.windowUs, limit.burst, 0);
  else into.push(BATCH_CALENDAR_KIND, limit.limit, limit.calendar.startUs, limit.calendar.endUs, limit.calendar.nextEndUs);
}

/** Appends the KEYS a request's decision takes (requestKeys), without an array of its own. */
function pushKeys(into: (string | number)[], request: StoreRequest | StackedLimit): void {
  if (request.algorithm === 'stacked') {
    for (const limit of request.limits) pushKeys(into, limit);
    return;
  }
  into.push(request.key);
  if (request.algorithm === 'sliding_log') into.push(request.key + SLIDING_LOG_SEQUENCE_SUFFIX);
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
  const decision = decisionOf(entry, request);
  return decision ?? new StoreUnavailableError(`${entryName(index, request)}: unexpected reply ${preview(entry)}`, { cause: entry });
}

function decisionOf(entry: unknown, request: StoreRequest): StoreDecision | undefined {
  if (request.algorithm === 'global_window') return globalWindowDecisionOf(entry);
  const limits = stackedLimits(request);
  if (limits === undefined) return rawDecisionOf(entry);
  const stacked = stackedDecisionOf(entry, limits);
  // A lone calendar limit (a LimitRequest) answers with its own decision.
  return request.algorithm === 'stacked' || stacked === undefined ? stacked : stacked.limits[0];
}

/**
 * `{allowed (0|1), then allowed, remaining, resetUs, retryAfterUs per limit, then windowStartMs,
 * matched (0|1) per global limit}` as integers, combined (combineStacked), or undefined.
 */
export function stackedDecisionOf(reply: unknown, stack: readonly Pick<StackedLimit, 'global'>[]): StackedDecision | undefined {
  const count = stack.length;
  let globals = 0;
  for (const limit of stack) if (limit.global !== undefined) globals += 1;
  if (!Array.isArray(reply) || reply.length !== 1 + 4 * count + 2 * globals || (reply[0] !== 0 && reply[0] !== 1)) return undefined;
  const limits: RawDecision[] = new Array(count);
  for (let index = 0; index < count; index++) {
    const at = 1 + 4 * index;
    const [allowed, remaining, resetUs, retryAfterUs]: unknown[] = [reply[at], reply[at + 1], reply[at + 2], reply[at + 3]];
    if ((allowed !== 0 && allowed !== 1) || !isCount(remaining) || !isCount(resetUs) || !isCount(retryAfterUs)) return undefined;
    limits[index] = { allowed: allowed === 1, remaining, resetUs, retryAfterUs };
  }
  const combined = combineStacked({ allowed: reply[0] === 1, limits });
  if (globals === 0) return combined;
  const globalWindows = globalWindowsOf(reply, stack, 1 + 4 * count);
  return globalWindows === undefined ? undefined : { ...combined, globalWindows };
}

/** The `windowStartMs, matched` pairs from `at` on, one per global limit, as StackedDecision.globalWindows, or undefined. */
function globalWindowsOf(reply: unknown[], stack: readonly Pick<StackedLimit, 'global'>[], at: number): (StackedGlobalWindow | undefined)[] | undefined {
  const windows: (StackedGlobalWindow | undefined)[] = new Array(stack.length);
  let next = at;
  for (let index = 0; index < stack.length; index++) {
    if (stack[index].global === undefined) continue;
    const [windowStartMs, matched]: unknown[] = [reply[next], reply[next + 1]];
    if (!isCount(windowStartMs) || (matched !== 0 && matched !== 1)) return undefined;
    windows[index] = { windowStartMs, matched: matched === 1 };
    next += 2;
  }
  return windows;
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
