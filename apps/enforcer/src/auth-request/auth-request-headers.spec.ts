import { parseAuthRequestHeaders, type AuthHeadersResult } from './auth-request-headers';

function request(result: AuthHeadersResult) {
  if (!result.ok) throw new Error(`expected a request, got ${JSON.stringify(result.error)}`);
  return result.request;
}

function field(result: AuthHeadersResult): string {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.request)}`);
  return result.error.field;
}

describe('parseAuthRequestHeaders', () => {
  it('maps every header onto the check request', () => {
    expect(
      request(
        parseAuthRequestHeaders({
          'x-ratelimit-key': 'user:42',
          'x-real-ip': '203.0.113.7',
          'x-customer-id': 'acme',
          'x-original-uri': '/v1/search?q=shoes&page=2',
          'x-original-method': 'POST',
          'x-ratelimit-cost': '3',
        }),
      ),
    ).toEqual({ key: 'user:42', ip: '203.0.113.7', customerId: 'acme', route: '/v1/search', method: 'POST', cost: 3 });
  });

  it('derives the key from X-Real-IP when no key header is sent, and defaults the cost to 1', () => {
    expect(request(parseAuthRequestHeaders({ 'x-real-ip': '198.51.100.1' }))).toEqual({ key: 'ip:198.51.100.1', ip: '198.51.100.1', cost: 1 });
    expect(request(parseAuthRequestHeaders({ 'x-real-ip': '2001:DB8::1' })).key).toBe('ip:2001:db8::1');
  });

  it('treats empty headers as absent', () => {
    expect(request(parseAuthRequestHeaders({ 'x-ratelimit-key': 'k', 'x-customer-id': '', 'x-original-uri': '', 'x-real-ip': '' }))).toEqual({ key: 'k', cost: 1 });
  });

  it('requires a key or a client address', () => {
    const result = parseAuthRequestHeaders({ 'x-customer-id': 'acme' });
    expect(field(result)).toBe('x-ratelimit-key');
    expect(result.ok ? '' : result.error.message).toBe('x-ratelimit-key or x-real-ip is required');
  });

  it.each([
    [{ 'x-real-ip': 'not-an-ip' }, 'x-real-ip'],
    [{ 'x-real-ip': '10.0.0.1, 10.0.0.2' }, 'x-real-ip'],
    [{ 'x-ratelimit-key': 'k'.repeat(257) }, 'x-ratelimit-key'],
    [{ 'x-ratelimit-key': 'tab\there' }, 'x-ratelimit-key'],
    [{ 'x-ratelimit-key': 'k', 'x-customer-id': 'c'.repeat(129) }, 'x-customer-id'],
    [{ 'x-ratelimit-key': 'k', 'x-original-uri': '?only=query' }, 'x-original-uri'],
    [{ 'x-ratelimit-key': 'k', 'x-original-uri': `/${'p'.repeat(512)}` }, 'x-original-uri'],
    [{ 'x-ratelimit-key': 'k', 'x-original-method': 'GET /' }, 'x-original-method'],
    [{ 'x-ratelimit-key': 'k', 'x-original-method': 'A'.repeat(17) }, 'x-original-method'],
    [{ 'x-ratelimit-key': 'k', 'x-ratelimit-cost': '0' }, 'x-ratelimit-cost'],
    [{ 'x-ratelimit-key': 'k', 'x-ratelimit-cost': '1.5' }, 'x-ratelimit-cost'],
    [{ 'x-ratelimit-key': 'k', 'x-ratelimit-cost': '1000000001' }, 'x-ratelimit-cost'],
    [{ 'x-ratelimit-key': 'k', 'x-ratelimit-cost': '+2' }, 'x-ratelimit-cost'],
  ])('rejects %j naming %s', (headers, name) => {
    expect(field(parseAuthRequestHeaders(headers))).toBe(name);
  });

  it('accepts the bounds themselves', () => {
    const result = request(
      parseAuthRequestHeaders({
        'x-ratelimit-key': 'k'.repeat(256),
        'x-customer-id': 'c'.repeat(128),
        'x-original-uri': `/${'p'.repeat(511)}?${'q'.repeat(2000)}`,
        'x-original-method': 'M'.repeat(16),
        'x-ratelimit-cost': '1000000000',
      }),
    );
    expect(result.route).toHaveLength(512);
    expect(result.cost).toBe(1_000_000_000);
  });
});
