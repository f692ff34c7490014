import type { Policy } from '@rl/contracts';
import { counterOf, EscalationRules } from './escalation-rules';

const defaults = { threshold: 5, windowMs: 60_000, blockSeconds: 300 };
const policy = (id: string, escalation?: Policy['escalation']): Policy => ({
  id,
  match: { customerTier: id },
  algorithm: 'token_bucket',
  limit: 10,
  windowSeconds: 60,
  burst: 10,
  scope: 'regional',
  failureMode: 'open',
  mode: 'enforce',
  version: 1,
  ...(escalation === undefined ? {} : { escalation }),
});

describe('EscalationRules', () => {
  it("takes a policy's own fields over the defaults, and the defaults for everything else", () => {
    const rules = EscalationRules.compile({
      policies: [policy('login', { threshold: 1, blockSeconds: 900 }), policy('search', { threshold: 0 }), policy('plain'), policy('slow', { windowSeconds: 600 })],
      defaults,
    });
    expect(rules.ruleOf('login')).toEqual({ threshold: 1, windowMs: 60_000, blockSeconds: 900 });
    expect(rules.ruleOf('search')).toEqual({ threshold: 0, windowMs: 60_000, blockSeconds: 300 });
    expect(rules.ruleOf('slow')).toEqual({ threshold: 5, windowMs: 600_000, blockSeconds: 300 });
    for (const id of ['plain', 'inline', 'default', 'not-in-the-snapshot']) expect(rules.ruleOf(id)).toEqual(defaults);
    expect(rules.maxThreshold).toBe(5);
    expect(EscalationRules.compile({ policies: [policy('strict', { threshold: 40 })], defaults }).maxThreshold).toBe(40);
  });
});

describe('counterOf', () => {
  it('is the policy id, or the inline limit with its parameters', () => {
    expect(counterOf({ key: 'k', route: '/a' }, 'search')).toBe('search');
    expect(counterOf({ key: 'k', route: '/a', limit: 1, windowSeconds: 60 }, 'inline')).toBe('inline:1:60');
    expect(counterOf({ key: 'k', route: '/b', limit: 1, windowSeconds: 60 }, 'inline')).toBe('inline:1:60');
    expect(counterOf({ key: 'k', limit: 2, windowSeconds: 60 }, 'inline')).toBe('inline:2:60');
    expect(counterOf({ key: 'k' }, 'default')).toBe('default');
  });
});
