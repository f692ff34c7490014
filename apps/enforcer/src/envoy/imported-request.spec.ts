import type { RateLimitRequestMessage } from './rls-proto';
import { readImportedRequest } from './imported-request';

const message = (descriptors: RateLimitRequestMessage['descriptors'], hits = 0): RateLimitRequestMessage => ({ domain: 'edge', descriptors, hits_addend: hits });

describe('readImportedRequest', () => {
  it('keeps the entries, reads overrides (WEEK as 7) and the block-list fields', () => {
    const request = readImportedRequest(
      message(
        [
          { entries: [{ key: 'remote_address', value: '2001:DB8::1' }, { key: 'customer_id', value: 'acme' }], limit: null },
          { entries: [{ key: 'ip', value: 'not an address' }], limit: { requests_per_unit: 0, unit: 7 } },
          { entries: [{ key: 'k', value: 'v' }], limit: { requests_per_unit: 5, unit: 'YEAR' } },
        ],
        3,
      ),
    );
    expect(request.cost).toBe(3);
    expect(request.descriptors.map((d) => [d.ip, d.customerId, d.override])).toEqual([
      ['2001:db8::1', 'acme', undefined],
      [undefined, undefined, { requestsPerUnit: 0, unit: 'week', unitSeconds: 604_800 }],
      [undefined, undefined, { requestsPerUnit: 5, unit: 'year', unitSeconds: 31_536_000 }],
    ]);
  });

  it("counts each descriptor's own hits_addend, else the request's", () => {
    const request = readImportedRequest(
      message(
        [
          { entries: [{ key: 'k', value: 'a' }], limit: null, hits_addend: { value: 40 } },
          { entries: [{ key: 'k', value: 'b' }], limit: null },
          { entries: [{ key: 'k', value: 'c' }], limit: null, hits_addend: { value: 0 } },
        ],
        3,
      ),
    );
    expect(request.descriptors.map((d) => d.cost)).toEqual([40, 3, 1]);
  });

  it.each<[string, RateLimitRequestMessage, string]>([
    ['an empty domain', { domain: '', descriptors: [], hits_addend: 0 }, 'domain must be a string of 1 to 255 printable characters'],
    ['no descriptors', message([]), 'descriptors must hold at least one descriptor'],
    ['an entry without a value', message([{ entries: [{ key: 'a', value: '' }], limit: null }]), 'descriptors[0].entries[0].value must be a string of 1 to 1024 printable characters'],
    ['a negative override', message([{ entries: [{ key: 'a', value: 'b' }], limit: { requests_per_unit: -1, unit: 'SECOND' } }]), 'descriptors[0].limit.requests_per_unit must be an integer from 0 to 1000000000'],
    ['a fractional hits_addend', message([{ entries: [{ key: 'a', value: 'b' }], limit: null, hits_addend: { value: 1.5 } }]), 'descriptors[0].hits_addend must be an integer from 0 (one hit) to 1000000000'],
    ['an unknown unit', message([{ entries: [{ key: 'a', value: 'b' }], limit: { requests_per_unit: 1, unit: 9 } }]), 'descriptors[0].limit.unit must be one of SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, YEAR, not 9'],
  ])('refuses %s, naming the field', (_name, input, error) => {
    expect(() => readImportedRequest(input)).toThrow(error);
  });
});
