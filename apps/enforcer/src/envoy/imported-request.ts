import { CHECK_BOUNDS, ENVOY_RULE_BOUNDS, ENVOY_UNIT_SECONDS, parseIpAddress, type EnvoyUnit } from '@rl/contracts';
import type { EnvoyRequestEntry } from '@rl/envoy-config';
import type { RateLimitRequestMessage } from './rls-proto';
import { checkDescriptorEntries, checkRequestEnvelope, descriptorCost, RlsInvalidArgumentError } from './rls-request';

/** `RateLimitOverride.unit` names (and WEEK, 7, which this proto copy predates) as envoy units. */
const OVERRIDE_UNITS: ReadonlyMap<string | number, EnvoyUnit> = new Map<string | number, EnvoyUnit>([
  ['SECOND', 'second'],
  ['MINUTE', 'minute'],
  ['HOUR', 'hour'],
  ['DAY', 'day'],
  [7, 'week'],
  ['WEEK', 'week'],
  ['MONTH', 'month'],
  ['YEAR', 'year'],
]);

/** One descriptor of a request for a domain with imported rules. */
export interface ImportedDescriptor {
  readonly entries: readonly EnvoyRequestEntry[];
  /** The descriptor's `limit` override: it then applies instead of the configured rules. */
  readonly override: { readonly requestsPerUnit: number; readonly unit: EnvoyUnit; readonly unitSeconds: number } | undefined;
  /** From a `customer_id` or `customer` entry, for customer blocks. */
  readonly customerId: string | undefined;
  /** From a `remote_address` or `ip` entry holding an IP address, for IP and CIDR blocks. */
  readonly ip: string | undefined;
  /** Units this descriptor counts: its own `hits_addend` when set, else the request's (descriptorCost). */
  readonly cost: number;
}

export interface ImportedRequest {
  readonly domain: string;
  /** The request-level `hits_addend` as a cost; each descriptor's own `cost` is what it counts. */
  readonly cost: number;
  readonly descriptors: readonly ImportedDescriptor[];
}

/**
 * Validates a ShouldRateLimit request for a domain with imported rules (the same bounds as every
 * request; a bad field throws RlsInvalidArgumentError before any counter is touched). Entries are
 * kept as they are, for the rule tree; `customer_id`/`customer` and `remote_address`/`ip` entries
 * also feed the block list, as with the ordinary mapping, but never refuse a request: an address
 * that does not parse is just not matched against IP blocks.
 */
export function readImportedRequest(message: RateLimitRequestMessage): ImportedRequest {
  const cost = checkRequestEnvelope(message);
  const descriptors = message.descriptors.map((descriptor, i): ImportedDescriptor => {
    const path = `descriptors[${i}]`;
    checkDescriptorEntries(descriptor, path);
    let customerId: string | undefined;
    let ip: string | undefined;
    for (const { key, value } of descriptor.entries) {
      if ((key === 'customer_id' || key === 'customer') && customerId === undefined && value.length <= CHECK_BOUNDS.customerIdMaxLength) customerId = value;
      if ((key === 'remote_address' || key === 'ip') && ip === undefined && value.length <= 45) {
        const address = parseIpAddress(value);
        if (address !== undefined) ip = address.version === 6 ? value.toLowerCase() : value;
      }
    }
    return { entries: descriptor.entries, override: readOverride(descriptor.limit, `${path}.limit`), customerId, ip, cost: descriptorCost({ descriptor, path, requestCost: cost }) };
  });
  return { domain: message.domain, cost, descriptors };
}

function readOverride(limit: RateLimitRequestMessage['descriptors'][number]['limit'], path: string): ImportedDescriptor['override'] {
  if (limit === null) return undefined;
  const requestsPerUnit = limit.requests_per_unit;
  if (!Number.isInteger(requestsPerUnit) || requestsPerUnit < 0 || requestsPerUnit > ENVOY_RULE_BOUNDS.requestsPerUnitMax) {
    throw new RlsInvalidArgumentError(`${path}.requests_per_unit`, `must be an integer from 0 to ${ENVOY_RULE_BOUNDS.requestsPerUnitMax}`);
  }
  const unit = OVERRIDE_UNITS.get(limit.unit);
  if (unit === undefined) throw new RlsInvalidArgumentError(`${path}.unit`, `must be one of SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, YEAR, not ${String(limit.unit)}`);
  return { requestsPerUnit, unit, unitSeconds: ENVOY_UNIT_SECONDS[unit] };
}
