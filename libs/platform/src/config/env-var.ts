/** The outcome of reading one variable: its typed value, or what is wrong with it. */
export type EnvReadResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/**
 * One environment variable in a declarative config schema.
 *
 * `read` receives the raw value (`undefined` when unset or empty) and returns the typed value or a
 * problem phrased to follow the variable's name, e.g. `must be an integer between 1 and 10000 (got "abc")`.
 */
export interface EnvVar<T> {
  /** One line for the config table in the README. */
  readonly description: string;
  /** How the default reads in docs; `undefined` when the variable is required. */
  readonly defaultText: string | undefined;
  readonly required: boolean;
  read(raw: string | undefined): EnvReadResult<T>;
}

/** A schema: variable name to its declaration. */
export type EnvSchema = Readonly<Record<string, EnvVar<unknown>>>;

/** The typed values a schema produces. */
export type EnvValues<S extends EnvSchema> = { readonly [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never };
