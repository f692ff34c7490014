import { globalUsageWildcard, parseUsageReport, regionOfGlobalSubject } from '@rl/contracts';
import { ThrottledLog } from '@rl/platform';
import type { NatsConnection, Subscription } from 'nats';
import type { ReconcilerMetrics } from '../metrics/reconciler-metrics';
import type { PartContext } from './part-context';

export interface ReportIntakeOptions extends PartContext {
  readonly metrics: Pick<ReconcilerMetrics, 'report'>;
}

/**
 * Every instance consumes every usage report (`<ns>.global.usage.*`). A report is verified against
 * the key of the region its subject names (USAGE_SIGNING_PUBLIC_KEYS: a report for region R not
 * signed by R's key is rejected and counted, so one region cannot starve the others), validated,
 * checked to name the region of its subject, and fed to the book. Each outcome is counted in
 * `rl_reconciler_reports_total{result}`; rejections are logged at most once per 10 s per kind.
 */
export class ReportIntake {
  private subscription: Subscription | undefined;
  private readonly log: ThrottledLog;
  private readonly acceptedListeners: Array<(nowMs: number) => void> = [];
  private since = Number.POSITIVE_INFINITY;
  private lastAccepted = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ReportIntakeOptions) {
    this.log = new ThrottledLog(options.logger, { intervalMs: 10_000, now: options.now });
  }

  /** When the current subscription started: a cycle needs one interval of reports behind it. */
  get reportsSinceMs(): number {
    return this.since;
  }

  get lastAcceptedReportMs(): number {
    return this.lastAccepted;
  }

  /** Called after each accepted report, with the time it was accepted. */
  onAccepted(listener: (nowMs: number) => void): void {
    this.acceptedListeners.push(listener);
  }

  /** Subscribes on a new connection (the old one closed for good). */
  subscribe(nc: NatsConnection): void {
    this.since = this.options.now();
    this.subscription = nc.subscribe(globalUsageWildcard(this.options.config.nats.namespace), {
      callback: (error, msg) => {
        if (error) this.log.warn('usage-subscription', { err: error }, 'usage report subscription error');
        else this.receive(msg.subject, msg.data);
      },
    });
  }

  unsubscribe(): void {
    this.subscription?.unsubscribe();
  }

  /** One report as received on `subject`: signed envelope bytes. */
  receive(subject: string, data: Uint8Array): void {
    const { config, metrics } = this.options;
    const region = regionOfGlobalSubject(config.nats.namespace, subject);
    const keys = region === undefined ? undefined : config.signing.usageKeys.get(region);
    if (keys === undefined) {
      metrics.report('unknown_region');
      this.log.warn('unknown-region', { subject }, 'usage report on the subject of a region not in RECONCILER_REGIONS; rejected');
      return;
    }
    const verified = keys.verify('usage-report', data);
    if (!verified.ok) {
      metrics.report(verified.reason);
      this.log.warn(
        `unverified-report-${verified.reason}`,
        { subject, region, reason: verified.reason, trustedKeyIds: keys.keyIds },
        `usage report for ${region} not signed by ${region}'s key (USAGE_SIGNING_PUBLIC_KEYS); rejected`,
      );
      return;
    }
    const parsed = parseUsageReport(verified.payload);
    if (!parsed.ok) {
      metrics.report('malformed');
      this.log.warn('malformed-report', { subject, errors: parsed.errors.slice(0, 5) }, 'usage report rejected');
      return;
    }
    const report = parsed.value;
    if (region !== report.region) {
      metrics.report('region_mismatch');
      this.log.warn('region-mismatch', { subject, region: report.region }, 'usage report names another region than its subject; rejected');
      return;
    }
    const now = this.options.now();
    const outcome = this.options.ledger.book.ingest(report, now);
    metrics.report(outcome.result, outcome.staleEntries);
    if (outcome.result !== 'accepted') {
      this.log.warn(outcome.result, { region: report.region, instanceId: report.instanceId }, `usage report rejected: ${outcome.result}`);
      return;
    }
    this.lastAccepted = now;
    for (const listener of this.acceptedListeners) listener(now);
  }
}
