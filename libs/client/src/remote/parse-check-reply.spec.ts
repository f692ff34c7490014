import { parseCheckReply } from './parse-check-reply';

const body = { allowed: false, limit: 5, remaining: 0, resetSeconds: 3.5, retryAfterSeconds: 0.5, policy: { id: 'p', version: 2 }, region: 'eu-west' };

describe('parseCheckReply', () => {
  it('reads a decision with the window from RateLimit-Policy', () => {
    expect(parseCheckReply({ statusCode: 429, body, policyHeader: '"p";q=5;w=60' })).toEqual({ statusCode: 429, ...body, windowSeconds: 60 });
    expect(parseCheckReply({ statusCode: 429, body, policyHeader: '"p";q=5;w=0.25' })?.windowSeconds).toBe(0.25);
    expect(parseCheckReply({ statusCode: 429, body, policyHeader: undefined })?.windowSeconds).toBeUndefined();
  });

  it('keeps the decision id', () => {
    expect(parseCheckReply({ statusCode: 429, body: { ...body, decisionId: 'n1.a.1' }, policyHeader: undefined })?.decisionId).toBe('n1.a.1');
    expect(parseCheckReply({ statusCode: 429, body: { ...body, decisionId: 7 }, policyHeader: undefined })?.decisionId).toBeUndefined();
  });

  it('keeps the enforcer flags', () => {
    expect(parseCheckReply({ statusCode: 503, body: { ...body, degraded: true }, policyHeader: undefined })).toMatchObject({ degraded: true, statusCode: 503 });
    expect(parseCheckReply({ statusCode: 429, body: { ...body, blocked: true }, policyHeader: undefined })).toMatchObject({ blocked: true });
    expect(parseCheckReply({ statusCode: 200, body: { ...body, allowed: true, shadow: true, wouldDeny: true, wouldViolate: ['p-month'] }, policyHeader: undefined })).toMatchObject({
      shadow: true,
      wouldDeny: true,
      wouldViolate: ['p-month'],
    });
  });

  it("keeps a stacked policy's header lists as the enforcer sent them", () => {
    const policyHeader = '"p-burst";q=5;w=1, "p-month";q=100;w=2592000';
    const rateLimitHeader = '"p-burst";r=0;t=1, "p-month";r=90;t=86400';
    expect(parseCheckReply({ statusCode: 429, body, policyHeader, rateLimitHeader })?.limitLists).toEqual({ policy: policyHeader, rateLimit: rateLimitHeader });
    expect(parseCheckReply({ statusCode: 429, body, policyHeader: '"p";q=5;w=60', rateLimitHeader: '"p";r=0;t=3' })).not.toHaveProperty('limitLists');
  });

  it('keeps the names of the violated policies', () => {
    expect(parseCheckReply({ statusCode: 429, body: { ...body, 'violated-policies': ['p-month'] }, policyHeader: undefined })?.violatedPolicies).toEqual(['p-month']);
    expect(parseCheckReply({ statusCode: 429, body: { ...body, 'violated-policies': [1] }, policyHeader: undefined })).not.toHaveProperty('violatedPolicies');
  });

  it.each([
    [500, body],
    [200, body],
    [429, { ...body, allowed: true }],
    [429, { ...body, limit: '5' }],
    [429, { ...body, remaining: -1 }],
    [429, { ...body, policy: { id: 3, version: 1 } }],
    [429, { ...body, region: undefined }],
    [429, null],
    [429, [body]],
  ])('refuses status %s with %j', (statusCode, reply) => {
    expect(parseCheckReply({ statusCode, body: reply, policyHeader: undefined })).toBeUndefined();
  });
});
