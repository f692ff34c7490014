import { CHECK_BOUNDS, CHECK_FIELD_RULES, parseIpAddress, PRINTABLE_PATTERN, type CheckRequest } from '@rl/contracts';
import { safeIdentity } from '@rl/limiter-core';
import type { RateLimitDescriptorMessage, RateLimitRequestMessage } from './rls-proto';

/** Bounds of a ShouldRateLimit request, beyond those of the check fields it maps onto. */
export const RLS_BOUNDS = {
  domainMaxLength: 255,
  descriptorsMax: 64,
  entriesMax: 32,
  entryKeyMaxLength: 128,
  entryValueMaxLength: 1024,
} as const;

/**
 * Window of each RateLimitOverride unit, in seconds. MONTH is taken as 30 days, the longest window
 * a check accepts; YEAR (365 days) is longer than that and is refused.
 */
export const OVERRIDE_UNIT_SECONDS: Readonly<Record<string, number>> = {
  SECOND: 1,
  MINUTE: 60,
  HOUR: 3_600,
  DAY: 86_400,
  MONTH: 2_592_000,
};

/** The check field each well-known descriptor entry key sets; every other entry only shapes the key. */
export const ENTRY_FIELDS: Readonly<Record<string, 'key' | 'customerId' | 'route' | 'method' | 'ip'>> = {
  key: 'key',
  customer_id: 'customerId',
  customer: 'customerId',
  route: 'route',
  path: 'route',
  method: 'method',
  remote_address: 'ip',
  ip: 'ip',
};

/** A request Envoy should not have sent: gRPC INVALID_ARGUMENT, the message naming the field path. */
export class RlsInvalidArgumentError extends Error {
  constructor(
    /** Proto field path, e.g. `descriptors[1].entries[0].value`. */
    readonly field: string,
    rule: string,
  ) {
    super(`${field} ${rule}`);
    this.name = 'RlsInvalidArgumentError';
  }
}

const printable = new RegExp(PRINTABLE_PATTERN, 'u');
const METHOD = /^[A-Za-z]+$/;
/** Characters escaped in a derived key, so that distinct descriptors never derive the same key. */
const KEY_SEPARATORS = /[%|=]/g;

function printableText(value: string, maxLength: number): boolean {
  return value.length >= 1 && value.length <= maxLength && printable.test(value);
}

function escapeKeyPart(text: string): string {
  return text.replace(KEY_SEPARATORS, (c) => (c === '%' ? '%25' : c === '|' ? '%7C' : '%3D'));
}

/**
 * Maps a ShouldRateLimit request onto one check request per descriptor (see the envoy README for
 * the table), validating everything first: a bad field anywhere throws RlsInvalidArgumentError
 * before any counter is touched.
 *
 * - `key` sets the counted key as is; without it the key is derived from the domain and every entry
 *   in order, `<domain>|<k>=<v>|<k>=<v>` with `%`, `|` and `=` percent-encoded. A derived key over
 *   256 characters (the longest check key) is replaced by its digest (limiter-core's `safeIdentity`).
 * - `customer_id`/`customer` -> customerId, `route` -> route, `path` -> route without its query
 *   string, `method` -> method, `remote_address`/`ip` -> ip (blocks by IP and CIDR).
 * - The descriptor's `limit` override -> the inline `limit`/`windowSeconds` (used when no stored
 *   policy matches, as for `POST /v1/check`).
 * - `hits_addend` (0: unset, one hit) -> cost, for every descriptor, unless the descriptor carries
 *   its own `hits_addend`, which then sets its cost (descriptorCost).
 */
export function mapRateLimitRequest(message: RateLimitRequestMessage): CheckRequest[] {
  const cost = checkRequestEnvelope(message);
  return message.descriptors.map((descriptor, i) => {
    const path = `descriptors[${i}]`;
    return mapDescriptor({ domain: message.domain, descriptor, path, cost: descriptorCost({ descriptor, path, requestCost: cost }) });
  });
}

/**
 * The cost of one descriptor: its own `hits_addend` when set (it overrides the request's, as in
 * Envoy's API), else the request's. Both bounds are the request-level field's: an integer up to
 * CHECK_BOUNDS.costMax, and 0 is one hit (a check never costs nothing; a count-only call is a dry
 * run over HTTP, which Envoy has no way to ask for).
 */
export function descriptorCost(input: { descriptor: RateLimitDescriptorMessage; path: string; requestCost: number }): number {
  const own = input.descriptor.hits_addend;
  if (own === undefined || own === null) return input.requestCost;
  const hits = own.value;
  if (!Number.isInteger(hits) || hits < 0 || hits > CHECK_BOUNDS.costMax) {
    throw new RlsInvalidArgumentError(`${input.path}.hits_addend`, `must be an integer from 0 (one hit) to ${CHECK_BOUNDS.costMax}`);
  }
  return hits === 0 ? 1 : hits;
}

/**
 * Checks what every ShouldRateLimit request must satisfy, whichever way its descriptors are then
 * decided: the domain, 1 to 64 descriptors, `hits_addend`. Returns the cost of each descriptor
 * (`hits_addend`, 0 meaning one hit).
 */
export function checkRequestEnvelope(message: RateLimitRequestMessage): number {
  const domain = message.domain;
  if (!printableText(domain, RLS_BOUNDS.domainMaxLength)) {
    throw new RlsInvalidArgumentError('domain', `must be a string of 1 to ${RLS_BOUNDS.domainMaxLength} printable characters`);
  }
  const descriptors = message.descriptors;
  if (descriptors.length === 0) throw new RlsInvalidArgumentError('descriptors', 'must hold at least one descriptor');
  if (descriptors.length > RLS_BOUNDS.descriptorsMax) {
    throw new RlsInvalidArgumentError('descriptors', `must hold at most ${RLS_BOUNDS.descriptorsMax} descriptors`);
  }
  const hits = message.hits_addend;
  if (!Number.isInteger(hits) || hits < 0 || hits > CHECK_BOUNDS.costMax) {
    throw new RlsInvalidArgumentError('hits_addend', `must be an integer from 0 (one hit) to ${CHECK_BOUNDS.costMax}`);
  }
  return hits === 0 ? 1 : hits;
}

/** Checks a descriptor's entries: 1 to 32, each key and value 1 to 128 and 1 to 1024 printable characters. */
export function checkDescriptorEntries(descriptor: RateLimitDescriptorMessage, path: string): void {
  const entries = descriptor.entries;
  if (entries.length === 0) throw new RlsInvalidArgumentError(`${path}.entries`, 'must hold at least one entry');
  if (entries.length > RLS_BOUNDS.entriesMax) throw new RlsInvalidArgumentError(`${path}.entries`, `must hold at most ${RLS_BOUNDS.entriesMax} entries`);
  for (let j = 0; j < entries.length; j++) {
    const { key: name, value } = entries[j];
    const at = `${path}.entries[${j}]`;
    if (!printableText(name, RLS_BOUNDS.entryKeyMaxLength)) {
      throw new RlsInvalidArgumentError(`${at}.key`, `must be a string of 1 to ${RLS_BOUNDS.entryKeyMaxLength} printable characters`);
    }
    if (!printableText(value, RLS_BOUNDS.entryValueMaxLength)) {
      throw new RlsInvalidArgumentError(`${at}.value`, `must be a string of 1 to ${RLS_BOUNDS.entryValueMaxLength} printable characters`);
    }
  }
}

type MutableCheckRequest = { -readonly [K in keyof CheckRequest]: CheckRequest[K] };

function mapDescriptor(input: { domain: string; descriptor: RateLimitDescriptorMessage; path: string; cost: number }): CheckRequest {
  const { descriptor, path } = input;
  checkDescriptorEntries(descriptor, path);
  const entries = descriptor.entries;

  const fields: Partial<MutableCheckRequest> = {};
  const setBy: Partial<Record<keyof CheckRequest, string>> = {};
  let derivedKey = escapeKeyPart(input.domain);
  for (let j = 0; j < entries.length; j++) {
    const { key: name, value } = entries[j];
    const at = `${path}.entries[${j}]`;
    derivedKey += `|${escapeKeyPart(name)}=${escapeKeyPart(value)}`;
    const field = Object.prototype.hasOwnProperty.call(ENTRY_FIELDS, name) ? ENTRY_FIELDS[name] : undefined;
    if (field === undefined) continue;
    const earlier = setBy[field];
    if (earlier !== undefined) throw new RlsInvalidArgumentError(`${at}.key`, `"${name}" sets ${field}, already set by ${earlier}`);
    setBy[field] = at;
    fields[field] = fieldValue({ field, name, value, at: `${at}.value` });
  }

  const key = fields.key ?? (derivedKey.length <= CHECK_BOUNDS.keyMaxLength ? derivedKey : safeIdentity(derivedKey));
  const request: MutableCheckRequest = { key, cost: input.cost };
  if (fields.customerId !== undefined) request.customerId = fields.customerId;
  if (fields.route !== undefined) request.route = fields.route;
  if (fields.method !== undefined) request.method = fields.method;
  if (fields.ip !== undefined) request.ip = fields.ip;
  if (descriptor.limit !== null) {
    const { limit, windowSeconds } = mapOverride(descriptor.limit, `${path}.limit`);
    request.limit = limit;
    request.windowSeconds = windowSeconds;
  }
  return request;
}

/** One well-known entry's value, held to the rule of the check field it sets. */
function fieldValue(input: { field: 'key' | 'customerId' | 'route' | 'method' | 'ip'; name: string; value: string; at: string }): string {
  const { field, value, at } = input;
  const fail = (rule: string): never => {
    throw new RlsInvalidArgumentError(at, `(${input.name}) ${rule}`);
  };
  switch (field) {
    case 'key':
      return value.length <= CHECK_BOUNDS.keyMaxLength ? value : fail(CHECK_FIELD_RULES.key);
    case 'customerId':
      return value.length <= CHECK_BOUNDS.customerIdMaxLength ? value : fail(CHECK_FIELD_RULES.customerId);
    case 'route': {
      // Envoy's `:path` carries the query string; route policies match the path alone.
      const route = input.name === 'path' ? value.split('?', 1)[0] : value;
      return route.length >= 1 && route.length <= CHECK_BOUNDS.routeMaxLength ? route : fail(CHECK_FIELD_RULES.route);
    }
    case 'method':
      return value.length <= CHECK_BOUNDS.methodMaxLength && METHOD.test(value) ? value : fail(CHECK_FIELD_RULES.method);
    case 'ip': {
      const address = value.length <= 45 ? parseIpAddress(value) : undefined;
      if (address === undefined) return fail(CHECK_FIELD_RULES.ip);
      return address.version === 6 ? value.toLowerCase() : value;
    }
  }
}

function mapOverride(override: NonNullable<RateLimitDescriptorMessage['limit']>, path: string): { limit: number; windowSeconds: number } {
  const limit = override.requests_per_unit;
  if (!Number.isInteger(limit) || limit < 1 || limit > CHECK_BOUNDS.limitMax) {
    throw new RlsInvalidArgumentError(`${path}.requests_per_unit`, `must be an integer from 1 to ${CHECK_BOUNDS.limitMax}`);
  }
  const unit = override.unit;
  const windowSeconds = typeof unit === 'string' && Object.prototype.hasOwnProperty.call(OVERRIDE_UNIT_SECONDS, unit) ? OVERRIDE_UNIT_SECONDS[unit] : undefined;
  if (windowSeconds === undefined) {
    throw new RlsInvalidArgumentError(`${path}.unit`, `must be one of SECOND, MINUTE, HOUR, DAY, MONTH (30 days, the longest window), not ${String(unit)}`);
  }
  return { limit, windowSeconds };
}
