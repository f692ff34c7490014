import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, type Redis } from 'ioredis';
import { ALGORITHMS, type AlgorithmName } from '@rl/limiter-core';
import { redisErrorCode } from './errors';

/** A standalone or a cluster client; scripts run the same way on both. */
export type RedisClient = Redis | Cluster;

/** The two commands the registry needs to run a script; both ioredis clients have them. */
export interface ScriptRunner {
  evalsha(sha: string, numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  eval(source: string, numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}

/** KEYS of each limiter script, in order. All of one script's keys share one `{hash tag}`. */
export interface ScriptKeysByAlgorithm {
  readonly token_bucket: readonly [state: string];
  readonly gcra: readonly [state: string];
  readonly leaky_bucket: readonly [state: string];
  readonly fixed_window: readonly [state: string];
  readonly sliding_window: readonly [state: string];
  readonly sliding_log: readonly [log: string, sequence: string];
}

export type ScriptKeys<N extends AlgorithmName = AlgorithmName> = ScriptKeysByAlgorithm[N];

/**
 * ARGV of every limiter script, in order. A swapped clock prelude may read further arguments
 * after these (the test prelude reads `now` from the last ARGV).
 */
export type ScriptArgs = readonly [limit: number, windowUs: number, burst: number, cost: number, jitterMs: number, ...clock: number[]];

/** The sorted-set log of sliding_log keeps its insertion counter in a sibling key, inside the same hash tag. */
export const SLIDING_LOG_SEQUENCE_SUFFIX = ':seq';

/** The KEYS of `algorithm`'s script for one counter key (see buildCounterKey). */
export function scriptKeys<N extends AlgorithmName>(algorithm: N, counterKey: string): ScriptKeys<N>;
export function scriptKeys(algorithm: AlgorithmName, counterKey: string): ScriptKeys {
  return algorithm === 'sliding_log' ? [counterKey, counterKey + SLIDING_LOG_SEQUENCE_SUFFIX] : [counterKey];
}

/** One run of a limiter script: which one, with which KEYS and ARGV. */
export interface ScriptCall<N extends AlgorithmName = AlgorithmName> {
  readonly algorithm: N;
  readonly keys: ScriptKeys<N>;
  readonly args: ScriptArgs;
}

/**
 * KEYS and ARGV of global_window.lua (a region's share of a global limit). A swapped clock prelude
 * reads its time after these, as for the limiter scripts.
 */
export interface GlobalWindowScriptCall {
  readonly keys: readonly [count: string];
  readonly args: readonly [cap: number, windowMs: number, cost: number, jitterMs: number, expectedStartMs: number, ...clock: number[]];
}

/** The composed global_window.lua, as EVAL and EVALSHA take it. */
export interface GlobalWindowScript {
  readonly name: 'global_window';
  readonly source: string;
  readonly sha: string;
}

/** One composed script: what is sent with EVAL, and the SHA1 that EVALSHA names it by. */
export interface LimiterScript {
  readonly algorithm: AlgorithmName;
  readonly source: string;
  readonly sha: string;
}

/**
 * The batch script (lua/batch.lua), in two variants: `plain`, for a standalone Redis and for calls
 * whose keys share one Cluster slot; `cross-slot`, the same source behind the Redis 7 shebang
 * `#!lua flags=allow-cross-slot-keys`, for one call per Cluster node.
 */
export interface BatchScript {
  readonly variant: BatchScriptVariant;
  readonly source: string;
  readonly sha: string;
}

export type BatchScriptVariant = 'plain' | 'cross-slot';

/** KEYS and ARGV of one batch call, as encodeBatch builds them (a swapped clock prelude reads one more ARGV at the end). */
export interface BatchScriptCall {
  readonly variant: BatchScriptVariant;
  readonly keys: readonly string[];
  readonly args: readonly (string | number)[];
}

/** The shebang that lets a Redis 7 script touch keys of several slots served by its node. */
export const CROSS_SLOT_SHEBANG = '#!lua flags=allow-cross-slot-keys';

const LUA_DIR = join(__dirname, 'lua');

function readLua(relativePath: string): string {
  return readFileSync(join(LUA_DIR, relativePath), 'utf8');
}

/** The production clock prelude: `now` from Redis TIME. */
export function redisTimeClockPrelude(): string {
  return readLua('lib/clock.lua');
}

export function sha1(source: string): string {
  return createHash('sha1').update(source, 'utf8').digest('hex');
}

export interface ScriptRegistryOptions {
  /**
   * Lua that defines `local now` (integer microseconds) for the script. Defaults to Redis TIME;
   * tests pass one that reads ARGV so decisions can be compared at exact times.
   */
  readonly clockPrelude?: string;
  /**
   * Arguments appended to the ARGV of every call the registry makes, read by a swapped clock
   * prelude (tests: the argv clock's `now`, for calls the store builds itself). Default: none.
   */
  readonly clockArgs?: () => readonly number[];
}

/** A decision function of lua/algorithms: the six algorithms, global_window, and calendar_window and global_calendar_window (stacked limits only, in the batch script). */
type DecisionFunction = AlgorithmName | 'global_window' | 'calendar_window' | 'global_calendar_window';

/** What each decision function (lua/algorithms/<name>.lua) needs before it: the meter for the three buckets, the window count for the two windows. */
const FUNCTION_DEPENDENCIES: Readonly<Record<DecisionFunction, readonly string[]>> = {
  token_bucket: ['lib/meter.lua'],
  gcra: ['lib/meter.lua'],
  leaky_bucket: ['lib/meter.lua'],
  fixed_window: ['lib/window.lua'],
  sliding_window: [],
  sliding_log: [],
  global_window: [],
  calendar_window: ['lib/window.lua'],
  global_calendar_window: ['lib/window.lua'],
};

/**
 * The Lua files a script is composed of, in order, after the clock prelude: the shared helpers,
 * what the decision functions need, the functions (lua/algorithms), then the entry that calls them.
 * No block appears twice in a script, and every block lives in one file.
 */
export function scriptFiles(script: AlgorithmName | 'global_window' | 'batch'): string[] {
  const functions: DecisionFunction[] = script === 'batch' ? [...ALGORITHMS, 'global_window', 'calendar_window', 'global_calendar_window'] : [script];
  const dependencies = [...new Set(functions.flatMap((name) => FUNCTION_DEPENDENCIES[name]))];
  return ['lib/common.lua', ...dependencies, ...functions.map((name) => `algorithms/${name}.lua`), `${script}.lua`];
}

/**
 * The limiter scripts, composed once from the files scriptFiles names behind the clock prelude
 * (so no Lua block is pasted into two scripts), with SHA1s computed locally:
 * - one single-decision script per algorithm, and one for global_window;
 * - the batch script (N decisions of any kind in one call), in its plain and cross-slot variants.
 * Each decision function serves both its single-decision script and the batch script.
 *
 * Scripts run by EVALSHA. Only a NOSCRIPT reply falls back to EVAL: it proves the node has not
 * cached the script (restart, failover, SCRIPT FLUSH) and therefore did not run it. Any other
 * failure, a timeout above all, is passed on untouched: the script may already have counted the
 * request, and running it again could count it twice.
 */
export class ScriptRegistry {
  private readonly scripts: Readonly<Record<AlgorithmName, LimiterScript>>;
  private readonly globalWindow: GlobalWindowScript;
  private readonly batches: Readonly<Record<BatchScriptVariant, BatchScript>>;
  private readonly clockArgs: (() => readonly number[]) | undefined;

  constructor(options: ScriptRegistryOptions = {}) {
    this.clockArgs = options.clockArgs;
    const prelude = options.clockPrelude ?? redisTimeClockPrelude();
    const compose = (script: AlgorithmName | 'global_window' | 'batch'): string => composeScript([prelude, ...scriptFiles(script).map(readLua)]);
    const scripts = {} as Record<AlgorithmName, LimiterScript>;
    for (const algorithm of ALGORITHMS) {
      const source = compose(algorithm);
      scripts[algorithm] = { algorithm, source, sha: sha1(source) };
    }
    this.scripts = scripts;
    const globalSource = compose('global_window');
    this.globalWindow = { name: 'global_window', source: globalSource, sha: sha1(globalSource) };
    const plain = compose('batch');
    const crossSlot = composeScript([CROSS_SLOT_SHEBANG, plain]);
    this.batches = {
      plain: { variant: 'plain', source: plain, sha: sha1(plain) },
      'cross-slot': { variant: 'cross-slot', source: crossSlot, sha: sha1(crossSlot) },
    };
  }

  /** global_window.lua, composed like the limiter scripts. */
  globalWindowScript(): GlobalWindowScript {
    return this.globalWindow;
  }

  /** The batch script in one of its variants. */
  batchScript(variant: BatchScriptVariant): BatchScript {
    return this.batches[variant];
  }

  /** Runs global_window.lua by EVALSHA, falling back to EVAL on NOSCRIPT only (see `run`). */
  runGlobalWindow(client: ScriptRunner, { keys, args }: GlobalWindowScriptCall): Promise<unknown> {
    return evalScript(client, { script: this.globalWindow, keys, args: this.withClock(args) });
  }

  /** Runs one batch call by EVALSHA, falling back to EVAL on NOSCRIPT only (see `run`). */
  runBatch(client: ScriptRunner, { variant, keys, args }: BatchScriptCall): Promise<unknown> {
    return evalScript(client, { script: this.batches[variant], keys, args: this.withClock(args) });
  }

  script(algorithm: AlgorithmName): LimiterScript {
    return this.scripts[algorithm];
  }

  sha(algorithm: AlgorithmName): string {
    return this.scripts[algorithm].sha;
  }

  all(): readonly LimiterScript[] {
    return ALGORITHMS.map((algorithm) => this.scripts[algorithm]);
  }

  /** Runs `algorithm`'s script by EVALSHA, falling back to EVAL on NOSCRIPT only. */
  run<N extends AlgorithmName>(client: ScriptRunner, { algorithm, keys, args }: ScriptCall<N>): Promise<unknown> {
    return evalScript(client, { script: this.scripts[algorithm], keys, args: this.withClock(args) });
  }

  private withClock(args: readonly (string | number)[]): readonly (string | number)[] {
    return this.clockArgs === undefined ? args : [...args, ...this.clockArgs()];
  }

  /**
   * SCRIPT LOAD of every script every Redis runs (the single-decision scripts, global_window and
   * the plain batch script), so the first requests skip the NOSCRIPT round trip. On a cluster each
   * master has its own script cache, so every master is loaded. Needs a ready client. Resolves with
   * the SHA1s Redis reported, which equal the local ones. The cross-slot batch variant needs Redis 7
   * and is loaded by whoever knows the server has it (RedisCounterStore.load).
   */
  async load(client: RedisClient): Promise<string[]> {
    const nodes = client instanceof Cluster ? client.nodes('master') : [client];
    const sources = [...this.all().map((script) => script.source), this.globalWindow.source, this.batches.plain.source];
    const shas = await Promise.all(nodes.flatMap((node) => sources.map((source) => node.script('LOAD', source))));
    return shas.map(String);
  }
}

/**
 * EVALSHA, and EVAL only after a NOSCRIPT reply: the one reply proving the node (on a cluster, the
 * node owning the keys' slot) did not run the script, so sending the source is safe. After a
 * timeout or any other failure the script may have run and counted the request: a replay could
 * count it twice, so the failure is passed on untouched.
 */
export async function evalScript(
  client: ScriptRunner,
  { script, keys, args }: { readonly script: { readonly sha: string; readonly source: string }; readonly keys: readonly string[]; readonly args: readonly (string | number)[] },
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (redisErrorCode(error) !== 'NOSCRIPT') throw error;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}

/** Joins Lua blocks into one chunk, each on its own lines. */
export function composeScript(blocks: readonly string[]): string {
  return blocks.map((block) => (block.endsWith('\n') ? block : `${block}\n`)).join('\n');
}
