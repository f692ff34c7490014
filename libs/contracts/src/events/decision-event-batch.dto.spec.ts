import { DECISION_EVENT_BOUNDS } from './decision-event-bounds';
import { parseDecisionEventBatch } from './decision-event-batch.dto';
import { decisionEventsMsgId, decisionEventsStream, decisionEventsSubject, decisionEventsWildcard } from './subjects';

const event = {
  ts: 1_795_000_000_000,
  keyHash: '0123456789abcdef',
  policyId: 'free-tier',
  policyVersion: 3,
  decision: 'denied',
  latencyMs: 0.42,
  region: 'us-east',
  customerId: 'acme',
  sampleRate: 1,
};
const batch = { schema: 1, region: 'us-east', instanceId: 'host-1', bootId: 'abc123', sequence: 7, sentAtMs: 1_795_000_000_500, events: [event] };

function errorsOf(input: unknown): readonly { path: string; message: string }[] {
  const result = parseDecisionEventBatch(JSON.stringify(input));
  if (result.ok) throw new Error('expected a rejection');
  return result.errors;
}

describe('parseDecisionEventBatch', () => {
  it('accepts a valid batch, from bytes or text, and drops unknown fields', () => {
    const result = parseDecisionEventBatch(new TextEncoder().encode(JSON.stringify({ ...batch, extra: 1, events: [{ ...event, future: true }] })));
    expect(result).toEqual({ ok: true, value: batch });
  });

  it('accepts an empty customer id and every outcome', () => {
    for (const decision of ['allowed', 'shadow_denied', 'degraded_allowed', 'degraded_denied', 'degraded_shadow_denied', 'blocked']) {
      expect(parseDecisionEventBatch(JSON.stringify({ ...batch, events: [{ ...event, decision, customerId: '' }] })).ok).toBe(true);
    }
  });

  it.each([
    [{ ...batch, schema: 2 }, 'schema', 'must be 1'],
    [{ ...batch, region: 'US EAST' }, 'region', 'must be a region name of 1 to 32 characters from [a-z0-9-]'],
    [{ ...batch, instanceId: undefined }, 'instanceId', 'is required'],
    [{ ...batch, bootId: 'a b' }, 'bootId', 'must be 1 to 32 characters from [A-Za-z0-9]'],
    [{ ...batch, sequence: -1 }, 'sequence', `must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`],
    [{ ...batch, events: [] }, 'events', 'must hold at least one event'],
    [{ ...batch, events: 'x' }, 'events', 'must be an array'],
    [{ ...batch, events: [{ ...event, keyHash: 'user:42' }] }, 'events[0].keyHash', 'must be 16 lowercase hex digits'],
    [{ ...batch, events: [{ ...event, policyId: 'Free Tier' }] }, 'events[0].policyId', 'must be a slug of 1 to 64 characters from [a-z0-9-]'],
    [{ ...batch, events: [{ ...event, decision: 'maybe' }] }, 'events[0].decision', expect.stringContaining('must be one of allowed, denied')],
    [{ ...batch, events: [{ ...event, latencyMs: -1 }] }, 'events[0].latencyMs', 'must be a number from 0 to 600000'],
    [{ ...batch, events: [{ ...event, sampleRate: 0 }] }, 'events[0].sampleRate', 'must be a number above 0 and at most 1'],
    [{ ...batch, events: [{ ...event, customerId: 'a\u0000b' }] }, 'events[0].customerId', expect.stringContaining('printable')],
    [{ ...batch, events: [{ ...event, customerId: 5 }] }, 'events[0].customerId', expect.stringContaining('printable')],
    [{ ...batch, events: [event, { ...event, region: 'eu-west' }] }, 'events[1].region', 'must be the batch\'s region "us-east"'],
  ])('rejects %j at its field path', (input, path, message) => {
    expect(errorsOf(input)).toEqual([{ path, message }]);
  });

  it('rejects non-JSON, non-objects, oversized payloads and too many events', () => {
    expect(parseDecisionEventBatch('{')).toEqual({ ok: false, errors: [{ path: '', message: 'must be UTF-8 JSON' }] });
    expect(parseDecisionEventBatch(new Uint8Array([0xff, 0xfe]))).toEqual({ ok: false, errors: [{ path: '', message: 'must be UTF-8 JSON' }] });
    expect(parseDecisionEventBatch('[1]')).toEqual({ ok: false, errors: [{ path: '', message: 'must be an object' }] });
    expect(parseDecisionEventBatch('x'.repeat(DECISION_EVENT_BOUNDS.maxBatchBytes + 1)).ok).toBe(false);
    const many = Array.from({ length: DECISION_EVENT_BOUNDS.maxEventsPerBatch + 1 }, () => event);
    expect(errorsOf({ ...batch, events: many })).toEqual([{ path: 'events', message: `must hold at most ${DECISION_EVENT_BOUNDS.maxEventsPerBatch} events` }]);
  });
});

describe('decision event subjects', () => {
  it('builds subjects and the stream name from validated tokens only', () => {
    expect(decisionEventsSubject('rl', 'us-east')).toBe('rl.events.decisions.us-east');
    expect(decisionEventsWildcard('t-1')).toBe('t-1.events.decisions.*');
    expect(decisionEventsStream('t-1')).toBe('T_1_DECISION_EVENTS');
    expect(decisionEventsMsgId({ region: 'eu-west', instanceId: 'h-1', bootId: 'b', sequence: 4 })).toBe('events-eu-west-h-1-b-4');
    expect(() => decisionEventsSubject('rl', 'us.east')).toThrow(/region must match/);
    expect(() => decisionEventsSubject('rl', '*')).toThrow(/region must match/);
    expect(() => decisionEventsSubject('r.l', 'us-east')).toThrow(/namespace/);
  });
});
