import { combineStacked, ManualClock, type StackedDecision, type StackedRequest, type StoreRequest } from '@rl/limiter-core';
import pino from 'pino';
import { decideGlobalStack, type GlobalStackInput } from './global-stack-decision';
import { DecisionPipeline } from './pipeline';
import { CountingMetrics } from './testing/counting-metrics';
import { ScriptedBackend } from './testing/scripted-backend';

const MINUTE_MS = 60_000;
const NOW_MS = 1_764_849_630_500;
const MINUTE_START = Math.floor(NOW_MS / MINUTE_MS) * MINUTE_MS;

/** burst: regional, 10 per second; minute: global, 1,000 per minute shared by all regions. */
const stack: StackedRequest = {
  algorithm: 'stacked',
  key: 'rl:{p:u}:st',
  cost: 1,
  limits: [
    { key: 'rl:{p:u}:burst:tb', algorithm: 'token_bucket', limit: 10, windowUs: 1_000_000, burst: 10 },
    { key: 'rl:{p:u}:minute:gw', algorithm: 'fixed_window', limit: 1_000, windowUs: MINUTE_MS * 1000, burst: 1_000, global: { expectedStartMs: 0 } },
  ],
};

const pipelineOf = (backend: ScriptedBackend): DecisionPipeline => new DecisionPipeline({ backend, metrics: new CountingMetrics(), logger: pino({ level: 'silent' }), clock: new ManualClock() });

function input(overrides: Partial<GlobalStackInput> = {}): GlobalStackInput {
  return {
    request: stack,
    nowMs: NOW_MS,
    capFor: () => 400,
    failureMode: 'open',
    local: { limit: 1, burst: 1 },
    localLimits: [
      { limit: 5, burst: 5 },
      { limit: 100, burst: 100 },
    ],
    localPercent: 10,
    allocationWaitMs: () => 0,
    ...overrides,
  };
}

/** A store answer for the stack: the global limit counted in `windowStartMs`, matched or not. */
function answer(input: { allowed: boolean; windowStartMs: number; matched: boolean }): StackedDecision {
  const regional = { allowed: true, remaining: 9, resetUs: 100_000, retryAfterUs: 0 };
  const global = input.matched ? { allowed: input.allowed, remaining: 3, resetUs: 1, retryAfterUs: input.allowed ? 0 : 1 } : { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 0 };
  return { ...combineStacked({ allowed: input.allowed && input.matched, limits: [regional, global] }), globalWindows: [undefined, { windowStartMs: input.windowStartMs, matched: input.matched }] };
}

describe('decideGlobalStack', () => {
  it('sends one stack with the region\'s cap for the aligned window of each global limit, the regional limits as they are', async () => {
    const backend = new ScriptedBackend(() => answer({ allowed: true, windowStartMs: MINUTE_START, matched: true }));
    const caps: Array<[number, number]> = [];
    const outcome = await decideGlobalStack(pipelineOf(backend), input({ capFor: (index, start) => (caps.push([index, start]), 400) }));
    expect(outcome.source).toBe('store');
    expect(caps).toEqual([[1, MINUTE_START]]);
    expect(backend.asked).toHaveLength(1);
    const sent = backend.asked[0] as StackedRequest;
    expect(sent.limits[0]).toBe(stack.limits[0]);
    expect(sent.limits[1]).toMatchObject({ limit: 400, burst: 400, global: { expectedStartMs: MINUTE_START } });
    expect(outcome.decision.globalWindows).toEqual([undefined, { windowStartMs: MINUTE_START, matched: true }]);
  });

  it('asks again with the cap of the store\'s window when the store counted the global limit in another one', async () => {
    const next = MINUTE_START + MINUTE_MS;
    const backend = new ScriptedBackend((request: StoreRequest) => {
      const expected = (request as StackedRequest).limits[1].global?.expectedStartMs;
      return answer({ allowed: true, windowStartMs: next, matched: expected === next });
    });
    let retries = 0;
    const caps: number[] = [];
    const outcome = await decideGlobalStack(pipelineOf(backend), input({ capFor: (_index, start) => (caps.push(start), start === next ? 7 : 400), onWindowRetry: () => (retries += 1) }));
    expect(caps).toEqual([MINUTE_START, next]);
    expect(retries).toBe(1);
    expect((backend.asked[1] as StackedRequest).limits[1]).toMatchObject({ limit: 7, global: { expectedStartMs: next } });
    expect(outcome).toMatchObject({ source: 'store', decision: { allowed: true, globalWindows: [undefined, { windowStartMs: next, matched: true }] } });
  });

  it('asks a calendar limit again in the bounds of the store\'s window, with that window\'s cap', async () => {
    const day = 86_400_000;
    const today = { startUs: MINUTE_START * 1000, endUs: (MINUTE_START + day) * 1000, nextEndUs: (MINUTE_START + 2 * day) * 1000 };
    const tomorrow = { startUs: today.endUs, endUs: today.nextEndUs, nextEndUs: today.nextEndUs + day * 1000 };
    const calendarStack: StackedRequest = { ...stack, limits: [stack.limits[0], { ...stack.limits[1], calendar: today }] };
    // The store names an instant of the window it counts in (a clock far ahead lands mid-window): asked again from that window's start.
    const storeInstantMs = tomorrow.startUs / 1000 + 5_000;
    const backend = new ScriptedBackend((request: StoreRequest) => {
      const limit = (request as StackedRequest).limits[1];
      const matched = limit.calendar?.startUs === tomorrow.startUs;
      return answer({ allowed: true, windowStartMs: matched ? tomorrow.startUs / 1000 : storeInstantMs, matched });
    });
    const asked = new Set<string>();
    const caps: number[] = [];
    const outcome = await decideGlobalStack(
      pipelineOf(backend),
      input({
        request: calendarStack,
        capFor: (_index, start) => (caps.push(start), start === tomorrow.startUs / 1000 ? 9 : 400),
        calendarAt: (index, atMs) => (asked.add(`${index}@${atMs}`), atMs >= tomorrow.startUs / 1000 ? tomorrow : today),
      }),
    );
    expect((backend.asked[0] as StackedRequest).limits[1]).toMatchObject({ limit: 400, calendar: today, global: { expectedStartMs: today.startUs / 1000 } });
    expect([...asked].every((call) => call.startsWith('1@'))).toBe(true);
    expect(caps).toEqual([today.startUs / 1000, tomorrow.startUs / 1000]);
    expect((backend.asked[1] as StackedRequest).limits[1]).toMatchObject({ limit: 9, calendar: tomorrow, global: { expectedStartMs: tomorrow.startUs / 1000 } });
    expect(outcome.decision).toMatchObject({ allowed: true, globalWindows: [undefined, { windowStartMs: tomorrow.startUs / 1000, matched: true }] });
  });

  it('fails over when the store\'s window keeps moving', async () => {
    let shift = 0;
    const backend = new ScriptedBackend(() => answer({ allowed: true, windowStartMs: MINUTE_START + ++shift * MINUTE_MS, matched: false }));
    const outcome = await decideGlobalStack(pipelineOf(backend), input({ failureMode: 'closed' }));
    expect(backend.asked).toHaveLength(3);
    expect(outcome.source).toBe('fail-closed');
    expect(outcome.decision.allowed).toBe(false);
  });

  it('denies without a store call while no cap is known, retrying once the allocation stream has been read', async () => {
    const backend = new ScriptedBackend();
    const outcome = await decideGlobalStack(pipelineOf(backend), input({ capFor: () => undefined, allocationWaitMs: () => 1_500 }));
    expect(backend.asked).toHaveLength(0);
    expect(outcome).toMatchObject({ source: 'store', decision: { allowed: false, retryAfterUs: 1_500_000, limits: [{ allowed: false }, { allowed: false }] } });
  });

  it('with the store down, fails open within the local share of each limit: a global limit\'s is localPercent of the region\'s cap', async () => {
    const backend = new ScriptedBackend();
    const pipeline = pipelineOf(backend);
    const outcomes = [];
    // cap 40, 10 %: 4 admitted locally, all or nothing with the regional burst share (5).
    for (let i = 0; i < 5; i++) outcomes.push(await decideGlobalStack(pipeline, input({ capFor: () => 40 })));
    expect(outcomes.map((o) => [o.source, o.decision.allowed])).toEqual([
      ['local-fallback', true],
      ['local-fallback', true],
      ['local-fallback', true],
      ['local-fallback', true],
      ['local-fallback', false],
    ]);
    expect(outcomes[4].decision).toMatchObject({ constraining: 1, limits: [{ allowed: true, remaining: 1 }, { allowed: false }] });
    expect(outcomes[4].decision.globalWindows).toEqual([undefined, { windowStartMs: MINUTE_START, matched: true }]);
    expect(backend.admitted).toHaveLength(4);
  });
});
