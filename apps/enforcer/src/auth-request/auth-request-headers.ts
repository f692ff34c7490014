import { CHECK_BOUNDS, parseIpAddress, PRINTABLE_PATTERN, type BadRequestResponse, type CheckRequest } from '@rl/contracts';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The request headers `GET /v1/auth` reads (lower-case, as Node delivers them). A gateway's
 * `auth_request` subrequest carries no body, so the identity travels in headers:
 *
 * | header                | check field  | rule                                                          |
 * |-----------------------|--------------|---------------------------------------------------------------|
 * | `x-ratelimit-key`     | `key`        | 1..256 printable characters; when absent the key is `ip:<X-Real-IP>` |
 * | `x-real-ip`           | `ip`         | IPv4 or IPv6 address; matched against IP and CIDR blocks      |
 * | `x-customer-id`       | `customerId` | 1..128 printable characters                                   |
 * | `x-original-uri`      | `route`      | the path of the original request URI, query string removed, 1..512 printable characters |
 * | `x-original-method`   | `method`     | 1..16 letters                                                 |
 * | `x-ratelimit-cost`    | `cost`       | integer from 1 to 1e9, default 1                              |
 *
 * An empty header counts as absent (nginx sends `proxy_set_header X-Customer-Id $var` with an
 * empty `$var` as no header at all, but other gateways may send it empty).
 */
export const AUTH_HEADERS = {
  key: 'x-ratelimit-key',
  ip: 'x-real-ip',
  customerId: 'x-customer-id',
  route: 'x-original-uri',
  method: 'x-original-method',
  cost: 'x-ratelimit-cost',
} as const;

/** Prefix of the counted identity derived from the client address when no key header is sent. */
export const IP_KEY_PREFIX = 'ip:';

export type AuthHeadersResult = { readonly ok: true; readonly request: CheckRequest } | { readonly ok: false; readonly error: BadRequestResponse };

const printable = new RegExp(PRINTABLE_PATTERN, 'u');
const METHOD = /^[A-Za-z]+$/;
const DECIMAL_INTEGER = /^[1-9]\d{0,9}$/;

function invalid(field: string, message: string): AuthHeadersResult {
  return { ok: false, error: { error: 'bad_request', field, message } };
}

/** One header value; repeated headers (an array, or Node's comma-joined form) are taken as sent. */
function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value.join(', ') : value;
  return text === undefined || text === '' ? undefined : text;
}

function printableText(value: string, maxLength: number): boolean {
  return value.length <= maxLength && printable.test(value);
}

/**
 * Turns the headers of one auth subrequest into the check request it stands for, or the 400 body
 * naming the first bad header. Never throws; allocation is limited to the request object itself.
 */
export function parseAuthRequestHeaders(headers: IncomingHttpHeaders): AuthHeadersResult {
  const ipText = single(headers, AUTH_HEADERS.ip);
  let ip: string | undefined;
  if (ipText !== undefined) {
    const address = parseIpAddress(ipText);
    if (address === undefined) return invalid(AUTH_HEADERS.ip, `${AUTH_HEADERS.ip} must be an IPv4 or IPv6 address`);
    ip = address.version === 6 ? ipText.toLowerCase() : ipText;
  }

  let key = single(headers, AUTH_HEADERS.key);
  if (key === undefined) {
    if (ip === undefined) return invalid(AUTH_HEADERS.key, `${AUTH_HEADERS.key} or ${AUTH_HEADERS.ip} is required`);
    key = IP_KEY_PREFIX + ip;
  } else if (!printableText(key, CHECK_BOUNDS.keyMaxLength)) {
    return invalid(AUTH_HEADERS.key, `${AUTH_HEADERS.key} must be 1 to ${CHECK_BOUNDS.keyMaxLength} printable characters`);
  }

  const customerId = single(headers, AUTH_HEADERS.customerId);
  if (customerId !== undefined && !printableText(customerId, CHECK_BOUNDS.customerIdMaxLength)) {
    return invalid(AUTH_HEADERS.customerId, `${AUTH_HEADERS.customerId} must be 1 to ${CHECK_BOUNDS.customerIdMaxLength} printable characters`);
  }

  const uri = single(headers, AUTH_HEADERS.route);
  let route: string | undefined;
  if (uri !== undefined) {
    const query = uri.indexOf('?');
    route = query === -1 ? uri : uri.slice(0, query);
    if (route === '' || !printableText(route, CHECK_BOUNDS.routeMaxLength)) {
      return invalid(AUTH_HEADERS.route, `${AUTH_HEADERS.route} must have a path of 1 to ${CHECK_BOUNDS.routeMaxLength} printable characters`);
    }
  }

  const method = single(headers, AUTH_HEADERS.method);
  if (method !== undefined && (method.length > CHECK_BOUNDS.methodMaxLength || !METHOD.test(method))) {
    return invalid(AUTH_HEADERS.method, `${AUTH_HEADERS.method} must be an HTTP method name of 1 to ${CHECK_BOUNDS.methodMaxLength} letters`);
  }

  const costText = single(headers, AUTH_HEADERS.cost);
  let cost = 1;
  if (costText !== undefined) {
    cost = DECIMAL_INTEGER.test(costText) ? Number(costText) : 0;
    if (cost < 1 || cost > CHECK_BOUNDS.costMax) {
      return invalid(AUTH_HEADERS.cost, `${AUTH_HEADERS.cost} must be an integer from 1 to ${CHECK_BOUNDS.costMax}`);
    }
  }

  const request: { -readonly [K in keyof CheckRequest]: CheckRequest[K] } = { key, cost };
  if (ip !== undefined) request.ip = ip;
  if (customerId !== undefined) request.customerId = customerId;
  if (route !== undefined) request.route = route;
  if (method !== undefined) request.method = method;
  return { ok: true, request };
}
