import { QuotaBook } from '@rl/global-quota';
import type { ReconcilerConfig } from '../config/reconciler-config';

/**
 * The QuotaBook this instance works on. Replaced whole when a leader loses the lease with
 * allocations unpublished: what it computed but never sent must not count as issued, so the book
 * is rebuilt from the allocation stream and the next reports.
 */
export class QuotaLedger {
  private current: QuotaBook;

  constructor(private readonly config: ReconcilerConfig) {
    this.current = this.fresh();
  }

  get book(): QuotaBook {
    return this.current;
  }

  reset(): void {
    this.current = this.fresh();
  }

  private fresh(): QuotaBook {
    const c = this.config;
    return new QuotaBook({ regions: c.regions, floorPercent: c.floorPercent, leaseMs: c.regionLeaseMs, refreshMs: c.refreshMs, instanceTimeoutMs: c.instanceTimeoutMs });
  }
}
