/** One problem of a configuration file: the file, the path inside it (empty for the whole file) and what is wrong. */
export interface EnvoyConfigProblem {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

export function formatProblem(problem: EnvoyConfigProblem): string {
  return problem.path === '' ? `${problem.file}: ${problem.message}` : `${problem.file}: ${problem.path}: ${problem.message}`;
}

/**
 * A configuration that cannot be loaded: the class of envoyproxy/ratelimit's RateLimitConfigError,
 * with the same words, plus the path inside the file. Its message is every problem as
 * `<file>: <path>: <problem>`, separated by `; `, e.g.
 * `bad_limit_unit.yaml: descriptors[0].rate_limit.unit: invalid rate limit unit 'foo'`.
 */
export class EnvoyConfigError extends Error {
  constructor(readonly problems: readonly EnvoyConfigProblem[]) {
    super(problems.map(formatProblem).join('; '));
    this.name = 'EnvoyConfigError';
  }
}
