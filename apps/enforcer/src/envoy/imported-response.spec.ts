import type { CheckReply } from '../check/format-decision';
import type { CompiledEnvoyRule } from '../policies/envoy/compiled-envoy-rule';
import { formatImportedResponse, type ImportedOutcome } from './imported-response';
import { RlsUnavailableError } from './rls-response';

const rule = (overrides: Partial<CompiledEnvoyRule> = {}): CompiledEnvoyRule => ({
  unlimited: false,
  name: undefined,
  replaces: [],
  limitName: '',
  quotaMode: false,
  policy: undefined,
  unit: 'minute',
  unitSeconds: 60,
  requestsPerUnit: 4,
  alignedWindows: true,
  ...overrides,
});

const reply = (statusCode: 200 | 429 | 503, body: Partial<CheckReply['body']> = {}): CheckReply => ({
  statusCode,
  headers: { 'x-ratelimit-remaining': String(body.remaining ?? 0), 'ratelimit-policy': '"p";q=4;w=60' },
  body: { allowed: statusCode === 200, limit: 4, remaining: 0, resetSeconds: 12.5, retryAfterSeconds: 0, policy: { id: 'p', version: 1 }, region: 'us-east', ...body },
});

const decided = (r: CheckReply, overrides: Partial<CompiledEnvoyRule> = {}): ImportedOutcome => ({ kind: 'decided', rule: rule(overrides), reply: r });

describe('formatImportedResponse', () => {
  it('answers each kind of descriptor as envoyproxy/ratelimit does', () => {
    const response = formatImportedResponse([{ kind: 'none' }, { kind: 'unlimited' }, decided(reply(200, { remaining: 3 }), { limitName: 'per_ip' }), decided(reply(429))], 130.9);
    expect(response.overall_code).toBe('OVER_LIMIT');
    expect(response.statuses).toEqual([
      { code: 'OK', current_limit: null, limit_remaining: 0, duration_until_reset: null },
      { code: 'OK', current_limit: null, limit_remaining: 4_294_967_295, duration_until_reset: null },
      { code: 'OK', current_limit: { name: 'per_ip', requests_per_unit: 4, unit: 'MINUTE' }, limit_remaining: 3, duration_until_reset: { seconds: 50, nanos: 0 } },
      { code: 'OVER_LIMIT', current_limit: { name: '', requests_per_unit: 4, unit: 'MINUTE' }, limit_remaining: 0, duration_until_reset: { seconds: 50, nanos: 0 } },
    ]);
    expect(response.response_headers_to_add).toContainEqual({ key: 'ratelimit-policy', value: '"p";q=4;w=60' });
  });

  it('states 0 remaining when a larger cost was refused or a shadow rule would deny, WEEK as 7, and our reset for other algorithms', () => {
    const response = formatImportedResponse(
      [decided(reply(429, { remaining: 2 })), decided(reply(200, { remaining: 1, shadow: true, wouldDeny: true }), { unit: 'week', unitSeconds: 604_800 }), decided(reply(200, { remaining: 1, resetSeconds: 7.25 }), { alignedWindows: false })],
      604_800 * 2 + 10,
    );
    expect(response.statuses.map((s) => [s.limit_remaining, s.current_limit?.unit, s.duration_until_reset])).toEqual([
      [0, 'MINUTE', { seconds: 50, nanos: 0 }],
      [0, 7, { seconds: 604_790, nanos: 0 }],
      [1, 'MINUTE', { seconds: 7, nanos: 250_000_000 }],
    ]);
  });

  it('is OVER_LIMIT for quota-mode descriptors only when every one of them is over', () => {
    const quota = { quotaMode: true };
    expect(formatImportedResponse([decided(reply(429), quota), decided(reply(200, { remaining: 1 }), quota)], 0).overall_code).toBe('OK');
    expect(formatImportedResponse([decided(reply(429), quota), decided(reply(429), quota)], 0).overall_code).toBe('OVER_LIMIT');
    expect(formatImportedResponse([decided(reply(429), quota), decided(reply(200, { remaining: 1 }))], 0).overall_code).toBe('OVER_LIMIT');
  });

  it('fails a fail-closed descriptor with UNAVAILABLE unless another descriptor is over its limit', () => {
    expect(() => formatImportedResponse([{ kind: 'none' }, decided(reply(503))], 0)).toThrow(new RlsUnavailableError('descriptors[1]: the counter store is unavailable and policy "p" fails closed'));
    expect(formatImportedResponse([decided(reply(503)), decided(reply(429))], 0).overall_code).toBe('OVER_LIMIT');
  });

  it('adds no headers when nothing was counted', () => {
    expect(formatImportedResponse([{ kind: 'unlimited' }], 0).response_headers_to_add).toEqual([]);
  });
});
