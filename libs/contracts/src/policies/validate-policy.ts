import { CHECK_BOUNDS, PRINTABLE_PATTERN } from '../check/check-bounds';
import { fieldPath, FieldReader, indexPath } from '../validation/field-reader';
import type { ValidationResult } from '../validation/validation-result';
import { CALENDAR_WINDOW_SECONDS, CALENDAR_WINDOWS, isTimeZone, type CalendarWindow } from './calendar-window';
import { ENVOY_RULE_BOUNDS, type EnvoyDescriptorMatch, type EnvoyRule } from './envoy-rule';
import { ENVOY_UNIT_SECONDS } from './envoy-unit';
import { ESCALATION_BOUNDS, ESCALATION_FIELDS, type EscalationSettings } from './escalation-settings';
import { FAILURE_MODES, type FailureMode } from './failure-mode';
import type { Policy } from './policy';
import { CONCURRENCY_ALGORITHM, POLICY_ALGORITHMS, STORED_POLICY_ALGORITHMS, type PolicyAlgorithm } from './policy-algorithm';
import { POLICY_LIMIT_BOUNDS, type PolicyLimit } from './policy-limit';
import type { PolicyMatch } from './policy-match';
import { POLICY_MODES, type PolicyMode } from './policy-mode';
import { POLICY_SCOPES, type PolicyScope } from './policy-scope';
import { hasEnvoyMatch, readEnvoyMatch, readEnvoyRule } from './read-envoy-rule';

const printable = new RegExp(PRINTABLE_PATTERN, 'u');

export const POLICY_RULES = {
  id: { pattern: /^[a-z0-9-]{1,64}$/, hint: 'a slug of 1 to 64 characters from [a-z0-9-]' },
  customerTier: { pattern: /^[A-Za-z0-9_.-]{1,64}$/, hint: 'a tier name of 1 to 64 characters from [A-Za-z0-9_.-]' },
  customerId: {
    pattern: { test: (v: string) => Array.from(v).length <= CHECK_BOUNDS.customerIdMaxLength && printable.test(v) },
    hint: `a string of 1 to ${CHECK_BOUNDS.customerIdMaxLength} printable characters`,
  },
  route: {
    pattern: { test: (v: string) => Array.from(v).length <= CHECK_BOUNDS.routeMaxLength && printable.test(v) },
    hint: `a route glob of 1 to ${CHECK_BOUNDS.routeMaxLength} printable characters`,
  },
  method: { pattern: /^[A-Za-z]{1,16}$/, hint: 'an HTTP method name of 1 to 16 letters' },
  limit: { min: 1, max: CHECK_BOUNDS.limitMax },
  windowSeconds: { min: CHECK_BOUNDS.windowSecondsMin, max: CHECK_BOUNDS.windowSecondsMax },
  version: { min: 1, max: Number.MAX_SAFE_INTEGER },
  limitName: { pattern: /^[a-z0-9-]{1,32}$/, hint: 'a slug of 1 to 32 characters from [a-z0-9-]' },
} as const;

const POLICY_FIELDS = ['id', 'match', 'algorithm', 'limit', 'windowSeconds', 'burst', 'scope', 'failureMode', 'mode', 'version', 'envoy', 'escalation', 'leaseSeconds', 'limits'];
const LIMIT_FIELDS = ['name', 'limit', 'windowSeconds', 'window', 'timeZone', 'algorithm', 'burst', 'scope'];
const MATCH_FIELDS = ['customerTier', 'customerId', 'route', 'method'];
const ENVOY_LIMIT = { min: 0, max: ENVOY_RULE_BOUNDS.requestsPerUnitMax };

export interface ValidatePolicyOptions {
  /** Prefix of every error path, e.g. `policies[3]`. Empty by default. */
  readonly path?: string;
  /** `reject` (default) flags fields this version does not know; `ignore` drops them (forward compatibility). */
  readonly unknownFields?: 'reject' | 'ignore';
}

/**
 * Validates one policy from untrusted input (a policy file, a message) and fills the defaults:
 * `burst` = `limit`, `scope` regional, `failureMode` open, `mode` enforce, `version` 1. Reports every
 * problem with its field path; `method` is normalised to upper case.
 */
export function validatePolicy(input: unknown, options: ValidatePolicyOptions = {}): ValidationResult<Policy> {
  const reader = new FieldReader();
  const policy = readPolicy(reader, input, options);
  return policy !== undefined && reader.errors.length === 0 ? { ok: true, value: policy } : { ok: false, errors: reader.errors };
}

/** Reads a policy into `reader`, for callers that validate a larger document. */
export function readPolicy(reader: FieldReader, input: unknown, options: ValidatePolicyOptions): Policy | undefined {
  const base = options.path ?? '';
  const at = (key: string): string => fieldPath(base, key);
  const raw = reader.object(input, base);
  if (raw === undefined) return undefined;
  if (options.unknownFields !== 'ignore') reader.knownKeys(raw, base, POLICY_FIELDS);

  const before = reader.errors.length;
  const id = reader.string(raw.id, at('id'), POLICY_RULES.id);
  const envoyMatch = hasEnvoyMatch(raw.match);
  const match = envoyMatch ? readEnvoyPolicyMatch(reader, raw.match, at('match'), options) : readMatch(reader, raw.match, at('match'), options);
  const algorithm = reader.oneOf(raw.algorithm, at('algorithm'), STORED_POLICY_ALGORITHMS);
  const concurrency = algorithm === CONCURRENCY_ALGORITHM;
  let leaseSeconds: number | undefined;
  let envoy: EnvoyRule | undefined;
  let limit: number | undefined;
  let windowSeconds: number | undefined;
  let burst: number | undefined;
  let limits: PolicyLimit[] | undefined;
  if (envoyMatch) {
    if (raw.limits !== undefined) reader.fail(at('limits'), 'is not for an imported envoy rule');
    envoy = raw.envoy === undefined ? reader.fail(at('envoy'), 'is required with match.envoy') : readEnvoyRule(reader, raw.envoy, at('envoy'), options);
    ({ limit, windowSeconds, burst } = readEnvoyNumbers(reader, { raw, rule: envoy, at }));
  } else if (raw.limits !== undefined && concurrency) {
    // Leases are counted in flight, one number per key; a stack's limits are counted per window.
    reader.fail(at('limits'), 'must not be combined with a concurrency policy: it limits requests in flight with one limit');
  } else if (raw.limits !== undefined) {
    if (raw.envoy !== undefined) reader.fail(at('envoy'), 'is only for a policy that matches match.envoy');
    if (raw.leaseSeconds !== undefined) reader.fail(at('leaseSeconds'), 'is only for a concurrency policy');
    limits = readLimits(reader, raw.limits, at('limits'), { options, algorithm: algorithm === CONCURRENCY_ALGORITHM ? undefined : algorithm });
    ({ limit, windowSeconds, burst } = readStackedSummary(reader, { raw, limits, at }));
  } else {
    if (raw.envoy !== undefined) reader.fail(at('envoy'), 'is only for a policy that matches match.envoy');
    limit = reader.integer(raw.limit, at('limit'), POLICY_RULES.limit);
    if (concurrency) {
      leaseSeconds = reader.number(raw.leaseSeconds, at('leaseSeconds'), POLICY_RULES.windowSeconds);
      // A concurrency policy's only time is its lease; windowSeconds names it too, for readers that know no leases.
      windowSeconds = raw.windowSeconds === undefined || raw.windowSeconds === leaseSeconds ? leaseSeconds : reader.fail(at('windowSeconds'), 'must equal leaseSeconds (or be left out) for a concurrency policy');
    } else {
      if (raw.leaseSeconds !== undefined) reader.fail(at('leaseSeconds'), 'is only for a concurrency policy');
      windowSeconds = reader.number(raw.windowSeconds, at('windowSeconds'), POLICY_RULES.windowSeconds);
    }
    burst = raw.burst === undefined ? limit : reader.integer(raw.burst, at('burst'), POLICY_RULES.limit);
  }
  const scope = raw.scope === undefined ? 'regional' : reader.oneOf<PolicyScope>(raw.scope, at('scope'), POLICY_SCOPES);
  const failureMode = raw.failureMode === undefined ? 'open' : reader.oneOf<FailureMode>(raw.failureMode, at('failureMode'), FAILURE_MODES);
  const mode = raw.mode === undefined ? 'enforce' : reader.oneOf<PolicyMode>(raw.mode, at('mode'), POLICY_MODES);
  const version = raw.version === undefined ? 1 : reader.integer(raw.version, at('version'), POLICY_RULES.version);
  const escalation = raw.escalation === undefined ? undefined : readEscalation(reader, raw.escalation, at('escalation'), options);
  if (concurrency) {
    // In-flight leases live in the regional Redis, and a caller that could not say "done" has nothing to shadow.
    if (scope === 'global') reader.fail(at('scope'), 'must be regional for a concurrency policy');
    if (mode === 'shadow') reader.fail(at('mode'), 'must be enforce for a concurrency policy');
    if (envoyMatch) reader.fail(at('algorithm'), 'must not be concurrency for an envoy rule');
  }

  if (reader.errors.length > before) return undefined;
  const policy: Policy = {
    id: id as string,
    match: match as PolicyMatch,
    algorithm: algorithm as Policy['algorithm'],
    limit: limit as number,
    windowSeconds: windowSeconds as number,
    burst: burst as number,
    scope: scope as PolicyScope,
    failureMode: failureMode as FailureMode,
    mode: mode as PolicyMode,
    version: version as number,
    ...(leaseSeconds === undefined ? {} : { leaseSeconds }),
    ...(escalation === undefined ? {} : { escalation }),
    ...(limits === undefined ? {} : { limits }),
  };
  return envoy === undefined ? policy : { ...policy, envoy };
}

/** `limits` of a stacked policy: 1 to 8 limits with unique names (readLimit). */
function readLimits(reader: FieldReader, input: unknown, path: string, context: { options: ValidatePolicyOptions; algorithm: PolicyAlgorithm | undefined }): PolicyLimit[] | undefined {
  if (!Array.isArray(input)) return reader.fail(path, 'must be an array');
  if (input.length < 1 || input.length > POLICY_LIMIT_BOUNDS.maxLimits) return reader.fail(path, `must hold 1 to ${POLICY_LIMIT_BOUNDS.maxLimits} limits`);
  const before = reader.errors.length;
  const limits = input.map((item, index) => readLimit(reader, item, indexPath(path, index), context));
  const seen = new Set<string>();
  limits.forEach((limit, index) => {
    if (limit === undefined) return;
    if (seen.has(limit.name)) reader.fail(fieldPath(indexPath(path, index), 'name'), `repeats "${limit.name}": names must be unique`);
    seen.add(limit.name);
  });
  return reader.errors.length > before ? undefined : (limits as PolicyLimit[]);
}

/**
 * One stacked limit: a `name`, a `limit`, and exactly one of `windowSeconds` or a calendar
 * `window` (with an IANA `timeZone`, default UTC, and the fixed_window algorithm); `algorithm`
 * defaults to the policy's, `burst` to `limit`; `scope`, when given, overrides the policy's for
 * this limit (kept as given: absent means the policy's).
 */
function readLimit(reader: FieldReader, input: unknown, path: string, context: { options: ValidatePolicyOptions; algorithm: PolicyAlgorithm | undefined }): PolicyLimit | undefined {
  const raw = reader.object(input, path);
  if (raw === undefined) return undefined;
  if (context.options.unknownFields !== 'ignore') reader.knownKeys(raw, path, LIMIT_FIELDS);
  const at = (key: string): string => fieldPath(path, key);
  const before = reader.errors.length;
  const name = reader.string(raw.name, at('name'), POLICY_RULES.limitName);
  const limit = reader.integer(raw.limit, at('limit'), POLICY_RULES.limit);
  const burst = raw.burst === undefined ? limit : reader.integer(raw.burst, at('burst'), POLICY_RULES.limit);
  let algorithm = raw.algorithm === undefined ? context.algorithm : reader.oneOf(raw.algorithm, at('algorithm'), POLICY_ALGORITHMS);
  const scope = raw.scope === undefined ? undefined : reader.oneOf<PolicyScope>(raw.scope, at('scope'), POLICY_SCOPES);
  let windowSeconds: number | undefined;
  let window: CalendarWindow | undefined;
  let timeZone: string | undefined;
  if (raw.window !== undefined) {
    if (raw.windowSeconds !== undefined) reader.fail(at('windowSeconds'), 'must not be combined with window');
    window = reader.oneOf(raw.window, at('window'), CALENDAR_WINDOWS);
    timeZone = raw.timeZone === undefined ? 'UTC' : isTimeZone(raw.timeZone) ? raw.timeZone : reader.fail(at('timeZone'), 'must be an IANA time zone such as UTC or Europe/Berlin');
    if (raw.algorithm !== undefined && raw.algorithm !== 'fixed_window') reader.fail(at('algorithm'), 'must be fixed_window (or omitted) for a calendar window');
    algorithm = 'fixed_window';
  } else {
    if (raw.timeZone !== undefined) reader.fail(at('timeZone'), 'is only for a calendar window');
    windowSeconds = raw.windowSeconds === undefined ? reader.fail(at('windowSeconds'), 'is required (or a calendar window)') : reader.number(raw.windowSeconds, at('windowSeconds'), POLICY_RULES.windowSeconds);
  }
  if (reader.errors.length > before || algorithm === undefined) return undefined;
  return {
    name: name as string,
    limit: limit as number,
    algorithm,
    burst: burst as number,
    ...(windowSeconds === undefined ? {} : { windowSeconds }),
    ...(window === undefined ? {} : { window, timeZone }),
    ...(scope === undefined ? {} : { scope }),
  };
}

/** The window of a stacked limit in seconds: its own, or a calendar window's nominal length. */
export function limitWindowSeconds(limit: Pick<PolicyLimit, 'windowSeconds' | 'window'>): number {
  return limit.window === undefined ? (limit.windowSeconds as number) : CALENDAR_WINDOW_SECONDS[limit.window];
}

/**
 * A stacked policy's `limit`, `windowSeconds` and `burst`: those of its limit with the shortest
 * window (the first of equals). Given ones must say the same, so a policy read back can be written
 * back unchanged.
 */
function readStackedSummary(
  reader: FieldReader,
  input: { raw: Record<string, unknown>; limits: readonly PolicyLimit[] | undefined; at: (key: string) => string },
): { limit: number | undefined; windowSeconds: number | undefined; burst: number | undefined } {
  const { raw, limits, at } = input;
  if (limits === undefined) return { limit: undefined, windowSeconds: undefined, burst: undefined };
  let shortest = limits[0];
  for (const limit of limits) if (limitWindowSeconds(limit) < limitWindowSeconds(shortest)) shortest = limit;
  const summary = { limit: shortest.limit, windowSeconds: limitWindowSeconds(shortest), burst: shortest.burst };
  for (const key of ['limit', 'windowSeconds', 'burst'] as const) {
    if (raw[key] !== undefined && raw[key] !== summary[key]) reader.fail(at(key), `must be ${summary[key]} (that of limits "${shortest.name}", the shortest window) or be omitted`);
  }
  return summary;
}

/** `match` of an imported envoy rule: `envoy` and nothing else. */
function readEnvoyPolicyMatch(reader: FieldReader, input: unknown, path: string, options: ValidatePolicyOptions): PolicyMatch | undefined {
  const raw = input as Record<string, unknown>;
  const before = reader.errors.length;
  for (const key of Object.keys(raw)) {
    if (key === 'envoy') continue;
    if (MATCH_FIELDS.includes(key)) reader.fail(fieldPath(path, key), 'must not be combined with envoy');
    else if (options.unknownFields !== 'ignore') reader.fail(fieldPath(path, key), 'is not a known field');
  }
  const envoy: EnvoyDescriptorMatch | undefined = readEnvoyMatch(reader, raw.envoy, fieldPath(path, 'envoy'), options);
  return reader.errors.length > before || envoy === undefined ? undefined : { envoy };
}

/**
 * `limit`, `windowSeconds` and `burst` of an imported envoy rule: requests_per_unit (0 allowed),
 * the unit's length and the bucket size for a limited rule; all three 0 otherwise.
 */
function readEnvoyNumbers(
  reader: FieldReader,
  input: { raw: Record<string, unknown>; rule: EnvoyRule | undefined; at: (key: string) => string },
): { limit: number | undefined; windowSeconds: number | undefined; burst: number | undefined } {
  const { raw, rule, at } = input;
  if (rule === undefined) return { limit: undefined, windowSeconds: undefined, burst: undefined };
  if (rule.rateLimit !== 'limited' || rule.unit === undefined) {
    const zero = (key: string): number | undefined => (raw[key] === 0 ? 0 : reader.fail(at(key), `must be 0 for an envoy rule that is ${rule.rateLimit === 'none' ? 'not rate limited' : 'unlimited'}`));
    return { limit: zero('limit'), windowSeconds: zero('windowSeconds'), burst: raw.burst === undefined ? 0 : zero('burst') };
  }
  const limit = reader.integer(raw.limit, at('limit'), ENVOY_LIMIT);
  const unitSeconds = ENVOY_UNIT_SECONDS[rule.unit];
  const windowSeconds = raw.windowSeconds === unitSeconds ? unitSeconds : reader.fail(at('windowSeconds'), `must be ${unitSeconds}, the length of a ${rule.unit}`);
  const burst = raw.burst === undefined ? limit : reader.integer(raw.burst, at('burst'), ENVOY_LIMIT);
  return { limit, windowSeconds, burst };
}

function readEscalation(reader: FieldReader, input: unknown, path: string, options: ValidatePolicyOptions): EscalationSettings | undefined {
  const raw = reader.object(input, path);
  if (raw === undefined) return undefined;
  if (options.unknownFields !== 'ignore') reader.knownKeys(raw, path, ESCALATION_FIELDS);
  const present = ESCALATION_FIELDS.filter((key) => raw[key] !== undefined);
  if (present.length === 0) return reader.fail(path, `must name at least one of ${ESCALATION_FIELDS.join(', ')}`);
  const settings: { -readonly [K in keyof EscalationSettings]: EscalationSettings[K] } = {};
  for (const key of present) settings[key] = reader.integer(raw[key], fieldPath(path, key), ESCALATION_BOUNDS[key]);
  return settings;
}

function readMatch(reader: FieldReader, input: unknown, path: string, options: ValidatePolicyOptions): PolicyMatch | undefined {
  if (input === undefined) return reader.fail(path, 'is required');
  const raw = reader.object(input, path);
  if (raw === undefined) return undefined;
  if (options.unknownFields !== 'ignore') reader.knownKeys(raw, path, MATCH_FIELDS);
  const at = (key: string): string => fieldPath(path, key);
  const present = MATCH_FIELDS.filter((key) => raw[key] !== undefined);
  if (present.length === 0) return reader.fail(path, `must name at least one of ${MATCH_FIELDS.join(', ')}`);

  const before = reader.errors.length;
  const match: { -readonly [K in keyof PolicyMatch]: PolicyMatch[K] } = {};
  if (raw.customerTier !== undefined) match.customerTier = reader.string(raw.customerTier, at('customerTier'), POLICY_RULES.customerTier);
  if (raw.customerId !== undefined) match.customerId = reader.string(raw.customerId, at('customerId'), POLICY_RULES.customerId);
  if (raw.route !== undefined) match.route = reader.string(raw.route, at('route'), POLICY_RULES.route);
  if (raw.method !== undefined) match.method = reader.string(raw.method, at('method'), POLICY_RULES.method)?.toUpperCase();
  if (raw.customerTier !== undefined && raw.customerId !== undefined) {
    reader.fail(at('customerTier'), 'must not be combined with customerId');
  }
  return reader.errors.length > before ? undefined : match;
}
