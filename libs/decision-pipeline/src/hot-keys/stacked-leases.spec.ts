import { combineStacked, leaseGrant, type RawDecision, type StackedDecision, type StackedRequest } from '@rl/limiter-core';
import { leasablePlan } from '@rl/testing';
import type { LeaseGrant, StackedLeaseGrant } from '@rl/redis-store';
import { CountingMetrics } from '../testing/counting-metrics';
import { isStacked, type DecisionFor, type DecisionStore, type StoreRequest } from '../store-port';
import type { HotKeySettings } from './hot-key-settings';
import { HotKeyStore, type LeasePort } from './hot-key-store';

/** Microseconds after which limit `index` admits again once it denied: distinct per limit, so a reply shows which one denied. */
const retryOf = (index: number): number => (index + 1) * 100_000;

/**
 * The counters of one stack with no refill during a test, seen both as a DecisionStore and as a
 * LeasePort, the way Redis is by several enforcers: all or nothing over every limit, as batch.lua
 * and lease/stacked_*.lua decide. Answers a macrotask later when `slow` (a store across a network).
 */
class SharedStack implements DecisionStore, LeasePort {
  calls = 0;

  constructor(
    readonly left: number[],
    private readonly slow = false,
  ) {}

  usable(): boolean {
    return true;
  }

  decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    return this.answer(() => {
      if (!isStacked(request)) throw new Error('SharedStack decides stacks only');
      const allowed = this.left.every((left) => left >= request.cost);
      if (allowed && request.dryRun !== true) this.take(request.cost);
      const limits = this.left.map((left, index): RawDecision => {
        const admits = allowed || left >= request.cost;
        return { allowed: admits, remaining: left, resetUs: 1, retryAfterUs: admits ? 0 : retryOf(index) };
      });
      return combineStacked({ allowed, limits }) as DecisionFor<R>;
    });
  }

  acquire(): Promise<LeaseGrant> {
    return Promise.reject(new Error('SharedStack leases stacks only'));
  }

  release(): Promise<number> {
    return Promise.reject(new Error('SharedStack leases stacks only'));
  }

  acquireStack(input: { request: StackedRequest; want: number }): Promise<StackedLeaseGrant> {
    return this.answer(() => {
      const cost = input.request.cost;
      const granted = leaseGrant({ available: Math.min(...this.left), want: input.want, cost });
      this.take(granted);
      const limits = this.left.map((left, index): LeaseGrant => {
        const retryAfterUs = granted > 0 || left >= cost ? 0 : retryOf(index);
        return { granted, remaining: left, resetUs: 1, retryAfterUs, windowStartUs: 0, validUs: 0 };
      });
      return { granted, limits };
    });
  }

  releaseStack(input: { request: StackedRequest; units: number }): Promise<number> {
    return this.answer(() => {
      input.request.limits.forEach((limit, index) => (this.left[index] = Math.min(limit.limit, this.left[index] + input.units)));
      return input.units;
    });
  }

  private take(units: number): void {
    for (let index = 0; index < this.left.length; index++) this.left[index] -= units;
  }

  private answer<T>(run: () => T): Promise<T> {
    this.calls++;
    if (!this.slow) return new Promise<T>((resolve) => resolve(run()));
    return new Promise<T>((resolve, reject) => setImmediate(() => new Promise<T>((inner) => inner(run())).then(resolve, reject)));
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

/** A plan of a token bucket, an hour's fixed window and a calendar month, with these limits (SharedStack does not refill). */
function plan(limits: readonly [number, number, number], cost = 1): StackedRequest {
  return leasablePlan({ policyId: 'p', identity: 'hot', limits, cost });
}

function setup(options: { stack: SharedStack; settings?: Partial<HotKeySettings> }) {
  const metrics = new CountingMetrics();
  const clock = { ms: 1_000 };
  const store = new HotKeyStore({ inner: options.stack, leases: options.stack, settings: { ...SETTINGS, ...options.settings }, metrics, nowMs: () => clock.ms });
  return { metrics, clock, store };
}

/** `count` sequential decisions of `request`, `stepMs` apart. */
async function drive(x: { store: HotKeyStore; clock: { ms: number } }, input: { count: number; stepMs: number; request: StackedRequest }): Promise<StackedDecision[]> {
  const out: StackedDecision[] = [];
  for (let i = 0; i < input.count; i++) {
    out.push(await x.store.decide(input.request));
    x.clock.ms += input.stepMs;
  }
  return out;
}

/** Hot for a while, then until the next acquisition: right after it the lease holds units. */
async function holdLease(x: { store: HotKeyStore; clock: { ms: number }; metrics: CountingMetrics }, request: StackedRequest): Promise<number> {
  await drive(x, { count: 200, stepMs: 1, request });
  const acquisitions = x.metrics.leaseAcquisitions;
  while (x.metrics.leaseAcquisitions === acquisitions) await drive(x, { count: 1, stepMs: 1, request });
  return x.store.describe(request.key).leaseUnits;
}

describe('HotKeyStore with stacked limits', () => {
  const stores: HotKeyStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  const track = <T extends { store: HotKeyStore }>(x: T): T => {
    stores.push(x.store);
    return x;
  };

  it('serves a hot stack from leases: few store calls, every admission taken from every limit, unused units given back to every limit', async () => {
    const stack = new SharedStack([10_000, 20_000, 30_000]);
    const x = track(setup({ stack }));
    const request = plan([10_000, 20_000, 30_000]);
    const decisions = await drive(x, { count: 1_000, stepMs: 1, request });
    const warm = stack.calls;
    decisions.push(...(await drive(x, { count: 1_000, stepMs: 1, request })));
    expect(decisions.every((d) => d.allowed && d.limits.length === 3)).toBe(true);
    // The first second: 50 cold decisions, then leases that grow with the measured rate.
    expect(warm).toBeLessThan(50 + 50);
    // At 1,000 req/s a lease covers 100 ms: about 10 acquisitions per 1,000 decisions.
    expect(stack.calls - warm).toBeLessThanOrEqual(15);
    expect(x.metrics.leaseHits).toBeGreaterThan(1_900);
    // A reply counts what every limit holds, leased units included, and names the tightest as constraining.
    const last = decisions[decisions.length - 1];
    expect(last.limits.map((l) => l.remaining)).toEqual([8_000, 18_000, 28_000]);
    expect(last).toMatchObject({ constraining: 0, remaining: 8_000 });
    // The key stops; the units not spent go back to every limit.
    x.clock.ms += 1_000;
    await x.store.close();
    expect(stack.left).toEqual([8_000, 18_000, 28_000]);
  });

  it.each([1, 2])('admits exactly the tightest limit to 1,000 concurrent checks at %i instance(s), whichever limit of the stack it is', async (instances) => {
    for (const limits of [
      [100, 10_000, 10_000],
      [10_000, 100, 10_000],
      [10_000, 10_000, 100],
    ] as const) {
      const stack = new SharedStack([...limits], true);
      const xs = Array.from({ length: instances }, () => track(setup({ stack })));
      const request = plan(limits);
      const decisions = await Promise.all(Array.from({ length: 1_000 }, (_, i) => xs[i % instances].store.decide(request)));
      // Whatever is still leased goes back; nothing may be left stranded while callers were denied.
      for (const x of xs) await x.store.close();
      const admitted = decisions.filter((d) => d.allowed).length;
      expect({ limits, admitted, left: stack.left }).toEqual({ limits, admitted: 100, left: limits.map((l) => l - 100) });
    }
  });

  it.each([
    ['from a lease acquisition', 50],
    ['from the store', 0],
  ])('a stacked denial %s names the limit that denied with its retry time, and the deny cache answers the same', async (_how, threshold) => {
    const stack = new SharedStack([10_000, 120, 10_000]);
    const x = track(setup({ stack, settings: { leaseThresholdPerSecond: threshold } }));
    const request = plan([10_000, 120, 10_000]);
    const decisions = await drive(x, { count: 200, stepMs: 1, request });
    expect(decisions.filter((d) => d.allowed).length).toBe(120);
    const denial = decisions.find((d) => !d.allowed);
    expect(denial).toMatchObject({ allowed: false, constraining: 1, remaining: 0 });
    expect(denial?.limits.map((l) => l.allowed)).toEqual([true, false, true]);
    // The hour window admits again after its retry time (fixed windows accrue nothing: no hold beyond it).
    expect(denial?.retryAfterUs).toBe(retryOf(1));
    expect(denial?.limits[1].retryAfterUs).toBe(retryOf(1));
    // 80 denials, answered from the deny cache within its hold: the store saw almost none.
    expect(x.metrics.denyCacheHits).toBeGreaterThan(70);
    const calls = stack.calls;
    x.clock.ms += 10;
    const cached = await x.store.decide(request);
    expect(stack.calls).toBe(calls);
    expect(cached.limits.map((l) => l.allowed)).toEqual([true, false, true]);
    expect(cached.constraining).toBe(1);
    expect(cached.retryAfterUs).toBeGreaterThan(0);
    expect(cached.retryAfterUs).toBeLessThan(retryOf(1));
    expect(cached.limits[1].retryAfterUs).toBe(cached.retryAfterUs);
  });

  it.each([0, 1, 2])('a change of limit %i of the stack voids a remembered denial and the lease', async (changed) => {
    const stack = new SharedStack([10_000, 10_000, 10_000]);
    const x = track(setup({ stack }));
    const request = plan([10_000, 10_000, 10_000]);
    const held = await holdLease(x, request);
    expect(held).toBeGreaterThan(0);
    const spent = 10_000 - stack.left[0] - held;
    const limits: [number, number, number] = [10_000, 10_000, 10_000];
    limits[changed] = 20_000;
    const raised = plan(limits);
    // A request under the new limits is not served from the old lease: its units go back to every limit.
    const calls = stack.calls;
    await x.store.decide(raised);
    expect(stack.calls).toBeGreaterThan(calls);
    await x.store.close();
    // Every limit holds what was spent, the raised request included, and nothing of the old lease.
    expect(stack.left).toEqual([10_000 - spent - 1, 10_000 - spent - 1, 10_000 - spent - 1]);

    // A remembered denial holds for the same limits only.
    const denying = new SharedStack([0, 10_000, 10_000]);
    const y = track(setup({ stack: denying, settings: { leaseThresholdPerSecond: 0 } }));
    expect((await y.store.decide(request)).allowed).toBe(false);
    expect(y.store.describe(request.key).denyCached).toBe(true);
    const before = denying.calls;
    await y.store.decide(request);
    expect(denying.calls).toBe(before);
    await y.store.decide(raised);
    expect(denying.calls).toBe(before + 1);
  });

  it('forgets a stack on a policy change and on a reset of any of its limits (the reset does not credit the lease)', async () => {
    const stack = new SharedStack([10_000, 10_000, 10_000]);
    const x = track(setup({ stack }));
    const request = plan([10_000, 10_000, 10_000]);
    expect(await holdLease(x, request)).toBeGreaterThan(0);
    const left = [...stack.left];
    x.store.forget(request.limits[2].key);
    expect(x.store.describe(request.key)).toEqual({ leaseUnits: 0, denyCached: false });
    expect(stack.left).toEqual(left);

    const units = await holdLease(x, request);
    expect(units).toBeGreaterThan(0);
    const before = [...stack.left];
    x.store.invalidate();
    await x.store.close();
    expect(stack.left).toEqual(before.map((l) => l + units));
  });

  it('does not lease a stack with a limit that cannot be leased exactly (sliding window), nor a dry run', async () => {
    const stack = new SharedStack([10_000, 10_000, 10_000]);
    const x = track(setup({ stack }));
    const base = plan([10_000, 10_000, 10_000]);
    const sliding: StackedRequest = { ...base, limits: [base.limits[0], { ...base.limits[1], algorithm: 'sliding_window' }, base.limits[2]] };
    await drive(x, { count: 300, stepMs: 1, request: sliding });
    expect(stack.calls).toBe(300);
    expect(x.store.leaseCount).toBe(0);
    await drive(x, { count: 300, stepMs: 1, request: { ...base, dryRun: true } });
    expect(stack.calls).toBe(600);
    expect(stack.left).toEqual([9_700, 9_700, 9_700]);
  });
});
