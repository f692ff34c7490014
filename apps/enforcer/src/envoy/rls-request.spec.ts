import AjvCompiler, { type Ajv } from '@fastify/ajv-compiler';
import { CHECK_REQUEST_SCHEMA, PRINTABLE_PATTERN } from '@rl/contracts';
import { safeIdentity } from '@rl/limiter-core';
import fc from 'fast-check';
import type { RateLimitDescriptorMessage, RateLimitRequestMessage } from './rls-proto';
import { ENTRY_FIELDS, mapRateLimitRequest, RlsInvalidArgumentError } from './rls-request';

const printable = new RegExp(PRINTABLE_PATTERN, 'u');
const entry = (key: string, value: string) => ({ key, value });
const descriptor = (entries: { key: string; value: string }[], limit: RateLimitDescriptorMessage['limit'] = null): RateLimitDescriptorMessage => ({ entries, limit });
const request = (descriptors: RateLimitDescriptorMessage[], extra: Partial<RateLimitRequestMessage> = {}): RateLimitRequestMessage => ({
  domain: 'edge',
  descriptors,
  hits_addend: 0,
  ...extra,
});

function errorOf(message: RateLimitRequestMessage): string {
  try {
    mapRateLimitRequest(message);
  } catch (error) {
    if (error instanceof RlsInvalidArgumentError) return error.message;
    throw error;
  }
  throw new Error('the request was accepted');
}

/** The check route's own validator: every mapped request must be one `POST /v1/check` would accept. */
function checkSchemaValidator(): (value: unknown) => boolean {
  let ajv: Ajv | undefined;
  AjvCompiler()({}, { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true }, onCreate: (created) => (ajv = created) });
  if (ajv === undefined) throw new Error('no Ajv instance');
  const validate = ajv.compile(CHECK_REQUEST_SCHEMA);
  return (value) => validate(value) === true;
}

describe('mapRateLimitRequest', () => {
  it('maps the well-known entries onto check fields, and derives the key from the domain and all entries', () => {
    const [mapped] = mapRateLimitRequest(
      request([descriptor([entry('customer_id', 'acme'), entry('path', '/v1/search?q=x'), entry('method', 'GET'), entry('remote_address', '10.1.2.3')])]),
    );
    expect(mapped).toEqual({
      key: 'edge|customer_id=acme|path=/v1/search?q%3Dx|method=GET|remote_address=10.1.2.3',
      customerId: 'acme',
      route: '/v1/search',
      method: 'GET',
      ip: '10.1.2.3',
      cost: 1,
    });
  });

  it('takes a `key` entry as the counted key, as is', () => {
    const [mapped] = mapRateLimitRequest(request([descriptor([entry('key', 'user:42'), entry('customer', 'acme'), entry('route', '/v1/things/**')])]));
    expect(mapped).toEqual({ key: 'user:42', customerId: 'acme', route: '/v1/things/**', cost: 1 });
  });

  it('percent-encodes %, | and = in derived keys, so distinct descriptors never share one', () => {
    const [one, two] = mapRateLimitRequest(request([descriptor([entry('a', '1|b=2')]), descriptor([entry('a', '1'), entry('b', '2')])]));
    expect(one.key).toBe('edge|a=1%7Cb%3D2');
    expect(two.key).toBe('edge|a=1|b=2');
    expect(mapRateLimitRequest(request([descriptor([entry('a%', '%7C')])]))[0].key).toBe('edge|a%25=%257C');
  });

  it('replaces a derived key longer than 256 characters by its digest', () => {
    const value = 'v'.repeat(300);
    const [mapped] = mapRateLimitRequest(request([descriptor([entry('generic_key', value)])]));
    expect(mapped.key).toBe(safeIdentity(`edge|generic_key=${value}`));
    expect(mapped.key).toMatch(/^#[A-Za-z0-9_-]{22}$/);
  });

  it('turns a limit override into an inline limit and window', () => {
    const units: [string, number][] = [['SECOND', 1], ['MINUTE', 60], ['HOUR', 3600], ['DAY', 86_400], ['MONTH', 2_592_000]];
    for (const [unit, windowSeconds] of units) {
      const [mapped] = mapRateLimitRequest(request([descriptor([entry('key', 'k')], { requests_per_unit: 7, unit: unit as 'SECOND' })]));
      expect(mapped).toMatchObject({ limit: 7, windowSeconds });
    }
  });

  it('charges hits_addend to every descriptor; 0 means one hit', () => {
    const mapped = mapRateLimitRequest(request([descriptor([entry('key', 'a')]), descriptor([entry('key', 'b')])], { hits_addend: 5 }));
    expect(mapped.map((m) => m.cost)).toEqual([5, 5]);
    expect(mapRateLimitRequest(request([descriptor([entry('key', 'a')])]))[0].cost).toBe(1);
  });

  it("lets a descriptor's own hits_addend override the request's for that descriptor; an unset one keeps the request's", () => {
    const own = (value: number): RateLimitDescriptorMessage => ({ ...descriptor([entry('key', 'a')]), hits_addend: { value } });
    const mapped = mapRateLimitRequest(request([own(9), descriptor([entry('key', 'b')]), { ...descriptor([entry('key', 'c')]), hits_addend: null }, own(0)], { hits_addend: 5 }));
    expect(mapped.map((m) => m.cost)).toEqual([9, 5, 5, 1]);
    expect(mapRateLimitRequest(request([own(3)]))[0].cost).toBe(3);
  });

  it('keeps IPv6 addresses in lower case, as blocks compare them', () => {
    expect(mapRateLimitRequest(request([descriptor([entry('ip', '2001:DB8::1')])]))[0].ip).toBe('2001:db8::1');
  });

  const printableRule = (max: number) => `must be a string of 1 to ${max} printable characters`;
  const ok = [entry('key', 'k')];
  it.each<[string, RateLimitRequestMessage, string]>([
    ['empty domain', request([descriptor(ok)], { domain: '' }), `domain ${printableRule(255)}`],
    ['domain with a newline', request([descriptor(ok)], { domain: 'a\nb' }), `domain ${printableRule(255)}`],
    ['no descriptors', request([]), 'descriptors must hold at least one descriptor'],
    ['65 descriptors', request(Array.from({ length: 65 }, () => descriptor(ok))), 'descriptors must hold at most 64 descriptors'],
    ['a descriptor without entries', request([descriptor(ok), descriptor([])]), 'descriptors[1].entries must hold at least one entry'],
    ['33 entries', request([descriptor(Array.from({ length: 33 }, (_, i) => entry(`k${i}`, 'v')))]), 'descriptors[0].entries must hold at most 32 entries'],
    ['empty entry key', request([descriptor([entry('a', 'b'), entry('', 'v')])]), `descriptors[0].entries[1].key ${printableRule(128)}`],
    ['empty entry value', request([descriptor([entry('a', '')])]), `descriptors[0].entries[0].value ${printableRule(1024)}`],
    ['control character in a value', request([descriptor([entry('a', 'x\u0000')])]), `descriptors[0].entries[0].value ${printableRule(1024)}`],
    ['value over 1024 characters', request([descriptor([entry('a', 'x'.repeat(1025))])]), `descriptors[0].entries[0].value ${printableRule(1024)}`],
    ['key entry over 256', request([descriptor([entry('key', 'k'.repeat(257))])]), 'descriptors[0].entries[0].value (key) must be a string of 1 to 256 printable characters'],
    ['customer over 128', request([descriptor([entry('customer_id', 'c'.repeat(129))])]), 'descriptors[0].entries[0].value (customer_id) must be a string of 1 to 128 printable characters'],
    ['route over 512', request([descriptor([entry('route', '/'.repeat(513))])]), 'descriptors[0].entries[0].value (route) must be a string of 1 to 512 printable characters'],
    ['path that is only a query', request([descriptor([entry('path', '?a=1')])]), 'descriptors[0].entries[0].value (path) must be a string of 1 to 512 printable characters'],
    ['method with digits', request([descriptor([entry('method', 'G3T')])]), 'descriptors[0].entries[0].value (method) must be an HTTP method name of 1 to 16 letters'],
    ['remote_address not an IP', request([descriptor([entry('remote_address', '10.0.0.300')])]), 'descriptors[0].entries[0].value (remote_address) must be an IPv4 or IPv6 address'],
    [
      'two entries setting customerId',
      request([descriptor([entry('customer_id', 'a'), entry('customer', 'b')])]),
      'descriptors[0].entries[1].key "customer" sets customerId, already set by descriptors[0].entries[0]',
    ],
    ['override of 0', request([descriptor(ok, { requests_per_unit: 0, unit: 'SECOND' })]), 'descriptors[0].limit.requests_per_unit must be an integer from 1 to 1000000000'],
    ['override over 1e9', request([descriptor(ok, { requests_per_unit: 1_000_000_001, unit: 'SECOND' })]), 'descriptors[0].limit.requests_per_unit must be an integer from 1 to 1000000000'],
    ['override in years', request([descriptor(ok, { requests_per_unit: 1, unit: 'YEAR' })]), 'descriptors[0].limit.unit must be one of SECOND, MINUTE, HOUR, DAY, MONTH (30 days, the longest window), not YEAR'],
    ['override unit unknown', request([descriptor(ok, { requests_per_unit: 1, unit: 'UNKNOWN' })]), 'descriptors[0].limit.unit must be one of SECOND, MINUTE, HOUR, DAY, MONTH (30 days, the longest window), not UNKNOWN'],
    ['override unit not in this proto', request([descriptor(ok, { requests_per_unit: 1, unit: 9 })]), 'descriptors[0].limit.unit must be one of SECOND, MINUTE, HOUR, DAY, MONTH (30 days, the longest window), not 9'],
    ['hits_addend over 1e9', request([descriptor(ok)], { hits_addend: 4_000_000_000 }), 'hits_addend must be an integer from 0 (one hit) to 1000000000'],
    ["a descriptor's hits_addend over 1e9", request([descriptor(ok), { ...descriptor(ok), hits_addend: { value: 1_000_000_001 } }]), 'descriptors[1].hits_addend must be an integer from 0 (one hit) to 1000000000'],
  ])('%s is INVALID_ARGUMENT naming the field', (_name, message, expected) => {
    expect(errorOf(message)).toBe(expected);
  });

  it('validates every descriptor before mapping any: the error names the first bad one', () => {
    expect(errorOf(request([descriptor(ok), descriptor([entry('method', '1')]), descriptor([])]))).toBe(
      'descriptors[1].entries[0].value (method) must be an HTTP method name of 1 to 16 letters',
    );
  });

  /** Maps `message`, asserting that it either fails with RlsInvalidArgumentError or yields requests POST /v1/check accepts. */
  function mapsOntoValidChecks(valid: (value: unknown) => boolean, message: RateLimitRequestMessage): boolean {
    let mapped;
    try {
      mapped = mapRateLimitRequest(message);
    } catch (error) {
      expect(error).toBeInstanceOf(RlsInvalidArgumentError);
      return false;
    }
    expect(mapped).toHaveLength(message.descriptors.length);
    for (const m of mapped) expect(valid({ ...m })).toBe(true);
    return true;
  }

  const units = fc.constantFrom('UNKNOWN', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'MONTH', 'YEAR') as fc.Arbitrary<'SECOND'>;

  it('maps plausible requests onto check requests that POST /v1/check accepts', () => {
    const valid = checkSchemaValidator();
    const known = fc.constantFrom(
      entry('key', 'user:1'),
      entry('customer_id', 'acme'),
      entry('customer', 'globex'),
      entry('route', '/v1/things/**'),
      entry('path', '/v1/a?b=c'),
      entry('method', 'post'),
      entry('remote_address', '10.0.0.1'),
      entry('ip', '2001:DB8::1'),
    );
    const other = fc.record({
      key: fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !Object.prototype.hasOwnProperty.call(ENTRY_FIELDS, k)),
      value: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }).filter((v) => printable.test(v))),
    });
    const entries = fc.uniqueArray(fc.oneof(known, other), {
      minLength: 1,
      maxLength: 6,
      selector: (e) => (Object.prototype.hasOwnProperty.call(ENTRY_FIELDS, e.key) ? ENTRY_FIELDS[e.key] : `other:${e.key}`),
    });
    const limit = fc.option(fc.record({ requests_per_unit: fc.integer({ min: 1, max: 1_000_000_000 }), unit: fc.constantFrom('SECOND', 'MINUTE', 'HOUR', 'DAY', 'MONTH') as fc.Arbitrary<'SECOND'> }), { nil: null });
    const message = fc.record({
      domain: fc.string({ minLength: 1, maxLength: 20 }),
      descriptors: fc.array(fc.record({ entries, limit }), { minLength: 1, maxLength: 4 }),
      hits_addend: fc.integer({ min: 0, max: 1_000_000_000 }),
    });
    fc.assert(
      fc.property(message, (m) => {
        expect(mapsOntoValidChecks(valid, m)).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it('refuses hostile requests with RlsInvalidArgumentError only, and maps the rest onto valid check requests', () => {
    const valid = checkSchemaValidator();
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom('GET', '/v1/a?b=c', '?', '10.0.0.1', '::1', '1.2.3', 'x'.repeat(300), '%|=', '__proto__', 'constructor'),
    );
    const names = fc.oneof(fc.constantFrom(...Object.keys(ENTRY_FIELDS), '__proto__', 'toString'), text);
    const descriptors = fc.array(
      fc.record({
        entries: fc.array(fc.record({ key: names, value: text }), { maxLength: 5 }),
        limit: fc.option(fc.record({ requests_per_unit: fc.nat({ max: 2_000_000_000 }), unit: units }), { nil: null }),
      }),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(text, descriptors, fc.nat({ max: 4_294_967_295 }), (domain, ds, hits) => {
        mapsOntoValidChecks(valid, { domain, descriptors: ds, hits_addend: hits });
      }),
      { numRuns: 2_000 },
    );
  });
});
