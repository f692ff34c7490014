import type { EnvSchema, EnvValues } from './env-var';

/** Every bad or missing variable of one config, in one error. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates every variable of `schema` from `source` (normally `process.env`) once.
 * Empty values count as unset. Throws one ConfigError naming every problem, in schema order.
 */
export function loadEnv<S extends EnvSchema>(schema: S, source: Readonly<Record<string, string | undefined>>): EnvValues<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, variable] of Object.entries(schema)) {
    const raw = source[name];
    const result = variable.read(raw === undefined || raw === '' ? undefined : raw);
    if (result.ok) values[name] = result.value;
    else problems.push(`${name} ${result.problem}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as EnvValues<S>;
}
