import { DECISION_ID_PATTERN } from '@rl/contracts';
import { buildCounterKey } from '@rl/limiter-core';
import { DecisionIds } from './decision-id';

const pattern = new RegExp(DECISION_ID_PATTERN);

describe('DecisionIds', () => {
  it('numbers unrecorded decisions uniquely per process', () => {
    const ids = new DecisionIds();
    const first = ids.next();
    const second = ids.next();
    expect(first).not.toBe(second);
    expect(new DecisionIds().next()).not.toBe(first);
    expect(pattern.test(first)).toBe(true);
    expect(DecisionIds.parse(first)).toEqual({ recorded: false });
  });

  it.each(['user:42', 'ip:203.0.113.7', 'ключ', 'a'.repeat(256)])('round-trips a recorded decision of identity %j', (identity) => {
    const counterKey = buildCounterKey({ policyId: 'free-tier', identity, algorithm: 'token_bucket' });
    const nonce = DecisionIds.nonce();
    const id = DecisionIds.recorded({ expiresAtUs: 1_700_000_060_123_456, nonce, counterKey });
    expect(pattern.test(id)).toBe(true);
    expect(DecisionIds.parse(id)).toEqual({ recorded: true, expiresAtUs: 1_700_000_060_123_456, nonce, counterKey });
  });

  it('refuses an id whose counter part is not a counter key', () => {
    const forged = (key: string) => `s1.abc.${'A'.repeat(16)}.${Buffer.from(key).toString('base64url')}`;
    expect(DecisionIds.parse(forged('some-other-key'))).toBeUndefined();
    expect(DecisionIds.parse(forged('rl:{a}{b}:tu'))).toBeUndefined();
    expect(DecisionIds.parse(forged('rl:{p:u}:tu'))).toMatchObject({ recorded: true, counterKey: 'rl:{p:u}:tu' });
  });
});
