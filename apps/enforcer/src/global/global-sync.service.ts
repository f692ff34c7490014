import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { globalAllocationsSubject, GLOBAL_BOUNDS, limitScope, parseAllocationUpdate, type Policy } from '@rl/contracts';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { EnforcerConfig } from '../config/enforcer-config';
import { LOGGER } from '@rl/platform/service';
import type { CompiledLimit, CompiledPolicy, CompiledStack } from '../policies/compiled-policy';
import type { StackedDecision } from '@rl/limiter-core';
import { DEFAULT_RETRY } from '../policies/control-plane/retry';
import { PolicySource, type ActivePolicies } from '../policies/policy-source';
import { AllocationTable } from './allocation-table';
import { GlobalChannel } from './global-channel';
import { GlobalMetrics } from './global-metrics';
import { UsageReporter } from './usage-reporter';
import { UsageTracker, type WindowUsage } from './usage-tracker';
import { AlignedTimer, ThrottledLog, type Verification } from '@rl/platform';

/** Most (policy, identity, window) allocations held; beyond it new ones are refused and not acknowledged. */
const MAX_ALLOCATIONS = 1_000_000;
/** Most identities counted for usage reports across all windows held. */
const MAX_TRACKED_KEYS = 500_000;
/** An allocation is kept (and accepted) this long after its window ends, for a store clock a little behind ours. */
const ALLOCATION_GRACE_MS = 5_000;
/** Sync intervals a fresh instance waits for the allocation stream before it falls back to the static split. */
const CATCH_UP_INTERVALS = 5;
/** Allocation messages arriving within this long are acknowledged by one report. */
const ACK_COALESCE_MS = 20;
const decoder = new TextDecoder();
/**
 * How long a decision that read a cap may still run before it is counted: one
 * REDIS_COMMAND_TIMEOUT_MS per store it may ask (the regional Redis, then the secondary).
 */
function settleMsOf(config: EnforcerConfig): number {
  return config.redis.commandTimeoutMs * (config.redis.fallbackUrl === undefined ? 1 : 2);
}

/**
 * The enforcer's side of global limits, off the request path: the allocation table fed by the
 * allocation consumer, the usage tracker and the reporter that publishes it every
 * GLOBAL_SYNC_INTERVAL_MS, on multiples of it in wall-clock time. NATS is used only once a policy with scope "global" exists, so an
 * enforcer without global policies opens no connection for them.
 *
 * The request path (GlobalCheckService) reads `capFor` and counts through `usage`: Map lookups
 * and increments only.
 *
 * Trust: an allocation applies only if it verifies against ALLOCATION_SIGNING_PUBLIC_KEYS
 * (purpose `allocation`); one that does not is counted in
 * rl_global_allocation_signature_rejections_total{reason}, logged at most once per interval per
 * reason with its subject and claimed epoch, and skipped, so a forged epoch can neither raise a cap
 * nor make later genuine epochs look stale. Usage reports are signed with this region's
 * USAGE_SIGNING_PRIVATE_KEY. Without both keys the instance does not sync at all: no report
 * leaves, no allocation is read, and global policies stay at the static split.
 */
@Injectable()
export class GlobalSyncService implements OnApplicationShutdown {
  readonly table: AllocationTable;
  readonly tracker = new UsageTracker({ maxKeys: MAX_TRACKED_KEYS });
  private readonly metrics: GlobalMetrics;
  /** Undefined without signing keys: nothing is reported. */
  private readonly reporter: UsageReporter | undefined;
  private readonly allocationsSubject: string;
  private readonly log: ThrottledLog;
  private readonly regionCount: number;
  private readonly unsubscribe: () => void;
  private channel: GlobalChannel | undefined;
  private timer: AlignedTimer | undefined;
  /** Whether the allocations already in the stream have been read (or waiting for them timed out). */
  private caughtUp = false;
  private catchUpDeadline = Infinity;
  private ackTimer: NodeJS.Timeout | undefined;
  private readonly ackDelayMs: number;

  constructor(
    private readonly config: EnforcerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    registry: Registry,
    policies: PolicySource,
  ) {
    this.metrics = new GlobalMetrics(registry);
    const settleMs = settleMsOf(config);
    this.table = new AllocationTable({ graceMs: ALLOCATION_GRACE_MS, maxEntries: MAX_ALLOCATIONS, settleMs });
    this.ackDelayMs = Math.max(ACK_COALESCE_MS, settleMs + 1);
    this.log = new ThrottledLog(logger, { intervalMs: 30_000, now: Date.now });
    this.regionCount = config.global.regions.length;
    this.allocationsSubject = globalAllocationsSubject(config.nats.namespace, config.region);
    const keys = config.signing.global;
    this.reporter =
      keys === undefined
        ? undefined
        : new UsageReporter({
            region: config.region,
            instanceId: config.instanceId,
            tracker: this.tracker,
            table: this.table,
            signer: keys.usage,
            endedGraceMs: 2 * config.global.syncIntervalMs,
            firstSequence: Date.now(),
          });
    const current = policies.current();
    if (current !== undefined) this.follow(current);
    this.unsubscribe = policies.subscribe((snapshot) => this.follow(snapshot));
  }

  /**
   * The cap this region enforces for a key in the window starting at `windowStartMs`: the latest
   * allocation received for it, else the static equal split floor(limit / GLOBAL_REGIONS count).
   *
   * Until this instance has read the allocations already in the stream, a key without one has no
   * cap yet (undefined: admit nothing): a restarted instance must not enforce the static split where
   * its region's allocation was lowered below it (other instances of the region may be enforcing
   * the lowered one). It waits at most CATCH_UP_INTERVALS sync intervals (`catchUpRemainingMs`);
   * with NATS unreachable it then enforces the static split.
   */
  capFor(input: { policy: CompiledPolicy; identity: string; windowStartMs: number; limit?: CompiledLimit }): number | undefined {
    const held = this.table.capFor(AllocationTable.key(input.policy.ref.id, input.identity, input.windowStartMs, input.limit?.name));
    if (held !== undefined) return held;
    if (!this.caughtUp) {
      if (Date.now() < this.catchUpDeadline) return undefined;
      this.markCaughtUp('timed out');
    }
    return Math.floor((input.limit ?? input.policy).quota.limit / this.regionCount);
  }

  /** Milliseconds until waiting for the allocation stream times out (0 once caught up). */
  catchUpRemainingMs(): number {
    return this.caughtUp ? 0 : Math.max(0, this.catchUpDeadline - Date.now());
  }

  /** The usage counters of one policy's window (of one of its stacked limits, given `limit`), for the request path to count into. */
  usage(input: { policy: CompiledPolicy; windowStartMs: number; windowMs: number; limit?: CompiledLimit }): WindowUsage {
    const { policy, limit } = input;
    return this.tracker.window({ policyId: policy.ref.id, name: limit?.usageName, windowStartMs: input.windowStartMs, windowSeconds: input.windowMs / 1000, limit: (limit ?? policy).quota.limit });
  }

  /**
   * Counts a stacked decision into the usage of each of its global limits, in the window the store
   * counted it in: the cost as admitted by every limit when the stack was admitted, else as denied
   * by each global limit that denied (one that would have admitted took nothing and counts nothing).
   */
  countStack(input: { policy: CompiledPolicy; stack: CompiledStack; identity: string; cost: number; decision: StackedDecision }): void {
    const { policy, stack, identity, cost, decision } = input;
    for (const index of stack.globalLimits) {
      const limit = stack.limits[index];
      const windowStartMs = decision.globalWindows?.[index]?.windowStartMs;
      if (windowStartMs === undefined) continue;
      const usage = this.usage({ policy, limit, windowStartMs, windowMs: limitWindowMs(limit, windowStartMs) });
      if (decision.allowed) usage.admit(identity, cost);
      else if (!decision.limits[index].allowed) usage.deny(identity, cost);
    }
  }

  recordWindowRetry(): void {
    this.metrics.recordWindowRetry();
  }

  /** A global decision starts: until `endDecision`, no allocation applied after now is acknowledged (AllocationTable.beginDecision). */
  beginDecision(): number {
    return this.table.beginDecision();
  }

  endDecision(token: number): void {
    this.table.endDecision(token);
  }

  /** Whether the allocations already in the stream have been read (or waiting for them timed out). */
  get allocationsCaughtUp(): boolean {
    return this.caughtUp;
  }

  /** Whether the NATS link is running (a global policy has been seen). */
  get started(): boolean {
    return this.channel !== undefined;
  }

  /** Applies one raw allocation message once it verifies; a forged or malformed one is counted and logged, never thrown. */
  receiveAllocation(data: Uint8Array): void {
    const verifier = this.config.signing.global?.allocations;
    const verified: Verification = verifier === undefined ? { ok: false, reason: 'unknown_key', payload: data } : verifier.verify('allocation', data);
    if (!verified.ok) {
      this.metrics.recordAllocationSignatureRejected(verified.reason);
      this.log.warn(
        `unverified-allocation-${verified.reason}`,
        { subject: this.allocationsSubject, epoch: claimedEpoch(verified.payload), reason: verified.reason, trustedKeyIds: verifier?.keyIds ?? [] },
        'ignoring a global allocation that does not verify against ALLOCATION_SIGNING_PUBLIC_KEYS',
      );
      return;
    }
    const parsed = parseAllocationUpdate(verified.payload);
    if (!parsed.ok) {
      this.metrics.recordAllocationMessage('invalid');
      this.log.warn('invalid-allocation', { errors: parsed.errors.slice(0, 5) }, 'ignoring an invalid global allocation message');
      return;
    }
    const update = parsed.value;
    if (update.region !== this.config.region) {
      this.metrics.recordAllocationMessage('other_region');
      this.log.warn('other-region', { region: update.region }, 'ignoring a global allocation for another region');
      return;
    }
    const acknowledged = this.table.appliedEpoch;
    const result = this.table.apply(update, Date.now());
    // A lowering frees share for other regions only once acknowledged: report the new epoch as
    // soon as it has settled rather than at the next interval, so reallocation takes one report less.
    if (this.table.appliedEpoch > acknowledged) this.scheduleAck();
    this.metrics.recordAllocationMessage('applied');
    this.metrics.recordAllocationKeys(result);
    if (result.refused > 0) this.log.warn('table-full', { refused: result.refused, epoch: update.epoch }, 'allocation table full: allocations refused and not acknowledged');
  }

  /** Builds and publishes one usage report now (the timer calls it every GLOBAL_SYNC_INTERVAL_MS). */
  report(): void {
    const now = Date.now();
    this.table.sweep(now);
    if (this.reporter !== undefined) {
      const messages = this.reporter.build(now);
      const published = this.channel?.publishUsage(messages) ?? false;
      this.metrics.recordReports(published ? 'published' : 'skipped', messages.length);
    }
    this.metrics.setState({ appliedEpoch: this.table.appliedEpoch, held: this.table.size, droppedKeys: this.tracker.dropped });
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe();
    this.timer?.stop();
    if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
    if (this.channel !== undefined) {
      this.report();
      await this.channel.close();
    }
  }

  private follow(snapshot: ActivePolicies): void {
    if (this.channel !== undefined || this.caughtUp) return;
    if (!snapshot.policies.some(countsGlobally) && !snapshot.overrides.some(countsGlobally)) return;
    const { config } = this;
    if (config.signing.global === undefined) {
      const log = config.global.regions.length > 1 ? this.logger.warn.bind(this.logger) : this.logger.info.bind(this.logger);
      log(
        { regions: config.global.regions },
        'global policies present, but ALLOCATION_SIGNING_PUBLIC_KEYS and USAGE_SIGNING_PRIVATE_KEY are unset: not syncing with the reconciler; enforcing the static split',
      );
      this.markCaughtUp('no signing keys: static split');
      return;
    }
    this.channel = new GlobalChannel({
      url: config.nats.url,
      transport: config.nats.transport,
      namespace: config.nats.namespace,
      region: config.region,
      connectionName: `enforcer:${config.region}:${config.instanceId}:global`,
      logger: this.logger.child({ component: 'global-limits' }),
      retry: DEFAULT_RETRY,
      onAllocation: (data) => this.receiveAllocation(data),
      onCaughtUp: () => this.markCaughtUp('read the allocation stream'),
    });
    this.catchUpDeadline = Date.now() + CATCH_UP_INTERVALS * config.global.syncIntervalMs;
    this.channel.start();
    // Reports go out on wall-clock boundaries (every multiple of the interval), and the
    // reconciler cycles a fixed offset after its own: each cycle then sees one fresh report per
    // instance instead of data up to an interval old (see AlignedTimer).
    this.timer = new AlignedTimer({ periodMs: config.global.syncIntervalMs, task: () => this.reportSafely() });
    this.timer.start();
    this.logger.info({ regions: config.global.regions, syncIntervalMs: config.global.syncIntervalMs }, 'global policies present: syncing usage and allocations');
  }

  private scheduleAck(): void {
    if (this.channel === undefined || this.ackTimer !== undefined) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      this.reportSafely();
    }, this.ackDelayMs);
    this.ackTimer.unref();
  }

  private markCaughtUp(how: string): void {
    if (this.caughtUp) return;
    this.caughtUp = true;
    this.logger.info({ how, held: this.table.size, appliedEpoch: this.table.appliedEpoch }, 'global allocations caught up; keys without one get the static split');
  }

  private reportSafely(): void {
    try {
      this.report();
    } catch (error) {
      this.log.warn('report', { err: error }, 'building or publishing the global usage report failed');
    }
  }
}

/** The epoch a refused allocation claims, for the log line only (it is not to be trusted). */
function claimedEpoch(payload: Uint8Array | undefined): number | undefined {
  if (payload === undefined || payload.byteLength > GLOBAL_BOUNDS.messageMaxBytes) return undefined;
  try {
    const raw: unknown = JSON.parse(decoder.decode(payload));
    const epoch = typeof raw === 'object' && raw !== null && 'epoch' in raw ? raw.epoch : undefined;
    return typeof epoch === 'number' && Number.isSafeInteger(epoch) ? epoch : undefined;
  } catch {
    return undefined;
  }
}

/** The length of a global limit's window starting at `windowStartMs`: a calendar window's own (a month, a DST day), else its windowSeconds. */
function limitWindowMs(limit: CompiledLimit, windowStartMs: number): number {
  if (limit.calendar === undefined) return Math.max(1, Math.round(limit.windowUs / 1000));
  const bounds = limit.calendar.boundsAt(windowStartMs * 1000);
  return (bounds.endUs - bounds.startUs) / 1000;
}

/** Whether a policy, or any of its stacked limits, is counted against a limit shared by all regions. */
function countsGlobally(policy: Policy): boolean {
  return policy.scope === 'global' || (policy.limits?.some((limit) => limitScope(policy, limit) === 'global') ?? false);
}
