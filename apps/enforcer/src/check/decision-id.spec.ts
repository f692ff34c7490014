import { DECISION_ID_PATTERN } from '@rl/contracts';
import { buildCounterKey, buildStackKeys } from '@rl/limiter-core';
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
    expect(DecisionIds.parse(id)).toEqual({ recorded: true, expiresAtUs: 1_700_000_060_123_456, nonce, counterKey, stackCounterKeys: undefined });
  });

  it('refuses an id whose counter part is not a counter key', () => {
    const forged = (key: string) => `s1.abc.${'A'.repeat(16)}.${Buffer.from(key).toString('base64url')}`;
    expect(DecisionIds.parse(forged('some-other-key'))).toBeUndefined();
    expect(DecisionIds.parse(forged('rl:{a}{b}:tu'))).toBeUndefined();
    expect(DecisionIds.parse(forged('rl:{p:u}:tu'))).toMatchObject({ recorded: true, counterKey: 'rl:{p:u}:tu' });
  });

  it.each(['user:42', 'ip:203.0.113.7', 'ключ'])('round-trips a recorded stacked decision of identity %j, naming every counter', (identity) => {
    const keys = buildStackKeys({
      policyId: 'plan',
      identity,
      limits: [
        { name: 'burst', algorithm: 'token_bucket', calendar: false },
        { name: 'month', algorithm: 'fixed_window', calendar: true },
      ],
    });
    const nonce = DecisionIds.nonce();
    const id = DecisionIds.recordedStack({ expiresAtUs: 1_700_000_060_123_456, nonce, stackKey: keys.stack, counterKeys: keys.limits });
    expect(id).toBeDefined();
    expect(pattern.test(id ?? '')).toBe(true);
    expect(DecisionIds.parse(id ?? '')).toEqual({ recorded: true, expiresAtUs: 1_700_000_060_123_456, nonce, counterKey: keys.stack, stackCounterKeys: keys.limits });
  });

  it('leaves a stack unrecorded when its keys would not fit in an id', () => {
    const names = Array.from({ length: 60 }, (_, index) => ({ name: `limit-number-${index}`, algorithm: 'token_bucket' as const, calendar: false }));
    const keys = buildStackKeys({ policyId: 'plan', identity: 'user:42', limits: names });
    expect(DecisionIds.recordedStack({ expiresAtUs: 1, nonce: DecisionIds.nonce(), stackKey: keys.stack, counterKeys: keys.limits })).toBeUndefined();
  });

  it('refuses a stack part that is not a stack of keys under one hash tag', () => {
    const forged = (keys: string) => `s1.abc.${'A'.repeat(16)}.${Buffer.from(keys).toString('base64url')}`;
    expect(DecisionIds.parse(forged('rl:{p:u}:st burst:tb'))).toMatchObject({ stackCounterKeys: ['rl:{p:u}:burst:tb'] });
    expect(DecisionIds.parse(forged('rl:{p:u}:st'))).toBeUndefined();
    expect(DecisionIds.parse(forged('rl:{p:u}:st rl:{q:u}:burst:tb'))).toBeUndefined();
    expect(DecisionIds.parse(forged('rl:{p:u}:tb burst:tb'))).toBeUndefined();
  });
});
