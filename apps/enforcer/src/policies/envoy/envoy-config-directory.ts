import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Policy } from '@rl/contracts';
import { EnvoyConfigError, envoyPolicies, parseEnvoyConfigs } from '@rl/envoy-config';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';

/** Files read from the directory: what envoyproxy/ratelimit's runtime directory holds. */
const CONFIG_FILE = /^[^.].*\.ya?ml$/;
/** Changes seen by the watcher are read after this quiet period, so one editor save is one reload. */
const DEBOUNCE_MS = 100;
/**
 * The directory is also re-read this often: a watcher misses a swap of the directory itself (a
 * symlink moved to a new directory, as with envoyproxy/ratelimit's runtime root).
 */
const POLL_MS = 5_000;

/** What the directory holds now: every file's rules as policies, and a digest of the files. */
export interface EnvoyDirectoryContent {
  readonly revision: string;
  readonly domains: readonly string[];
  readonly policies: readonly Policy[];
}

/** Why the directory could not be read at all (at boot: the variable names it). */
export class EnvoyConfigDirectoryError extends Error {
  constructor(dir: string, detail: string) {
    super(`ENVOY_RATELIMIT_CONFIG_DIR ${dir}: ${detail}`);
    this.name = 'EnvoyConfigDirectoryError';
  }
}

function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') return error.message;
  return String(error);
}

/** Reads and validates every configuration file of `dir`; throws on any problem. */
export async function readEnvoyConfigDirectory(dir: string): Promise<EnvoyDirectoryContent> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.isDirectory() && CONFIG_FILE.test(e.name)).map((e) => e.name);
  } catch (error) {
    throw new EnvoyConfigDirectoryError(dir, `cannot be read (${messageOf(error)})`);
  }
  names.sort();
  const digest = createHash('sha256');
  const files: { fileName: string; text: string }[] = [];
  for (const name of names) {
    let text: string;
    try {
      text = await readFile(join(dir, name), 'utf8');
    } catch (error) {
      throw new EnvoyConfigDirectoryError(dir, `${name} cannot be read (${messageOf(error)})`);
    }
    digest.update(name).update('\0').update(text).update('\0');
    files.push({ fileName: name, text });
  }
  const configs = parseEnvoyConfigs(files);
  return {
    revision: digest.digest('hex').slice(0, 12),
    domains: configs.map((c) => c.domain),
    policies: configs.flatMap((config) => envoyPolicies(config)),
  };
}

/**
 * ENVOY_RATELIMIT_CONFIG_DIR: envoyproxy/ratelimit configuration files, one domain each, read at
 * boot (any problem stops the boot, naming the file and the path inside it) and again on every
 * change, as envoyproxy/ratelimit reloads its runtime directory. A reload that finds a bad file
 * keeps the last good configuration in force and says why: an error log line, the
 * `rl_envoy_config_reloads_total{result="error"}` count and `rl_envoy_config_healthy` 0, and the
 * problem in `/readyz` (`warnings`), until a reload succeeds.
 */
export class EnvoyConfigDirectory {
  private readonly listeners = new Set<(content: EnvoyDirectoryContent) => void>();
  private lastProblem: string | undefined;
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private again = false;
  private closed = false;

  private constructor(
    readonly dir: string,
    private content: EnvoyDirectoryContent,
    private readonly logger: Logger,
    private readonly metrics: { reloads: Counter<'result'>; healthy: Gauge },
  ) {}

  static async open(input: { dir: string; logger: Logger; registry: Registry; watch?: boolean }): Promise<EnvoyConfigDirectory> {
    const content = await readEnvoyConfigDirectory(input.dir);
    const metrics = {
      reloads: new Counter({
        name: 'rl_envoy_config_reloads_total',
        help: 'Reloads of ENVOY_RATELIMIT_CONFIG_DIR that changed something (ok) or found a bad file and kept the last good configuration (error)',
        labelNames: ['result'],
        registers: [input.registry],
      }),
      healthy: new Gauge({
        name: 'rl_envoy_config_healthy',
        help: '1 while the files of ENVOY_RATELIMIT_CONFIG_DIR are the configuration in force, 0 after a reload found a bad file',
        registers: [input.registry],
      }),
    };
    metrics.healthy.set(1);
    const directory = new EnvoyConfigDirectory(input.dir, content, input.logger, metrics);
    if (input.watch !== false) directory.startWatching();
    return directory;
  }

  current(): EnvoyDirectoryContent {
    return this.content;
  }

  /** Why the last reload was refused, while the configuration before it stays in force. */
  problem(): string | undefined {
    return this.lastProblem;
  }

  subscribe(listener: (content: EnvoyDirectoryContent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the directory again; one reload at a time, and one more if asked meanwhile. */
  reload(): Promise<void> {
    if (this.reloading !== undefined) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = this.reloadOnce().finally(() => {
      this.reloading = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        void this.reload();
      }
    });
    return this.reloading;
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    if (this.poller !== undefined) clearInterval(this.poller);
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.listeners.clear();
  }

  private async reloadOnce(): Promise<void> {
    let next: EnvoyDirectoryContent;
    try {
      next = await readEnvoyConfigDirectory(this.dir);
    } catch (error) {
      // A bad file (EnvoyConfigError), an unreadable directory, or anything else: never a crash.
      const problem = error instanceof EnvoyConfigError || error instanceof EnvoyConfigDirectoryError ? error.message : `cannot be reloaded (${messageOf(error)})`;
      if (this.lastProblem !== problem) {
        this.lastProblem = problem;
        this.metrics.reloads.inc({ result: 'error' });
        this.metrics.healthy.set(0);
        this.logger.error({ dir: this.dir, problem, revision: this.content.revision }, 'envoy rate-limit config not reloaded; the last good configuration stays in force');
      }
      return;
    }
    const recovered = this.lastProblem !== undefined;
    this.lastProblem = undefined;
    this.metrics.healthy.set(1);
    if (next.revision === this.content.revision) return;
    this.content = next;
    this.metrics.reloads.inc({ result: 'ok' });
    this.logger.info({ dir: this.dir, revision: next.revision, domains: next.domains, rules: next.policies.length, recovered }, 'envoy rate-limit config reloaded');
    for (const listener of this.listeners) listener(next);
  }

  private startWatching(): void {
    const schedule = (): void => {
      if (this.closed) return;
      if (this.debounce !== undefined) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.reload(), DEBOUNCE_MS);
      this.debounce.unref();
    };
    try {
      this.watcher = watch(this.dir, { persistent: false }, schedule);
      this.watcher.on('error', (error) => this.logger.warn({ err: error, dir: this.dir }, 'envoy rate-limit config watcher failed; polling only'));
    } catch (error) {
      this.logger.warn({ err: error, dir: this.dir }, 'cannot watch the envoy rate-limit config directory; polling only');
    }
    this.poller = setInterval(() => void this.reload(), POLL_MS);
    this.poller.unref();
  }
}
