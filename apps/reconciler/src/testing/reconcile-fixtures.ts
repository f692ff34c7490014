import { encodeGlobalMessage, globalWindowStartMs, type UsageReport } from '@rl/contracts';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ReconcilerConfig } from '../config/reconciler-config';
import { ReconcilerMetrics } from '../metrics/reconciler-metrics';
import type { JetStreamPublish } from '../reconcile/allocation-publisher';
import { QuotaLedger } from '../reconcile/quota-ledger';
import { reconcilerSigningEnv } from './signing-keys';

/** Unit-test fixtures of the reconciler's parts: a config for two regions, a silent logger, real metrics and ledger, a clock tests move. */
export const TEST_REGIONS = ['us-east', 'eu-west'];
export const TEST_POLICY = 'search';
const WINDOW_SECONDS = 3600;

export interface PartFixtures {
  readonly config: ReconcilerConfig;
  readonly logger: pino.Logger;
  readonly registry: Registry;
  readonly metrics: ReconcilerMetrics;
  readonly ledger: QuotaLedger;
  readonly clock: { ms: number };
  readonly now: () => number;
}

export function partFixtures(): PartFixtures {
  const config = ReconcilerConfig.fromEnv({ RECONCILER_REGIONS: TEST_REGIONS.join(','), NATS_NAMESPACE: 'unit', LOG_LEVEL: 'silent', ...reconcilerSigningEnv(TEST_REGIONS) });
  const clock = { ms: Date.UTC(2026, 0, 1, 12, 0, 0) };
  const now = (): number => clock.ms;
  const ledger = new QuotaLedger(config);
  const registry = new Registry();
  const metrics = new ReconcilerMetrics(registry, () => ledger.book.allocationTotals(now()));
  return { config, logger: pino({ level: 'silent' }), registry, metrics, ledger, clock, now };
}

/** A region's report of `admitted` requests for `key` under TEST_POLICY (limit 1000) in the current window. */
export function usageReport(options: { region: string; key: string; admitted: number; nowMs: number; sequence?: number; instanceId?: string }): UsageReport {
  return {
    schema: 1,
    region: options.region,
    instanceId: options.instanceId ?? `${options.region}-1`,
    sequence: options.sequence ?? 1,
    sentAtMs: options.nowMs,
    appliedEpoch: 0,
    windows: [{ policyId: TEST_POLICY, windowStartMs: globalWindowStartMs(options.nowMs, WINDOW_SECONDS), windowSeconds: WINDOW_SECONDS, limit: 1000, keys: [[options.key, options.admitted, 0]] }],
  };
}

/** The one-part encoding of a global message. */
export function encodedOnce(message: UsageReport): Uint8Array {
  const [data] = encodeGlobalMessage(message);
  return data;
}

/** The value of one series of the registry, e.g. `rl_reconciler_reports_total{result="accepted"}`. */
export async function seriesValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  const found = metric?.values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
  return found?.value;
}

/** JetStream as the publisher sees it: records every attempt; the attempts numbered in `failAt` (from 1) fail. */
export class RecordingJetStream implements JetStreamPublish {
  readonly attempts: Array<{ subject: string; data: Uint8Array; msgID: string; ok: boolean }> = [];
  failAt = new Set<number>();

  get sent(): Array<{ subject: string; data: Uint8Array; msgID: string }> {
    return this.attempts.filter((a) => a.ok);
  }

  publish(subject: string, data: Uint8Array, options: { msgID: string; timeout: number }): Promise<unknown> {
    const ok = !this.failAt.has(this.attempts.length + 1);
    this.attempts.push({ subject, data, msgID: options.msgID, ok });
    return ok ? Promise.resolve({}) : Promise.reject(new Error('timeout'));
  }
}
