import { type LimitRequest, ManualClock, type RawDecision, StoreTimeoutError, StoreUnavailableError } from '@rl/limiter-core';
import { CircuitBreaker } from './circuit-breaker';
import { MemoryDecisionStore } from '../store/memory-decision-store';
import type { DecisionFor, DecisionStore, StoreRequest } from '../store-port';
import { BreakerGuardedStore, StoreCircuitOpenError } from './breaker-guarded-store';
import { TieredStore } from './tiered-store';

const request: LimitRequest = { key: 'rl:{p:k}:tb', algorithm: 'token_bucket', limit: 10, windowUs: 1_000_000, burst: 10, cost: 1 };
const allowed: RawDecision = { allowed: true, remaining: 9, resetUs: 0, retryAfterUs: 0 };

/** A store whose next answers are scripted; counts its calls. */
class ScriptedStore implements DecisionStore {
  calls = 0;
  fail: Error | undefined;

  decide<R extends StoreRequest>(): Promise<DecisionFor<R>> {
    this.calls += 1;
    return this.fail === undefined ? Promise.resolve(allowed as DecisionFor<R>) : Promise.reject(this.fail);
  }
}

function guarded(name: string, store: DecisionStore, clock: { ms: number }): BreakerGuardedStore {
  const breaker = new CircuitBreaker({ failureThreshold: 3, failureWindowMs: 1_000, cooldownMs: 100, cooldownJitterMs: 0, now: () => clock.ms, random: () => 0 });
  return new BreakerGuardedStore(name, store, breaker);
}

describe('BreakerGuardedStore', () => {
  it('stops calling the store once a deadline is missed, and calls it again once a probe succeeds', async () => {
    const clock = { ms: 0 };
    const inner = new ScriptedStore();
    const store = guarded('primary', inner, clock);
    inner.fail = new StoreTimeoutError('slow', { cause: undefined });
    await expect(store.decide(request)).rejects.toBeInstanceOf(StoreTimeoutError);
    await expect(store.decide(request)).rejects.toBeInstanceOf(StoreCircuitOpenError);
    expect(inner.calls).toBe(1);
    inner.fail = undefined;
    clock.ms = 100;
    // The cooldown is over, but no decision is the probe: the connection's owner probes.
    await expect(store.decide(request)).rejects.toBeInstanceOf(StoreCircuitOpenError);
    expect(store.breaker.probe()).toBe('probe');
    store.breaker.record('probe', 'success');
    await expect(store.decide(request)).resolves.toEqual(allowed);
    expect(store.breaker.state).toBe('closed');
    expect(inner.calls).toBe(2);
  });

  it('opens after three unavailable errors', async () => {
    const clock = { ms: 0 };
    const inner = new ScriptedStore();
    const store = guarded('primary', inner, clock);
    inner.fail = new StoreUnavailableError('down', { cause: undefined });
    for (let i = 0; i < 5; i++) await expect(store.decide(request)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(inner.calls).toBe(3);
    expect(store.breaker.state).toBe('open');
  });
});

describe('TieredStore', () => {
  it('answers from the primary while it works', async () => {
    const primary = new ScriptedStore();
    const secondary = new ScriptedStore();
    await new TieredStore(primary, secondary).decide(request);
    expect([primary.calls, secondary.calls]).toEqual([1, 0]);
  });

  it('falls over to the secondary when the primary fails, and skips the open primary afterwards', async () => {
    const clock = { ms: 0 };
    const primaryInner = new ScriptedStore();
    primaryInner.fail = new StoreTimeoutError('slow', { cause: undefined });
    const secondary = new MemoryDecisionStore({ clock: new ManualClock() });
    const tiers = new TieredStore(guarded('primary', primaryInner, clock), guarded('secondary', secondary, clock));
    await expect(tiers.decide(request)).resolves.toMatchObject({ allowed: true });
    await expect(tiers.decide(request)).resolves.toMatchObject({ allowed: true, remaining: 8 });
    expect(primaryInner.calls).toBe(1);
  });

  it('passes the last store error on when every tier fails', async () => {
    const clock = { ms: 0 };
    const primary = new ScriptedStore();
    const secondary = new ScriptedStore();
    primary.fail = new StoreUnavailableError('down', { cause: undefined });
    secondary.fail = new StoreTimeoutError('slow', { cause: undefined });
    await expect(new TieredStore(guarded('p', primary, clock), guarded('s', secondary, clock)).decide(request)).rejects.toBeInstanceOf(StoreTimeoutError);
  });

  it('passes a bug (not a StoreError) on untouched', async () => {
    const primary = new ScriptedStore();
    primary.fail = new TypeError('bug');
    await expect(new TieredStore(primary, new ScriptedStore()).decide(request)).rejects.toBeInstanceOf(TypeError);
  });
});
