import { ManualClock, type StackedRequest } from '@rl/limiter-core';
import pino from 'pino';
import { DecisionPipeline } from './pipeline';
import { CountingMetrics } from './testing/counting-metrics';
import { ScriptedBackend } from './testing/scripted-backend';

const stack: StackedRequest = {
  algorithm: 'stacked',
  key: 'rl:{p:u}:st',
  cost: 1,
  limits: [
    { key: 'rl:{p:u}:burst:fw', algorithm: 'fixed_window', limit: 10, windowUs: 60_000_000, burst: 10 },
    { key: 'rl:{p:u}:day:fw', algorithm: 'fixed_window', limit: 100, windowUs: 86_400_000_000, burst: 100 },
  ],
};

describe('DecisionPipeline with a stack while the store is down', () => {
  it('fails open within the local share of every limit, all or nothing, and notes what it admits', async () => {
    const backend = new ScriptedBackend();
    const pipeline = new DecisionPipeline({ backend, metrics: new CountingMetrics(), logger: pino({ level: 'silent' }), clock: new ManualClock() });
    // This instance's share: 3 of the burst, 2 of the day: the day share runs out first.
    const local = { limit: 3, burst: 3, limits: [{ limit: 3, burst: 3 }, { limit: 2, burst: 2 }] };
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await pipeline.decide({ request: stack, failureMode: 'open', local }));
    expect(outcomes.map((o) => [o.source, o.decision.allowed])).toEqual([
      ['local-fallback', true],
      ['local-fallback', true],
      ['local-fallback', false],
    ]);
    expect(outcomes[2].decision).toMatchObject({ constraining: 1, limits: [{ allowed: true, remaining: 1 }, { allowed: false, remaining: 0 }] });
    expect(backend.admitted).toHaveLength(2);
  });

  it('fails closed with a stacked denial naming every limit', async () => {
    const pipeline = new DecisionPipeline({ backend: new ScriptedBackend(), metrics: new CountingMetrics(), logger: pino({ level: 'silent' }), clock: new ManualClock() });
    const outcome = await pipeline.decide({ request: stack, failureMode: 'closed', local: { limit: 1, burst: 1 } });
    expect(outcome.source).toBe('fail-closed');
    expect(outcome.decision).toMatchObject({ allowed: false, retryAfterUs: 1_000_000, limits: [{ allowed: false }, { allowed: false }] });
  });
});
