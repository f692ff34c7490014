import { VERIFICATION_FAILURES, type VerificationFailure } from '@rl/platform';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AllocationApplyResult } from './allocation-table';

/** Series of the global-limit sync. Labels are fixed sets of results, never keys, policies or identities. */
export class GlobalMetrics {
  private readonly allocationMessages: Counter<'result'>;
  private readonly allocationKeys: Counter<'result'>;
  private readonly unverifiedAllocations: Counter<'reason'>;
  private readonly reports: Counter<'result'>;
  private readonly windowRetries: Counter;
  private readonly appliedEpoch: Gauge;
  private readonly held: Gauge;
  private readonly droppedKeys: Gauge;

  constructor(registry: Registry) {
    this.allocationMessages = new Counter({
      name: 'rl_global_allocation_messages_total',
      help: 'Allocation messages received: applied, or rejected as invalid or addressed to another region',
      labelNames: ['result'],
      registers: [registry],
    });
    this.allocationKeys = new Counter({
      name: 'rl_global_allocation_keys_total',
      help: 'Allocations received, per key: applied, stale (epoch not above the one held), ended (window over) or refused (table full)',
      labelNames: ['result'],
      registers: [registry],
    });
    this.unverifiedAllocations = new Counter({
      name: 'rl_global_allocation_signature_rejections_total',
      help: 'Allocation messages not applied because their signature did not verify against ALLOCATION_SIGNING_PUBLIC_KEYS (unsigned, unknown_key, bad_signature)',
      labelNames: ['reason'],
      registers: [registry],
    });
    for (const reason of VERIFICATION_FAILURES) this.unverifiedAllocations.inc({ reason }, 0);
    this.reports = new Counter({
      name: 'rl_global_usage_reports_total',
      help: 'Usage report messages: published, or skipped while NATS is not connected',
      labelNames: ['result'],
      registers: [registry],
    });
    this.windowRetries = new Counter({
      name: 'rl_global_window_retries_total',
      help: 'Global decisions asked again because the store counted in another window than the cap was chosen for (clock skew at a window boundary)',
      registers: [registry],
    });
    this.appliedEpoch = new Gauge({ name: 'rl_global_applied_epoch', help: 'Highest allocation epoch applied by this instance', registers: [registry] });
    this.held = new Gauge({ name: 'rl_global_allocations_held', help: 'Allocations (policy, identity, window) this instance holds', registers: [registry] });
    this.droppedKeys = new Gauge({
      name: 'rl_global_usage_keys_dropped',
      help: 'Identities not counted for usage reports because the tracker was full, since start',
      registers: [registry],
    });
  }

  recordAllocationMessage(result: 'applied' | 'invalid' | 'other_region'): void {
    this.allocationMessages.inc({ result });
  }

  recordAllocationSignatureRejected(reason: VerificationFailure): void {
    this.unverifiedAllocations.inc({ reason });
  }

  recordAllocationKeys(result: AllocationApplyResult): void {
    if (result.applied > 0) this.allocationKeys.inc({ result: 'applied' }, result.applied);
    if (result.stale > 0) this.allocationKeys.inc({ result: 'stale' }, result.stale);
    if (result.ended > 0) this.allocationKeys.inc({ result: 'ended' }, result.ended);
    if (result.refused > 0) this.allocationKeys.inc({ result: 'refused' }, result.refused);
  }

  recordReports(result: 'published' | 'skipped', messages: number): void {
    this.reports.inc({ result }, messages);
  }

  recordWindowRetry(): void {
    this.windowRetries.inc();
  }

  setState(input: { appliedEpoch: number; held: number; droppedKeys: number }): void {
    this.appliedEpoch.set(input.appliedEpoch);
    this.held.set(input.held);
    this.droppedKeys.set(input.droppedKeys);
  }
}
