import { ALGORITHMS, algorithmFor, ManualClock, maxCost, windowStart, type AlgorithmName, type LimitParams, type RawDecision } from '@rl/limiter-core';

/**
 * Shared test vectors: named request sequences over every algorithm, each step's expected
 * decision computed by the TypeScript algorithm. The Lua parity suite replays them against Redis
 * with the argv clock; other suites may replay them against any CounterStore-like runner.
 */

/**
 * One request: move the clock by `advanceUs` (may be negative: the clock stepped back), then ask
 * for `cost`. With `params`, the limit changed: this request and the following ones use them.
 */
export interface VectorStep {
  readonly advanceUs: number;
  readonly cost: number;
  readonly params?: LimitParams;
}

export interface TestVector {
  readonly name: string;
  readonly algorithm: AlgorithmName;
  /** The parameters of the first step, until a step changes them. */
  readonly params: LimitParams;
  /** The clock before the first step, integer microseconds since the epoch. */
  readonly startUs: number;
  readonly steps: readonly VectorStep[];
}

export interface ExpectedStep {
  /** The decision time, integer microseconds. */
  readonly now: number;
  readonly cost: number;
  /** The parameters in force for this step. */
  readonly params: LimitParams;
  readonly decision: RawDecision;
  /** The state expired (see ReplayOptions) between the previous step and this one. */
  readonly expiredBefore: boolean;
  /** When this step wrote state: the PX, in milliseconds, a Redis store sets on it. */
  readonly expiryMs: number | undefined;
}

export interface ReplayOptions {
  /**
   * Let states expire like the Redis keys the store writes: PX = max(1, ceil(ttlUs / 1000) +
   * ttlJitterMs) milliseconds after the write, gone once the millisecond clock is past it.
   * Without it, states never expire.
   */
  readonly ttlJitterMs?: number;
}

/**
 * Replays a vector through the TypeScript algorithm: limiter-core's step, a state map and a
 * manual clock, with states expiring on the manual clock when `ttlJitterMs` is given.
 */
export function expectedDecisions(vector: TestVector, options: ReplayOptions = {}): ExpectedStep[] {
  const algorithm = algorithmFor(vector.algorithm);
  const clock = new ManualClock(vector.startUs);
  const states = new Map<string, { state: unknown; expiresAtMs: number }>();
  const expected: ExpectedStep[] = [];
  let params = vector.params;
  for (const step of vector.steps) {
    params = step.params ?? params;
    clock.advanceMicros(step.advanceUs);
    const now = clock.nowMicros();
    const stored = states.get(vector.name);
    const expiredBefore = stored !== undefined && Math.floor(now / 1000) > stored.expiresAtMs;
    if (expiredBefore) states.delete(vector.name);
    const result = algorithm.step({ state: states.get(vector.name)?.state, params, cost: step.cost, now });
    let expiryMs: number | undefined;
    if (result.next !== undefined) {
      expiryMs = Math.max(1, Math.ceil(result.ttlUs / 1000) + (options.ttlJitterMs ?? 0));
      const expiresAtMs = options.ttlJitterMs === undefined ? Infinity : Math.floor(now / 1000) + expiryMs;
      states.set(vector.name, { state: result.next, expiresAtMs });
    }
    expected.push({ now, cost: step.cost, params, decision: normalized(result.decision), expiredBefore, expiryMs });
  }
  return expected;
}

/** Redis replies integers, which have no negative zero; JavaScript arithmetic can produce one. */
export function normalized<D extends RawDecision>(decision: D): D {
  return { ...decision, remaining: decision.remaining + 0, resetUs: decision.resetUs + 0, retryAfterUs: decision.retryAfterUs + 0 };
}

const T0 = 1_700_000_000_123_456;
const SECOND = 1_000_000;
const MS = 1_000;
const DAYS_30 = 30 * 24 * 3600 * SECOND;

const step = (advanceUs: number, cost = 1): VectorStep => ({ advanceUs, cost });
/** A step whose request comes under new parameters (a limit change). */
const change = (advanceUs: number, cost: number, newParams: LimitParams): VectorStep => ({ advanceUs, cost, params: newParams });
const burst = (count: number, cost = 1): VectorStep[] => Array.from({ length: count }, () => step(0, cost));
const params = (limit: number, windowUs: number, burstSize = limit): LimitParams => ({ limit, windowUs, burst: burstSize });
/** `offsetUs` after the start of the aligned window holding T0 plus `windows` whole windows. */
const aligned = (windowUs: number, offsetUs: number, windows = 1): number => windowStart(T0, windowUs) + windows * windowUs + offsetUs;

/** Vectors that read the same for the three bucket-like algorithms (burst-based capacity). */
function bucketVectors(algorithm: 'token_bucket' | 'gcra' | 'leaky_bucket'): TestVector[] {
  return [
    {
      name: `${algorithm}: burst to exactly the limit, denied, refilled by one unit`,
      algorithm,
      params: params(10, SECOND),
      startUs: T0,
      steps: [...burst(10), step(0), step(99_999), step(1), step(0)],
    },
    {
      name: `${algorithm}: fractional refill at 3 per second`,
      algorithm,
      params: params(3, SECOND),
      startUs: T0,
      steps: [...burst(3), step(333_333), step(1), step(1), step(333_332), step(1), step(100_000), step(233_333), step(2), step(1_000_000, 3)],
    },
    {
      name: `${algorithm}: cost above one`,
      algorithm,
      params: params(100, 60 * SECOND, 20),
      startUs: T0,
      steps: [step(0, 7), step(0, 7), step(0, 7), step(599_999, 7), step(1, 7), step(0, 6), step(4_200_000, 7), step(0, 1), step(12_000_000, 20)],
    },
    {
      name: `${algorithm}: burst below the limit`,
      algorithm,
      params: params(100, SECOND, 5),
      startUs: T0,
      steps: [...burst(6), step(9_999), step(1), step(1), step(30_000, 3), step(0, 1)],
    },
    {
      name: `${algorithm}: burst above the limit`,
      algorithm,
      params: params(2, SECOND, 6),
      startUs: T0,
      steps: [step(0, 4), step(0, 2), step(0), step(499_999), step(1), step(2_999_999, 6), step(1, 6)],
    },
    {
      name: `${algorithm}: large limit 1e9 per second`,
      algorithm,
      params: params(1e9, SECOND),
      startUs: T0,
      steps: [step(0, 3e8), step(0, 3e8), step(0, 3e8), step(0, 2e8), step(99_999, 2e8), step(1, 2e8), step(1, 1), step(0, 999), step(3, 7_000), step(1_000_000, 1e9)],
    },
    {
      name: `${algorithm}: 1 ms window`,
      algorithm,
      params: params(5, MS),
      startUs: T0,
      steps: [...burst(6), step(199), step(1), step(1), step(400, 2), step(0), step(5_000, 5)],
    },
    {
      name: `${algorithm}: 30-day window`,
      algorithm,
      params: params(1000, DAYS_30),
      startUs: T0,
      steps: [step(0, 999), step(0, 1), step(0, 1), step(2_591_999_999), step(1), step(1), step(DAYS_30, 1000)],
    },
    {
      name: `${algorithm}: clock steps back a few microseconds`,
      algorithm,
      params: params(4, SECOND),
      startUs: T0,
      steps: [...burst(4), step(-3), step(250_003), step(-5), step(2), step(-1), step(250_001), step(-4, 2), step(600_000, 2)],
    },
    {
      // One unit per microsecond: the stored time must stay at its maximum when the clock is behind.
      name: `${algorithm}: admitted while the clock is behind the stored time`,
      algorithm,
      params: params(1000, MS, 10),
      startUs: T0,
      steps: [...burst(10), step(3), step(-2), step(2, 2), step(1, 2), step(-1), step(0, 1), step(20, 10)],
    },
  ];
}

/** Vectors for the two aligned-window counters. */
function windowVectors(algorithm: 'fixed_window' | 'sliding_window'): TestVector[] {
  return [
    {
      name: `${algorithm}: burst to exactly the limit, denied until the next window`,
      algorithm,
      params: params(10, SECOND),
      startUs: T0,
      steps: [...burst(10), step(0), step(100_000), step(aligned(SECOND, 0) - T0 - 100_001), step(1), step(1), step(500_000, 4)],
    },
    {
      name: `${algorithm}: last and first microsecond of adjacent windows`,
      algorithm,
      params: params(5, SECOND),
      startUs: aligned(SECOND, -1),
      steps: [...burst(5), step(0), step(1), ...burst(5), step(499_999), step(1), step(250_000, 2), step(SECOND, 5)],
    },
    {
      name: `${algorithm}: cost above one`,
      algorithm,
      params: params(10, SECOND),
      startUs: aligned(SECOND, 100_000),
      steps: [step(0, 4), step(0, 4), step(0, 4), step(0, 2), step(0, 1), step(900_000, 3), step(300_000, 7), step(100_000, 3)],
    },
    {
      name: `${algorithm}: large limit 1e9`,
      algorithm,
      params: params(1e9, 60 * SECOND),
      startUs: aligned(60 * SECOND, 1),
      steps: [step(0, 5e8), step(0, 5e8), step(0, 1), step(59_999_999, 1), step(0, 3e8), step(7_777_777, 123_456_789), step(33_333_333, 2e8)],
    },
    {
      name: `${algorithm}: 1 ms window`,
      algorithm,
      params: params(3, MS),
      startUs: aligned(MS, 998),
      steps: [...burst(4), step(1), step(1), ...burst(3), step(500), step(499), step(1), step(1_700, 2)],
    },
    {
      name: `${algorithm}: 30-day window`,
      algorithm,
      params: params(100, DAYS_30),
      startUs: T0,
      steps: [step(0, 60), step(0, 40), step(0, 1), step(aligned(DAYS_30, 0) - T0, 1), step(DAYS_30 / 3, 50), step(DAYS_30 / 2, 30), step(DAYS_30 * 2, 100)],
    },
    {
      name: `${algorithm}: clock steps back across a window boundary`,
      algorithm,
      params: params(3, SECOND),
      startUs: aligned(SECOND, 1),
      steps: [...burst(3), step(0), step(-3), step(0), step(3), step(2), step(-1), step(999_999), step(-2)],
    },
    {
      name: `${algorithm}: a quiet window forgets everything`,
      algorithm,
      params: params(4, SECOND),
      startUs: aligned(SECOND, 900_000),
      steps: [...burst(4), step(2 * SECOND + 50_000), ...burst(4), step(0), step(750_000, 2)],
    },
  ];
}

const slidingLogVectors: TestVector[] = [
  {
    name: 'sliding_log: burst to exactly the limit, retry exactly when the oldest leaves',
    algorithm: 'sliding_log',
    params: params(5, SECOND),
    startUs: T0,
    steps: [...burst(5), step(0), step(200_000), step(799_999), step(1), step(0), step(1_000_000, 5)],
  },
  {
    name: 'sliding_log: cost above one frees the oldest entries first',
    algorithm: 'sliding_log',
    params: params(10, SECOND),
    startUs: T0,
    steps: [step(0, 4), step(100_000, 3), step(100_000, 3), step(100_000, 5), step(699_999, 5), step(100_000, 5), step(1, 5), step(0, 1)],
  },
  {
    name: 'sliding_log: several entries in one microsecond',
    algorithm: 'sliding_log',
    params: params(6, 10 * MS),
    startUs: T0,
    steps: [step(0, 2), step(0, 2), step(0, 1), step(0, 1), step(0, 1), step(9_999), step(1, 4), step(0, 2), step(0, 1)],
  },
  {
    name: 'sliding_log: clock steps back, entries out of time order',
    algorithm: 'sliding_log',
    params: params(4, SECOND),
    startUs: T0,
    steps: [step(0), step(-3), step(-2, 2), step(0), step(10), step(999_990), step(1), step(1), step(2), step(-4), step(1_000_000, 4)],
  },
  {
    name: 'sliding_log: entries pruned on admission stay gone when the clock steps back',
    algorithm: 'sliding_log',
    params: params(2, MS),
    startUs: T0,
    steps: [step(0), step(10), step(0), step(990), step(-1), step(-4), step(9), step(1), step(2)],
  },
  {
    name: 'sliding_log: a denial removes nothing, so entries return when the clock steps back',
    algorithm: 'sliding_log',
    params: params(2, MS),
    startUs: T0,
    steps: [step(0), step(10), step(990, 2), step(-3), step(3), step(7, 2), step(4)],
  },
  {
    name: 'sliding_log: 1 ms window',
    algorithm: 'sliding_log',
    params: params(3, MS),
    startUs: T0,
    steps: [...burst(4), step(999), step(1), step(1), step(250, 2), step(750), step(1_000, 3)],
  },
  {
    name: 'sliding_log: 30-day window',
    algorithm: 'sliding_log',
    params: params(5, DAYS_30),
    startUs: T0,
    steps: [step(0, 2), step(DAYS_30 / 2, 3), step(0), step(DAYS_30 / 2 - 1), step(1), step(1), step(DAYS_30, 5)],
  },
  {
    name: 'sliding_log: large limit 1e9',
    algorithm: 'sliding_log',
    params: params(1e9, SECOND),
    startUs: T0,
    steps: [step(0, 4e8), step(1, 4e8), step(1, 4e8), step(1, 2e8), step(999_998, 2e8), step(1, 4e8), step(1, 4e8), step(0, 1)],
  },
];

/**
 * Limit changes, for every algorithm: a raise helps an exhausted caller at once (3 used, limit
 * raised from 3 to 5: 2 left) and a lowering caps at once, with the state drained or aged at the
 * new parameters' rate from then on.
 */
function limitChangeVectors(algorithm: AlgorithmName): TestVector[] {
  const minute = 60 * SECOND;
  const start = algorithm === 'fixed_window' || algorithm === 'sliding_window' ? aligned(minute, 5 * SECOND) : T0;
  return [
    {
      name: `${algorithm}: limit raised from 3 to 5 after 3 used leaves 2, then lowered back`,
      algorithm,
      params: params(3, minute),
      startUs: start,
      steps: [...burst(3), step(0), change(0, 1, params(5, minute)), step(1), step(0), change(1, 1, params(3, minute)), step(3 * SECOND), change(0, 2, params(10, minute))],
    },
    {
      name: `${algorithm}: limit lowered below what was used caps at once`,
      algorithm,
      params: params(10, minute),
      startUs: start,
      steps: [step(0, 6), change(10, 1, params(4, minute)), step(SECOND), step(7 * SECOND), step(8 * SECOND, 2), change(0, 4, params(10, minute)), step(0, 1)],
    },
    {
      name: `${algorithm}: burst and rate change together, with fractional refills`,
      algorithm,
      params: params(7, SECOND, 3),
      startUs: start,
      steps: [step(0, 3), change(142_857, 2, params(3, SECOND, 9)), step(0, 3), step(333_333), change(1, 1, params(1e9, SECOND, 2)), step(0, 2), step(1), change(5, 1, params(2, 10 * SECOND, 1)), step(4_999_999)],
    },
  ];
}

/** A deterministic PRNG (mulberry32), so random walks are the same vectors on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A long seeded walk: bursts, pauses of up to one and a half windows, and occasional backward
 * clock steps, with costs up to the most one request can cost.
 */
export function randomWalkVector(input: { algorithm: AlgorithmName; seed: number; steps: number; params: LimitParams }): TestVector {
  const random = mulberry32(input.seed);
  const ceiling = Math.max(1, Math.min(5, maxCost(input.algorithm, input.params.limit, input.params.burst)));
  const steps: VectorStep[] = [];
  for (let i = 0; i < input.steps; i++) {
    const roll = random();
    let advanceUs = 0;
    if (roll < 0.1) advanceUs = -1 - Math.floor(random() * 5);
    else if (roll < 0.5) advanceUs = Math.floor(random() * (input.params.windowUs / 10));
    else if (roll < 0.6) advanceUs = Math.floor(random() * input.params.windowUs * 1.5);
    steps.push({ advanceUs, cost: 1 + Math.floor(random() * ceiling) });
  }
  return {
    name: `${input.algorithm}: random walk (seed ${input.seed})`,
    algorithm: input.algorithm,
    params: input.params,
    startUs: T0 + Math.floor(random() * input.params.windowUs),
    steps,
  };
}

const randomWalks: TestVector[] = ALGORITHMS.map((algorithm, i) =>
  randomWalkVector({ algorithm, seed: 1000 + i, steps: 120, params: params(7, 50 * MS, 4) }),
);

export const TEST_VECTORS: readonly TestVector[] = [
  ...bucketVectors('token_bucket'),
  ...bucketVectors('gcra'),
  ...bucketVectors('leaky_bucket'),
  ...windowVectors('fixed_window'),
  ...windowVectors('sliding_window'),
  ...slidingLogVectors,
  ...ALGORITHMS.flatMap(limitChangeVectors),
  ...randomWalks,
];
