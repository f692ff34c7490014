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
 * after these (the test prelude reads `now` from ARGV[6]).
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
 * reads its time after these, at ARGV[6], as for the limiter scripts.
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
}

/**
 * The limiter scripts, composed once as clock prelude + lib/common.lua + the algorithm file (so
 * no Lua block is pasted into two scripts), with SHA1s computed locally.
 *
 * Scripts run by EVALSHA. Only a NOSCRIPT reply falls back to EVAL: it proves the node has not
 * cached the script (restart, failover, SCRIPT FLUSH) and therefore did not run it. Any other
 * failure, a timeout above all, is passed on untouched: the script may already have counted the
 * request, and running it again could count it twice.
 */
export class ScriptRegistry {
  private readonly scripts: Readonly<Record<AlgorithmName, LimiterScript>>;
  private readonly globalWindow: GlobalWindowScript;

  constructor(options: ScriptRegistryOptions = {}) {
    const prelude = options.clockPrelude ?? redisTimeClockPrelude();
    const common = readLua('lib/common.lua');
    const scripts = {} as Record<AlgorithmName, LimiterScript>;
    for (const algorithm of ALGORITHMS) {
      const source = composeScript([prelude, common, readLua(`${algorithm}.lua`)]);
      scripts[algorithm] = { algorithm, source, sha: sha1(source) };
    }
    this.scripts = scripts;
    const globalSource = composeScript([prelude, common, readLua('global_window.lua')]);
    this.globalWindow = { name: 'global_window', source: globalSource, sha: sha1(globalSource) };
  }

  /** global_window.lua, composed like the limiter scripts. */
  globalWindowScript(): GlobalWindowScript {
    return this.globalWindow;
  }

  /** Runs global_window.lua by EVALSHA, falling back to EVAL on NOSCRIPT only (see `run`). */
  async runGlobalWindow(client: ScriptRunner, { keys, args }: GlobalWindowScriptCall): Promise<unknown> {
    try {
      return await client.evalsha(this.globalWindow.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (redisErrorCode(error) !== 'NOSCRIPT') throw error;
      return client.eval(this.globalWindow.source, keys.length, ...keys, ...args);
    }
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
  async run<N extends AlgorithmName>(client: ScriptRunner, { algorithm, keys, args }: ScriptCall<N>): Promise<unknown> {
    const script = this.scripts[algorithm];
    try {
      return await client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      // NOSCRIPT is the one reply proving the node (on a cluster, the node owning the keys' slot)
      // did not run the script, so sending the source is safe. After a timeout or any other
      // failure the script may have run and counted the request: a replay could count it twice.
      if (redisErrorCode(error) !== 'NOSCRIPT') throw error;
      return client.eval(script.source, keys.length, ...keys, ...args);
    }
  }

  /**
   * SCRIPT LOAD of every script, so the first requests skip the NOSCRIPT round trip. On a
   * cluster each master has its own script cache, so every master is loaded. Needs a ready client.
   * Resolves with the SHA1s Redis reported, which equal the local ones.
   */
  async load(client: RedisClient): Promise<string[]> {
    const nodes = client instanceof Cluster ? client.nodes('master') : [client];
    const sources = [...this.all().map((script) => script.source), this.globalWindow.source];
    const shas = await Promise.all(nodes.flatMap((node) => sources.map((source) => node.script('LOAD', source))));
    return shas.map(String);
  }
}

/** Joins Lua blocks into one chunk, each on its own lines. */
export function composeScript(blocks: readonly string[]): string {
  return blocks.map((block) => (block.endsWith('\n') ? block : `${block}\n`)).join('\n');
}
