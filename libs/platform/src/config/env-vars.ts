import { readFileSync } from 'node:fs';
import type { EnvReadResult, EnvVar } from './env-var';

/** A default: a value, or a function for values known only at run time (such as the host name). */
export type EnvDefault<T> = T | { readonly compute: () => T; readonly text: string };

interface Common<T> {
  readonly description: string;
  /** Omit to make the variable required (or wrap the declaration in `optional`). */
  readonly default?: EnvDefault<T>;
  /** Never echo the value in error messages (credentials, tokens). */
  readonly sensitive?: boolean;
}

const ok = <T>(value: T): EnvReadResult<T> => ({ ok: true, value });
const problem = <T>(text: string): EnvReadResult<T> => ({ ok: false, problem: text });

function got(raw: string, sensitive: boolean | undefined): string {
  if (sensitive) return '(value not shown)';
  const shown = raw.length > 80 ? `${raw.slice(0, 77)}...` : raw;
  return `(got ${JSON.stringify(shown)})`;
}

function declare<T>(common: Common<T>, parse: (raw: string) => EnvReadResult<T>): EnvVar<T> {
  const fallback = common.default;
  const hasDefault = fallback !== undefined;
  return {
    description: common.description,
    required: !hasDefault,
    defaultText: !hasDefault ? undefined : isComputed(fallback) ? fallback.text : String(fallback),
    read(raw) {
      if (raw !== undefined) return parse(raw);
      if (!hasDefault) return problem('is required');
      return ok(isComputed(fallback) ? fallback.compute() : fallback);
    },
  };
}

function isComputed<T>(value: EnvDefault<T>): value is { readonly compute: () => T; readonly text: string } {
  return typeof value === 'object' && value !== null && 'compute' in value;
}

export interface EnvStringOptions extends Common<string> {
  /** The whole value must match. */
  readonly pattern?: RegExp;
  /** How the pattern reads in an error message, e.g. `lowercase letters, digits and "-"`. */
  readonly patternHint?: string;
  readonly maxLength?: number;
}

export function envString(options: EnvStringOptions): EnvVar<string> {
  const maxLength = options.maxLength ?? 4096;
  return declare(options, (raw) => {
    if (raw.length > maxLength) return problem(`must be at most ${maxLength} characters ${got(raw, options.sensitive)}`);
    if (options.pattern !== undefined && !options.pattern.test(raw)) {
      return problem(`must be ${options.patternHint ?? `a string matching ${options.pattern.source}`} ${got(raw, options.sensitive)}`);
    }
    return ok(raw);
  });
}

export interface EnvIntOptions extends Common<number> {
  readonly min: number;
  readonly max: number;
}

const INTEGER = /^-?\d+$/;

export function envInt(options: EnvIntOptions): EnvVar<number> {
  return declare(options, (raw) => {
    const value = INTEGER.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < options.min || value > options.max) {
      return problem(`must be an integer between ${options.min} and ${options.max} ${got(raw, options.sensitive)}`);
    }
    return ok(value);
  });
}

export interface EnvEnumOptions<T extends string> extends Common<T> {
  readonly values: readonly T[];
}

export function envEnum<T extends string>(options: EnvEnumOptions<T>): EnvVar<T> {
  return declare(options, (raw) => {
    const match = options.values.find((v) => v === raw);
    if (match === undefined) return problem(`must be one of ${options.values.join(', ')} ${got(raw, options.sensitive)}`);
    return ok(match);
  });
}

export interface EnvUrlOptions extends Common<string> {
  /** Accepted schemes with their colon, e.g. `['redis:', 'rediss:']`. */
  readonly protocols: readonly string[];
}

export function envUrl(options: EnvUrlOptions): EnvVar<string> {
  const expected = `a URL starting with ${options.protocols.map((p) => `${p}//`).join(' or ')}`;
  return declare(options, (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return problem(`must be ${expected} ${got(raw, options.sensitive)}`);
    }
    if (!options.protocols.includes(url.protocol)) {
      return problem(`must be ${expected} ${got(withoutPassword(raw, url), options.sensitive)}`);
    }
    return ok(raw);
  });
}

function withoutPassword(raw: string, url: URL): string {
  if (url.password === '') return raw;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}

/** A URL as logs may show it: any password masked (`***`). */
export function urlForLogs(raw: string): string {
  return withoutPassword(raw, new URL(raw));
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const HOST_PORT = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

/** A comma-separated list of `host:port` (spaces around commas are ignored), e.g. Redis Cluster seed nodes. */
export function envHostPortList(options: Common<readonly HostPort[]>): EnvVar<readonly HostPort[]> {
  return declare(options, (raw) => {
    const nodes: HostPort[] = [];
    for (const item of raw.split(',')) {
      const match = HOST_PORT.exec(item.trim());
      const port = match === null ? 0 : Number(match[2]);
      if (match === null || port < 1 || port > 65535) {
        return problem(`must be a comma-separated list of host:port ${got(raw, options.sensitive)}`);
      }
      nodes.push({ host: match[1], port });
    }
    return ok(nodes);
  });
}

/** Makes a declaration optional: unset reads as `undefined`, a set value must still be valid. */
export function optional<T>(inner: EnvVar<T>): EnvVar<T | undefined> {
  return {
    description: inner.description,
    required: false,
    defaultText: inner.defaultText,
    read: (raw) => (raw === undefined && inner.required ? ok(undefined) : inner.read(raw)),
  };
}

/** A file named by a variable, read once at boot: its path (for messages) and its text. */
export interface EnvFile {
  readonly path: string;
  readonly text: string;
}

export interface EnvFileOptions extends Common<EnvFile> {
  /** What is wrong with the file's text, phrased to follow the variable's name; `undefined` when it is fine. */
  readonly check?: (text: string) => string | undefined;
  /** Larger files are refused (default 1 MiB). */
  readonly maxBytes?: number;
}

/**
 * A path to a file (certificate, key, credentials) that is read and checked while the config is
 * loaded, so a missing, unreadable or wrong file stops the service at boot naming the variable.
 * The file's text is never echoed in a message.
 */
export function envFile(options: EnvFileOptions): EnvVar<EnvFile> {
  const maxBytes = options.maxBytes ?? 1_048_576;
  return declare(options, (raw) => {
    let text: string;
    try {
      const bytes = readFileSync(raw);
      if (bytes.length > maxBytes) return problem(`names a file larger than ${maxBytes} bytes (${JSON.stringify(raw)})`);
      text = bytes.toString('utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return problem(`names a file that cannot be read (${JSON.stringify(raw)}: ${typeof code === 'string' ? code : String(error)})`);
    }
    const wrong = options.check?.(text);
    return wrong === undefined ? ok({ path: raw, text }) : problem(`${wrong} (${JSON.stringify(raw)})`);
  });
}

/** A check for envFile: the text holds at least one PEM block with one of `labels` (e.g. `CERTIFICATE`). */
export function pemCheck(labels: readonly string[], what: string): (text: string) => string | undefined {
  return (text) => (labels.some((label) => new RegExp(`-----BEGIN ${label}-----`).test(text)) ? undefined : `must be a PEM file with ${what}`);
}
