import { formatBlocked } from './format-blocked';

describe('formatBlocked', () => {
  it('answers 429 blocked with Retry-After the remaining block time, rounded up', () => {
    const reply = formatBlocked({ remainingMs: 12_300, region: 'us-east' });
    expect(reply.statusCode).toBe(429);
    expect(reply.body).toEqual({
      allowed: false,
      limit: 0,
      remaining: 0,
      resetSeconds: 12.3,
      retryAfterSeconds: 13,
      policy: { id: 'blocked', version: 0 },
      region: 'us-east',
      blocked: true,
      'violated-policies': ['blocked'],
      violated: ['blocked'],
    });
    expect(reply.headers).toMatchObject({ 'retry-after': '13', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '13', ratelimit: '"blocked";r=0;t=13' });
  });

  it('never says less than one second', () => {
    expect(formatBlocked({ remainingMs: 5, region: 'r' }).headers['retry-after']).toBe('1');
  });
});
