import { leaseGrant, type LimitRequest, type RawDecision } from '@rl/limiter-core';
import { StoreUnavailableError, type LeaseGrant, type StackedLeaseGrant } from '@rl/redis-store';
import type { HotKeySettings } from './hot-key-settings';
import type { HotKeyMetrics } from '../metrics';
import type { DecisionFor, DecisionStore, StoreRequest } from '../store-port';
import { HotKeyStore, type LeasePort, type LeaseRequest } from './hot-key-store';

/**
 * A shared counter with no refill during a test (a token bucket with a very long window), seen
 * both as a DecisionStore and as a LeasePort, the way Redis is by several enforcers. Counts calls.
 */
class SharedCounter implements DecisionStore, LeasePort {
  calls = 0;
  fail = false;

  constructor(public tokens: number) {}

  usable(): boolean {
    return !this.fail;
  }

  decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    this.calls++;
    if (this.fail) return Promise.reject(new StoreUnavailableError('down', { cause: undefined }));
    const allowed = request.cost <= this.tokens;
    if (allowed) this.tokens -= request.cost;
    return Promise.resolve({ allowed, remaining: this.tokens, resetUs: 1, retryAfterUs: allowed ? 0 : 50_000 } as DecisionFor<R>);
  }

  acquire(input: { request: LeaseRequest; want: number }): Promise<LeaseGrant> {
    this.calls++;
    if (this.fail) return Promise.reject(new StoreUnavailableError('down', { cause: undefined }));
    const granted = leaseGrant({ available: this.tokens, want: input.want, cost: input.request.cost });
    this.tokens -= granted;
    return Promise.resolve({ granted, remaining: this.tokens, resetUs: 1, retryAfterUs: granted > 0 ? 0 : 50_000, windowStartUs: 0, validUs: 0 });
  }

  release(input: { request: LeaseRequest; units: number }): Promise<number> {
    this.calls++;
    this.tokens += input.units;
    return Promise.resolve(input.units);
  }

  acquireStack(): Promise<StackedLeaseGrant> {
    return Promise.reject(new Error('SharedCounter holds one limit (stacks: stacked-leases.spec.ts)'));
  }

  releaseStack(): Promise<number> {
    return Promise.reject(new Error('SharedCounter holds one limit (stacks: stacked-leases.spec.ts)'));
  }
}

/** A SharedCounter whose every call answers a macrotask later, as a store across a network does. */
class SlowSharedCounter extends SharedCounter {
  override decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    return later(() => super.decide(request));
  }

  override acquire(input: { request: LeaseRequest; want: number }): Promise<LeaseGrant> {
    return later(() => super.acquire(input));
  }
}

function later<T>(run: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => setImmediate(() => run().then(resolve, reject)));
}

class CountingMetrics implements HotKeyMetrics {
  leaseHits = 0;
  denyHits = 0;
  acquisitions: string[] = [];
  returned = 0;
  recordLeaseHit(): void {
    this.leaseHits++;
  }
  recordLeaseAcquisition(outcome: string): void {
    this.acquisitions.push(outcome);
  }
  recordLeaseReturn(outcome: string, units: number): void {
    if (outcome === 'returned') this.returned += units;
  }
  recordDenyCacheHit(): void {
    this.denyHits++;
  }
  storeFailures = 0;
  recordStoreFailure(): void {
    this.storeFailures++;
  }
}

const SETTINGS: HotKeySettings = {
  leaseThresholdPerSecond: 50,
  leaseMs: 100,
  leaseMaxPercent: 10,
  leaseMaxUnits: 1_000,
  trackedKeys: 100,
  denyCacheKeys: 100,
  denyCacheMaxMs: 1_000,
};

const HOUR_US = 3_600_000_000;
const hot: LimitRequest = { key: 'rl:{p:hot}:tb', algorithm: 'token_bucket', limit: 10_000, windowUs: HOUR_US, burst: 10_000, cost: 1 };

function setup(options: { counter?: SharedCounter; settings?: Partial<HotKeySettings> } = {}) {
  const counter = options.counter ?? new SharedCounter(10_000);
  const metrics = new CountingMetrics();
  const clock = { ms: 1_000 };
  const store = new HotKeyStore({ inner: counter, leases: counter, settings: { ...SETTINGS, ...options.settings }, metrics, nowMs: () => clock.ms });
  return { counter, metrics, clock, store };
}

/** `count` sequential decisions, `stepMs` apart. */
async function drive(store: HotKeyStore, clock: { ms: number }, input: { count: number; stepMs: number; request?: LimitRequest }): Promise<RawDecision[]> {
  const out: RawDecision[] = [];
  for (let i = 0; i < input.count; i++) {
    out.push(await store.decide(input.request ?? hot));
    clock.ms += input.stepMs;
  }
  return out;
}

describe('HotKeyStore', () => {
  const stores: HotKeyStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  const track = <T extends { store: HotKeyStore }>(x: T): T => {
    stores.push(x.store);
    return x;
  };

  it('sends a cold key to the store on every decision', async () => {
    const { store, counter, clock } = track(setup());
    await drive(store, clock, { count: 20, stepMs: 100 });
    expect(counter.calls).toBe(20);
    expect(counter.tokens).toBe(10_000 - 20);
  });

  it('serves a hot key from leases: few store calls, every admission counted in the shared counter', async () => {
    const { store, counter, clock, metrics } = track(setup());
    // 1,000 req/s: hot after 50.
    const decisions = await drive(store, clock, { count: 1_000, stepMs: 1 });
    const warm = counter.calls;
    decisions.push(...(await drive(store, clock, { count: 1_000, stepMs: 1 })));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    // The first second: 50 cold decisions, then leases that grow with the measured rate.
    expect(warm).toBeLessThan(50 + 50);
    // At 1,000 req/s a lease covers 100 ms: about 10 acquisitions per 1,000 decisions.
    expect(counter.calls - warm).toBeLessThanOrEqual(15);
    expect(metrics.leaseHits).toBeGreaterThan(1_800);
    // Everything admitted is deducted; a lease's unspent units are deducted too, never less.
    expect(10_000 - counter.tokens).toBeGreaterThanOrEqual(2_000);
    expect(10_000 - counter.tokens).toBeLessThanOrEqual(2_000 + 100);
    // The key stops; the sweeper gives the rest back.
    clock.ms += 1_000;
    await store.close();
    expect(counter.tokens).toBe(10_000 - 2_000);
    expect(metrics.returned).toBeGreaterThan(0);
  });

  it('never admits more than the shared counter holds across two instances, and holds a saturated key off the store', async () => {
    const counter = new SharedCounter(500);
    const a = track(setup({ counter }));
    const b = track(setup({ counter }));
    let admitted = 0;
    for (let i = 0; i < 4_000; i++) {
      for (const x of [a, b]) {
        if ((await x.store.decide(hot)).allowed) admitted++;
        x.clock.ms += 0.5;
      }
    }
    expect(admitted).toBe(500);
    expect(counter.tokens).toBe(0);
    // 8,000 decisions; far fewer store calls thanks to leases and the deny cache.
    expect(counter.calls).toBeLessThan(400);
    expect(a.metrics.denyHits + b.metrics.denyHits).toBeGreaterThan(7_000);
  });

  it('admits exactly what the counter holds when a burst far larger than it arrives at once, at one or two instances', async () => {
    for (const instances of [1, 2]) {
      // Every store call answers a macrotask later, as Redis does: requests pile up behind acquisitions.
      const counter = new SlowSharedCounter(100);
      const xs = Array.from({ length: instances }, () => track(setup({ counter })));
      const decisions = await Promise.all(Array.from({ length: 1_000 }, (_, i) => xs[i % instances].store.decide(hot)));
      const admitted = decisions.filter((d) => d.allowed).length;
      // Whatever is still leased goes back; nothing may be left stranded while callers were denied.
      for (const x of xs) await x.store.close();
      expect({ instances, admitted, left: counter.tokens }).toEqual({ instances, admitted: 100, left: 0 });
    }
  });

  it('spends the units it holds before asking the store or a remembered denial, even once the key has cooled', async () => {
    const counter = new SharedCounter(10_000);
    const { store, clock, metrics } = track(setup({ counter }));
    // Hot: a lease is taken, and right after an acquisition it holds units.
    await drive(store, clock, { count: 200, stepMs: 1 });
    const acquisitions = metrics.acquisitions.length;
    while (metrics.acquisitions.length === acquisitions) await drive(store, clock, { count: 1, stepMs: 1 });
    const held = store.describe(hot.key).leaseUnits;
    expect(held).toBeGreaterThan(0);
    // The counter is empty (the rest went to other instances), and the key's measured rate falls
    // below the threshold (a pause longer than the rate interval, before the sweeper has run).
    counter.tokens = 0;
    clock.ms += 5_000;
    const decisions = await Promise.all(Array.from({ length: held + 5 }, () => store.decide(hot)));
    // Every unit held is spent: none is left stranded behind a denial the store gave meanwhile.
    expect(decisions.filter((d) => d.allowed).length).toBe(held);
    expect(store.describe(hot.key).leaseUnits).toBe(0);
  });

  it('shares one acquisition among concurrent requests', async () => {
    const { store, counter, clock } = track(setup());
    await drive(store, clock, { count: 60, stepMs: 1 });
    const before = counter.calls;
    const decisions = await Promise.all(Array.from({ length: 200 }, () => store.decide(hot)));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    expect(counter.calls - before).toBeLessThanOrEqual(3);
  });

  it('remembers a denial until its retry time, for that cost or more, and forgets it on a policy change', async () => {
    const counter = new SharedCounter(1);
    const { store, clock, metrics } = track(setup({ counter, settings: { leaseThresholdPerSecond: 0 } }));
    expect((await store.decide(hot)).allowed).toBe(true);
    expect((await store.decide(hot)).allowed).toBe(false);
    const calls = counter.calls;
    clock.ms += 10;
    expect(await store.decide(hot)).toMatchObject({ allowed: false, retryAfterUs: 40_000 });
    expect(counter.calls).toBe(calls);
    expect(metrics.denyHits).toBe(1);
    // A different limit (a changed policy) is not the same counter state.
    await store.decide({ ...hot, limit: 20_000 });
    expect(counter.calls).toBe(calls + 1);
    await store.decide(hot);
    store.invalidate();
    await store.decide(hot);
    expect(counter.calls).toBe(calls + 3);
    clock.ms += 50;
    counter.tokens = 1;
    expect((await store.decide(hot)).allowed).toBe(true);
  });

  it("forgets a key on an operator's reset: its lease is dropped without giving units back, its denial is forgotten", async () => {
    const { store, counter, clock, metrics } = track(setup());
    await drive(store, clock, { count: 200, stepMs: 1 });
    const acquisitions = metrics.acquisitions.length;
    while (metrics.acquisitions.length === acquisitions) await drive(store, clock, { count: 1, stepMs: 1 });
    expect(store.describe(hot.key).leaseUnits).toBeGreaterThan(0);
    const tokens = counter.tokens;
    const calls = counter.calls;
    store.forget(hot.key);
    expect(store.describe(hot.key)).toEqual({ leaseUnits: 0, denyCached: false });
    // The counter being deleted is not credited with the lease's units.
    expect(counter.tokens).toBe(tokens);
    expect(metrics.returned).toBe(0);
    // The next decision is not served from the dropped lease: it goes to the store.
    await store.decide(hot);
    expect(counter.calls).toBeGreaterThan(calls);

    const denied = track(setup({ counter: new SharedCounter(0), settings: { leaseThresholdPerSecond: 0 } }));
    expect((await denied.store.decide(hot)).allowed).toBe(false);
    expect(denied.store.describe(hot.key).denyCached).toBe(true);
    denied.store.forget(hot.key);
    expect(denied.store.describe(hot.key).denyCached).toBe(false);
    denied.counter.tokens = 1;
    expect((await denied.store.decide(hot)).allowed).toBe(true);
  });

  it('spends leased units while the store is down, then fails over to the inner store (a StoreError)', async () => {
    const { store, counter, clock, metrics } = track(setup());
    await drive(store, clock, { count: 200, stepMs: 1 });
    // Right after an acquisition the lease holds units.
    const acquisitions = metrics.acquisitions.length;
    while (metrics.acquisitions.length === acquisitions) await drive(store, clock, { count: 1, stepMs: 1 });
    counter.fail = true;
    let served = 0;
    for (;;) {
      try {
        await store.decide(hot);
        served++;
        clock.ms += 1;
      } catch (error) {
        expect(error).toBeInstanceOf(StoreUnavailableError);
        break;
      }
    }
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThanOrEqual(SETTINGS.leaseMaxUnits);
  });

  it('answers from the inner store when an acquisition fails but the inner store works (a secondary tier)', async () => {
    const counter = new SharedCounter(10_000);
    const down = (): Promise<never> => Promise.reject(new StoreUnavailableError('primary down', { cause: undefined }));
    const broken: LeasePort = { usable: () => true, acquire: down, release: () => Promise.resolve(0), acquireStack: down, releaseStack: () => Promise.resolve(0) };
    const metrics = new CountingMetrics();
    const clock = { ms: 0 };
    const store = new HotKeyStore({ inner: counter, leases: broken, settings: SETTINGS, metrics, nowMs: () => clock.ms });
    stores.push(store);
    const decisions = await drive(store, clock, { count: 100, stepMs: 1 });
    expect(decisions.every((d) => d.allowed)).toBe(true);
    expect(counter.tokens).toBe(10_000 - 100);
    expect(metrics.acquisitions.filter((o) => o === 'failed').length).toBeGreaterThan(0);
  });

  it('does not lease algorithms that cannot be leased exactly', async () => {
    const { store, counter, clock } = track(setup());
    const gcra: LimitRequest = { ...hot, key: 'rl:{p:hot}:gc', algorithm: 'gcra' };
    await drive(store, clock, { count: 300, stepMs: 1, request: gcra });
    expect(counter.calls).toBe(300);
    expect(store.leaseCount).toBe(0);
  });
});
