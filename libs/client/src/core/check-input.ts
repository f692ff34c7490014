import { createHash } from 'node:crypto';
import { CHECK_BOUNDS, parseIpAddress, PRINTABLE_PATTERN } from '@rl/contracts';

/**
 * One question to the limiter: may `key` spend `cost` now? The fields of `POST /v1/check`
 * (CONTRACT.md). In library mode `route` and `method` only label the decision; the policy comes
 * from code.
 */
export interface CheckInput {
  /** The counted identity. Text outside 1..256 printable characters is replaced by its SHA-256. */
  readonly key: string;
  readonly customerId?: string;
  readonly route?: string;
  readonly method?: string;
  /** Integer >= 1, default 1. */
  readonly cost?: number;
  /** Inline limit, used by the enforcer when no stored policy matches; requires windowSeconds. */
  readonly limit?: number;
  readonly windowSeconds?: number;
  /** The caller's IP address, for IP and CIDR blocks. */
  readonly ip?: string;
  /** Library mode: the id of one of the client's policies (default: its default policy). */
  readonly policy?: string;
  /**
   * Remote mode: ask the enforcer to record the decision so that `RateLimitClient.settle` can
   * charge or refund the actual cost later (the decision's `decisionId`). Library mode records
   * nothing: its decisions carry no `decisionId`.
   */
  readonly settle?: boolean;
}

/** A check the client refuses to send: a programming or configuration error, named by field. */
export class InvalidCheckError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
    this.name = 'InvalidCheckError';
  }
}

const PRINTABLE = new RegExp(PRINTABLE_PATTERN, 'u');
const METHOD = /^[A-Za-z]{1,16}$/;

function printable(value: string, max: number): boolean {
  return value.length >= 1 && value.length <= max && PRINTABLE.test(value);
}

/**
 * A key the enforcer accepts: itself when it is 1..256 printable characters, otherwise
 * `sha256:<digest>`. Keys often come from request headers, and a caller must not be able to turn
 * their own request into a 400 (or into somebody else's key) by sending odd text.
 */
export function normalizeKey(key: string): string {
  if (printable(key, CHECK_BOUNDS.keyMaxLength)) return key;
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('base64url')}`;
}

/**
 * Checks a CheckInput against the `POST /v1/check` schema before it leaves the process, so a bad
 * option fails here with the field's name instead of as a 400 from the enforcer. Returns the
 * input with its key normalized.
 */
export function validateCheckInput(input: CheckInput): CheckInput {
  if (typeof input.key !== 'string') throw new InvalidCheckError('key', 'must be a string');
  const optionalText: [keyof CheckInput, number][] = [
    ['customerId', CHECK_BOUNDS.customerIdMaxLength],
    ['route', CHECK_BOUNDS.routeMaxLength],
  ];
  for (const [field, max] of optionalText) {
    const value = input[field];
    if (value !== undefined && (typeof value !== 'string' || !printable(value, max))) {
      throw new InvalidCheckError(field, `must be a string of 1 to ${max} printable characters`);
    }
  }
  if (input.method !== undefined && (typeof input.method !== 'string' || !METHOD.test(input.method))) {
    throw new InvalidCheckError('method', 'must be an HTTP method name of 1 to 16 letters');
  }
  if (input.cost !== undefined && !(Number.isInteger(input.cost) && input.cost >= 1 && input.cost <= CHECK_BOUNDS.costMax)) {
    throw new InvalidCheckError('cost', `must be an integer from 1 to ${CHECK_BOUNDS.costMax}`);
  }
  if ((input.limit === undefined) !== (input.windowSeconds === undefined)) {
    throw new InvalidCheckError(input.limit === undefined ? 'limit' : 'windowSeconds', 'limit and windowSeconds go together');
  }
  if (input.limit !== undefined && !(Number.isInteger(input.limit) && input.limit >= 1 && input.limit <= CHECK_BOUNDS.limitMax)) {
    throw new InvalidCheckError('limit', `must be an integer from 1 to ${CHECK_BOUNDS.limitMax}`);
  }
  const window = input.windowSeconds;
  if (window !== undefined && !(typeof window === 'number' && window >= CHECK_BOUNDS.windowSecondsMin && window <= CHECK_BOUNDS.windowSecondsMax)) {
    throw new InvalidCheckError('windowSeconds', `must be a number of seconds from ${CHECK_BOUNDS.windowSecondsMin} to ${CHECK_BOUNDS.windowSecondsMax}`);
  }
  if (input.ip !== undefined && (typeof input.ip !== 'string' || parseIpAddress(input.ip) === undefined)) {
    throw new InvalidCheckError('ip', 'must be an IPv4 or IPv6 address');
  }
  if (input.settle !== undefined && typeof input.settle !== 'boolean') throw new InvalidCheckError('settle', 'must be a boolean');
  const key = normalizeKey(input.key);
  return key === input.key ? input : { ...input, key };
}
