import { createHash } from 'node:crypto';
import { compactIpIdentity } from './ip-identity';
import type { AlgorithmName } from './types';

const SAFE_IDENTITY = /^[A-Za-z0-9:_.@/-]{1,64}$/;

/**
 * One suffix per algorithm and state encoding. A suffix changes whenever what its state means
 * changes, so a new version never misreads a state an older one wrote: token_bucket was `tb`
 * (tokens left) and gcra `gc` (lead in µs of the old emission interval) until both came to store
 * the units used / owed; those counters restarted once.
 */
const SUFFIX: Record<AlgorithmName, string> = {
  token_bucket: 'tu',
  gcra: 'gu',
  leaky_bucket: 'lb',
  fixed_window: 'fw',
  sliding_window: 'sw',
  sliding_log: 'sl',
};

/**
 * Builds the Redis key of one counter: `rl:{<policy>:<identity>}:<algorithm>`.
 *
 * - The `{...}` hash tag covers the whole identity, so every key of one script lands in one
 *   Redis Cluster slot.
 * - Client-address identities (`ip:<IPv4>`, `ip:<IPv6>`, `ip:<IPv6 network>/64`, canonical text)
 *   are stored in a compact binary form (see ip-identity.ts): they are what key floods are made
 *   of, and the shorter key saves a Redis allocation size class per key.
 * - Other identities that are long or contain anything outside a conservative alphabet (braces,
 *   spaces, control or non-ASCII characters) are replaced by a SHA-256 digest, so raw input
 *   never shapes the key's structure and key length stays bounded.
 * - The algorithm suffix keeps states of different algorithms apart when a policy changes.
 */
export function buildCounterKey(input: { policyId: string; identity: string; algorithm: AlgorithmName }): string {
  return flatKey(input.policyId, counterIdentity(input.identity), SUFFIX[input.algorithm]);
}

/**
 * The Redis key of one concurrency limit's leases: `rl:{<policy>:<identity>}:cc`, a sorted set
 * (see acquireStep). Same hash tag and identity forms as buildCounterKey.
 */
export function buildConcurrencyKey(input: { policyId: string; identity: string }): string {
  return flatKey(input.policyId, counterIdentity(input.identity), 'cc');
}

/**
 * The keys of a stacked policy's counters (`"limits": [...]`), all in the one hash tag of the
 * policy and identity, so one script call decides them on Redis Cluster:
 * `rl:{<policy>:<identity>}:st` for the stack itself (its slot, deny-cache and ledger entry; no
 * state is stored under it), and `rl:{<policy>:<identity>}:<limit name>:<suffix>` per limit, the
 * suffix of its algorithm, `cw` for a calendar window or `gw` for a global limit (this region's
 * count of its share). Limit names are slugs ([a-z0-9-]).
 */
export function buildStackKeys(input: {
  policyId: string;
  identity: string;
  limits: readonly { readonly name: string; readonly algorithm: AlgorithmName; readonly calendar: boolean; readonly global?: boolean }[];
}): {
  stack: string;
  limits: string[];
} {
  const identity = counterIdentity(input.identity);
  return {
    stack: flatKey(input.policyId, identity, STACK_SUFFIX),
    limits: input.limits.map((limit) => flatKey(input.policyId, identity, `${limit.name}:${limit.global === true ? GLOBAL_SUFFIX : limit.calendar ? CALENDAR_SUFFIX : SUFFIX[limit.algorithm]}`)),
  };
}

const STACK_SUFFIX = 'st';
const CALENDAR_SUFFIX = 'cw';
const GLOBAL_SUFFIX = 'gw';

/**
 * The identity part of a Redis counter key: the compact form of a client address, else
 * `safeIdentity`. Only keys use it: reports, views and logs keep `safeIdentity`, which stays
 * readable.
 */
export function counterIdentity(identity: string): string {
  return compactIpIdentity(identity) ?? safeIdentity(identity);
}

export function safeIdentity(identity: string): string {
  if (SAFE_IDENTITY.test(identity)) return identity;
  return `#${createHash('sha256').update(identity).digest('base64url').slice(0, 22)}`;
}

/**
 * `rl:{<policy>:<identity>}:<suffix>` as one flat string. Keys are held by every bounded cache of
 * the enforcer (local fallback buckets, deny cache, hot-key rates, degraded-usage ledger), and a
 * template literal builds them in V8 as a tree of concatenations that a Map key keeps whole:
 * about 130 bytes per key, against about 50 for the flat string Array#join builds, at the same cost.
 */
export function flatKey(policyId: string, identity: string, suffix: string): string {
  return ['rl:{', policyId, ':', identity, '}:', suffix].join('');
}
