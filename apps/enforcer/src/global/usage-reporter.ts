import { encodeGlobalMessage, type UsageReport, type UsageWindow } from '@rl/contracts';
import type { MessageSigner } from '@rl/platform';
import type { AllocationTable } from './allocation-table';
import type { UsageTracker } from './usage-tracker';

export interface UsageReporterOptions {
  readonly region: string;
  readonly instanceId: string;
  readonly tracker: UsageTracker;
  readonly table: AllocationTable;
  /** This region's USAGE_SIGNING_PRIVATE_KEY: every message is signed (purpose `usage-report`). */
  readonly signer: MessageSigner;
  /** How long after its end a window is still reported (then dropped), so its final counts arrive. */
  readonly endedGraceMs: number;
  /**
   * The first sequence number. Sequences must grow across restarts of an instance with the same
   * INSTANCE_ID (the reconciler keeps the entry of the highest one), so production starts from the
   * wall clock in milliseconds: at one report per interval, a restart always starts above.
   */
  readonly firstSequence: number;
  /** Most bytes per message; larger reports are split (see encodeGlobalMessage). */
  readonly maxMessageBytes?: number;
}

/**
 * Builds this instance's usage reports, off the request path: every window current or ended less
 * than `endedGraceMs` ago, with ABSOLUTE admitted/denied counts per identity, the epoch this
 * instance acknowledges (applied and settled: AllocationTable.acknowledgedEpoch), and a fresh
 * sequence number. A report is sent even with no windows: it still acknowledges the applied epoch.
 * Each message is a signed envelope: the reconciler accepts a report for this region only if this
 * region's key signed it.
 */
export class UsageReporter {
  private sequence: number;

  constructor(private readonly options: UsageReporterOptions) {
    this.sequence = options.firstSequence;
  }

  /** The signed messages of one report (one, unless it is larger than a message may be). */
  build(nowMs: number): Uint8Array[] {
    const { tracker, endedGraceMs } = this.options;
    tracker.evictEnded(nowMs - endedGraceMs);
    const windows: UsageWindow[] = [];
    for (const usage of tracker.all()) {
      if (usage.keys.size > 0) windows.push(usage.toReport());
    }
    const report: UsageReport = {
      schema: 1,
      region: this.options.region,
      instanceId: this.options.instanceId,
      sequence: this.sequence++,
      sentAtMs: nowMs,
      appliedEpoch: this.options.table.acknowledgedEpoch(nowMs),
      windows,
    };
    return encodeGlobalMessage(report, this.options.maxMessageBytes).map((payload) => this.options.signer.sign('usage-report', payload).envelope);
  }
}
