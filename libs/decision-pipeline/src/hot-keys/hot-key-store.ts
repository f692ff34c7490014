import {
  combineStacked,
  leaseSize,
  RateEstimator,
  StoreError,
  StoreTimeoutError,
  type LimitRequest,
  type RawDecision,
  type StackedDecision,
  type StackedLimit,
  type StackedRequest,
} from '@rl/limiter-core';
import { isLeasableStack, isLeaseAlgorithm, type LeaseAlgorithm, type LeaseGrant, type StackedLeaseGrant } from '@rl/redis-store';
import { isGlobalRequest, isStacked, type DecisionFor, type DecisionStore, type StoreRequest } from '../store-port';
import type { HotKeyMetrics } from '../metrics';
import { DenyCache, sameLimit } from './deny-cache';
import type { HotKeySettings } from './hot-key-settings';

export type LeaseRequest = LimitRequest & { readonly algorithm: LeaseAlgorithm };

/** What a lease serves: one leasable limit, or a stack whose every limit is leasable (isLeasableStack). */
type Leased = LeaseRequest | StackedRequest;

/** The parameters of one limit a lease draws from: the request itself, or one limit of a stack. */
type LeasedLimit = Pick<StackedLimit, 'algorithm' | 'limit' | 'windowUs' | 'burst'>;

/** The lease operations of the regional store (RedisLeaseStore behind its circuit breaker). */
export interface LeasePort {
  /**
   * Whether leases should be tried now: false while the store's breaker is not closed. Requests
   * then go to the inner store, whose breaker lets one probe through and rejects the rest at once,
   * instead of all waiting on an acquisition that may run into the deadline.
   */
  usable(): boolean;
  acquire(input: { request: LeaseRequest; want: number }): Promise<LeaseGrant>;
  release(input: { request: LeaseRequest; units: number; windowStartUs: number }): Promise<number>;
  /** A stack: the same units from EVERY limit, all or nothing (RedisLeaseStore.acquireStack). */
  acquireStack(input: { request: StackedRequest; want: number }): Promise<StackedLeaseGrant>;
  /** Gives unused units back to every limit of a stack (RedisLeaseStore.releaseStack). */
  releaseStack(input: { request: StackedRequest; units: number; windowStartsUs: readonly number[] }): Promise<number>;
}


export interface HotKeyStoreOptions {
  /** The store that decides everything the hot-key layer does not (the Redis tiers). */
  readonly inner: DecisionStore;
  /** Lease operations on the regional Redis; leases are off without it. */
  readonly leases: LeasePort | undefined;
  readonly settings: HotKeySettings;
  readonly metrics: HotKeyMetrics;
  /** Monotonic milliseconds; injected by tests. */
  readonly nowMs?: () => number;
}

/** One key's lease at this instance: units taken from the store and not spent yet. */
interface Lease {
  readonly request: Leased;
  /** Units held, taken from the counter (a stack: from every one of its limits). */
  units: number;
  /** Per limit (one for a single limit): the window the units belong to; 0 for a token bucket. */
  windowStartsUs: readonly number[];
  /** Monotonic ms after which the units are void (the first of its windows ended); Infinity with token buckets only. */
  validUntilMs: number;
  /** Per limit: the shared counter's remaining units and reset when the units were taken, for the reply. */
  storeRemaining: readonly number[];
  storeResetUs: readonly number[];
  grantedAtMs: number;
  lastUsedMs: number;
  /** Set while one acquisition for this key is in flight; concurrent requests wait for it. */
  acquiring: Promise<void> | undefined;
  /** Units of the requests waiting for `acquiring`: the next acquisition asks for them too. */
  waiting: number;
}

/**
 * How many acquisitions one request waits for before the store decides it directly. Requests that
 * arrive while an acquisition is in flight wait for it; those it cannot cover start (or wait for)
 * one more, sized for all of them. Bounded, so no request queues behind an unbounded chain.
 */
const WAIT_ROUNDS = 3;

/** Counting intervals of the rate estimator. */
const RATE_INTERVAL_US = 1_000_000;
/** How long close() waits for unused units to go back, ms. */
const CLOSE_RETURN_TIMEOUT_MS = 1_000;

/**
 * A DecisionStore decorator that saves store calls for hot keys; wraps the Redis tiers.
 *
 * 1. Deny cache: a key the store denied until T is denied locally until T (DenyCache), for every
 *    kind of decision, global windows included. A dry run reads the cache but never fills it.
 * 2. Leases: a key whose rate at this instance is at least `leaseThresholdPerSecond`, under a
 *    leasable algorithm (token_bucket, fixed_window: see `leasable`), or a stack whose every limit
 *    is one of those (calendar windows included), is served from a lease: one
 *    atomic script takes a batch of units (sized by leaseSize: the key's demand over `leaseMs`,
 *    capped by `leaseMaxPercent` of the capacity and `leaseMaxUnits`), and requests spend them
 *    from memory. Leased units are already deducted in Redis, so no number of instances can admit
 *    more than the counter holds; units left unused go back when the key has been idle for
 *    `leaseMs`, on a policy change, on eviction and at shutdown (token_bucket; fixed_window units
 *    also lapse at their window's end). A lost return (crash, Redis down) only under-admits.
 *    A stack's lease holds units taken from EVERY limit in one script call, all or nothing, so
 *    it admits no more than the tightest limit would; its units lapse when the first of its
 *    windows ends, go back to every limit (windows: only to the window they were taken in), and
 *    its replies and denials are stacked decisions (each limit's remaining; a denial names the
 *    limits that cannot cover the cost, with their retry times).
 *    One acquisition per key is in flight at a time; requests arriving meanwhile wait for it, then
 *    spend from it, wait for one sized for them, or are decided by the deny cache or the store
 *    directly (WAIT_ROUNDS).
 *    When an acquisition is denied, the key is denied locally until a lease's worth of units has
 *    accrued (token_bucket; at most `leaseMs` beyond the store's retry time), so a saturated hot
 *    key costs a few store calls per `leaseMs`, not one per request.
 *
 * Failures: StoreErrors pass through (the check path applies the policy's failure mode); a failed
 * acquisition is retried once on the inner store (which may hold a secondary tier). While the
 * regional breaker is not closed no acquisition is tried: requests go to the inner store, so none
 * waits on an acquisition stuck until the deadline. Units already leased are still spent while
 * Redis is down: they were counted there.
 */
export class HotKeyStore implements DecisionStore {
  private readonly inner: DecisionStore;
  private readonly leasePort: LeasePort | undefined;
  private readonly settings: HotKeySettings;
  private readonly metrics: HotKeyMetrics;
  private readonly nowMs: () => number;
  private readonly denied: DenyCache | undefined;
  private readonly rates: RateEstimator | undefined;
  private readonly leases = new Map<string, Lease>();
  private readonly maxShare: number;
  private readonly sweeper: NodeJS.Timeout | undefined;
  private readonly returning = new Set<Promise<void>>();

  constructor(options: HotKeyStoreOptions) {
    this.inner = options.inner;
    this.settings = options.settings;
    this.metrics = options.metrics;
    this.nowMs = options.nowMs ?? (() => performance.now());
    const s = options.settings;
    this.denied = s.denyCacheKeys > 0 ? new DenyCache({ maxKeys: s.denyCacheKeys, maxHoldMs: s.denyCacheMaxMs }) : undefined;
    this.leasePort = s.leaseThresholdPerSecond > 0 ? options.leases : undefined;
    this.rates = this.leasePort !== undefined ? new RateEstimator({ maxKeys: s.trackedKeys, intervalUs: RATE_INTERVAL_US }) : undefined;
    this.maxShare = s.leaseMaxPercent / 100;
    if (this.leasePort !== undefined) {
      this.sweeper = setInterval(() => this.sweep(), s.leaseMs);
      this.sweeper.unref();
    }
  }

  async decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    if (request.dryRun === true) return this.explain(request);
    const now = this.nowMs();
    // Units this instance holds were taken from the counter already: spend them first, whatever
    // the key's rate now and whatever denial is remembered. Otherwise they sit unused until the
    // sweeper returns them, while this instance (deny cache) and the others (an empty counter)
    // deny: under-admission.
    const leasable = this.leasePort !== undefined && isLeasable(request);
    const rate = leasable ? (this.rates?.note(request.key, request.cost, Math.floor(now * 1000)) ?? 0) : 0;
    const held = leasable ? this.heldLease(request, now) : undefined;
    if (held !== undefined) {
      const spent = this.spend(held, request.cost);
      if (spent !== undefined) return spent as DecisionFor<R>;
    }
    const cached = this.denied?.get(request, now);
    if (cached !== undefined) {
      this.metrics.recordDenyCacheHit();
      return cached as DecisionFor<R>;
    }
    if (this.leasePort !== undefined && isLeasable(request) && rate >= this.settings.leaseThresholdPerSecond) {
      return (await this.fromLease(this.leasePort, request, rate)) as DecisionFor<R>;
    }
    return this.decideInner(request);
  }

  /**
   * A dry run: what a real request would get here, changing nothing. A remembered denial answers
   * it; so do the units of this instance's lease, without spending them; otherwise the store
   * decides it as a dry run. Nothing is remembered from it.
   */
  private async explain<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    const now = this.nowMs();
    const cached = this.denied?.get(request, now);
    if (cached !== undefined) return cached as DecisionFor<R>;
    if (isLeasable(request)) {
      const lease = this.leases.get(request.key);
      if (lease !== undefined && lease.acquiring === undefined && sameLease(lease.request, request) && lease.validUntilMs > now && lease.units >= request.cost) {
        return this.leaseDecision(lease, now, lease.units - request.cost) as DecisionFor<R>;
      }
    }
    return this.inner.decide(request);
  }

  /** What this instance holds for `key`: its lease's unspent units (0 without one) and whether a denial is remembered. */
  describe(key: string): { leaseUnits: number; denyCached: boolean } {
    const lease = this.leases.get(key);
    return { leaseUnits: lease === undefined || lease.validUntilMs <= this.nowMs() ? 0 : lease.units, denyCached: this.denied?.has(key, this.nowMs()) ?? false };
  }

  /**
   * An operator reset the counter `key`: forget its remembered denial, and drop its lease WITHOUT
   * giving the units back (they were taken from the counter that is being deleted; returning them
   * would credit the fresh one).
   */
  forget(key: string): void {
    this.denied?.delete(key);
    const lease = this.leases.get(key);
    if (lease !== undefined) this.abandon(lease);
    // A stack's lease is held under the stack's key; a reset names its limits' keys.
    for (const held of [...this.leases.values()]) {
      if (isStacked(held.request) && held.request.limits.some((limit) => limit.key === key)) {
        this.denied?.delete(held.request.key);
        this.abandon(held);
      }
    }
  }

  private abandon(lease: Lease): void {
    this.leases.delete(lease.request.key);
    lease.units = 0;
  }

  /** A policy changed: forget every remembered denial, and give every lease back. */
  invalidate(): void {
    this.denied?.clear();
    for (const lease of [...this.leases.values()]) this.dropLease(lease, this.nowMs());
  }

  /** Stops the sweeper and gives every unused unit back (waiting at most about a second). */
  async close(): Promise<void> {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.invalidate();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_RETURN_TIMEOUT_MS)));
    await Promise.race([Promise.all([...this.returning]), timeout]);
    clearTimeout(timer);
  }

  /** Keys holding a lease (tests, metrics). */
  get leaseCount(): number {
    return this.leases.size;
  }

  private async decideInner<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    const sentAtMs = this.nowMs();
    const decision = await this.inner.decide(request);
    if (!decision.allowed) this.denied?.put({ request, decision, sentAtMs, holdUs: decision.retryAfterUs });
    return decision;
  }

  private async fromLease(port: LeasePort, request: Leased, rate: number): Promise<RawDecision | StackedDecision> {
    for (let round = 0; round < WAIT_ROUNDS; round++) {
      const lease = this.leaseFor(request);
      const spent = this.spend(lease, request.cost);
      if (spent !== undefined) return spent;
      if (!port.usable()) break;
      if (round > 0) {
        const cached = this.denied?.get(request, this.nowMs());
        if (cached !== undefined) {
          this.metrics.recordDenyCacheHit();
          return cached;
        }
      }
      if (lease.acquiring === undefined) return this.acquire({ port, lease, request, rate });
      lease.waiting += request.cost;
      try {
        await lease.acquiring;
      } finally {
        lease.waiting -= request.cost;
      }
    }
    const last = this.heldLease(request, this.nowMs());
    return (last !== undefined ? this.spend(last, request.cost) : undefined) ?? this.decideInner(request);
  }

  /** The key's lease for these parameters if it holds live units and no acquisition is in flight. */
  private heldLease(request: Leased, now: number): Lease | undefined {
    const lease = this.leases.get(request.key);
    if (lease === undefined || lease.units <= 0 || lease.acquiring !== undefined || lease.validUntilMs <= now) return undefined;
    return sameLease(lease.request, request) ? lease : undefined;
  }

  /** The key's live lease for these parameters, a fresh empty one otherwise. */
  private leaseFor(request: Leased): Lease {
    const now = this.nowMs();
    const existing = this.leases.get(request.key);
    if (existing !== undefined) {
      if (existing.acquiring !== undefined) return existing;
      if (sameLease(existing.request, request) && existing.validUntilMs > now) return existing;
      this.dropLease(existing, now);
    }
    if (this.leases.size >= this.settings.trackedKeys) {
      const oldest = this.leases.values().next();
      if (oldest.done !== true) this.dropLease(oldest.value, now);
    }
    const lease: Lease = {
      request,
      units: 0,
      windowStartsUs: [],
      validUntilMs: Infinity,
      storeRemaining: [],
      storeResetUs: [],
      grantedAtMs: now,
      lastUsedMs: now,
      acquiring: undefined,
      waiting: 0,
    };
    this.leases.set(request.key, lease);
    return lease;
  }

  private spend(lease: Lease, cost: number): RawDecision | StackedDecision | undefined {
    const now = this.nowMs();
    if (lease.units < cost || lease.validUntilMs <= now) return undefined;
    lease.units -= cost;
    lease.lastUsedMs = now;
    this.metrics.recordLeaseHit();
    return this.leaseDecision(lease, now, lease.units);
  }

  /**
   * The reply for units spent from a lease: per limit, what the store had left plus what the lease
   * still holds (`unitsLeft`, held in every limit of a stack); a stack's aggregate as a stacked
   * decision's (combineStacked).
   */
  private leaseDecision(lease: Lease, now: number, unitsLeft: number): RawDecision | StackedDecision {
    const request = lease.request;
    if (!isStacked(request)) return limitLeaseDecision({ limit: request, lease, index: 0, now, unitsLeft });
    const limits = request.limits.map((limit, index) => limitLeaseDecision({ limit, lease, index, now, unitsLeft }));
    return combineStacked({ allowed: true, limits });
  }

  private async acquire(input: { port: LeasePort; lease: Lease; request: Leased; rate: number }): Promise<RawDecision | StackedDecision> {
    const { port, lease, request } = input;
    const need = Math.max(1, request.cost - lease.units);
    const s = this.settings;
    // Sized for the key's demand over a lease, or for the requests already waiting when more.
    const demand = Math.max(input.rate, ((need + lease.waiting) * 1000) / s.leaseMs);
    const want = leaseSize({ ratePerSecond: demand, leaseMs: s.leaseMs, cost: need, capacity: leaseCapacity(request), maxShare: this.maxShare, maxUnits: s.leaseMaxUnits });
    const sentAtMs = this.nowMs();
    let release!: () => void;
    lease.acquiring = new Promise<void>((resolve) => (release = resolve));
    try {
      let grant: StackedLeaseGrant;
      try {
        grant = await takeLease({ port, request, cost: need, want });
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        this.metrics.recordLeaseAcquisition('failed');
        this.metrics.recordStoreFailure(error instanceof StoreTimeoutError ? 'timeout' : 'unavailable');
        return await this.inner.decide(request);
      }
      const now = this.nowMs();
      if (grant.granted === 0) {
        this.metrics.recordLeaseAcquisition('denied');
        return this.denyHot({ request, grant, want, need, sentAtMs, now });
      }
      this.metrics.recordLeaseAcquisition('granted');
      const windowStartsUs = grant.limits.map((limit) => limit.windowStartUs);
      // Units left from another window of any limit are void there: they are dropped.
      if (!sameNumbers(lease.windowStartsUs, windowStartsUs)) lease.units = 0;
      lease.units += grant.granted;
      lease.windowStartsUs = windowStartsUs;
      lease.validUntilMs = validUntilMs(grant, sentAtMs);
      lease.storeRemaining = grant.limits.map((limit) => limit.remaining);
      lease.storeResetUs = grant.limits.map((limit) => limit.resetUs);
      lease.grantedAtMs = now;
      // The units cover this request (need + leftover >= cost), unless leftover units were just
      // dropped for a window that ended: then the store decides it, and the units stay held.
      if (lease.units < request.cost) return await this.decideInner(request);
      lease.units -= request.cost;
      lease.lastUsedMs = now;
      return this.leaseDecision(lease, now, lease.units);
    } finally {
      lease.acquiring = undefined;
      release();
    }
  }

  /**
   * A denied acquisition: deny this request and remember it. For a token bucket the key stays
   * denied until `want` units have accrued (at most `leaseMs` past the store's retry time), so the
   * next acquisition takes a batch instead of one unit; that delays admissions by at most
   * `leaseMs` but loses none (want <= burst, so the accrued units fit in the bucket).
   */
  private denyHot(input: { request: Leased; grant: StackedLeaseGrant; want: number; need: number; sentAtMs: number; now: number }): RawDecision | StackedDecision {
    const { request, want, need, sentAtMs } = input;
    const { decision, constraining } = leaseDenial(request, input.grant);
    let holdUs = decision.retryAfterUs;
    if (constraining.algorithm === 'token_bucket') {
      const accrualUs = Math.ceil(((want - need) * constraining.windowUs) / constraining.limit);
      holdUs += Math.min(accrualUs, this.settings.leaseMs * 1000);
    }
    const held = this.denied?.put({ request, decision, sentAtMs, holdUs }) ?? 0;
    const elapsedUs = (input.now - sentAtMs) * 1000;
    const retryAfterUs = Math.max(decision.retryAfterUs, Math.ceil(held - elapsedUs));
    return { ...decision, retryAfterUs: retryAfterUs > 0 ? retryAfterUs : 1 };
  }

  /** Returns the units of leases idle for `leaseMs`, and drops leases whose window has ended. */
  private sweep(): void {
    const now = this.nowMs();
    for (const lease of [...this.leases.values()]) {
      if (lease.acquiring !== undefined) continue;
      if (lease.validUntilMs <= now || now - lease.lastUsedMs >= this.settings.leaseMs) this.dropLease(lease, now);
    }
  }

  private dropLease(lease: Lease, now: number): void {
    if (this.leases.get(lease.request.key) === lease) this.leases.delete(lease.request.key);
    const units = lease.units;
    lease.units = 0;
    if (units <= 0 || this.leasePort === undefined) return;
    // Units whose window ended are void there; a stack's token buckets still take them back.
    if (lease.validUntilMs <= now && !drawsOnBucket(lease.request)) return;
    const returning = giveBack({ port: this.leasePort, lease, units })
      .then(
        (taken) => this.metrics.recordLeaseReturn('returned', taken),
        // Whatever went wrong, the units stay counted in Redis: this can only under-admit, until
        // they refill or their window ends. The metric makes it visible.
        () => this.metrics.recordLeaseReturn('failed', units),
      )
      .finally(() => this.returning.delete(returning));
    this.returning.add(returning);
  }
}

/**
 * Leases serve single regional token buckets and fixed windows, and stacks whose every limit is
 * one of those (calendar windows included): a stack's lease holds the same units taken from every
 * limit, all or nothing. A lone calendar limit, a global window and the other algorithms always go
 * to the store.
 */
function isLeasable(request: StoreRequest): request is Leased {
  if (isStacked(request)) return isLeasableStack(request);
  return !isGlobalRequest(request) && request.calendar === undefined && isLeaseAlgorithm(request.algorithm);
}

/** Whether two requests draw on the same lease: the same limits (a stack: each limit's key, parameters and calendar window). */
function sameLease(a: Leased, b: Leased): boolean {
  if (!isStacked(a) || !isStacked(b)) return !isStacked(a) && !isStacked(b) && sameLimit(a, b);
  if (a.limits.length !== b.limits.length) return false;
  for (let index = 0; index < a.limits.length; index++) {
    const x = a.limits[index];
    const y = b.limits[index];
    if (x.key !== y.key || x.algorithm !== y.algorithm || x.limit !== y.limit || x.windowUs !== y.windowUs || x.burst !== y.burst || x.calendar?.startUs !== y.calendar?.startUs) return false;
  }
  return true;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** What one lease may take at most: the smallest capacity among its limits (burst of a token bucket, limit of a window). */
function leaseCapacity(request: Leased): number {
  if (!isStacked(request)) return limitCapacity(request);
  let capacity = Infinity;
  for (const limit of request.limits) capacity = Math.min(capacity, limitCapacity(limit));
  return capacity;
}

function limitCapacity(limit: LeasedLimit): number {
  return limit.algorithm === 'token_bucket' ? limit.burst : limit.limit;
}

function drawsOnBucket(request: Leased): boolean {
  return isStacked(request) ? request.limits.some((limit) => limit.algorithm === 'token_bucket') : request.algorithm === 'token_bucket';
}

/** Monotonic ms until which a grant's units may be spent: until the first of its windows ends (token buckets never do). */
function validUntilMs(grant: StackedLeaseGrant, sentAtMs: number): number {
  let until = Infinity;
  for (const limit of grant.limits) if (limit.validUs > 0) until = Math.min(until, sentAtMs + limit.validUs / 1000);
  return until;
}

/** One acquisition through the port, a single limit's grant read as a stack of one. */
async function takeLease(input: { port: LeasePort; request: Leased; cost: number; want: number }): Promise<StackedLeaseGrant> {
  const { port, request, cost, want } = input;
  if (isStacked(request)) return port.acquireStack({ request: { ...request, cost }, want });
  const grant = await port.acquire({ request: { ...request, cost }, want });
  return { granted: grant.granted, limits: [grant] };
}

function giveBack(input: { port: LeasePort; lease: Lease; units: number }): Promise<number> {
  const { port, lease, units } = input;
  const request = lease.request;
  if (isStacked(request)) return port.releaseStack({ request, units, windowStartsUs: lease.windowStartsUs });
  return port.release({ request, units, windowStartUs: lease.windowStartsUs[0] ?? 0 });
}

/** One limit's reply for units spent from a lease (see HotKeyStore.leaseDecision). */
function limitLeaseDecision(input: { limit: LeasedLimit; lease: Lease; index: number; now: number; unitsLeft: number }): RawDecision {
  const { limit: params, lease, index, now } = input;
  const { limit, burst, windowUs } = params;
  const left = lease.storeRemaining[index] + input.unitsLeft;
  const remaining = left > limit ? limit : left;
  let resetUs: number;
  if (params.algorithm === 'token_bucket') {
    const missing = burst - (left > burst ? burst : left);
    resetUs = Math.ceil((missing * windowUs) / limit);
  } else {
    resetUs = Math.max(0, Math.ceil(lease.storeResetUs[index] - (now - lease.grantedAtMs) * 1000));
  }
  return { allowed: true, remaining, resetUs, retryAfterUs: 0 };
}

/**
 * A denied acquisition as the store would have denied the request: a single limit's denial, or a
 * stack's (each limit denies when it carries a retry time, the others report what they hold), and
 * the limit that constrains it.
 */
function leaseDenial(request: Leased, grant: StackedLeaseGrant): { decision: RawDecision | StackedDecision; constraining: LeasedLimit } {
  const limits = grant.limits.map((g): RawDecision => ({ allowed: g.retryAfterUs === 0, remaining: g.remaining, resetUs: g.resetUs, retryAfterUs: g.retryAfterUs }));
  if (!isStacked(request)) return { decision: { ...limits[0], allowed: false }, constraining: request };
  const decision = combineStacked({ allowed: false, limits });
  return { decision, constraining: request.limits[decision.constraining] };
}
