import { Api, ApiError, errorText, queryString, toApiError, type Fetch } from './api';

function recordingFetch(status: number, body: string): { fetch: Fetch; calls: { url: string; init: RequestInit }[] } {
  const calls: { url: string; init: RequestInit }[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      return new Response(status === 204 ? null : body, { status, headers: { 'content-type': 'application/json' } });
    },
  };
}

describe('Api', () => {
  it('sends the bearer token, JSON body, If-Match and the defined query parameters', async () => {
    const { fetch, calls } = recordingFetch(200, '{"id":"p","version":3}');
    const api = new Api({ token: 'tok', onUnauthorized: () => undefined, fetch });
    await expect(api.put('/v1/policies/p', { limit: 5 }, { ifMatch: 2 })).resolves.toEqual({ id: 'p', version: 3 });
    await api.get('/v1/global-usage', { policyId: 'world', key: undefined });
    expect(calls[0].url).toBe('/v1/policies/p');
    expect(calls[0].init).toMatchObject({ method: 'PUT', body: '{"limit":5}', headers: { authorization: 'Bearer tok', 'if-match': '2', 'content-type': 'application/json' } });
    expect(calls[1].url).toBe('/v1/global-usage?policyId=world');
    expect(calls[1].init.headers).not.toHaveProperty('content-type');
  });

  it('turns an error body into an ApiError with its fields, and signs out on 401', async () => {
    const body = JSON.stringify({ error: 'validation_failed', message: 'invalid request: limit must be...', fields: [{ path: 'limit', message: 'must be...' }, { bogus: 1 }] });
    let signedOut = 0;
    const api = new Api({ token: 'tok', onUnauthorized: () => signedOut++, fetch: recordingFetch(400, body).fetch });
    const error = await api.post('/v1/policies', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', fields: [{ path: 'limit', message: 'must be...' }] });
    expect(signedOut).toBe(0);

    const unauthorized = new Api({ token: 'bad', onUnauthorized: () => signedOut++, fetch: recordingFetch(401, '{"error":"unauthorized","message":"unknown or revoked token"}').fetch });
    await expect(unauthorized.get('/v1/policies')).rejects.toMatchObject({ status: 401, message: 'unknown or revoked token' });
    expect(signedOut).toBe(1);
  });

  it('answers 204 with undefined and a network failure with status 0', async () => {
    await expect(new Api({ token: 't', onUnauthorized: () => undefined, fetch: recordingFetch(204, '').fetch }).delete('/v1/blocks/x')).resolves.toBeUndefined();
    const down = new Api({ token: 't', onUnauthorized: () => undefined, fetch: () => Promise.reject(new TypeError('fetch failed')) });
    const error = await down.get('/v1/policies').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, code: 'network' });
    expect(errorText(error)).toBe('the policy service is unreachable (fetch failed)');
  });

  it('tolerates bodies of another shape (a proxy in between)', () => {
    expect(toApiError(502, '<html>Bad gateway</html>')).toMatchObject({ code: 'http_502', message: '<html>Bad gateway</html>', fields: [] });
    expect(toApiError(500, undefined)).toMatchObject({ code: 'http_500', message: 'HTTP 500' });
    expect(errorText(toApiError(412, { error: 'precondition_failed', message: 'stale' }))).toBe('stale (HTTP 412)');
  });

  it('builds query strings from defined, non-empty values', () => {
    expect(queryString(undefined)).toBe('');
    expect(queryString({ a: undefined, b: '' })).toBe('');
    expect(queryString({ dimension: 'key', limit: 10, region: 'us east' })).toBe('?dimension=key&limit=10&region=us+east');
  });
});
